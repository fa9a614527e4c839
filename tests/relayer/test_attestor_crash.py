"""An attestor SIGKILLed in the middle of a saga: the relayer waits and retries, and once the attestor is back
(same record on disk) the mint completes exactly once. (That a killed attestor still refuses a different fill for
a request it signed is in test_compromised_relayer.py.)"""

from __future__ import annotations

import pytest
from e2e import drive_until, finished, saga_of, started

from rat.minting import RequestStatus, request_mint

pytestmark = pytest.mark.anyio

USDC = 10**6


async def test_a_mint_completes_exactly_once_after_the_custody_attestor_is_killed_and_restarted(
        relayer_config, attestors, deployment, alice, token, chain):
    ms, usdc = deployment
    before = token.balanceOf(alice)
    attestors["custody"].kill()
    rid = request_mint(ms, alice, token, usdc, 1_000 * USDC, 200 * USDC, chain.pending_timestamp + 3600)
    daemon = await started(relayer_config)
    try:
        # The order fills and custody settles; signing then fails on the dead attestor and is retried.
        def waiting_for_custody_attestor() -> bool:
            saga = saga_of(daemon, rid)
            return saga is not None and saga.step == "custody_confirmed" and "custody attestor" in (saga.last_error or "")

        await drive_until(daemon, waiting_for_custody_attestor)
        assert ms.minter.getRequest(rid).status == RequestStatus.PENDING
        attestors["custody"].start()
        await drive_until(daemon, finished(daemon, rid))
        saga = saga_of(daemon, rid)
        assert token.balanceOf(alice) == before + int(saga.payload["shares"])
        assert ms.minter.getRequest(rid).status == RequestStatus.FULFILLED
        fulfils = [i for i in daemon.store.intents_for_request("0x" + rid.hex()) if i.purpose == "fulfil"]
        assert len(fulfils) == 1 and fulfils[0].status == "mined"
    finally:
        await daemon.stop()
