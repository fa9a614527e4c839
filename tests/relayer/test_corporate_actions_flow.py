"""The daemon across corporate actions: after a 2-for-1 split a request for 10 tokens is 20 shares at the broker
and the custodian, and the fill the attestors sign is 10 tokens at the price per token (decision 0080)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from e2e import drive_until, finished, saga_of, started
from eth_utils import keccak

from rat.deploy import role
from rat.minting import RequestStatus, request_burn

pytestmark = pytest.mark.anyio

SHARE = 10**18
USDC = 10**6
DAY = 24 * 3600


@pytest.fixture
def split_2_for_1(token, admin, chain, fresh_sims):
    """The token split 2-for-1 (activation passed), the custodian's position and the broker's price following it."""
    broker, custodian = fresh_sims
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)
    activates = chain.pending_timestamp + DAY + 60
    token.scheduleSplit(2, 1, activates, token.multiplierState()[1], keccak(text="2-for-1"), sender=admin)
    chain.pending_timestamp = activates
    chain.mine()
    held = Decimal(httpx.get(f"{custodian}/v1/positions/AAPL").json()["quantity"])
    httpx.post(f"{custodian}/_sim/positions", json={"symbol": "AAPL", "quantity": str(held * 2)}).raise_for_status()
    httpx.post(f"{broker}/_sim/price", json={"symbol": "AAPL", "price": "95"}).raise_for_status()
    return token


async def test_a_burn_after_a_split_sells_twice_the_shares_and_burns_the_escrowed_tokens(
        split_2_for_1, relayer_config, deployment, alice, chain, fresh_sims):
    token = split_2_for_1
    ms, usdc = deployment
    supply = token.totalSupply()
    cash = usdc.balanceOf(alice)
    rid = request_burn(ms, alice, token, usdc, 10 * SHARE, 150 * USDC, chain.pending_timestamp + 3600)
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, finished(daemon, rid))
        saga = saga_of(daemon, rid)
        assert ms.minter.getRequest(rid).status == RequestStatus.FULFILLED
        assert Decimal(saga.payload["qty"]) == 20  # broker order in post-split shares
        assert (int(saga.payload["shares"]), int(saga.payload["price"])) == (10 * SHARE, 190 * USDC)
        assert token.totalSupply() == supply - 10 * SHARE
        [lot] = daemon.store.lots()
        assert lot.quantity == 20 * SHARE  # the lot ledger counts custody shares
        held = Decimal(httpx.get(f"{fresh_sims[1]}/v1/positions/AAPL").json()["quantity"])
        assert held * SHARE == token.totalShares()
        fee = 10 * 190 * USDC * 50 // 10_000
        assert usdc.balanceOf(alice) == cash + 10 * 190 * USDC - fee
    finally:
        await daemon.stop()
