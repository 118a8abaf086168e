"""Ver en grilla: the rows behind each report, to filter, sort and pie-chart by any column, and to export.

Each grid is a fixed SELECT over the branch(es) and the period; columns are
SQL expressions of ours (labels already in Spanish), so filtering, sorting and
counting by a column happen in the database whatever the number of rows. What
the user sends only picks among these columns; values are placeholders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from app import db
from app.board.lists import utc
from app.dms.bulk import Bulk

PAGE = 100


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    sql: str
    kind: str = "text"  # text | number | date | moment


@dataclass(frozen=True)
class Grid:
    key: str
    title: str
    source: str  # FROM … WHERE …, with {branches} and two placeholders: the period's start and end
    columns: tuple[Column, ...]
    order: str  # the default ORDER BY

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def _case(sql: str, labels: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{code}' THEN '{label}'" for code, label in labels.items())
    return f"CASE {sql} {whens} ELSE {sql} END"


CALL = {"done": "Hecho", "pending": "Pendiente"}
CUSTOMER = Column("cliente", "Cliente", "c.name")
PLATE = Column("patente", "Patente", "v.plate")
VEHICLE = Column("vehiculo", "Vehículo", "TRIM(COALESCE(v.make, '') || ' ' || COALESCE(v.model, ''))")

GRIDS = {
    "entregas": Grid(
        "entregas", "Entregas",
        """FROM delivery d JOIN customer c ON c.id = d.customer JOIN vehicle v ON v.id = d.vehicle
           LEFT JOIN call_outcome co ON co.id = d.welcome_call_outcome
           WHERE d.branch IN {branches} AND d.delivered_at >= {{}} AND d.delivered_at < {{}}""",
        (Column("entregada", "Entregada", "d.delivered_at", "moment"), CUSTOMER, VEHICLE, PLATE,
         Column("vendedor", "Vendedor", "d.salesperson"),
         Column("llamado", "Llamado de bienvenida", _case("d.welcome_call_status", CALL)),
         Column("resultado", "Resultado", "COALESCE(co.name, '')")),
        "d.delivered_at, d.id"),
    "oportunidades": Grid(
        "oportunidades", "Oportunidades",
        """FROM opportunity o JOIN customer c ON c.id = o.customer LEFT JOIN vehicle v ON v.id = o.vehicle
           LEFT JOIN discard_reason dr ON dr.id = o.discard_reason LEFT JOIN app_user u ON u.id = o.assigned_to
           WHERE o.branch IN {branches} AND o.created_at >= {{}} AND o.created_at < {{}}""",
        (Column("creada", "Creada", "o.created_at", "moment"),
         Column("tipo", "Tipo", _case("o.kind", {"welcome_followup": "Primer service", "maintenance": "Mantenimiento",
                                                   "lapsed": "Sin visitas", "declined_work": "Trabajo no autorizado",
                                                   "recall": "Recall", "technical_note": "Nota técnica",
                                                   "marketing": "Marketing", "service_campaign": "Campaña",
                                                   "no_show": "Inasistencia", "web_booking": "Turno web",
                                                   "manual": "Manual"})),
         CUSTOMER, PLATE,
         Column("estado", "Estado", _case("o.status", {"open": "Abierta", "held": "En espera de repuestos",
                                                       "booked": "Con turno", "discarded": "Descartada",
                                                       "no_contact": "Sin contacto"})),
         Column("motivo", "Motivo de descarte", "COALESCE(dr.name, '')"),
         Column("intentos", "Intentos", "o.attempt_count", "number"),
         Column("asignada", "Asignada a", "COALESCE(u.full_name, '')")),
        "o.created_at, o.id"),
    "turnos": Grid(
        "turnos", "Turnos",
        """FROM appointment a JOIN customer c ON c.id = a.customer JOIN vehicle v ON v.id = a.vehicle
           WHERE a.branch IN {branches} AND a.starts_at >= {{}} AND a.starts_at < {{}}""",
        (Column("fecha", "Fecha y hora", "a.starts_at", "moment"), CUSTOMER, VEHICLE, PLATE,
         Column("estado", "Estado", _case("a.status", {"scheduled": "Por confirmar", "confirmed": "Confirmado",
                                                       "arrived": "Asistió", "no_show": "No asistió",
                                                       "cancelled": "Cancelado"})),
         Column("origen", "Origen", _case("a.source", {"dms": "DMS", "board": "Tablero", "web": "Web"})),
         Column("asesor", "Asesor", "a.advisor_name")),
        "a.starts_at, a.id"),
    "realizados": Grid(
        "realizados", "Servicios realizados",
        """FROM repair_order r JOIN customer c ON c.id = r.customer JOIN vehicle v ON v.id = r.vehicle
           LEFT JOIN call_outcome co ON co.id = r.courtesy_call_outcome
           WHERE r.branch IN {branches} AND r.status = 'delivered' AND r.delivered_at >= {{}}
             AND r.delivered_at < {{}}""",
        (Column("entregada", "Entregada", "r.delivered_at", "moment"), Column("orden", "Orden", "r.number"),
         CUSTOMER, VEHICLE, PLATE, Column("asesor", "Asesor", "r.advisor_name"),
         Column("llamado", "Llamado de cortesía", _case("r.courtesy_call_status", CALL)),
         Column("resultado", "Resultado", "COALESCE(co.name, '')"),
         Column("total", "Total", "r.total_amount", "number")),
        "r.delivered_at, r.id"),
}


@dataclass(frozen=True)
class Query:
    """What the user asked of a grid: a filter, an order, a pie."""

    filter_key: str = ""
    filter_value: str = ""
    order_key: str = ""
    descending: bool = False
    pie_key: str = ""
    page: int = 1


def _where(grid: Grid, branch_ids: tuple[int, ...], start: dt.datetime, end: dt.datetime, q: Query
           ) -> tuple[str, list[Any]]:
    marks, ids = db.in_list(branch_ids)
    source = grid.source.replace("{branches}", marks)
    source = source.replace("{{}}", "{}")
    args: list[Any] = [*ids, start, end]
    column = grid.column(q.filter_key)
    if column is not None and q.filter_value:
        source += f" AND LOWER(CAST({column.sql} AS TEXT)) LIKE {{}}"
        args.append(f"%{q.filter_value.lower()}%")
    return source, args


def _select(grid: Grid) -> str:
    return ", ".join(f"{c.sql} AS {c.key}" for c in grid.columns)


def _order(grid: Grid, q: Query) -> str:
    column = grid.column(q.order_key)
    if column is None:
        return grid.order
    return f"{column.key} {'DESC' if q.descending else 'ASC'}, 1"


async def rows(grid: Grid, branch_ids: tuple[int, ...], start: dt.datetime, end: dt.datetime, q: Query
               ) -> tuple[list[dict[str, Any]], int]:
    source, args = _where(grid, branch_ids, start, end, q)
    async with db.read_together():
        total = (await db.fetch(f"SELECT COUNT(*) AS n {source}", *args))[0]["n"]
        found = await db.fetch(f"SELECT {_select(grid)} {source} ORDER BY {_order(grid, q)} LIMIT {{}} OFFSET {{}}",
                               *args, PAGE, (q.page - 1) * PAGE)
    moments = [c.key for c in grid.columns if c.kind == "moment"]
    for row in found:
        for key in moments:
            row[key] = utc(row[key])
    return found, total


async def counts_by(grid: Grid, branch_ids: tuple[int, ...], start: dt.datetime, end: dt.datetime, q: Query
                    ) -> list[tuple[str, int]]:
    """The pie: how many rows per value of the chosen column (the 12 largest, the rest as «Otros»)."""
    column = grid.column(q.pie_key)
    if column is None:
        return []
    source, args = _where(grid, branch_ids, start, end, q)
    found = await db.fetch(f"SELECT {column.sql} AS value, COUNT(*) AS n {source} GROUP BY {column.sql} "
                           "ORDER BY n DESC", *args)
    pairs = [(str(r["value"] if r["value"] not in (None, "") else "(vacío)"), r["n"]) for r in found]
    return pairs[:12] + ([("Otros", sum(n for _, n in pairs[12:]))] if len(pairs) > 12 else [])


async def every_row(grid: Grid, branch_ids: tuple[int, ...], start: dt.datetime, end: dt.datetime, q: Query
                    ) -> AsyncIterator[dict[str, Any]]:
    """All the rows, in order, from one cursor (for the export)."""
    source, args = _where(grid, branch_ids, start, end, q)
    sql = f"SELECT {_select(grid)} {source} ORDER BY {_order(grid, q)}".replace("{}", "?")
    async with db.engine().transaction() as transaction:
        async for row in Bulk(transaction).stream(sql, *args):
            yield row
