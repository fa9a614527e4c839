"""Helpers of the indexer tests: the protocol history they mirror, a one-shot mirror run and a reconciliation."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from indexer.follower import Follower, FollowPolicy
from indexer.reconcile import Reconciler, Report
from indexer.store import Followed, MirrorStore
from relayer.rpc import Rpc

SHARE = 10**18
USDC = 10**6


@dataclass
class Protocol:
    chain_id: int
    rpc_url: str
    start_block: int
    token: Any
    stack: Any
    ms: Any
    usdc: Any
    alice: Any
    bob: Any
    deployer: Any

    def contracts(self) -> list[Followed]:
        """What a deployment record would name; the token is left out on purpose: the indexer finds it through
        the Minter's AssetListed event."""
        return [Followed(self.stack.registry.address.lower(), "ComplianceRegistry", "ComplianceRegistry", 0),
                Followed(self.ms.minter.address.lower(), "Minter", "Minter", 0),
                Followed(self.ms.reserves.address.lower(), "ReserveRegistry", "ReserveRegistry", 0),
                Followed(self.ms.fee_vault.address.lower(), "FeeVault", "FeeVault", 0)]

    def cli_contracts(self) -> list[str]:
        return [f"{c.kind}={c.address}" for c in self.contracts()]


def mirror(url: str, chain_id: int, rpc_url: str, followed: list[Followed], start_block: int,
           confirmations: int = 0, batch_blocks: int = 7) -> MirrorStore:
    """Mirrors the `followed` contracts from `start_block` up to the chain's confirmed head in small batches (so
    histories span several of them)."""
    store = MirrorStore(url)
    store.follow(chain_id, followed)

    async def run() -> None:
        rpc = Rpc(rpc_url)
        try:
            follower = Follower(rpc, store, chain_id, "local", FollowPolicy(
                confirmations=confirmations, batch_blocks=batch_blocks, start_block=start_block))
            while True:
                await follower.tick()
                if follower.cursor() >= follower.target:
                    return
        finally:
            await rpc.aclose()

    asyncio.run(run())
    return store


def mirror_once(url: str, protocol: Protocol, confirmations: int = 0, batch_blocks: int = 7) -> MirrorStore:
    """Mirrors the protocol's contracts (`Protocol.contracts`) up to the chain's confirmed head."""
    return mirror(url, protocol.chain_id, protocol.rpc_url, protocol.contracts(), protocol.start_block,
                  confirmations=confirmations, batch_blocks=batch_blocks)


def reconcile(store: MirrorStore, rpc_url: str, chain_id: int) -> Report:
    """One reconciliation of the mirror against the chain at the mirror's block."""

    async def run() -> Report:
        rpc = Rpc(rpc_url)
        try:
            return await Reconciler(rpc, store, chain_id).run()
        finally:
            await rpc.aclose()

    return asyncio.run(run())


def contents(store: MirrorStore) -> dict[str, list[tuple]]:
    """Everything the mirror holds that a clean run must reproduce. Left out: ingestion times, and where the
    multiplier was read (at the end of the batch that saw it change, so it depends on batch boundaries)."""
    from sqlalchemy import select

    from indexer import schema

    skip = {"ingested_at", "updated_at", "multiplier_block"}
    out = {}
    with store.engine.connect() as conn:
        for table in (*schema.EVENT_TABLES, schema.balances, schema.assets,
                      schema.followed_contracts, schema.indexer_cursor):
            columns = [c for c in table.c if c.name not in skip]
            out[table.name] = sorted(tuple(str(v) for v in row) for row in conn.execute(select(*columns)))
    return out
