"""Excel export of a grid: real dates and numbers, text that never becomes a formula, written row by row
(openpyxl's write-only mode keeps memory flat) to a temporary file that is streamed back."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from app.board.lists import utc
from app.reports.grid import Grid

MOMENT_FORMAT = "dd/mm/yyyy hh:mm"


FORMULA_STARTS = ("=", "+", "-", "@")


def _cell(sheet: Any, value: Any, kind: str, tz: ZoneInfo) -> Any:
    """A plain value where openpyxl types it right (it is much faster); a cell where it would not."""
    if value is None or value == "":
        return None
    if kind == "moment":
        cell = WriteOnlyCell(sheet, value=utc(value).astimezone(tz).replace(tzinfo=None))
        cell.number_format = MOMENT_FORMAT
        return cell
    if kind == "number":
        return float(value) if isinstance(value, Decimal) else value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # "=HYPERLINK(…)" from a DMS name stays text: never a formula
        return cell
    return text


async def write(grid: Grid, rows: AsyncIterator[dict[str, Any]], timezone: str, subtitle: str) -> IO[bytes]:
    """The workbook in a temporary file, positioned at its start."""
    tz = ZoneInfo(timezone)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(grid.title[:31])
    title = WriteOnlyCell(sheet, value=f"{grid.title} · {subtitle}")
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    headings = []
    for column in grid.columns:
        heading = WriteOnlyCell(sheet, value=column.heading)
        heading.font = Font(bold=True)
        headings.append(heading)
    sheet.append(headings)
    async for row in rows:
        sheet.append([_cell(sheet, row[c.key], c.kind, tz) for c in grid.columns])
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it after streaming
    book.save(out)
    out.seek(0)
    return out


def filename(grid: Grid, first: dt.date, last: dt.date) -> str:
    return f"retorno-{grid.key}-{first:%Y%m%d}-{last:%Y%m%d}.xlsx"
