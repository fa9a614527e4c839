"""What the relayer's service API shows per asset: the multiplier, a scheduled split, the management fee, open
dividend distributions, a conversion, and what happens next (GET /v1/assets/{asset}/corporate-actions)."""

from __future__ import annotations

import asyncio

import pytest
from eth_utils import keccak
from starlette.testclient import TestClient

from rat.deploy import role
from relayer.api.app import create_app
from relayer.api.context import ApiContext
from relayer.config import ApiConfig
from relayer.corporate_actions import ConversionView, DividendView, MultiplierView, corporate_actions, upcoming
from relayer.market_hours import market_hours
from relayer.minter import MinterReader
from relayer.rpc import Rpc
from relayer.store import Store

DAY = 24 * 3600
NOTICE = keccak(text="CA-2027-0007 2-for-1")
NO_MINTER = "0x" + "00" * 19 + "01"


@pytest.fixture(scope="module")
def split_scheduled(dividend_holders, admin, chain):
    token = dividend_holders
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)
    activates = chain.pending_timestamp + 2 * DAY
    token.scheduleSplit(2, 1, activates, token.multiplierState()[1], NOTICE, sender=admin)
    return token, activates


def _read(url: str, asset: str, **kwargs):
    async def go():
        rpc = Rpc(url)
        try:
            block = await rpc.block("latest")
            return await corporate_actions(rpc, asset, int(block["timestamp"], 16), **kwargs)
        finally:
            await rpc.aclose()

    return asyncio.run(go())


def test_a_scheduled_split_is_listed_as_upcoming_with_its_ratio(split_scheduled, dividend_rpc_url):
    token, activates = split_scheduled
    view = _read(dividend_rpc_url, token.address)
    assert view.multiplier.multiplier == "1"
    assert (view.multiplier.split.numerator, view.multiplier.split.denominator) == (2, 1)
    assert not view.multiplier.split.effective
    assert [(u.kind, u.at) for u in view.upcoming] == [("split", activates)]
    assert view.multiplier.version == 1


def test_an_effective_split_shows_the_new_multiplier_and_leaves_the_upcoming_list(
        split_scheduled, dividend_rpc_url, chain):
    token, activates = split_scheduled
    chain.pending_timestamp = activates
    chain.mine()
    view = _read(dividend_rpc_url, token.address)
    assert view.multiplier.multiplier == "2"
    assert view.multiplier.split.effective
    assert view.upcoming == []


def test_an_open_distribution_is_listed_with_its_claim_deadline(
        dividend_holders, dividend_create, dividend_distributor, dividend_rpc_url):
    distribution_id, _ = dividend_create(dividend_holders)
    view = _read(dividend_rpc_url, dividend_holders.address, distributor=dividend_distributor.address)
    [listed] = view.dividends
    on_chain = dividend_distributor.distribution(distribution_id)
    assert (listed.id, listed.claim_deadline, int(listed.total_gross)) == (
        distribution_id, on_chain.claimDeadline, on_chain.totalGross)
    assert ("dividend_claims_close", listed.claim_deadline) in [(u.kind, u.at) for u in view.upcoming]


def test_an_expired_distribution_is_no_longer_listed(
        dividend_holders, dividend_create, dividend_distributor, dividend_rpc_url, chain):
    distribution_id, _ = dividend_create(dividend_holders)
    chain.pending_timestamp = dividend_distributor.distribution(distribution_id).claimDeadline + 1
    chain.mine()
    view = _read(dividend_rpc_url, dividend_holders.address, distributor=dividend_distributor.address)
    assert view.dividends == []


def test_an_open_conversion_announces_when_it_takes_effect_and_expires():
    view = MultiplierView(multiplier="1", multiplier_raw=str(10**18), version=0, management_fee_bps=0,
                          anchor_time=0, split=None)
    conversion = ConversionView(id=1, kind="cash", state="open", mandatory=True, payout="0x" + "22" * 20,
                                rate="205000000", effective_at=2_000, expires_at=9_000, tokens_converted="0",
                                paid="0")
    dividend = DividendView(id=3, record_block=7, payout_token="0x" + "33" * 20, amount_per_share="1",
                            total_gross="1", claimed_gross="0", claim_deadline=5_000, merkle_root="0x00",
                            metadata_uri="x")
    assert [(u.kind, u.at) for u in upcoming(view, [dividend], conversion, now=1_000)] == [
        ("conversion_effective", 2_000), ("dividend_claims_close", 5_000), ("conversion_expires", 9_000)]


def test_the_service_api_serves_the_corporate_actions_of_an_asset(
        split_scheduled, dividend_distributor, dividend_rpc_url, tmp_path):
    token, activates = split_scheduled
    store = Store.open(f"sqlite:///{tmp_path / 'relayer.db'}")
    config = ApiConfig(dividend_distributor=dividend_distributor.address)
    ctx = ApiContext(store=store, config=config, network="test", assets={token.address: "AAPL"},
                     hours=market_hours("always-open"), reader=MinterReader(Rpc(dividend_rpc_url), NO_MINTER))
    try:
        with TestClient(create_app(ctx)) as client:
            response = client.get(f"/v1/assets/{token.address}/corporate-actions")
            unknown = client.get(f"/v1/assets/{'0x' + '44' * 20}/corporate-actions")
    finally:
        store.close()
    assert response.status_code == 200
    body = response.json()
    assert body["multiplier"]["split"] == {"numerator": 2, "denominator": 1, "activates_at": activates,
                                           "effective": False}
    assert body["upcoming"][0]["kind"] == "split"
    assert unknown.status_code == 404
