"""Chain watcher: backfills Minter request events with eth_getLogs from the persisted cursor, then follows the
chain up to its confirmation policy, and detects reorganisations.

Confirmation policy per network: a depth (`confirmations: N`, head − N) or a block tag (`safe`, `finalized`).
A depth alone is fragile (Polygon reorged 157 blocks in February 2023), so production networks should use a tag.

Reorgs: the (number, hash, parent hash) of the last `reorg_window` processed blocks are stored with the cursor.
Before reading on, the stored hash at the cursor is compared with the chain's; on a mismatch the watcher walks
back to the newest block whose hash still matches (the common ancestor), rewinds the cursor there and calls
`on_reorg(ancestor)`, so the saga engine can park the affected sagas until their events reappear."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from pydantic import BaseModel, Field

from relayer.chainfollow import ChainChanged, confirmed_head, fetch_headers
from relayer.minter import REQUEST_TOPICS, RequestEvent, decode_request_log
from relayer.rpc import Rpc, to_int
from relayer.store import BlockRecord, Store

__all__ = ["ChainChanged", "Watcher", "WatcherPolicy"]

log = logging.getLogger("relayer.watcher")


class WatcherPolicy(BaseModel):
    confirmations: int = Field(default=2, ge=0)
    finality_tag: str | None = Field(default=None, pattern="^(safe|finalized)$")
    batch_blocks: int = Field(default=2000, ge=1, description="blocks per eth_getLogs call")
    reorg_window: int = Field(default=256, ge=1, description="processed blocks whose identity is kept")
    start_block: int = Field(default=0, ge=0)


class Watcher:
    def __init__(
        self,
        rpc: Rpc,
        store: Store,
        network: str,
        minter: str,
        policy: WatcherPolicy,
        on_event: Callable[[RequestEvent], Awaitable[None]],
        on_reorg: Callable[[int], Awaitable[None]],
    ) -> None:
        self.rpc = rpc
        self.store = store
        self.network = network
        self.minter = minter
        self.policy = policy
        self.on_event = on_event
        self.on_reorg = on_reorg
        self.head = 0
        self.target = 0

    async def confirmed_head(self) -> int:
        target, head = await confirmed_head(self.rpc, self.policy.confirmations, self.policy.finality_tag)
        if not self.policy.finality_tag:
            self.head = head
        return target

    def cursor(self) -> int:
        stored = self.store.cursor(self.network)
        return self.policy.start_block - 1 if stored is None else stored

    async def check_reorg(self) -> int | None:
        """Returns the common ancestor when the processed chain was reorganised, else None."""
        cursor = self.cursor()
        stored = self.store.block(self.network, cursor)
        if stored is None:
            return None
        chain = await self.rpc.block(cursor)
        if chain is not None and chain["hash"] == stored.hash:
            return None
        number = cursor - 1
        floor = max(self.policy.start_block - 1, cursor - self.policy.reorg_window)
        while number > floor:
            mine = self.store.block(self.network, number)
            if mine is None:
                break
            theirs = await self.rpc.block(number)
            if theirs is not None and theirs["hash"] == mine.hash:
                break
            number -= 1
        log.warning("reorg detected", extra={"cursor": cursor, "ancestor": number})
        self.store.forget_blocks_from(self.network, number + 1)
        self.store.set_cursor(self.network, number)
        await self.on_reorg(number)
        return number

    async def tick(self) -> int:
        """Processes one batch; returns how many request events it delivered."""
        await self.check_reorg()
        self.target = await self.confirmed_head()
        cursor = self.cursor()
        if self.target <= cursor:
            return 0
        start, end = cursor + 1, min(self.target, cursor + self.policy.batch_blocks)
        logs = await self.rpc.logs(self.minter, start, end, [REQUEST_TOPICS])
        headers = await self._headers(max(start, end - self.policy.reorg_window + 1), end)
        known = {h.number: h.hash for h in headers}
        for entry in logs:
            number = to_int(entry["blockNumber"])
            if entry.get("removed") or (number in known and known[number] != entry["blockHash"]):
                raise ChainChanged(f"block {number} changed while reading logs {start}-{end}")
        # A header older than the batch must still link to what we stored, or the reorg began below the batch.
        if headers and headers[0].number == start:
            previous = self.store.block(self.network, start - 1)
            if previous is not None and previous.hash != headers[0].parent_hash:
                raise ChainChanged(f"block {start} does not extend the processed block {start - 1}")
        delivered = 0
        for entry in sorted(logs, key=lambda e: (to_int(e["blockNumber"]), to_int(e["logIndex"]))):
            event = decode_request_log(entry)
            if event is not None:
                await self.on_event(event)
                delivered += 1
        self.store.set_cursor(self.network, end, headers)
        self.store.prune_blocks_below(self.network, end - self.policy.reorg_window)
        return delivered

    async def _headers(self, start: int, end: int) -> list[BlockRecord]:
        return await fetch_headers(self.rpc, start, end)

    def replay_from(self, block: int) -> None:
        """Re-reads events from `block` on the next tick. Safe at any time: events are idempotent by request id."""
        self.store.forget_blocks_from(self.network, block)
        self.store.set_cursor(self.network, block - 1)
