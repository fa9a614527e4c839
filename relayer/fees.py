"""Fee pricing for the transaction sender: what a new transaction pays, and what its replacement must pay.

A chain whose blocks carry `baseFeePerGas` (London and later) gets type-2 (EIP-1559) transactions: the priority fee
is the median of the `priority_fee_percentile` rewards that eth_feeHistory reports for the last
`fee_history_blocks` blocks, or the node's eth_maxPriorityFeePerGas when those blocks paid no tips (or the node has
no fee history); the fee cap is `base_fee_multiplier` times the next block's base fee plus the priority fee, so the
transaction stays includable while the base fee rises for a few full blocks. Any other chain gets legacy
transactions priced at eth_gasPrice.

The bump rule is geth's replacement rule (core/txpool/legacypool, `PriceBump` 10; reth's default bump is also
10 %): a transaction at the same nonce replaces a pooled one only when its gas price — for type 2, *both* its fee
cap and its priority fee — is at least `REPLACEMENT_MIN_PERCENT` above the old one's; otherwise the node answers
"replacement transaction underpriced". anvil is laxer (it takes any higher replacement), so the rule is enforced
here, not learnt from the test node. A replacement that the configured cap would hold below that minimum is
refused (`FeeCapReached`) rather than signed for nothing.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

from pydantic import BaseModel, ConfigDict

from relayer.errors import RelayerError, RpcError, RpcUnavailable
from relayer.rpc import Rpc, to_int

REPLACEMENT_MIN_PERCENT = 10  # geth's and anvil's default txpool price bump


class FeeCapReached(RelayerError):
    hint = "raise sender.max_gas_price or wait for the network's fees to fall"


class Fees(BaseModel):
    """What one attempt pays per gas: `gas_price` for a legacy transaction, or the EIP-1559 pair."""

    model_config = ConfigDict(frozen=True)

    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None

    @property
    def type2(self) -> bool:
        return self.max_fee_per_gas is not None

    @property
    def price_ceiling(self) -> int:
        """The most one gas can cost: the stored `gas_price` of an intent."""
        return self.max_fee_per_gas if self.max_fee_per_gas is not None else (self.gas_price or 0)


def legacy(gas_price: int) -> Fees:
    return Fees(gas_price=gas_price)


def eip1559(max_fee_per_gas: int, max_priority_fee_per_gas: int) -> Fees:
    return Fees(max_fee_per_gas=max_fee_per_gas, max_priority_fee_per_gas=max_priority_fee_per_gas)


def _raised(value: int, percent: int) -> int:
    return math.ceil(value * (100 + percent) / 100)


def capped(fees: Fees, cap: int) -> Fees:
    """`fees` with the price ceiling held at `cap` (and a priority fee never above the fee cap)."""
    if not fees.type2:
        return legacy(min(fees.gas_price or 0, cap))
    max_fee = min(fees.max_fee_per_gas or 0, cap)
    return eip1559(max_fee, min(fees.max_priority_fee_per_gas or 0, max_fee))


def bump(old: Fees, current: Fees, percent: int, cap: int) -> Fees:
    """The fees of a replacement for a stuck attempt paying `old`, when the market now asks `current`: each fee
    raised by `percent` (≥ the node's minimum) or to the market's, whichever is higher, then held at `cap`.
    The replacement keeps the old attempt's type. Raises FeeCapReached when the cap leaves a fee below the
    node's replacement minimum."""
    if old.type2:
        old_max, old_tip = old.max_fee_per_gas or 0, old.max_priority_fee_per_gas or 0
        now_max = current.max_fee_per_gas if current.type2 else current.gas_price
        now_tip = current.max_priority_fee_per_gas if current.type2 else current.gas_price
        tip = max(_raised(old_tip, percent), now_tip or 0)
        max_fee = min(max(_raised(old_max, percent), now_max or 0, tip), cap)
        new = eip1559(max_fee, min(tip, max_fee))
        short = (new.max_fee_per_gas or 0) < _raised(old_max, REPLACEMENT_MIN_PERCENT) \
            or (new.max_priority_fee_per_gas or 0) < _raised(old_tip, REPLACEMENT_MIN_PERCENT)
    else:
        old_price = old.gas_price or 0
        price = min(max(_raised(old_price, percent), current.price_ceiling), cap)
        new = legacy(price)
        short = price < _raised(old_price, REPLACEMENT_MIN_PERCENT)
    if short:
        raise FeeCapReached(
            f"a replacement needs +{REPLACEMENT_MIN_PERCENT} % on {old.model_dump(exclude_none=True)} "
            f"but the cap is {cap} wei per gas"
        )
    return new


def priority_fee_from_history(history: dict[str, Any]) -> int | None:
    """The median of the tips eth_feeHistory reports, or None when the blocks paid none (empty blocks)."""
    tips = [to_int(row[0]) for row in history.get("reward") or [] if row]
    paid = [t for t in tips if t > 0]
    return int(statistics.median(paid)) if paid else None


class FeePricer:
    """Prices new transactions for one chain. `mode` is the policy's `transaction_type`: "auto" asks the chain
    once (a `baseFeePerGas` in the latest block means type 2), "legacy" and "eip1559" force one."""

    def __init__(
        self,
        rpc: Rpc,
        mode: str = "auto",
        fee_history_blocks: int = 10,
        priority_fee_percentile: float = 50.0,
        base_fee_multiplier: int = 2,
    ) -> None:
        self.rpc = rpc
        self.fee_history_blocks = fee_history_blocks
        self.priority_fee_percentile = priority_fee_percentile
        self.base_fee_multiplier = base_fee_multiplier
        self._type2: bool | None = {"legacy": False, "eip1559": True}.get(mode)

    def observe(self, block: dict[str, Any]) -> None:
        """Learns the chain's kind from a block the caller already has (the follower's head)."""
        if self._type2 is None:
            self._type2 = block.get("baseFeePerGas") is not None

    async def type2(self) -> bool:
        if self._type2 is None:
            block = await self.rpc.block("latest")
            self.observe(block or {})
        return bool(self._type2)

    async def quote(self) -> Fees:
        if not await self.type2():
            return legacy(await self.rpc.gas_price())
        try:
            history = await self.rpc.call(
                "eth_feeHistory", hex(self.fee_history_blocks), "latest", [self.priority_fee_percentile]
            )
            next_base_fee = to_int(history["baseFeePerGas"][-1])
            tip = priority_fee_from_history(history)
        except RpcUnavailable:
            raise
        except (RpcError, KeyError, IndexError, TypeError):  # no fee history: the latest block and the suggestion
            block = await self.rpc.block("latest") or {}
            next_base_fee, tip = to_int(block.get("baseFeePerGas") or 0), None
        if tip is None:
            tip = to_int(await self.rpc.call("eth_maxPriorityFeePerGas"))
        return eip1559(self.base_fee_multiplier * next_base_fee + tip, tip)
