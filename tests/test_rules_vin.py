"""The VIN check digit (position 9), against published VINs."""

from __future__ import annotations

import pytest
import vininfo

from app.rules.vin import check_digit, with_check_digit


@pytest.mark.parametrize("vin", ["1M8GDM9AXKP042788", "11111111111111111", "1HGCM82633A004352",
                                 "3VWFE21C04M000001"])
def test_published_vins(vin):
    assert check_digit(vin) == vin[8]
    assert vininfo.Vin(vin).verify_checksum()


def test_a_wrong_digit_is_corrected():
    assert with_check_digit("1M8GDM9A0KP042788") == "1M8GDM9AXKP042788"
