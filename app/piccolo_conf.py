"""Piccolo's configuration: the engine comes from DATABASE_URL (app/config.py).

It lives inside the package (found through PICCOLO_CONF, set in
app/__init__.py) so the app starts from any working directory."""

from piccolo.conf.apps import AppRegistry

from app.db import make_engine

DB = make_engine()

APP_REGISTRY = AppRegistry(apps=["app.piccolo_app"])
