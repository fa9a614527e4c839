"""Follows the chain for the mirror: reads the logs of every followed contract batch by batch up to the confirmed
head, finds tokens listed on the way, checks the logs against the block headers, and hands each batch to the
store in one transaction. Reorgs below the cursor are detected by block hash and unwound (store.unwind).

The confirmation policy, the header reads and `ChainChanged` are the relayer watcher's (relayer/chainfollow.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import function_signature_to_4byte_selector
from pydantic import BaseModel, ConfigDict, Field

from indexer.events import EventBook
from indexer.model import POOL, TOKEN, Modeller
from indexer.store import Followed, Header, MirrorStore
from relayer.chainfollow import ChainChanged, confirmed_head, fetch_headers
from relayer.errors import RpcError
from relayer.rpc import Rpc, to_int

log = logging.getLogger("indexer.follower")

MULTIPLIER = function_signature_to_4byte_selector("multiplier()")
SYMBOL = function_signature_to_4byte_selector("symbol()")
GET_TOKEN = function_signature_to_4byte_selector("getToken()")


class FollowPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirmations: int = Field(default=2, ge=0, description="blocks below the head before a block is mirrored")
    finality_tag: str | None = Field(default=None, pattern="^(safe|finalized)$")
    batch_blocks: int = Field(default=2000, ge=1, description="blocks per eth_getLogs call")
    reorg_window: int = Field(default=256, ge=1, description="mirrored blocks whose identity is kept")
    start_block: int = Field(default=0, ge=0)


class ReorgTooDeep(RpcError):
    """The chain changed below the reorg window: the mirror cannot unwind it and must be rebuilt."""


class Follower:
    def __init__(self, rpc: Rpc, store: MirrorStore, chain_id: int, network: str, policy: FollowPolicy,
                 book: EventBook | None = None) -> None:
        self.rpc = rpc
        self.store = store
        self.chain_id = chain_id
        self.network = network
        self.policy = policy
        self.book = book or EventBook.load()
        self.modeller = Modeller(self.book, chain_id)
        self.head = 0
        self.target = 0
        self.ceiling: int | None = None  # mirror no block above this one (`follow --until-block`)
        self.listing_topics = [self.book.topic("EquityListed"), self.book.topic("AssetListed")]

    def cursor(self) -> int:
        stored = self.store.cursor(self.chain_id)
        return self.policy.start_block - 1 if stored is None else stored[0]

    async def check_reorg(self) -> Header | None:
        """Unwinds the mirror to the common ancestor when the chain no longer has the cursor's block; returns the
        ancestor, or None when nothing changed."""
        stored = self.store.cursor(self.chain_id)
        if stored is None:
            return None
        number, hash_ = stored
        block = await self.rpc.block(number)
        if block is not None and block["hash"] == hash_:
            return None
        floor = max(self.policy.start_block - 1, number - self.policy.reorg_window)
        candidate = number - 1
        while candidate > floor:
            mine = self.store.block_hash(self.chain_id, candidate)
            if mine is None:
                break
            theirs = await self.rpc.block(candidate)
            if theirs is not None and theirs["hash"] == mine:
                ancestor = Header(candidate, mine, theirs["parentHash"])
                removed = self.store.unwind(self.chain_id, ancestor)
                log.warning("reorg unwound", extra={"ancestor": candidate, "cursor": number, "rows": removed})
                return ancestor
            candidate -= 1
        raise ReorgTooDeep(f"block {number} changed and no common ancestor is within the last "
                           f"{self.policy.reorg_window} mirrored blocks; rebuild the mirror")

    async def tick(self) -> int:
        """Mirrors one batch of blocks; returns how many events it stored."""
        await self.check_reorg()
        self.target, self.head = await confirmed_head(self.rpc, self.policy.confirmations, self.policy.finality_tag)
        if self.ceiling is not None:
            self.target = min(self.target, self.ceiling)
        cursor = self.cursor()
        if self.target <= cursor:
            return 0
        start, end = cursor + 1, min(self.target, cursor + self.policy.batch_blocks)
        followed = {f.address: f for f in self.store.followed(self.chain_id)}
        if not followed:
            raise RpcError("no contract to follow: load a deployment first (rat-indexer follow --deployment ...)")
        logs = await self._logs(list(followed), start, end)
        discovered = await self._discover(logs, followed, end)
        headers = [Header(h.number, h.hash, h.parent_hash)
                   for h in await fetch_headers(self.rpc, max(start, end - self.policy.reorg_window + 1), end)]
        self._check_consistent(logs, headers, start, end)
        kinds = {address: f.kind for address, f in followed.items()}
        # A token recorded in the deployment is read only from its own block on (no code before it).
        tokens = [a for a, f in followed.items() if f.kind == TOKEN and f.since_block <= end]
        multipliers = await self._multipliers(tokens, end)
        symbols = {f.address: f.label or await self._symbol(f.address, end) for f in discovered}
        pool_tokens = await self._pool_tokens([a for a, f in followed.items() if f.kind == POOL
                                               and f.since_block <= end], end)
        batch = self.modeller.build(logs, kinds)
        with self.store.begin() as conn:
            self.store.record_pools(conn, self.chain_id, pool_tokens)
            self.store.apply(conn, self.chain_id, self.network, batch, headers[-1], headers, multipliers,
                             self.policy.reorg_window)
            for asset in tokens:
                label = symbols.get(asset) or followed[asset].label
                if label:
                    self.store.set_symbol(conn, self.chain_id, asset, label)
        return batch.events

    async def _logs(self, addresses: list[str], start: int, end: int) -> list[dict[str, Any]]:
        logs = await self.rpc.call("eth_getLogs", {"address": addresses, "fromBlock": hex(start),
                                                   "toBlock": hex(end)})
        return sorted(logs, key=lambda e: (to_int(e["blockNumber"]), to_int(e["logIndex"])))

    async def _discover(self, logs: list[dict[str, Any]], followed: dict[str, Followed], end: int
                        ) -> list[Followed]:
        """Tokens listed inside this batch: followed from their listing block, their logs merged in."""
        found: list[Followed] = []
        while True:
            new: dict[str, Followed] = {}
            for entry in logs:
                kind = followed.get(entry["address"].lower())
                if kind is None or kind.kind not in ("AssetLister", "Minter") or not entry["topics"] \
                        or entry["topics"][0] not in self.listing_topics or len(entry["topics"]) < 2:
                    continue
                address = "0x" + entry["topics"][1][-40:]
                if address in followed or address in new:
                    continue
                label = ""
                if kind.kind == "AssetLister":
                    event = self.book.lookup(entry["topics"])
                    label = event.decode(entry["topics"], entry["data"])["symbol"] if event else ""
                new[address] = Followed(address, TOKEN, label, to_int(entry["blockNumber"]))
            if not new:
                return found
            since = min(f.since_block for f in new.values())
            extra = await self._logs(list(new), since, end)
            followed.update(new)
            found.extend(new.values())
            logs[:] = sorted(logs + extra, key=lambda e: (to_int(e["blockNumber"]), to_int(e["logIndex"])))

    def _check_consistent(self, logs: list[dict[str, Any]], headers: list[Header], start: int, end: int) -> None:
        known = {h.number: h.hash for h in headers}
        for entry in logs:
            number = to_int(entry["blockNumber"])
            if entry.get("removed") or (number in known and known[number] != entry["blockHash"]):
                raise ChainChanged(f"block {number} changed while reading logs {start}-{end}")
        if headers and headers[0].number == start:
            previous = self.store.cursor(self.chain_id)
            if previous is not None and previous[0] == start - 1 and previous[1] != headers[0].parent_hash:
                raise ChainChanged(f"block {start} does not extend the mirrored block {start - 1}")

    async def _multipliers(self, tokens: list[str], block: int) -> dict[str, int]:
        answers = await self.rpc.batch([("eth_call", [{"to": t, "data": "0x" + MULTIPLIER.hex()}, hex(block)])
                                        for t in tokens])
        out = {}
        for token, answer in zip(tokens, answers):
            if isinstance(answer, Exception):
                raise answer
            if answer in (None, "0x"):  # no code at this block (yet): nothing to read
                continue
            out[token] = int(answer, 16)
        return out

    async def _pool_tokens(self, pools: list[str], block: int) -> dict[str, str]:
        """The asset of each pool not yet recorded (`getToken()`, immutable: read once per pool)."""
        known = self.store.pool_assets(self.chain_id)
        out = {}
        for pool in pools:
            if pool in known:
                continue
            answer = await self.rpc.eth_call(pool, GET_TOKEN, hex(block))
            if answer and len(answer) >= 32:
                out[pool] = "0x" + answer[-20:].hex()
        return out

    async def _symbol(self, token: str, block: int) -> str:
        (symbol,) = abi_decode(["string"], await self.rpc.eth_call(token, SYMBOL, hex(block)))
        return symbol

    async def run(self, interval: float = 1.0, stop: asyncio.Event | None = None) -> None:
        """Follows until `stop` is set: back-to-back batches while behind, one poll per interval once caught up."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                await self.tick()
            except ChainChanged as exc:
                log.warning("chain changed while reading; retrying", extra={"error": str(exc)})
                continue
            except ReorgTooDeep:
                raise
            except RpcError as exc:
                log.warning("node error; retrying", extra={"error": str(exc)})
            if self.cursor() >= self.target:
                try:
                    await asyncio.wait_for(stop.wait(), interval)
                except asyncio.TimeoutError:
                    pass
