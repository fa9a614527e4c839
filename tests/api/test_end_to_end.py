"""End to end on anvil: a browserless WebSocket client follows a mint from intake to fulfilled while the real
daemon drives it; a Sumsub-format webhook upgrades a wallet's tier on-chain and a rejection downgrades it."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time
from pathlib import Path

import pytest
import uvicorn

_RELAYER_TESTS = Path(__file__).resolve().parents[1] / "relayer"
sys.path.insert(0, str(_RELAYER_TESTS))
_spec = importlib.util.spec_from_file_location("relayer_test_fixtures", _RELAYER_TESTS / "conftest.py")
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)
# The full local deployment and daemon wiring of the relayer tests (tests/relayer/conftest.py).
deployment = _fixtures.deployment
relayer_keys = _fixtures.relayer_keys
fresh_sims = _fixtures.fresh_sims
relayer_config = _fixtures.relayer_config
attestor_pki = _fixtures.attestor_pki
start_attestors = _fixtures.start_attestors
attestors = _fixtures.attestors
rpc_url = _fixtures.rpc_url
_keystore_passphrases = _fixtures._keystore_passphrases
_alpaca_env = _fixtures._alpaca_env

from e2e import drive_until, finished, started

from relayer.api.app import create_app
from relayer.api.server import build_context, uvicorn_config
from relayer.config import RelayerConfig

pytestmark = pytest.mark.anyio
USDC = 10**6


async def _serve(app) -> tuple[uvicorn.Server, asyncio.Task, int]:
    server = uvicorn.Server(uvicorn_config(app, "127.0.0.1", 0))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    return server, task, server.servers[0].sockets[0].getsockname()[1]


async def test_a_websocket_client_follows_a_mint_from_intake_to_fulfilled(
        relayer_config, deployment, alice, token, chain):
    import websockets

    from rat.minting import request_mint

    ms, usdc = deployment
    daemon = await started(relayer_config)
    config = RelayerConfig.load(relayer_config)
    server, task, port = await _serve(create_app(build_context(config, daemon.store, daemon.rpc)))
    received: list[tuple[float, dict]] = []
    try:
        async with websockets.connect(f"ws://127.0.0.1:{port}/v1/stream") as ws:
            await ws.send(json.dumps({"type": "subscribe", "accounts": [alice.address]}))
            assert json.loads(await ws.recv())["type"] == "subscribed"

            async def listen() -> None:
                while True:
                    message = json.loads(await ws.recv())
                    if message["type"] == "event":
                        received.append((time.time(), message["event"]))

            listener = asyncio.create_task(listen())
            rid = request_mint(ms, alice, token, usdc, 1_000 * USDC, 200 * USDC, chain.pending_timestamp + 3600)
            await drive_until(daemon, finished(daemon, rid))
            deadline = time.time() + 2.0
            while time.time() < deadline and not any(e["payload"]["step"] == "done" for _, e in received):
                await asyncio.sleep(0.05)
            listener.cancel()
    finally:
        server.should_exit = True
        await task
        await daemon.stop()
    steps = [e["payload"]["step"] for _, e in received if e["request_id"] == "0x" + rid.hex()]
    assert steps[0] == "received" and steps[-1] == "done"
    assert ["received", "validated", "order_placed", "filled", "custody_confirmed", "signed", "submitted",
            "done"] == [s for s in dict.fromkeys(steps)]
    done_at = daemon.store.get_saga("0x" + rid.hex()).payload["done_at"]
    pushed_at = next(at for at, e in received if e["payload"]["step"] == "done")
    assert pushed_at - done_at < 2.0  # the exchange UI's settlement-confirmation budget


async def test_a_sumsub_webhook_upgrades_a_wallets_tier_on_chain_and_a_rejection_downgrades_it(
        stack, admin, carol, accounts, rpc_url, tmp_path, store, make_ctx, monkeypatch):
    from starlette.testclient import TestClient
    from test_sumsub_webhook import deliver, review

    from rat.deploy import role
    from relayer.kyc.writer import RegistryWriter
    from relayer.rpc import Rpc
    from relayer.sender import TxSender
    from relayer.signers import KeystoreSigner

    address = KeystoreSigner.create(tmp_path / "kyc.json", "kyc-pass", scrypt_n=2**10)
    monkeypatch.setenv("RAT_TEST_KYC_PASS", "kyc-pass")
    stack.registry.grantRole(role("KYC_OPERATOR_ROLE"), address, sender=admin)
    accounts[0].transfer(address, 10**18)
    rpc = Rpc(rpc_url)
    sender = TxSender(rpc, store, KeystoreSigner.from_file(tmp_path / "kyc.json", "RAT_TEST_KYC_PASS", "kyc"),
                      await rpc.chain_id())
    writer = RegistryWriter(store, sender, stack.registry.address)
    assert stack.registry.investor(carol.address).tier == 0

    async def sync_until(condition) -> None:
        for _ in range(40):
            await writer.sync_once()
            if condition():
                return
            await asyncio.sleep(0.1)
        raise AssertionError("registry never reflected the decision")

    with TestClient(create_app(make_ctx()), raise_server_exceptions=False) as client:
        now = time.time()
        approved = deliver(client, review(level="rat-professional-ar", wallet=carol.address, at=now - 5))
        assert approved.json()["outcome"] == "applied"
        await sync_until(lambda: stack.registry.investor(carol.address).tier == 2)
        record = stack.registry.investor(carol.address)
        assert record.jurisdiction == b"AR" and record.expiry > chain_now(stack)
        assert deliver(client, review(level="rat-professional-ar", wallet=carol.address,
                                      at=now - 5)).json()["outcome"] == "duplicate"
        deliver(client, review(answer="RED", wallet=carol.address, at=now))
        await sync_until(lambda: stack.registry.investor(carol.address).tier == 0)
    await rpc.aclose()


def chain_now(stack) -> int:
    from ape import chain

    return chain.blocks.head.timestamp
