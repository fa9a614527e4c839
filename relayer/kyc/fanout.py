"""KYC fan-out (ADR 0106): every KYC decision the home RegistryWriter writes goes to every configured chain's
ComplianceRegistry too, with the same KYC operator key, exactly once per chain and decision version.

Each extra chain has its own store (`KycChain.database_url`): its TxSender's intents (keyed by sender and nonce,
and the key has its own nonces on every chain) and the chain's progress rows (`kyc_chain_sync`, store migration 7)
commit there together. The decisions themselves are read from the home store's `kyc_applicants`, which only the
webhook writes. `reconcile` reads each chain's registry back and re-queues a decision the chain does not show;
`registry_drift` compares the records of every chain with each other (the doctor check and the
`relayer_kyc_registry_drift_wallets` gauge). Bridges never write a registry: only this key does."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

from eth_abi import decode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from sqlalchemy import and_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from relayer.errors import RelayerError
from relayer.kyc.writer import revoke_investors_calldata, set_investors_calldata
from relayer.rpc import Rpc
from relayer.sender import TxSender
from relayer.store import Store, schema

log = logging.getLogger("relayer.kyc.fanout")

_INVESTOR = function_signature_to_4byte_selector("investor(address)")


@dataclass(frozen=True)
class RegistryRecord:
    """What a ComplianceRegistry holds for a wallet, as far as the KYC writer and the sanctions officer set it."""

    tier: int
    jurisdiction: str
    expiry: int
    frozen: bool

    def kyc_view(self) -> tuple[int, str, int]:
        """The KYC part (a revoked record is tier 0 whatever else it kept)."""
        return (0, "", 0) if self.tier == 0 else (self.tier, self.jurisdiction, self.expiry)


async def read_record(rpc: Rpc, registry: str, wallet: str, block: str = "latest") -> RegistryRecord:
    raw = await rpc.eth_call(registry, _INVESTOR + bytes(12) + bytes.fromhex(wallet[2:]), block)
    tier, jurisdiction, expiry, frozen, _holder_class = decode(["uint8", "bytes2", "uint40", "bool", "uint8"], raw)
    return RegistryRecord(tier, jurisdiction.decode("ascii", "replace").strip("\x00"), expiry, frozen)


def expected_view(row: dict) -> tuple[int, str, int]:
    """The KYC part of the record a chain must show for an applicant row of the home ledger."""
    return (row["tier"], row["jurisdiction"], row["expiry"]) if row["action"] == "set" else (0, "", 0)


@dataclass(frozen=True)
class ChainTarget:
    """One extra chain: its selector, registry, RPC, store and a TxSender bound to that store."""

    name: str
    chain_selector: int
    registry: str
    rpc: Rpc
    store: Store
    sender: TxSender


class ChainRegistryWriter:
    """Writes the home ledger's decisions to one extra chain's registry, in batches, following each batch to its
    receipt. A decision version is sent once: before the batch is signed its rows are `sending` with a batch id,
    which the TxSender stores as the intent's request_id before broadcasting; then `submitted` (with the nonce)
    until mined, then `synced` or `failed`. After a crash, a `sending` batch whose intent exists is followed, one
    without an intent is `unsent` and goes again. A newer version is sent only after the older batch settled, so
    the chain ends at the newest decision."""

    def __init__(self, home: Store, target: ChainTarget, batch_size: int = 50) -> None:
        self.home, self.target, self.batch_size = home, target, batch_size

    async def sync_once(self) -> int:
        synced = await self._follow()
        await self._send()
        return synced

    def progress(self) -> dict[str, dict]:
        t = schema.kyc_chain_sync
        with self.target.store.transaction() as conn:
            rows = conn.execute(select(t).where(t.c.chain_selector == str(self.target.chain_selector))).mappings().all()
        return {r["provider_ref"]: dict(r) for r in rows}

    def _decisions(self) -> list[dict]:
        t = schema.kyc_applicants
        with self.home.transaction() as conn:
            return [dict(r) for r in conn.execute(select(t).order_by(t.c.updated_at)).mappings()]

    def pending(self) -> list[dict]:
        """Decisions this chain has not been sent at their current version (nor is being sent an older one)."""
        done = self.progress()
        out = []
        for row in self._decisions():
            p = done.get(row["provider_ref"])
            if p is None or p["state"] == "unsent" or (
                    p["version"] < row["version"] and p["state"] not in ("submitted", "sending")):
                out.append(row)
        return out[: self.batch_size]

    def _recover(self) -> None:
        """Batches marked `sending` by a pass that died: adopt the stored intent's nonce, or mark them unsent."""
        t, selector = schema.kyc_chain_sync, str(self.target.chain_selector)
        with self.target.store.transaction() as conn:
            batches = conn.execute(select(t.c.batch_id).where(and_(t.c.chain_selector == selector,
                                                                  t.c.state == "sending")).distinct()).scalars().all()
        for batch in batches:
            intents = self.target.store.intents_for_request(batch) if batch else []
            values = ({"state": "submitted", "nonce": intents[0].nonce, "tx_hash": intents[0].tx_hash} if intents
                      else {"state": "unsent"})
            with self.target.store.transaction() as conn:
                conn.execute(update(t).where(and_(t.c.chain_selector == selector, t.c.batch_id == batch,
                                                  t.c.state == "sending")).values(updated_at=time.time(), **values))

    async def _follow(self) -> int:
        self._recover()
        t, selector = schema.kyc_chain_sync, str(self.target.chain_selector)
        with self.target.store.transaction() as conn:
            nonces = conn.execute(select(t.c.nonce).where(and_(t.c.chain_selector == selector,
                                                               t.c.state == "submitted")).distinct()).scalars().all()
        synced = 0
        for nonce in sorted(n for n in nonces if n is not None):
            receipt = await self.target.sender.tend(nonce)
            if receipt is None:
                continue
            state = "synced" if receipt.status == 1 else "failed"
            with self.target.store.transaction() as conn:
                result = conn.execute(update(t).where(and_(t.c.chain_selector == selector, t.c.nonce == nonce,
                                                           t.c.state == "submitted"))
                                      .values(state=state, tx_hash=receipt.tx_hash, updated_at=time.time()))
            synced += result.rowcount if state == "synced" else 0
            if state == "failed":
                log.error("registry fan-out batch reverted", extra={"chain": self.target.name,
                                                                    "tx_hash": receipt.tx_hash})
        return synced

    async def _send(self) -> None:
        pending = self.pending()
        for action, encoder, purpose in (("set", set_investors_calldata, "kyc_set"),
                                         ("revoke", revoke_investors_calldata, "kyc_revoke")):
            rows = [r for r in pending if r["action"] == action]
            if not rows:
                continue
            batch = "0x" + os.urandom(32).hex()
            self._mark(rows, "sending", batch, None, None)
            try:
                intent = await self.target.sender.submit(self.target.registry, encoder(rows), purpose,
                                                         request_id=batch)
            except RelayerError as exc:
                self._mark(rows, "unsent", batch, None, None)
                log.warning("registry fan-out batch not sent", extra={"chain": self.target.name, "error": str(exc)})
                continue
            self._mark(rows, "submitted", batch, intent.nonce, intent.tx_hash)

    def _mark(self, rows: list[dict], state: str, batch: str, nonce: int | None, tx_hash: str | None) -> None:
        t = schema.kyc_chain_sync
        with self.target.store.transaction() as conn:
            insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(t)
            for row in rows:
                values = {"version": row["version"], "state": state, "batch_id": batch, "nonce": nonce,
                          "tx_hash": tx_hash, "updated_at": time.time()}
                conn.execute(insert.values(chain_selector=str(self.target.chain_selector),
                                           provider_ref=row["provider_ref"], **values)
                             .on_conflict_do_update(index_elements=[t.c.chain_selector, t.c.provider_ref],
                                                    set_=values))

    async def reconcile(self) -> list[str]:
        """Reads every synced decision back from the chain's registry; a record that differs from the decision
        (written over, or a reverted batch) is re-queued. Returns the wallets re-queued."""
        done = self.progress()
        requeue = []
        for row in self._decisions():
            p = done.get(row["provider_ref"])
            if p is None or p["state"] in ("submitted", "sending", "unsent") or p["version"] != row["version"]:
                continue
            record = await read_record(self.target.rpc, self.target.registry, row["wallet"])
            if record.kyc_view() != expected_view(row):
                requeue.append(row)
        if requeue:
            t = schema.kyc_chain_sync
            with self.target.store.transaction() as conn:
                for row in requeue:
                    conn.execute(update(t).where(and_(t.c.chain_selector == str(self.target.chain_selector),
                                                      t.c.provider_ref == row["provider_ref"]))
                                 .values(state="drifted", version=0, updated_at=time.time()))
            log.warning("registry drift re-queued", extra={"chain": self.target.name, "rows": len(requeue)})
        return [to_checksum_address(r["wallet"]) for r in requeue]


@dataclass(frozen=True)
class Drift:
    wallet: str
    records: dict[str, RegistryRecord]  # chain name -> record


async def registry_drift(registries: dict[str, tuple[Rpc, str]], wallets: list[str]) -> list[Drift]:
    """Wallets whose record (KYC part and freeze) is not the same on every chain."""
    out = []
    for wallet in wallets:
        records = {name: await read_record(rpc, registry, wallet) for name, (rpc, registry) in registries.items()}
        views = {(r.kyc_view(), r.frozen) for r in records.values()}
        if len(views) > 1:
            out.append(Drift(to_checksum_address(wallet), records))
    return out


def ledger_wallets(home: Store) -> list[str]:
    t = schema.kyc_applicants
    with home.transaction() as conn:
        return sorted({w for w in conn.execute(select(t.c.wallet)).scalars()})


class FanOut:
    """The extra chains' writers, their reconcile pass and the drift check over every registry (home included)."""

    def __init__(self, home: Store, home_rpc: Rpc, home_registry: str, targets: list[ChainTarget],
                 batch_size: int = 50, metrics: object | None = None) -> None:
        self.home, self.home_rpc, self.home_registry = home, home_rpc, home_registry
        self.writers = [ChainRegistryWriter(home, t, batch_size) for t in targets]
        self.metrics = metrics  # relayer.observability.KycFanoutMetrics, when served
        self.batch_size = batch_size

    def add_target(self, target: ChainTarget) -> None:
        """A chain whose RPC or store was not reachable at start-up, once it is."""
        self.writers.append(ChainRegistryWriter(self.home, target, self.batch_size))

    async def sync_once(self) -> int:
        synced = 0
        for writer in self.writers:
            try:
                synced += await writer.sync_once()
            except RelayerError as exc:  # one chain's outage never stops the others
                log.warning("kyc fan-out pass failed", extra={"chain": writer.target.name, "error": exc.explain()})
            if self.metrics is not None:
                self.metrics.pending.labels(writer.target.name).set(len(writer.pending()))
        return synced

    async def check(self) -> list[Drift]:
        """Reconciles every chain, then compares all registries; sets the drift gauge."""
        for writer in self.writers:
            await writer.reconcile()
        registries = {"home": (self.home_rpc, self.home_registry)}
        registries.update({w.target.name: (w.target.rpc, w.target.registry) for w in self.writers})
        drift = await registry_drift(registries, ledger_wallets(self.home))
        if self.metrics is not None:
            self.metrics.drift.set(len(drift))
            self.metrics.last_check.set(time.time())
        return drift


async def build_targets(chains: list, signer: object, policy: object) -> list[ChainTarget]:
    """ChainTargets for `KycConfig.chains`, each with its own store (migrated) and TxSender for `signer`. Raises a
    RelayerError (RPC or store unreachable) without leaving a connection open."""
    targets = []
    for chain in chains:
        rpc = Rpc(chain.rpc_url)
        try:
            chain_id = await rpc.chain_id()
            store = Store.open(chain.database_url)
        except BaseException:
            await rpc.aclose()
            raise
        sender = TxSender(rpc, store, signer, chain_id, policy)
        targets.append(ChainTarget(chain.name, chain.chain_selector, chain.registry, rpc, store, sender))
    return targets
