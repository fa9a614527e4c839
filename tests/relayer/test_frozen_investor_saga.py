"""A frozen investor's request is held by the saga with a visible reason, neither traded nor fulfilled (issue 17
F1, decision 0084); lifting the freeze lets it complete."""

from __future__ import annotations

import pytest
from e2e import drive_until, finished, saga_of, started
from eth_utils import keccak

from rat.minting import RequestStatus, request_burn

pytestmark = pytest.mark.anyio

SHARE = 10**18
USDC = 10**6


async def test_a_frozen_investors_burn_is_held_with_a_visible_reason_and_not_traded(
        relayer_config, deployment, stack, alice, token, chain, sanctions_officer, fresh_sims):
    ms, usdc = deployment
    rid = request_burn(ms, alice, token, usdc, 10 * SHARE, 150 * USDC, chain.pending_timestamp + 3600)
    stack.registry.freeze([alice.address], keccak(text="sanctions list entry"), sender=sanctions_officer)
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, lambda: (s := saga_of(daemon, rid)) is not None and s.status == "blocked")
        saga = saga_of(daemon, rid)
        assert "frozen" in (saga.last_error or "")
        assert "order_placed" not in [step for step, _, _ in daemon.store.steps("0x" + rid.hex())]
        assert ms.minter.getRequest(rid).status == RequestStatus.PENDING
    finally:
        await daemon.stop()
