"""Campaign rules: what a step-1 search may ask, how pasted VIN and plate lists
are read, who gets each unit, and whether its opportunity waits for parts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from app.rules import Refused
from app.rules.normalise import Invalid, plate, vin

HELD, OPEN = "held", "open"
RECALL = "recall"
MAX_LIST = 60_000  # VINs or plates pasted or uploaded at once
_VIN_SEPARATORS = re.compile(r"[\s,;|]+")
_PLATE_SEPARATORS = re.compile(r"[\r\n\t,;|]+")  # a plate may be pasted with spaces: "AB 123 CD"

T = TypeVar("T")


@dataclass
class Criteria:
    """Step 1's filters; empty ones do not filter."""

    make: str = ""
    model: str = ""
    trim: str = ""
    year_from: int | None = None
    year_to: int | None = None
    vins: list[str] = field(default_factory=list)
    plates: list[str] = field(default_factory=list)
    sold_from: dt.date | None = None
    sold_to: dt.date | None = None
    visit_after: dt.date | None = None
    visit_before: dt.date | None = None
    km_from: int | None = None
    km_to: int | None = None

    @property
    def empty(self) -> bool:
        return not any((self.make, self.model, self.trim, self.year_from, self.year_to, self.vins, self.plates,
                        self.sold_from, self.sold_to, self.visit_after, self.visit_before,
                        self.km_from is not None, self.km_to is not None))


def check_ranges(c: Criteria) -> dict[str, str]:
    """Field → message for ranges that cannot match anything."""
    errors = {}
    if c.year_from and c.year_to and c.year_from > c.year_to:
        errors["year_to"] = "El año hasta es anterior al año desde."
    if c.sold_from and c.sold_to and c.sold_from > c.sold_to:
        errors["sold_to"] = "La fecha de venta hasta es anterior a la fecha desde."
    if c.visit_after and c.visit_before and c.visit_after > c.visit_before:
        errors["visit_before"] = "La última visita «antes de» es anterior a «después de»."
    if c.km_from is not None and c.km_to is not None and c.km_from > c.km_to:
        errors["km_to"] = "El kilometraje hasta es menor que el desde."
    return errors


@dataclass
class ReadList:
    """A pasted list: the values read, and the ones that are not a VIN (or plate) at all."""

    values: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)


def read_vins(text: str) -> ReadList:
    return _read(_VIN_SEPARATORS.split(text or ""), lambda raw: vin(raw).value, "VIN")


def read_plates(text: str, country: str) -> ReadList:
    return _read(_PLATE_SEPARATORS.split(text or ""), lambda raw: plate(raw, country).value, "patentes")


def _read(pieces: list[str], parse: object, what: str) -> ReadList:
    tokens = [t.strip() for t in pieces if t.strip()]
    if len(tokens) > MAX_LIST:
        raise Refused(f"La lista tiene {len(tokens):,} {what}; el máximo es {MAX_LIST:,}.".replace(",", "."))
    found = ReadList()
    seen: set[str] = set()
    for token in tokens:
        try:
            value = parse(token)  # type: ignore[operator]
        except Invalid:
            found.malformed.append(token)
            continue
        if value and value not in seen:
            seen.add(value)
            found.values.append(value)
    return found


def round_robin(units: Sequence[T], people: Sequence[int]) -> Iterator[tuple[T, int | None]]:
    """Each unit with who gets it, in turn; nobody when there is nobody to give it to."""
    for i, unit in enumerate(units):
        yield unit, (people[i % len(people)] if people else None)


def opportunity_status(parts_required: bool, unit_parts: str) -> str:
    """A unit whose parts are needed and not yet in stock waits off the board."""
    return HELD if parts_required and unit_parts != "available" else OPEN


def check_processing(due_on: dt.date | None, today: dt.date, coordinators: Sequence[int],
                     selected: int) -> dict[str, str]:
    errors = {}
    if due_on is None:
        errors["due_on"] = "Indique la fecha de vencimiento de las oportunidades."
    elif due_on < today:
        errors["due_on"] = "La fecha de vencimiento no puede quedar en el pasado."
    if not coordinators:
        errors["coordinators"] = "Elija al menos una coordinadora para repartir las oportunidades."
    if selected == 0:
        errors["units"] = "No hay unidades elegidas: vuelva al paso 2."
    return errors
