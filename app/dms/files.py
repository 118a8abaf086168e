"""An uploaded DMS export read into a table of raw cells.

CSV with `;` `,` tab or `|`, in UTF-8 (with or without BOM), UTF-16 with BOM
or cp1252; XLSX through openpyxl (read-only). Title rows above the header and
totals rows below the data are skipped and reported; line numbers are the
ones the user sees in the program that opened the file.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.rules.normalise import fold

MAX_BYTES = 20 * 1024 * 1024
HEADER_SEARCH = 30
DELIMITERS = (";", ",", "\t", "|")
_TOTALS = re.compile(r"^(total|totales|total general|cantidad|registros)\b")


class FileRefused(Exception):
    """The whole file cannot be read; str(exc) is Spanish."""


@dataclass
class Sheet:
    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    encoding: str | None = None
    delimiter: str | None = None
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


def read_table(data: bytes, filename: str, max_bytes: int = MAX_BYTES,
               header_hint: Callable[[list[str]], int] | None = None) -> Sheet:
    if len(data) > max_bytes:
        raise FileRefused(f"El archivo pesa {_mb(len(data))} MB; el máximo es {_mb(max_bytes)} MB. "
                          "Expórtelo en partes (por ejemplo, por mes) e impórtelas una por una.")
    if not data.strip():
        raise FileRefused("El archivo está vacío.")
    if data.startswith(b"PK\x03\x04"):
        lines = _xlsx_rows(data)
        sheet = Sheet([], [])
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused("Es un archivo de Excel antiguo (.xls): ábralo en Excel y guárdelo como .xlsx o como CSV.")
    else:
        text, encoding = _decode(data)
        delimiter = _delimiter(text)
        lines = _csv_rows(text, delimiter)
        sheet = Sheet([], [], encoding, delimiter)
    return _shape(sheet, lines, header_hint)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise FileRefused("No se pudo leer la codificación del archivo (parece binario). Expórtelo como CSV o XLSX.")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise FileRefused("No se pudo leer la codificación del archivo (no es UTF-8 ni Windows-1252). "
                          "Guárdelo como «CSV UTF-8» y vuelva a subirlo.") from None


def _delimiter(text: str) -> str:
    sample = [line for line in text[:200_000].splitlines() if line.strip()][:40]
    best, best_score = ";", -1
    for candidate in DELIMITERS:
        counts = [line.count(candidate) for line in sample]
        common = max(set(counts), key=counts.count) if counts else 0
        score = common * sum(1 for c in counts if c == common) if common else 0
        if score > best_score:
            best, best_score = candidate, score
    return best


def _csv_rows(text: str, delimiter: str) -> list[tuple[int, list[Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[Any]]] = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise FileRefused(f"Línea {start}: el archivo tiene comillas sin cerrar o mal puestas ({error}). "
                          "Revise esa línea en el archivo.") from None
    for line, cells in rows:
        if any(cell.count("\n") > 20 for cell in cells):
            raise FileRefused(f"Línea {line}: unas comillas abren y no cierran, y se tragan el resto del archivo.")
    return rows


def _xlsx_rows(data: bytes) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise FileRefused(f"No se pudo abrir el archivo de Excel ({error}).") from None
    try:
        sheet = next((ws for ws in book.worksheets if ws.sheet_state == "visible"), book.worksheets[0])
        return [(number, list(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), 1)]
    finally:
        book.close()


def _filled(cells: list[Any]) -> int:
    return sum(1 for c in cells if c is not None and str(c).strip())


def _shape(sheet: Sheet, lines: list[tuple[int, list[Any]]],
           header_hint: Callable[[list[str]], int] | None) -> Sheet:
    best, best_score = None, (-1, -1)
    for position, (_, cells) in enumerate(lines[:HEADER_SEARCH]):
        texts = [c for c in cells if c is not None and str(c).strip()]
        if len(texts) < 2 or not all(isinstance(c, str) for c in texts):
            continue
        hint = header_hint([str(c) for c in cells]) if header_hint else 0
        score = (hint, len(texts))
        if score > best_score:
            best, best_score = position, score
    if best is None:
        raise FileRefused("No se encontró la fila de encabezados (los nombres de las columnas) en las primeras "
                          f"{HEADER_SEARCH} filas.")
    for line, cells in lines[:best]:
        if _filled(cells):
            sheet.skipped.append((line, "fila de título"))
    raw_headers = lines[best][1]
    sheet.headers = [str(h).strip() if h is not None and str(h).strip() else f"Columna {i}"
                     for i, h in enumerate(raw_headers, 1)]
    width = len(sheet.headers)
    pad: Any = None if sheet.delimiter is None else ""
    for line, cells in lines[best + 1:]:
        filled = _filled(cells)
        if not filled:
            continue  # blank lines are not data and not worth a mention
        first = next(str(c) for c in cells if c is not None and str(c).strip())
        if _TOTALS.match(fold(first)) or (filled == 1 and width > 3 and not str(cells[0] or "").strip()):
            sheet.skipped.append((line, "fila de totales"))
            continue
        if len(cells) < width:
            cells = [*cells, *([pad] * (width - len(cells)))]
        sheet.rows.append((line, cells))
    if not sheet.rows:
        raise FileRefused("El archivo no tiene filas de datos debajo de los encabezados.")
    return sheet
