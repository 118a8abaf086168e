"""For Piccolo's own command line run from the project root (`piccolo migrations new app --auto`)."""

from app.piccolo_conf import APP_REGISTRY, DB

__all__ = ["APP_REGISTRY", "DB"]
