"""Writes recorded KYC decisions to the ComplianceRegistry in batches with the KYC operator key:
`setInvestors((address,uint8,bytes2,uint40,bytes32)[])` for approvals, `revokeInvestors(address[],bytes32[])` for
downgrades. Every transaction goes through the relayer's TxSender (durable intent before broadcast, rebroadcast,
gas bumps). A decision superseded while its batch is in flight stays pending and goes in the next batch, which
is mined after the first (same key, higher nonce), so the registry always ends at the newest decision."""

from __future__ import annotations

import logging
import time

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector
from sqlalchemy import and_, select, update

from relayer.errors import RelayerError
from relayer.events import outbox
from relayer.sender import TxSender
from relayer.store import Store, schema

log = logging.getLogger("relayer.kyc")

INVESTOR_TUPLE = "(address,uint8,bytes2,uint40,bytes32)"


def set_investors_calldata(rows: list[dict]) -> bytes:
    updates = [(r["wallet"], r["tier"], r["jurisdiction"].encode("ascii"), r["expiry"],
                bytes.fromhex(r["provider_ref"][2:])) for r in rows]
    return function_signature_to_4byte_selector(f"setInvestors({INVESTOR_TUPLE}[])") + encode(
        [f"{INVESTOR_TUPLE}[]"], [updates])


def revoke_investors_calldata(rows: list[dict]) -> bytes:
    return function_signature_to_4byte_selector("revokeInvestors(address[],bytes32[])") + encode(
        ["address[]", "bytes32[]"], [[r["wallet"] for r in rows], [bytes.fromhex(r["provider_ref"][2:]) for r in rows]])


class RegistryWriter:
    def __init__(self, store: Store, sender: TxSender, registry: str, batch_size: int = 50) -> None:
        self.store, self.sender, self.registry, self.batch_size = store, sender, registry, batch_size

    async def sync_once(self) -> int:
        """Follows batches in flight, then sends pending decisions; returns how many rows became synced."""
        synced = await self._follow()
        await self._send()
        return synced

    async def _follow(self) -> int:
        t = schema.kyc_applicants
        with self.store.transaction() as conn:
            nonces = conn.execute(select(t.c.nonce).where(t.c.sync_state == "submitted").distinct()).scalars().all()
        synced = 0
        for nonce in sorted(n for n in nonces if n is not None):
            receipt = await self.sender.tend(nonce)
            if receipt is None:
                continue
            with self.store.transaction() as conn:
                rows = conn.execute(select(t).where(and_(t.c.nonce == nonce, t.c.sync_state == "submitted"))).mappings().all()
                state = "synced" if receipt.status == 1 else "failed"
                for row in rows:
                    conn.execute(update(t).where(and_(t.c.provider_ref == row["provider_ref"],
                                                      t.c.sync_state == "submitted", t.c.nonce == nonce))
                                 .values(sync_state=state, synced_version=row["version"], tx_hash=receipt.tx_hash,
                                         updated_at=time.time()))
                    outbox.record(conn, "kyc.registry_updated" if state == "synced" else "kyc.registry_failed", {
                        "provider_ref": row["provider_ref"], "wallet": row["wallet"], "action": row["action"],
                        "tier": row["tier"], "jurisdiction": row["jurisdiction"], "expiry": row["expiry"],
                        "tx_hash": receipt.tx_hash, "block_number": receipt.block_number,
                    }, row["provider_ref"][2:34])
                synced += len(rows) if state == "synced" else 0
            if receipt.status != 1:
                log.error("registry batch reverted", extra={"tx_hash": receipt.tx_hash, "rows": len(rows)})
        return synced

    async def _send(self) -> None:
        t = schema.kyc_applicants
        with self.store.transaction() as conn:
            pending = [dict(r) for r in conn.execute(select(t).where(t.c.sync_state == "pending")
                                                     .order_by(t.c.updated_at).limit(self.batch_size)).mappings()]
        for action, encoder, purpose in (("set", set_investors_calldata, "kyc_set"),
                                         ("revoke", revoke_investors_calldata, "kyc_revoke")):
            rows = [r for r in pending if r["action"] == action]
            if not rows:
                continue
            try:
                intent = await self.sender.submit(self.registry, encoder(rows), purpose)
            except RelayerError as exc:
                log.warning("registry batch not sent", extra={"purpose": purpose, "error": str(exc)})
                continue
            with self.store.transaction() as conn:
                for row in rows:
                    conn.execute(update(t).where(and_(t.c.provider_ref == row["provider_ref"],
                                                      t.c.version == row["version"]))
                                 .values(sync_state="submitted", nonce=intent.nonce, tx_hash=intent.tx_hash))
