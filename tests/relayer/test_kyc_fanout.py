"""The KYC fan-out on two real chains (ADR 0106): Ape's anvil is the home chain, a second anvil started here is chain
B with its own ComplianceRegistry. Every decision lands on both registries exactly once, a record written over on
one chain is found by the drift check and reconciled, and the doctor and the metric report drift."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest
from ape import project
from eth_utils import keccak
from prometheus_client import generate_latest
from sqlalchemy import func, select
from web3 import Web3

from rat.deploy import role
from rat.ports import free_port
from relayer.kyc.fanout import ChainRegistryWriter, ChainTarget, FanOut, read_record, registry_drift
from relayer.kyc.writer import RegistryWriter
from relayer.observability import ApiMetrics
from relayer.rpc import Rpc
from relayer.sender import SenderPolicy, TxSender
from relayer.signers import _KeySigner
from relayer.store import Store, schema

pytestmark = [pytest.mark.anyio,
              pytest.mark.skipif(shutil.which("anvil") is None, reason="anvil comes from node_modules/.bin")]

CHAIN_B_ID = 31338
CHAIN_B_SELECTOR = 16015286601757825753  # CCIP's selector for Sepolia, as any second chain
YEAR = 365 * 86400


@pytest.fixture(scope="module")
def chain_b() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(["anvil", "--port", str(port), "--chain-id", str(CHAIN_B_ID), "--silent"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    w3 = Web3(Web3.HTTPProvider(url))
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if w3.eth.chain_id == CHAIN_B_ID:
                break
        except Exception:  # noqa: BLE001  (not listening yet)
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


def _deploy(w3: Web3, contract_type, *args) -> str:
    contract = w3.eth.contract(abi=[a.model_dump(mode="json", by_alias=True) for a in contract_type.abi],
                               bytecode=contract_type.deployment_bytecode.bytecode)
    tx = contract.constructor(*args).transact({"from": w3.eth.accounts[0]})
    return w3.eth.wait_for_transaction_receipt(tx).contractAddress


@pytest.fixture(scope="module")
def registry_b(chain_b) -> object:
    """A ComplianceRegistry behind its proxy on chain B, deployed from the same artifacts as the home one."""
    w3 = Web3(Web3.HTTPProvider(chain_b))
    admin = w3.eth.accounts[0]
    registry_type = project.ComplianceRegistry.contract_type
    impl = _deploy(w3, registry_type)
    init = bytes(keccak(text="initialize(address)")[:4]) + bytes(12) + bytes.fromhex(admin[2:])
    proxy = _deploy(w3, project.SingletonProxy.contract_type, impl, init)
    return w3.eth.contract(address=proxy, abi=[a.model_dump(mode="json", by_alias=True) for a in registry_type.abi])


@pytest.fixture(autouse=True)
def chain_b_rolled_back(registry_b):
    """Ape reverts its own chain after every test; chain B is reverted here the same way."""
    provider = registry_b.w3.provider
    snapshot = provider.make_request("evm_snapshot", [])["result"]
    yield
    provider.make_request("evm_revert", [snapshot])


@pytest.fixture
def kyc_key(registry_b, stack, admin, accounts):
    """A fresh KYC operator key, funded and granted KYC_OPERATOR_ROLE on both chains' registries."""
    from eth_account import Account

    key = Account.create()
    accounts[0].transfer(key.address, 10**18)
    stack.registry.grantRole(role("KYC_OPERATOR_ROLE"), key.address, sender=admin)
    w3 = registry_b.w3
    w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(
        {"from": w3.eth.accounts[0], "to": key.address, "value": 10**18}))
    w3.eth.wait_for_transaction_receipt(registry_b.functions.grantRole(
        role("KYC_OPERATOR_ROLE"), key.address).transact({"from": w3.eth.accounts[0]}))
    return key


@pytest.fixture
def stores(tmp_path) -> Iterator[tuple[Store, Store]]:
    home, b = Store.open(f"sqlite:///{tmp_path / 'relayer.db'}"), Store.open(f"sqlite:///{tmp_path / 'kyc-b.db'}")
    yield home, b
    home.close()
    b.close()


class Harness:
    def __init__(self, home: Store, store_b: Store, rpc_home: Rpc, rpc_b: Rpc, key, home_registry: str,
                 registry_b: str) -> None:
        signer = _KeySigner(bytes(key.key), "kyc")
        self.key = key
        self.home, self.store_b, self.rpc_home, self.rpc_b = home, store_b, rpc_home, rpc_b
        self.home_registry, self.registry_b = home_registry, registry_b
        self.writer = RegistryWriter(home, TxSender(rpc_home, home, signer, 31337, SenderPolicy()), home_registry)
        self.metrics = ApiMetrics()
        target = ChainTarget("chain-b", CHAIN_B_SELECTOR, registry_b, rpc_b, store_b,
                             TxSender(rpc_b, store_b, signer, CHAIN_B_ID, SenderPolicy()))
        self.fanout = FanOut(home, rpc_home, home_registry, [target], metrics=self.metrics.with_kyc_fanout())

    async def settle(self) -> None:
        """Sync passes until neither chain has anything pending or in flight."""
        for _ in range(60):
            await self.writer.sync_once()
            await self.fanout.sync_once()
            if not self._in_flight():
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the fan-out never settled")

    def _in_flight(self) -> bool:
        with self.home.transaction() as conn:
            home = conn.execute(select(func.count()).select_from(schema.kyc_applicants).where(
                schema.kyc_applicants.c.sync_state.in_(("pending", "submitted")))).scalar_one()
        with self.store_b.transaction() as conn:
            b = conn.execute(select(func.count()).select_from(schema.kyc_chain_sync).where(
                schema.kyc_chain_sync.c.state == "submitted")).scalar_one()
        return bool(home or b or self.fanout.writers[0].pending())

    def intents_b(self) -> int:
        with self.store_b.transaction() as conn:
            return conn.execute(select(func.count()).select_from(schema.tx_intents)).scalar_one()

    async def records(self, wallet: str):
        return (await read_record(self.rpc_home, self.home_registry, wallet),
                await read_record(self.rpc_b, self.registry_b, wallet))


@pytest.fixture
async def harness(stores, rpc_url, chain_b, kyc_key, stack, registry_b):
    rpc_home, rpc_b = Rpc(rpc_url), Rpc(chain_b)
    yield Harness(*stores, rpc_home, rpc_b, kyc_key, stack.registry.address, registry_b.address)
    await rpc_home.aclose()
    await rpc_b.aclose()


def decide(home: Store, wallet: str, version: int, action: str = "set", tier: int = 2, jurisdiction: str = "AR",
           expiry: int | None = None) -> None:
    """Records a KYC decision as the webhook ledger does (relayer/kyc/ledger.py): pending, a new version."""
    t = schema.kyc_applicants
    ref = "0x" + keccak(text=f"applicant:{wallet}").hex()
    values = {"wallet": wallet, "provider_ts": version, "level": "rat-professional-ar", "answer": "GREEN",
              "action": action, "tier": tier if action == "set" else 0, "jurisdiction": jurisdiction,
              "expiry": expiry or int(time.time()) + YEAR, "version": version, "sync_state": "pending",
              "synced_version": version - 1, "nonce": None, "tx_hash": None, "updated_at": time.time()}
    with home.transaction() as conn:
        if conn.execute(select(t.c.provider_ref).where(t.c.provider_ref == ref)).first() is None:
            conn.execute(t.insert().values(provider_ref=ref, **values))
        else:
            conn.execute(t.update().where(t.c.provider_ref == ref).values(**values))


async def test_a_kyc_decision_is_written_to_the_registry_of_every_chain(harness, carol):
    decide(harness.home, carol.address, 1, tier=2, jurisdiction="AR")
    await harness.settle()
    home, b = await harness.records(carol.address)
    assert (home.tier, home.jurisdiction) == (2, "AR")
    assert b == home


async def test_each_decision_version_is_sent_to_a_chain_once_even_after_a_restart(harness, stores, carol):
    decide(harness.home, carol.address, 1)
    await harness.settle()
    sent = harness.intents_b()
    assert sent == 1
    restarted = Harness(harness.home, harness.store_b, harness.rpc_home, harness.rpc_b,
                        harness.key, harness.home_registry, harness.registry_b)
    for _ in range(3):
        await restarted.fanout.sync_once()
    assert harness.intents_b() == sent
    assert restarted.fanout.writers[0].progress()[_ref(carol.address)]["state"] == "synced"


class Crash(Exception):
    pass


def _crash_after_the_intent_is_stored(point: str) -> None:
    if point == "intent_recorded":
        raise Crash(point)


async def test_a_crash_after_the_batch_was_signed_and_stored_neither_loses_nor_repeats_it(harness, carol):
    from dataclasses import replace

    decide(harness.home, carol.address, 1, tier=2)
    target = harness.fanout.writers[0].target
    crashing = TxSender(harness.rpc_b, harness.store_b, _KeySigner(bytes(harness.key.key), "kyc"), CHAIN_B_ID,
                        SenderPolicy(), crash_point=_crash_after_the_intent_is_stored)
    dying = ChainRegistryWriter(harness.home, replace(target, sender=crashing))
    with pytest.raises(Crash):
        await dying.sync_once()  # the process dies between the stored intent and its broadcast
    assert dying.progress()[_ref(carol.address)]["state"] == "sending"
    await harness.settle()  # the restarted writer finds the stored intent by its batch id and broadcasts it
    with harness.store_b.transaction() as conn:
        nonces = conn.execute(select(schema.tx_intents.c.nonce).distinct()).scalars().all()
    assert nonces == [0]
    home, b = await harness.records(carol.address)
    assert b == home and b.tier == 2


async def test_a_batch_whose_intent_was_never_stored_is_sent_again(harness, carol):
    decide(harness.home, carol.address, 1, tier=2)
    writer = harness.fanout.writers[0]
    writer._mark(writer.pending(), "sending", "0x" + "ab" * 32, None, None)  # died before the intent was signed
    await harness.settle()
    assert writer.progress()[_ref(carol.address)]["state"] == "synced"
    assert (await harness.records(carol.address))[1].tier == 2


async def test_a_revocation_reaches_every_chain_after_the_approval_it_supersedes(harness, carol):
    decide(harness.home, carol.address, 1, tier=3)
    await harness.settle()
    decide(harness.home, carol.address, 2, action="revoke")
    await harness.settle()
    home, b = await harness.records(carol.address)
    assert home.tier == 0 and b.tier == 0
    assert harness.fanout.writers[0].progress()[_ref(carol.address)]["version"] == 2


async def test_a_record_written_over_on_one_chain_is_reported_as_drift_and_reconciled(harness, registry_b, carol):
    decide(harness.home, carol.address, 1, tier=2)
    await harness.settle()
    w3 = registry_b.w3
    hand = w3.eth.accounts[0]  # another KYC operator of chain B writes over the record by hand
    w3.eth.wait_for_transaction_receipt(registry_b.functions.grantRole(
        role("KYC_OPERATOR_ROLE"), hand).transact({"from": hand}))
    w3.eth.wait_for_transaction_receipt(registry_b.functions.setInvestor(
        carol.address, 1, b"AR", int(time.time()) + 60, b"\x00" * 32).transact({"from": hand}))
    drift = await harness.fanout.check()
    assert [d.wallet for d in drift] == [carol.address]
    assert drift[0].records["chain-b"].tier == 1 and drift[0].records["home"].tier == 2
    assert b"relayer_kyc_registry_drift_wallets 1.0" in generate_latest(harness.metrics.registry)
    await harness.settle()
    assert await harness.fanout.check() == []
    home, b = await harness.records(carol.address)
    assert b == home
    assert b"relayer_kyc_registry_drift_wallets 0.0" in generate_latest(harness.metrics.registry)


async def test_a_freeze_applied_on_one_chain_only_is_drift(harness, stack, sanctions_officer, carol):
    decide(harness.home, carol.address, 1)
    await harness.settle()
    registries = {"home": (harness.rpc_home, harness.home_registry), "chain-b": (harness.rpc_b, harness.registry_b)}
    assert await registry_drift(registries, [carol.address]) == []
    stack.registry.freeze([carol.address], keccak(text="sanctions list entry"), sender=sanctions_officer)
    drift = await registry_drift(registries, [carol.address])
    assert drift[0].records["home"].frozen and not drift[0].records["chain-b"].frozen


async def test_one_chain_unreachable_does_not_stop_the_home_write(stores, rpc_url, kyc_key, stack, registry_b, carol):
    rpc_home, dead = Rpc(rpc_url), Rpc(f"http://127.0.0.1:{free_port()}")
    h = Harness(*stores, rpc_home, dead, kyc_key, stack.registry.address, registry_b.address)
    decide(h.home, carol.address, 1, tier=2)
    for _ in range(20):
        await h.writer.sync_once()
        await h.fanout.sync_once()
        if (await read_record(rpc_home, stack.registry.address, carol.address)).tier == 2:
            break
        await asyncio.sleep(0.1)
    assert (await read_record(rpc_home, stack.registry.address, carol.address)).tier == 2
    assert len(h.fanout.writers[0].pending()) == 1
    await rpc_home.aclose()
    await dead.aclose()


def _ref(wallet: str) -> str:
    return "0x" + keccak(text=f"applicant:{wallet}").hex()


async def test_the_doctor_names_a_wallet_whose_record_differs_between_chains(harness, stores, registry_b, carol,
                                                                             tmp_path):
    from types import SimpleNamespace

    from relayer.config import KycChain
    from relayer.doctor import _kyc_drift_check

    decide(harness.home, carol.address, 1, tier=2)
    await harness.writer.sync_once()
    for _ in range(40):  # home only: chain B never gets the decision
        await harness.writer.sync_once()
        if (await read_record(harness.rpc_home, harness.home_registry, carol.address)).tier == 2:
            break
        await asyncio.sleep(0.1)
    database_url = f"sqlite:///{tmp_path / 'relayer.db'}"
    config = SimpleNamespace(
        rpc_url=harness.rpc_home.url, database_url=database_url,
        open_store=lambda migrate_schema=True: Store.open(database_url, migrate_schema=migrate_schema),
        kyc=SimpleNamespace(registry=harness.home_registry, chains=[KycChain(
            name="chain-b", rpc_url=harness.rpc_b.url, registry=harness.registry_b, chain_selector=CHAIN_B_SELECTOR,
            database_url=f"sqlite:///{tmp_path / 'kyc-b.db'}")]))
    good, problems = [], []
    await _kyc_drift_check(config, good.append, lambda message, hint=None: problems.append(message))
    assert len(problems) == 1 and carol.address in problems[0] and "chain-b tier 0" in problems[0]
    await harness.settle()
    good, problems = [], []
    await _kyc_drift_check(config, good.append, lambda message, hint=None: problems.append(message))
    assert problems == [] and "identical on 2 chains" in good[0]


async def test_the_api_process_fans_a_decision_out_and_exports_the_drift_gauge(stores, rpc_url, chain_b, kyc_key,
                                                                               stack, registry_b, carol, tmp_path,
                                                                               monkeypatch):
    """`rat-relayer api` with `kyc.chains`: the KYC loop writes both registries and the metrics port shows drift 0."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    from relayer.api.server import serve
    from relayer.config import RelayerConfig
    from relayer.signers import KeystoreSigner

    home, _ = stores
    KeystoreSigner.create(tmp_path / "kyc.json", "kyc-pass", private_key=bytes(kyc_key.key), scrypt_n=2**10)
    monkeypatch.setenv("RAT_TEST_KYC_PASS", "kyc-pass")
    decide(home, carol.address, 1, tier=2)
    ops_port = free_port()
    role_ = {"type": "keystore", "path": "unused.json", "passphrase_env": "UNUSED"}
    config = RelayerConfig.model_validate({
        "rpc_url": rpc_url, "minter": "0x" + "11" * 20, "database_url": f"sqlite:///{tmp_path / 'relayer.db'}",
        "assets": {}, "signers": {"sender": role_}, "brokerage": {"adapter": "alpaca"},
        "custody": {"adapter": "sim-custodian"}, "http": {"host": "127.0.0.1", "port": ops_port},
        "api": {"port": 0}, "lease_ttl": 5.0,
        "kyc": {"registry": stack.registry.address, "interval": 0.1, "drift_interval": 0.2,
                "signer": {"type": "keystore", "path": str(tmp_path / "kyc.json"),
                           "passphrase_env": "RAT_TEST_KYC_PASS"},
                "levels": {"rat-professional-ar": {"tier": 2, "jurisdiction": "AR"}},
                "chains": [{"name": "chain-b", "rpc_url": chain_b, "registry": registry_b.address,
                            "chain_selector": CHAIN_B_SELECTOR,
                            "database_url": f"sqlite:///{tmp_path / 'kyc-b.db'}"}]}})
    rpc_home, rpc_b = Rpc(rpc_url), Rpc(chain_b)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(config, stop, ready))
    try:
        await asyncio.wait_for(ready.wait(), 30)
        values: dict = {}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ops_port}") as client:
            for _ in range(150):
                b = await read_record(rpc_b, registry_b.address, carol.address)
                text = (await client.get("/metrics")).text
                values = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
                if b.tier == 2 and values.get("relayer_kyc_drift_check_timestamp_seconds", 0) > 0 \
                        and values.get("relayer_kyc_registry_drift_wallets") == 0:
                    break
                await asyncio.sleep(0.1)
        home_record = await read_record(rpc_home, stack.registry.address, carol.address)
        assert (home_record.tier, home_record.jurisdiction) == (2, "AR")
        assert await read_record(rpc_b, registry_b.address, carol.address) == home_record
        assert values["relayer_kyc_registry_drift_wallets"] == 0
        assert values['relayer_kyc_fanout_pending'] == 0
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await rpc_home.aclose()
        await rpc_b.aclose()


async def test_a_chain_down_when_the_api_starts_does_not_stop_the_home_write_and_stalls_the_drift_check(
        stores, rpc_url, kyc_key, stack, carol, tmp_path, monkeypatch):
    from relayer.api.server import kyc_loop
    from relayer.config import RelayerConfig
    from relayer.signers import KeystoreSigner

    home, _ = stores
    KeystoreSigner.create(tmp_path / "kyc.json", "kyc-pass", private_key=bytes(kyc_key.key), scrypt_n=2**10)
    monkeypatch.setenv("RAT_TEST_KYC_PASS", "kyc-pass")
    decide(home, carol.address, 1, tier=2)
    role_ = {"type": "keystore", "path": "unused.json", "passphrase_env": "UNUSED"}
    config = RelayerConfig.model_validate({
        "rpc_url": rpc_url, "minter": "0x" + "11" * 20, "database_url": f"sqlite:///{tmp_path / 'relayer.db'}",
        "assets": {}, "signers": {"sender": role_}, "brokerage": {"adapter": "alpaca"},
        "custody": {"adapter": "sim-custodian"},
        "kyc": {"registry": stack.registry.address, "interval": 0.1, "drift_interval": 0.1,
                "signer": {"type": "keystore", "path": str(tmp_path / "kyc.json"),
                           "passphrase_env": "RAT_TEST_KYC_PASS"},
                "levels": {"rat-professional-ar": {"tier": 2, "jurisdiction": "AR"}},
                "chains": [{"name": "chain-b", "rpc_url": f"http://127.0.0.1:{free_port()}",
                            "registry": "0x" + "22" * 20, "chain_selector": CHAIN_B_SELECTOR,
                            "database_url": f"sqlite:///{tmp_path / 'kyc-b.db'}"}]}})
    metrics, rpc = ApiMetrics(), Rpc(rpc_url)
    stop = asyncio.Event()
    task = asyncio.create_task(kyc_loop(config, home, rpc, stop, "test-owner", metrics))
    try:
        for _ in range(100):
            if (await read_record(rpc, stack.registry.address, carol.address)).tier == 2:
                break
            await asyncio.sleep(0.1)
        assert (await read_record(rpc, stack.registry.address, carol.address)).tier == 2
        await asyncio.sleep(0.5)
        assert not task.done()
        assert b"relayer_kyc_drift_check_timestamp_seconds 0.0" in generate_latest(metrics.registry)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await rpc.aclose()
