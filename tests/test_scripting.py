"""How the Ape scripts (rat/scripting.py) read an amount and an asset given as options: one reading for corporate,
collateral, venue, bridge and propose."""

from __future__ import annotations

from types import SimpleNamespace

import click
import pytest

from rat.scripting import SideRecord, asset_address, token_units

RECORD = SimpleNamespace(assets={"rAAPL": SimpleNamespace(address="0x" + "aa" * 20)})


def test_an_amount_is_read_in_the_tokens_smallest_units():
    assert token_units("0.24", 6) == 240_000
    assert token_units("5", 18) == 5 * 10**18


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", ""])
def test_an_amount_that_is_not_a_finite_number_is_a_usage_error(amount):
    with pytest.raises(click.BadParameter, match="not a number"):
        token_units(amount, 6)


@pytest.mark.parametrize("amount", ["0", "-1", "0.0000001"])
def test_an_amount_that_is_not_positive_or_finer_than_the_decimals_is_a_usage_error(amount):
    with pytest.raises(click.BadParameter, match="must be positive with at most 6 decimals"):
        token_units(amount, 6)


def test_zero_is_an_amount_where_the_caller_allows_it_and_a_negative_one_still_is_not():
    assert token_units("0", 18, zero_ok=True) == 0
    with pytest.raises(click.BadParameter, match="must be non-negative"):
        token_units("-1", 18, zero_ok=True)


def test_a_listed_symbol_names_its_token():
    assert asset_address(RECORD, "rAAPL") == "0x" + "aa" * 20


def test_an_address_is_taken_as_given_unless_only_symbols_are_accepted():
    address = "0x" + "bb" * 20
    assert asset_address(RECORD, address) == address
    with pytest.raises(click.BadParameter, match="unknown asset"):
        asset_address(RECORD, address, symbol_only=True)


def test_an_unknown_symbol_is_a_usage_error_listing_the_known_ones():
    with pytest.raises(click.BadParameter, match=r"unknown asset 'rMSFT'; listed: rAAPL"):
        asset_address(RECORD, "rMSFT")


class ThingRecord(SideRecord):
    """A side record of the same shape as the venue, collateral and bridge records."""

    KIND = "things"

    engine: str | None = None
    things: dict[str, int] = {}


@pytest.fixture
def on_local(monkeypatch):
    monkeypatch.setattr("rat.scripting.network_name", lambda: "local")


def test_a_side_record_lives_beside_the_network_record_and_reads_back_what_was_saved(tmp_path, on_local):
    path = ThingRecord(engine="0x" + "bb" * 20, things={"rAAPL": 3}).save(tmp_path / "deployments")
    assert path == tmp_path / "deployments" / "local-things.json"
    assert ThingRecord.load(tmp_path / "deployments") == ThingRecord(engine="0x" + "bb" * 20, things={"rAAPL": 3})


def test_a_network_without_a_side_record_starts_from_an_empty_one(tmp_path, on_local):
    assert ThingRecord.load(tmp_path) == ThingRecord()


@pytest.mark.parametrize(("text", "where"), [
    ('{"engine": "0x1", "stray": 1}', "stray: Extra inputs are not permitted"),
    ('{"things": {"rAAPL": "three"}}', "things.rAAPL: Input should be a valid integer"),
    ("{not json", "the file: Invalid JSON"),
])
def test_a_side_record_that_does_not_parse_is_a_usage_error_naming_the_file_and_the_field(tmp_path, on_local, text,
                                                                                          where):
    (tmp_path / "local-things.json").write_text(text)
    with pytest.raises(click.ClickException, match=rf"local-things.json is not a valid things record: {where}"):
        ThingRecord.load(tmp_path)
