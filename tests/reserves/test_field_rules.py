"""Value rules shared by every input file: ISIN check digits as contracts/token/Isin.sol computes them, and
decimal share quantities that never pass through a float."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reserves import fields

# Real ISINs, including letters inside the body (AU0000XVGZA3, US38259P5089), where the letter-to-two-digits
# expansion shifts the Luhn weights.
KNOWN = ["US0378331005", "US5949181045", "DE0007164600", "GB0002634946", "AU0000XVGZA3", "US38259P5089"]


@pytest.mark.parametrize("isin", KNOWN)
def test_real_isins_pass_and_every_other_check_digit_fails(isin):
    assert fields.isin(isin) == isin
    for digit in "0123456789":
        if digit != isin[-1]:
            assert not fields.isin_is_valid(isin[:-1] + digit)


@pytest.mark.parametrize("text", ["us0378331005", "US037833100", "US03783310055", "1S0378331005", "US03783310-5"])
def test_malformed_isins_are_refused(text):
    with pytest.raises(ValueError, match="not an ISIN"):
        fields.isin(text)


@given(st.integers(min_value=1, max_value=2**128 - 1))
def test_formatting_units_as_shares_and_parsing_back_is_the_identity(units):
    assert fields.quantity(fields.format_units(units)) == units


@pytest.mark.parametrize("text", ["1.", ".5", "+1", "1,5", " ", "0x10", "١٢"])
def test_quantities_other_than_plain_decimals_are_refused(text):
    with pytest.raises(ValueError):
        fields.quantity(text)


def test_a_quantity_with_exactly_eighteen_decimals_is_one_token_unit_precise():
    assert fields.quantity("0.000000000000000001") == 1


@pytest.mark.parametrize("text", ["2026-11-27T21:00:00", "27/11/2026", "2026-11-27T25:00:00Z"])
def test_an_as_of_without_offset_or_not_iso_is_refused(text):
    with pytest.raises(ValueError):
        fields.instant(text)
