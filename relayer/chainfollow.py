"""Chain-following primitives shared by the relayer's watcher and the indexer (indexer/follower.py): the
confirmed head under a depth or a finality tag, and a linked run of block headers read in JSON-RPC batches."""

from __future__ import annotations

from relayer.errors import RpcError
from relayer.rpc import Rpc, to_int
from relayer.store import BlockRecord

HEADERS_PER_BATCH = 200


class ChainChanged(RpcError):
    """Logs and headers disagreed mid-read (a reorg happened while reading); the tick is retried."""


async def confirmed_head(rpc: Rpc, confirmations: int, finality_tag: str | None = None) -> tuple[int, int]:
    """(confirmed block, chain head): the newest block the policy accepts, -1 when none is yet."""
    if finality_tag:
        block = await rpc.block(finality_tag)
        number = to_int(block["number"]) if block else -1
        return number, number
    head = await rpc.block_number()
    return head - confirmations, head


async def fetch_headers(rpc: Rpc, start: int, end: int) -> list[BlockRecord]:
    """Headers `start`..`end` (inclusive), checked to link parent to child; ChainChanged when they do not."""
    out: list[BlockRecord] = []
    for first in range(start, end + 1, HEADERS_PER_BATCH):
        numbers = range(first, min(end, first + HEADERS_PER_BATCH - 1) + 1)
        answers = await rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        for number, block in zip(numbers, answers):
            if isinstance(block, Exception):
                raise block
            if block is None:
                raise ChainChanged(f"block {number} vanished while reading")
            out.append(BlockRecord(number=number, hash=block["hash"], parent_hash=block["parentHash"]))
    for a, b in zip(out, out[1:]):
        if b.parent_hash != a.hash:
            raise ChainChanged(f"blocks {a.number} and {b.number} do not link")
    return out
