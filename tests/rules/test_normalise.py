"""Raw DMS values made clean: what is accepted, what is flagged, what is refused (in Spanish)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from stdnum.ar import cuit

from app.rules import normalise as n
from app.rules.vin import with_check_digit

BA, MX = "America/Argentina/Buenos_Aires", "America/Mexico_City"


@pytest.mark.parametrize(("raw", "expected"), [
    ("02/11/2026", dt.date(2026, 11, 2)), ("2/1/26", dt.date(2026, 1, 2)), ("1/1/69", dt.date(2069, 1, 1)),
    ("1/1/70", dt.date(1970, 1, 1)), ("29-02-2024", dt.date(2024, 2, 29)), ("2026-11-02", dt.date(2026, 11, 2)),
    ("2026-11-02T10:00:00Z", dt.date(2026, 11, 2)), (45000, dt.date(2023, 3, 15)), ("45000", dt.date(2023, 3, 15)),
    (61, dt.date(1900, 3, 1)), (59, dt.date(1900, 2, 28)), (dt.datetime(2026, 1, 5, 9), dt.date(2026, 1, 5)),
    ("", None), (None, None),
])
def test_dates(raw, expected):
    assert n.date(raw) == expected


@pytest.mark.parametrize("raw", ["31/02/2026", "29/02/2023", "mañana", "13/13/2020", 60])
def test_impossible_dates_are_refused_naming_the_value(raw):
    with pytest.raises(n.Invalid, match="Fecha inválida"):
        n.date(raw)


@pytest.mark.parametrize(("tz", "expected"), [(BA, dt.datetime(2026, 3, 11, 2, 30, tzinfo=dt.UTC)),
                                              (MX, dt.datetime(2026, 3, 11, 5, 30, tzinfo=dt.UTC))])
def test_local_times_become_utc_across_midnight(tz, expected):
    assert n.moment("10/03/2026 23:30", tz) == expected
    assert n.moment(dt.datetime(2026, 3, 10, 23, 30), tz) == expected


def test_moments_with_offsets_and_excel_fractions():
    assert n.moment("2026-03-10T09:30:00-03:00", MX) == dt.datetime(2026, 3, 10, 12, 30, tzinfo=dt.UTC)
    assert n.moment("2026-03-10T12:30:00Z", BA) == dt.datetime(2026, 3, 10, 12, 30, tzinfo=dt.UTC)
    assert n.moment(45000.5, BA) == dt.datetime(2023, 3, 15, 15, 0, tzinfo=dt.UTC)
    assert n.moment("10/03/2026", BA) == dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.UTC)
    with pytest.raises(n.Invalid, match="Falta la fecha"):
        n.moment("  ", BA)
    assert n.moment_or_none("", BA) is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("$ 1.234,56", "1234.56"), ("-12,5", "-12.5"),
    ("1 234,56", "1234.56"), ("12.345", "12.345"), ("1.234.567", "1234567"), (1234.5, "1234.5"), (10, "10"),
])
def test_decimals_with_either_separator(raw, expected):
    assert n.decimal(raw) == Decimal(expected)


@pytest.mark.parametrize(("raw", "expected"), [("12.345", 12345), ("12,345", 12345), ("12 345", 12345),
                                               (12345.0, 12345), ("", None)])
def test_integers_with_thousands_separators(raw, expected):
    assert n.integer(raw) == expected


@pytest.mark.parametrize("raw", ["-5", "doce", "1,5e3", 12.5])
def test_bad_integers_are_refused(raw):
    with pytest.raises(n.Invalid):
        n.integer(raw)


@pytest.mark.parametrize(("raw", "country", "expected"), [
    ("11 5555-0000", "AR", "+541155550000"), ("011 15 5555-0000", "AR", "+5491155550000"),
    ("+54 9 11 5555-0000", "AR", "+5491155550000"), ("(0351) 15-555-0103", "AR", "+5493515550103"),
    (1155550000.0, "AR", "+541155550000"), ("sin dato / 11 15 5555-0000", "AR", "+5491155550000"),
    ("55 1234 5678", "MX", "+525512345678"), ("+52 1 55 1234 5678", "MX", "+525512345678"),
    ("442 123 4567", "MX", "+524421234567"),
])
def test_phones_to_e164(raw, country, expected):
    phone = n.phone(raw, country)
    assert phone is not None and phone.ok and phone.e164 == expected


@pytest.mark.parametrize("raw", ["123", "sin teléfono"])
def test_unusable_phones_are_kept_raw_and_flagged(raw):
    phone = n.phone(raw, "AR")
    assert phone is not None and not phone.ok and phone.raw == raw


def test_plates():
    assert n.plate("ab-123-cd", "AR") == n.Plate("AB123CD", True)
    assert n.plate("ABC 123", "AR") == n.Plate("ABC123", True)
    assert n.plate("XYZ9876", "MX") == n.Plate("XYZ9876", True)
    assert n.plate("ZZZZ", "AR") == n.Plate("ZZZZ", False)
    with pytest.raises(n.Invalid, match="Patente inválida"):
        n.plate("ABCDEFGHIJKLMN", "AR")


def test_vins_flag_a_wrong_check_digit_and_refuse_bad_shapes():
    good = with_check_digit("9BWZZZ377VT004251")
    assert n.vin(good.lower()) == n.Vin(good, True)
    wrong = good[:8] + ("0" if good[8] != "0" else "1") + good[9:]
    assert n.vin(wrong) == n.Vin(wrong, False)
    with pytest.raises(n.Invalid, match="17 caracteres"):
        n.vin(good[:16])
    with pytest.raises(n.Invalid, match="no lleva I, O ni Q"):
        n.vin("9BWZZZ377VT00425O")


def test_tax_ids_are_checked_and_flagged_not_refused():
    valid = "2012345678" + cuit.calc_check_digit("2012345678")
    assert n.tax_id(f"{valid[:2]}-{valid[2:10]}-{valid[10]}", "AR") == n.TaxId("cuit", valid, True)
    wrong = valid[:10] + str((int(valid[10]) + 1) % 10)
    assert n.tax_id(wrong, "AR") == n.TaxId("cuit", wrong, False)
    assert n.tax_id("12.345.678", "AR") == n.TaxId("dni", "12345678", True)
    assert n.tax_id("XAXX010101000", "MX").kind == "rfc"
    assert n.tax_id("abc", "MX") == n.TaxId("other", "ABC", False)


def test_emails_and_choices():
    assert n.email(" Ana@Example.com; otra@x.com") == "ana@example.com"
    with pytest.raises(n.Invalid, match="Correo electrónico inválido"):
        n.email("ana@")
    assert n.choice("ENTREGADA", {"entregada": "delivered"}, "estado") == "delivered"
    with pytest.raises(n.Invalid, match="Valor desconocido para estado: «Perdida»"):
        n.choice("Perdida", {"entregada": "delivered"}, "estado")
    assert n.fold("  Peña   MUÑOZ ") == "pena munoz"
