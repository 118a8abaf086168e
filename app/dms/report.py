"""An import's report in words: the same figures for the web, the command line
and the download of rejected rows."""

from __future__ import annotations

import csv
import io
from typing import Any

from app import i18n
from app.dms.fields import KIND_LABELS

STATUS_NAMES = {
    "draft": "esperando el mapeo de columnas",
    "queued": "en cola",
    "running": "importando",
    "done": "terminada",
    "failed": "falló",
    "cancelled": "cancelada",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def counts_line(job: dict[str, Any]) -> str:
    n = i18n.numero
    return (f"{n(job['created_count'])} nuevas, {n(job['updated_count'])} actualizadas, "
            f"{n(job['unchanged_count'])} sin cambios, {n(job['rejected_count'])} rechazadas")


def nothing_changed(job: dict[str, Any]) -> bool:
    return job["status"] == "done" and job["processed_rows"] > 0 and not (job["created_count"] or job["updated_count"])


def rejection_line(r: dict[str, Any]) -> str:
    value = f" («{r['value']}»)" if r["value"] else ""
    return f"Línea {r['line']}, columna «{r['column']}»{value}: {r['reason']}"


def text_report(job: dict[str, Any]) -> str:
    lines = [
        f"Importación de {KIND_LABELS.get(job['kind'], job['kind'])}: {job['filename']}",
        f"Estado: {STATUS_NAMES.get(job['status'], job['status'])}",
        f"Filas leídas: {i18n.numero(job['processed_rows'])} de {i18n.numero(job['total_rows'])} — {counts_line(job)}.",
    ]
    if job["message"]:
        lines.append(job["message"])
    if nothing_changed(job):
        lines.append("El archivo no trajo cambios: todo ya estaba importado.")
    if job["flagged_count"]:
        lines.append(f"{i18n.numero(job['flagged_count'])} filas se guardaron con algún dato marcado para revisar "
                     "(teléfono, VIN o identificación fiscal).")
    if job["errors"]:
        lines.append("")
        lines.append("Filas rechazadas (no se guardó nada de ellas):")
        lines += ["  " + rejection_line(r) for r in job["errors"]]
        if len(job["errors"]) < job["rejected_count"]:
            lines.append(f"  … y {i18n.numero(job['rejected_count'] - len(job['errors']))} más.")
    return "\n".join(lines)


def _safe(value: Any) -> str:
    """Text a spreadsheet must not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def rejected_csv(job: dict[str, Any]) -> bytes:
    """The rejected rows for Excel: UTF-8 with BOM, semicolons (the separator of Spanish locales)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Línea", "Columna", "Valor", "Motivo"])
    for r in job["errors"]:
        writer.writerow([r["line"], _safe(r["column"]), _safe(r["value"]), _safe(r["reason"])])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
