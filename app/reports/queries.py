"""The figures of each report, computed from the same rows and the same rules
as the board lists: a period is the branch's local days, first to last."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from app import db
from app.board.workshop.queries import age_bounds, age_sql
from app.rules.repair_orders import AGES

NO_OUTCOME = "Sin resultado"
AGE_NAMES = {"hoy": "Hoy", "ayer": "Ayer", "semana": "Hasta 1 semana", "mas": "Más de 1 semana"}


@dataclass
class Section:
    key: str
    title: str
    totals: list[tuple[str, int]] = field(default_factory=list)  # the headline figures, in order
    bar: tuple[str, list[tuple[str, int]]] | None = None
    pie: tuple[str, list[tuple[str, int]]] | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)  # the grid
    columns: list[tuple[str, str]] = field(default_factory=list)  # (key, heading) of the grid


async def deliveries(branch_ids: tuple[int, ...], start: dt.datetime, end: dt.datetime) -> Section:
    marks, ids = db.in_list(branch_ids)
    rows = await db.fetch(
        f"""SELECT d.welcome_call_status AS status, COALESCE(co.name, '') AS outcome, COUNT(*) AS n
              FROM delivery d LEFT JOIN call_outcome co ON co.id = d.welcome_call_outcome
             WHERE d.branch IN {marks} AND d.delivered_at >= {{}} AND d.delivered_at < {{}}
             GROUP BY d.welcome_call_status, co.name ORDER BY n DESC""", *ids, start, end)
    total = sum(r["n"] for r in rows)
    done = sum(r["n"] for r in rows if r["status"] == "done")
    outcomes = [(r["outcome"] or NO_OUTCOME, r["n"]) for r in rows if r["status"] == "done"]
    return Section("entregas", "Entregas", [("Entregas", total), ("Con llamado de bienvenida", done),
                                            ("Sin llamado", total - done)],
                   bar=("Llamados de bienvenida", [("Con llamado", done), ("Sin llamado", total - done)]),
                   pie=("Resultado del llamado", outcomes),
                   rows=[{"resultado": label, "entregas": n} for label, n in outcomes],
                   columns=[("resultado", "Resultado"), ("entregas", "Entregas")])


KIND_NAMES = {"welcome_followup": "Primer service", "maintenance": "Mantenimiento", "lapsed": "Sin visitas (6 meses)",
              "declined_work": "Trabajo no autorizado", "recall": "Recall", "technical_note": "Nota técnica",
              "marketing": "Marketing", "service_campaign": "Campaña de servicio", "no_show": "Inasistencia",
              "web_booking": "Turno web", "manual": "Manual"}


async def opportunities(branch_ids: tuple[int, ...], start: dt.datetime, end: dt.datetime) -> Section:
    """The cohort created in the period, followed down the funnel; discards by reason."""
    marks, ids = db.in_list(branch_ids)
    funnel = (await db.fetch(
        f"""SELECT COUNT(*) AS created,
                   COALESCE(SUM(CASE WHEN o.attempt_count > 0 OR o.status = 'booked' THEN 1 ELSE 0 END), 0)
                     AS contacted,
                   COALESCE(SUM(CASE WHEN o.status = 'booked' THEN 1 ELSE 0 END), 0) AS booked,
                   COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM appointment a WHERE a.opportunity = o.id
                                                     AND a.status = 'arrived') THEN 1 ELSE 0 END), 0) AS arrived,
                   COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM appointment a WHERE a.opportunity = o.id
                                                     AND a.repair_order IS NOT NULL) THEN 1 ELSE 0 END), 0)
                     AS with_order,
                   COALESCE(SUM(CASE WHEN o.status = 'discarded' THEN 1 ELSE 0 END), 0) AS discarded
              FROM opportunity o WHERE o.branch IN {marks} AND o.created_at >= {{}} AND o.created_at < {{}}""",
        *ids, start, end))[0]
    kinds = await db.fetch(
        f"""SELECT o.kind, COUNT(*) AS n FROM opportunity o
             WHERE o.branch IN {marks} AND o.created_at >= {{}} AND o.created_at < {{}}
             GROUP BY o.kind ORDER BY n DESC""", *ids, start, end)
    reasons = await db.fetch(
        f"""SELECT COALESCE(dr.name, '') AS reason, COUNT(*) AS n FROM opportunity o
              LEFT JOIN discard_reason dr ON dr.id = o.discard_reason
             WHERE o.branch IN {marks} AND o.status = 'discarded' AND o.closed_at >= {{}} AND o.closed_at < {{}}
             GROUP BY dr.name ORDER BY n DESC""", *ids, start, end)
    people = await db.fetch(
        f"""SELECT COALESCE(u.full_name, '') AS who, COUNT(*) AS attempts,
                   COALESCE(SUM(CASE WHEN ca.reached THEN 1 ELSE 0 END), 0) AS reached
              FROM contact_attempt ca LEFT JOIN app_user u ON u.id = ca."user"
             WHERE ca.branch IN {marks} AND ca.purpose = 'opportunity' AND ca.created_at >= {{}}
               AND ca.created_at < {{}}
             GROUP BY u.full_name ORDER BY attempts DESC""", *ids, start, end)
    steps = [("Oportunidades", funnel["created"]), ("Contactadas", funnel["contacted"]),
             ("Con turno", funnel["booked"]), ("Asistieron", funnel["arrived"]), ("Con OR", funnel["with_order"])]
    return Section(
        "oportunidades", "Oportunidades", [*steps, ("Descartadas", funnel["discarded"])],
        bar=("Embudo de las oportunidades creadas", steps),
        pie=("Descartes por motivo", [(r["reason"] or "Sin motivo", r["n"]) for r in reasons]),
        rows=[{"tipo": KIND_NAMES.get(r["kind"], r["kind"]), "oportunidades": r["n"]} for r in kinds]
        + [{"tipo": f"Intentos de {r['who'] or 'sin usuario'}", "oportunidades": r["attempts"]} for r in people],
        columns=[("tipo", "Tipo / coordinador"), ("oportunidades", "Cantidad")])


async def appointments(branch_ids: tuple[int, ...], start: dt.datetime, end: dt.datetime) -> Section:
    marks, ids = db.in_list(branch_ids)
    rows = await db.fetch(
        f"""SELECT status, COUNT(*) AS n,
                   COALESCE(SUM(CASE WHEN confirmed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS confirmed
              FROM appointment WHERE branch IN {marks} AND starts_at >= {{}} AND starts_at < {{}}
             GROUP BY status""", *ids, start, end)
    by = {r["status"]: r["n"] for r in rows}
    total = sum(by.values())
    confirmed = sum(r["confirmed"] for r in rows)
    arrived, no_show = by.get("arrived", 0), by.get("no_show", 0)
    rate = round(100 * no_show / (arrived + no_show)) if arrived + no_show else 0
    names = [("scheduled", "Por confirmar"), ("confirmed", "Confirmados"), ("arrived", "Asistieron"),
             ("no_show", "No asistieron"), ("cancelled", "Cancelados")]
    return Section("turnos", "Turnos", [("Turnos", total), ("Confirmados", confirmed), ("Asistieron", arrived),
                                        ("No asistieron", no_show), ("Inasistencia (%)", rate)],
                   bar=("Turnos del período", [(label, by.get(key, 0)) for key, label in names]),
                   pie=("Asistencia", [("Asistieron", arrived), ("No asistieron", no_show)]),
                   rows=[{"estado": label, "turnos": by.get(key, 0)} for key, label in names],
                   columns=[("estado", "Estado"), ("turnos", "Turnos")])


async def in_process(branch_ids: tuple[int, ...], today: dt.date, timezone: str) -> Section:
    """Open repair orders now, by how long they have been in the shop — the En proceso tabs' own groups
    (a snapshot, not a period)."""
    marks, ids = db.in_list(branch_ids)
    sums, args = [], []
    for age, (start, end) in age_bounds(today, ZoneInfo(timezone)).items():
        condition, values = age_sql(start, end)
        sums.append(f"COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS {age}")
        args += values
    row = (await db.fetch(f"SELECT {', '.join(sums)} FROM repair_order r WHERE r.branch IN {marks} "
                          "AND r.status = 'open'", *args, *ids))[0]
    ages = [(AGE_NAMES[age], row[age]) for age in AGES]
    return Section("en-proceso", "En proceso (hoy)", [("En el taller", sum(n for _, n in ages)), *ages],
                   bar=("Antigüedad de las órdenes abiertas", ages), pie=("Antigüedad", ages),
                   rows=[{"antiguedad": label, "ordenes": n} for label, n in ages],
                   columns=[("antiguedad", "Antigüedad"), ("ordenes", "Órdenes")])


async def done(branch_ids: tuple[int, ...], start: dt.datetime, end: dt.datetime) -> Section:
    marks, ids = db.in_list(branch_ids)
    rows = await db.fetch(
        f"""SELECT r.courtesy_call_status AS status, COALESCE(co.name, '') AS outcome, COUNT(*) AS n
              FROM repair_order r LEFT JOIN call_outcome co ON co.id = r.courtesy_call_outcome
             WHERE r.branch IN {marks} AND r.status = 'delivered' AND r.delivered_at >= {{}}
               AND r.delivered_at < {{}}
             GROUP BY r.courtesy_call_status, co.name ORDER BY n DESC""", *ids, start, end)
    total = sum(r["n"] for r in rows)
    called = sum(r["n"] for r in rows if r["status"] == "done")
    outcomes = [(r["outcome"] or NO_OUTCOME, r["n"]) for r in rows if r["status"] == "done"]
    return Section("realizados", "Servicios realizados", [("Entregados", total), ("Con llamado de cortesía", called),
                                                          ("Sin llamado", total - called)],
                   bar=("Llamados de cortesía", [("Con llamado", called), ("Sin llamado", total - called)]),
                   pie=("Resultado del llamado de cortesía", outcomes),
                   rows=[{"resultado": label, "servicios": n} for label, n in outcomes],
                   columns=[("resultado", "Resultado"), ("servicios", "Servicios")])
