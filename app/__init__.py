"""Retorno: the active scheduling board of a dealership's aftersales department."""

import os

# Piccolo finds its engine by importing this module, wherever the process started.
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
