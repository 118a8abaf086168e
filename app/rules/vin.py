"""VIN (chasis / No. de serie): ISO 3779 with the North-American check digit
in position 9. Not every market uses the digit, so a wrong one is a flag,
never a reason to refuse a vehicle. (vininfo validates VINs but cannot
compute the digit; the demo tests check this function against it.)"""

from __future__ import annotations

# Letters a VIN never uses (I, O, Q look like digits).
ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(vin: str) -> str:
    """The check digit of a 17-character VIN (position 9 itself is ignored)."""
    total = sum(_VALUES[c] * w for c, w in zip(vin.upper(), _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def with_check_digit(vin: str) -> str:
    """The same VIN with its position 9 set to the right check digit."""
    return vin[:8] + check_digit(vin) + vin[9:]
