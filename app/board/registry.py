"""The board's lists by key, so an action started on one list (Crear
oportunidad from Entregas) answers with that list's row and counts."""

from __future__ import annotations

from app.board.instance import Instance

INSTANCES: dict[str, Instance] = {}


def register(instance: Instance) -> Instance:
    INSTANCES[instance.key] = instance
    return instance


def find(key: str, default: Instance) -> Instance:
    return INSTANCES.get(key, default)
