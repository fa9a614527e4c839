"""End to end: Minter requests on anvil become broker orders, custody settlements, attested fulfilments."""

from __future__ import annotations

import pytest
from e2e import drive_until, finished, saga_of, started
from simproc import set_fault, sim_state

from rat.minting import RequestStatus, request_burn, request_mint

pytestmark = pytest.mark.anyio

SHARE = 10**18
USDC = 10**6


@pytest.fixture
def mint_request(deployment, alice, token, chain):
    ms, usdc = deployment

    def make(amount: int = 1_000 * USDC, max_price: int = 200 * USDC) -> bytes:
        return request_mint(ms, alice, token, usdc, amount, max_price, chain.pending_timestamp + 3600)

    return make


async def test_a_mint_request_is_fulfilled_once_and_its_custody_lot_recorded(
        relayer_config, mint_request, deployment, alice, token, fresh_sims):
    ms, usdc = deployment
    before = token.balanceOf(alice)
    orders_before = sim_state(fresh_sims[0])["orders"]
    rid = mint_request()
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, finished(daemon, rid))
        saga = saga_of(daemon, rid)
        shares = int(saga.payload["shares"])
        assert shares > 0 and token.balanceOf(alice) == before + shares
        assert ms.minter.getRequest(rid).status == RequestStatus.FULFILLED
        assert sim_state(fresh_sims[0])["orders"] == orders_before + 1
        [lot] = daemon.store.lots()
        assert lot.request_id == "0x" + rid.hex() and lot.quantity == shares and lot.lot_id.startswith("LOT-AAPL")
        fulfils = [i for i in daemon.store.intents_for_request("0x" + rid.hex()) if i.status == "mined"]
        assert len(fulfils) == 1 and fulfils[0].tx_hash == saga.payload["fulfil_tx"]
    finally:
        await daemon.stop()


async def test_a_burn_request_sells_delivers_from_custody_and_burns(
        relayer_config, deployment, alice, token, chain, fresh_sims):
    import httpx

    ms, usdc = deployment
    supply = token.totalSupply()
    cash = usdc.balanceOf(alice)
    rid = request_burn(ms, alice, token, usdc, 10 * SHARE, 150 * USDC, chain.pending_timestamp + 3600)
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, finished(daemon, rid))
        assert token.totalSupply() == supply - 10 * SHARE
        assert usdc.balanceOf(alice) > cash
        held = httpx.get(f"{fresh_sims[1]}/v1/positions/AAPL").json()["quantity"]
        assert float(held) == (supply - 10 * SHARE) / SHARE
    finally:
        await daemon.stop()


async def test_a_limit_the_market_never_reaches_is_rejected_on_chain_and_escrow_refunded(
        relayer_config, mint_request, deployment, alice):
    ms, usdc = deployment
    cash = usdc.balanceOf(alice)
    rid = mint_request(max_price=150 * USDC)
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, finished(daemon, rid, "rejected"))
        assert ms.minter.getRequest(rid).status == RequestStatus.REJECTED
        assert usdc.balanceOf(alice) == cash
        assert saga_of(daemon, rid).payload["reject_reason"] == 3  # PRICE_LIMIT_UNREACHABLE
    finally:
        await daemon.stop()


async def test_broker_outage_makes_the_saga_wait_and_then_complete(relayer_config, mint_request, fresh_sims):
    set_fault(fresh_sims[0], mode="error", status=503, count=5)
    rid = mint_request()
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, finished(daemon, rid))
        steps = [s for s, _, _ in daemon.store.steps("0x" + rid.hex())]
        assert steps.count("order_placed") == 1 and steps[-1] == "done"
    finally:
        await daemon.stop()


async def test_a_slow_custodian_makes_the_saga_wait_and_then_complete(relayer_config, mint_request, fresh_sims):
    set_fault(fresh_sims[1], mode="slow", delay=1.5, count=2)
    rid = mint_request()
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, finished(daemon, rid))
    finally:
        await daemon.stop()


async def test_custody_short_of_the_fill_trips_the_breaker_and_nothing_is_fulfilled(
        relayer_config, mint_request, fresh_sims, deployment, alice, token):
    ms, _ = deployment
    before = token.balanceOf(alice)
    set_fault(fresh_sims[1], mode="short", quantity="1", count=1)
    rid = mint_request()
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, lambda: daemon.store.breaker("custody")[0])
        saga = saga_of(daemon, rid)
        assert saga.status == "blocked" and saga.step == "filled"
        assert ms.minter.getRequest(rid).status == RequestStatus.PENDING
        assert token.balanceOf(alice) == before
        assert daemon.metrics.breaker_open.labels("custody")._value.get() == 1
        assert daemon.store.intents_for_request("0x" + rid.hex()) == []
    finally:
        await daemon.stop()


async def test_an_open_breaker_stops_every_fulfilment_until_reset(relayer_config, mint_request, deployment):
    ms, _ = deployment
    rid = mint_request()
    daemon = await started(relayer_config)
    try:
        daemon.store.set_breaker("custody", True, "manual hold")
        await drive_until(daemon, lambda: saga_of(daemon, rid) is not None
                          and saga_of(daemon, rid).status == "blocked")
        assert saga_of(daemon, rid).step == "custody_confirmed"
        assert ms.minter.getRequest(rid).status == RequestStatus.PENDING
        daemon.store.set_breaker("custody", False, "reconciled")
        daemon.store.defer("0x" + rid.hex(), "custody_confirmed", 0, "active")
        await drive_until(daemon, finished(daemon, rid))
    finally:
        await daemon.stop()
