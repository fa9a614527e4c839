"""Reconciliation: the mirror against the chain, at the mirror's own block (its cursor), read with `eth_call` at
that block so a chain moving on does not make a false difference.

Checks, per asset: Σ mirrored balances = `totalSupply()`; sampled holders' mirrored tokens = `balanceOf` and
shares = `sharesOf`; the latest mirrored reserve round = `ReserveRegistry.latestRoundData` (id and shares). Per
fee vault and payment token: the treasury and insurance buckets rebuilt from `FeesBooked` − `FeeWithdrawn` = the
vault's booked buckets (`buckets()` minus its split of `unbooked()`). Every run is recorded in `reconciliations`."""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector
from sqlalchemy import and_, select

from indexer import schema
from indexer.model import POOL, TOKEN
from indexer.store import MirrorStore
from relayer.errors import RpcError
from relayer.rpc import Rpc

BPS = 10_000


def _selector(signature: str) -> bytes:
    return function_signature_to_4byte_selector(signature)


@dataclass(frozen=True)
class Difference:
    check: str
    subject: str
    mirror: str
    chain: str


@dataclass
class Report:
    chain_id: int
    block: int
    block_hash: str
    checks: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not self.differences

    def render(self) -> str:
        head = f"chain {self.chain_id} block {self.block} ({self.block_hash[:12]}…): {self.checks} checks"
        if self.balanced:
            return f"{head}, balanced"
        lines = [f"{head}, {len(self.differences)} difference(s)"]
        lines += [f"  {d.check} {d.subject}: mirror {d.mirror} ≠ chain {d.chain}" for d in self.differences]
        return "\n".join(lines)

    def as_json(self) -> str:
        return json.dumps({"chain_id": self.chain_id, "block": self.block, "block_hash": self.block_hash,
                           "checks": self.checks, "balanced": self.balanced,
                           "differences": [asdict(d) for d in self.differences]}, indent=2)


class NothingMirrored(RuntimeError):
    """The mirror has no cursor for this chain yet: run `rat-indexer follow` first."""


class Reconciler:
    def __init__(self, rpc: Rpc, store: MirrorStore, chain_id: int, sample: int = 50, seed: int | None = None):
        self.rpc = rpc
        self.store = store
        self.chain_id = chain_id
        self.sample = sample
        self.random = random.Random(seed)

    async def _call(self, to: str, signature: str, types: list[str], args: list[Any], returns: list[str],
                    block: int) -> tuple:
        data = _selector(signature) + (abi_encode(types, args) if types else b"")
        return abi_decode(returns, await self.rpc.eth_call(to, data, hex(block)))

    async def run(self) -> Report:
        cursor = self.store.cursor(self.chain_id)
        if cursor is None:
            raise NothingMirrored(f"nothing mirrored for chain {self.chain_id} yet")
        block, block_hash = cursor
        report = Report(self.chain_id, block, block_hash)
        chain_block = await self.rpc.block(block)
        report.checks += 1
        if chain_block is None or chain_block["hash"] != block_hash:
            report.differences.append(Difference("cursor", f"block {block}", block_hash,
                                                 chain_block["hash"] if chain_block else "missing"))
            return self._record(report)
        followed = self.store.followed(self.chain_id)
        for asset in (f.address for f in followed if f.kind == TOKEN):
            await self._asset(report, asset, block)
        for registry in (f.address for f in followed if f.kind == "ReserveRegistry"):
            for asset in (f.address for f in followed if f.kind == TOKEN):
                await self._reserve(report, registry, asset, block)
        for vault in (f.address for f in followed if f.kind == "FeeVault"):
            await self._fees(report, vault, block)
        if any(f.kind == POOL for f in followed):
            await self._pools(report, block)
        return self._record(report)

    def _record(self, report: Report) -> Report:
        with self.store.begin() as conn:
            conn.execute(schema.reconciliations.insert().values(
                chain_id=self.chain_id, block_number=report.block, block_hash=report.block_hash, at=time.time(),
                checks=report.checks, differences=[asdict(d) for d in report.differences]))
        return report

    async def _asset(self, report: Report, asset: str, block: int) -> None:
        bal = schema.balances.c
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(bal.holder, bal.tokens, bal.shares).where(and_(
                bal.chain_id == self.chain_id, bal.asset == asset))).all()
        (supply,) = await self._call(asset, "totalSupply()", [], [], ["uint256"], block)
        mirrored = sum(tokens for _, tokens, _ in rows)
        report.checks += 1
        if mirrored != supply:
            report.differences.append(Difference("totalSupply", asset, str(mirrored), str(supply)))
        picked = rows if len(rows) <= self.sample else self.random.sample(rows, self.sample)
        for holder, tokens, shares in picked:
            (on_chain,) = await self._call(asset, "balanceOf(address)", ["address"], [holder], ["uint256"], block)
            (on_chain_shares,) = await self._call(asset, "sharesOf(address)", ["address"], [holder], ["uint256"],
                                                  block)
            report.checks += 2
            if tokens != on_chain:
                report.differences.append(Difference("balanceOf", f"{asset} {holder}", str(tokens), str(on_chain)))
            if shares != on_chain_shares:
                report.differences.append(Difference("sharesOf", f"{asset} {holder}", str(shares),
                                                     str(on_chain_shares)))

    async def _pools(self, report: Report, block: int) -> None:
        """Each bridged asset's pool: the mirror's net bridged-out amount and quarantine escrow against the pool's."""
        for row in self.store.chain_supply(self.chain_id):
            if row.pool is None:
                continue
            for name, mirrored in (("netBridgedOut", row.net_bridged_out), ("quarantinedTotal", row.quarantined)):
                (on_chain,) = await self._call(row.pool, f"{name}()", [], [], ["uint256"], block)
                report.checks += 1
                if mirrored != on_chain:
                    report.differences.append(Difference(name, row.pool, str(mirrored), str(on_chain)))

    async def _reserve(self, report: Report, registry: str, asset: str, block: int) -> None:
        r = schema.reserve_rounds.c
        with self.store.engine.connect() as conn:
            latest = conn.execute(select(r.round_id, r.shares).where(and_(
                r.chain_id == self.chain_id, r.asset == asset)).order_by(r.round_id.desc()).limit(1)).first()
        (round_id,) = await self._call(registry, "latestRoundId(address)", ["address"], [asset], ["uint80"], block)
        report.checks += 1
        if latest is None and round_id == 0:
            return
        if latest is None or latest[0] != round_id:
            report.differences.append(Difference("reserveRound", asset, str(latest[0] if latest else None),
                                                 str(round_id)))
            return
        try:
            answer = await self._call(registry, "latestRoundData(address)", ["address"], [asset],
                                      ["uint80", "int256", "uint256", "uint256", "uint80"], block)
        except RpcError as exc:
            report.differences.append(Difference("reserveShares", asset, str(latest[1]), f"reverted: {exc}"))
            return
        report.checks += 1
        if answer[1] != latest[1]:
            report.differences.append(Difference("reserveShares", asset, str(latest[1]), str(answer[1])))

    async def _fees(self, report: Report, vault: str, block: int) -> None:
        f = schema.fee_events.c
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(f.kind, f.token, f.amount, f.to_treasury, f.to_insurance, f.bucket).where(
                and_(f.chain_id == self.chain_id, f.kind.in_(("booked", "withdrawn"))))).all()
        mirror: dict[str, list[int]] = {}
        for kind, token, amount, to_treasury, to_insurance, bucket in rows:
            buckets = mirror.setdefault(token, [0, 0])
            if kind == "booked":
                buckets[0] += to_treasury
                buckets[1] += to_insurance
            else:
                buckets[bucket] -= amount
        (tracked,) = await self._call(vault, "trackedTokens()", [], [], ["address[]"], block)
        (share,) = await self._call(vault, "insuranceShareBps()", [], [], ["uint16"], block)
        for token in sorted({t.lower() for t in tracked} | set(mirror)):
            treasury, insurance = await self._call(vault, "buckets(address)", ["address"], [token],
                                                   ["uint256", "uint256"], block)
            (unbooked,) = await self._call(vault, "unbooked(address)", ["address"], [token], ["uint256"], block)
            pending_insurance = unbooked * share // BPS
            booked = [treasury - (unbooked - pending_insurance), insurance - pending_insurance]
            mine = mirror.get(token, [0, 0])
            for name, a, b in (("treasury", mine[0], booked[0]), ("insurance", mine[1], booked[1])):
                report.checks += 1
                if a != b:
                    report.differences.append(Difference(f"feeBucket.{name}", f"{vault} {token}", str(a), str(b)))
