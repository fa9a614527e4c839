"""Fee pricing and the replacement rule: type-2 fees come from the fee history (or the node's suggestion), and a
replacement raises every fee by at least the node's minimum or is refused at the configured cap."""

from __future__ import annotations

from typing import Any

import pytest

from relayer.errors import RpcError
from relayer.fees import REPLACEMENT_MIN_PERCENT, FeeCapReached, FeePricer, bump, capped, eip1559, legacy

pytestmark = pytest.mark.anyio

GWEI = 10**9
CAP = 500 * GWEI


class FakeNode:
    """Answers the fee calls from fixed values; `feeHistory=None` makes eth_feeHistory an error."""

    def __init__(self, base_fee: int | None = 10 * GWEI, rewards: list[int] | None = None,
                 suggestion: int = 2 * GWEI, fee_history: bool = True) -> None:
        self.base_fee, self.rewards, self.suggestion, self.fee_history = base_fee, rewards or [], suggestion, fee_history
        self.asked: list[str] = []

    async def block(self, tag: Any) -> dict[str, Any]:
        self.asked.append("eth_getBlockByNumber")
        block: dict[str, Any] = {"number": "0x10"}
        if self.base_fee is not None:
            block["baseFeePerGas"] = hex(self.base_fee)
        return block

    async def gas_price(self) -> int:
        self.asked.append("eth_gasPrice")
        return 7 * GWEI

    async def call(self, method: str, *params: Any) -> Any:
        self.asked.append(method)
        if method == "eth_feeHistory":
            if not self.fee_history:
                raise RpcError("eth_feeHistory: the method eth_feeHistory does not exist")
            return {"oldestBlock": "0x1", "baseFeePerGas": [hex(GWEI)] * len(self.rewards) + [hex(self.base_fee)],
                    "reward": [[hex(r)] for r in self.rewards]}
        if method == "eth_maxPriorityFeePerGas":
            return hex(self.suggestion)
        raise AssertionError(f"unexpected call {method}")


# -- the bump rule -----------------------------------------------------------------------------------------------

def test_a_type_2_replacement_raises_both_fees_by_the_bump_percent():
    new = bump(eip1559(100 * GWEI, 2 * GWEI), eip1559(50 * GWEI, GWEI), percent=15, cap=CAP)
    assert new == eip1559(115 * GWEI, 2_300_000_000)


def test_a_type_2_replacement_at_the_minimum_bump_meets_the_nodes_threshold_after_rounding():
    old = eip1559(1_000_000_001, 3)
    new = bump(old, eip1559(1, 1), percent=REPLACEMENT_MIN_PERCENT, cap=CAP)
    # geth: new >= old * (100 + 10) / 100 for the fee cap and for the tip, in exact arithmetic
    assert new.max_fee_per_gas * 100 >= old.max_fee_per_gas * 110
    assert new.max_priority_fee_per_gas * 100 >= old.max_priority_fee_per_gas * 110


def test_a_type_2_replacement_follows_the_market_when_it_asks_more_than_the_bump():
    new = bump(eip1559(20 * GWEI, GWEI), eip1559(80 * GWEI, 3 * GWEI), percent=15, cap=CAP)
    assert new == eip1559(80 * GWEI, 3 * GWEI)


def test_a_type_2_replacement_is_held_at_the_cap_when_the_cap_still_allows_the_minimum():
    new = bump(eip1559(100 * GWEI, 2 * GWEI), eip1559(400 * GWEI, 2 * GWEI), percent=15, cap=112 * GWEI)
    assert new.max_fee_per_gas == 112 * GWEI and new.max_priority_fee_per_gas == 2_300_000_000


def test_a_type_2_replacement_the_cap_would_keep_below_the_minimum_is_refused():
    with pytest.raises(FeeCapReached, match="cap"):
        bump(eip1559(100 * GWEI, 2 * GWEI), eip1559(100 * GWEI, 2 * GWEI), percent=15, cap=105 * GWEI)


def test_a_type_2_replacement_whose_tip_the_cap_would_squeeze_below_the_minimum_is_refused():
    with pytest.raises(FeeCapReached):
        bump(eip1559(100 * GWEI, 100 * GWEI), eip1559(1, 1), percent=15, cap=105 * GWEI)


def test_a_legacy_replacement_raises_the_gas_price_and_stays_legacy():
    assert bump(legacy(100 * GWEI), legacy(90 * GWEI), percent=15, cap=CAP) == legacy(115 * GWEI)


def test_a_legacy_replacement_the_cap_would_keep_below_the_minimum_is_refused():
    with pytest.raises(FeeCapReached):
        bump(legacy(100 * GWEI), legacy(100 * GWEI), percent=15, cap=109 * GWEI)


def test_the_cap_holds_the_fee_cap_and_keeps_the_tip_under_it():
    assert capped(eip1559(900 * GWEI, 600 * GWEI), CAP) == eip1559(CAP, CAP)
    assert capped(legacy(900 * GWEI), CAP) == legacy(CAP)


# -- pricing new transactions ----------------------------------------------------------------------------------

async def test_a_chain_whose_blocks_carry_a_base_fee_gets_type_2_fees_from_the_fee_history():
    node = FakeNode(base_fee=10 * GWEI, rewards=[1 * GWEI, 3 * GWEI, 2 * GWEI])
    fees = await FeePricer(node).quote()  # type: ignore[arg-type]
    assert fees == eip1559(2 * 10 * GWEI + 2 * GWEI, 2 * GWEI)


async def test_blocks_that_paid_no_tips_leave_the_tip_to_the_nodes_suggestion():
    node = FakeNode(base_fee=10 * GWEI, rewards=[0, 0], suggestion=GWEI)
    fees = await FeePricer(node).quote()  # type: ignore[arg-type]
    assert fees == eip1559(21 * GWEI, GWEI)


async def test_a_node_without_fee_history_is_priced_from_the_latest_base_fee_and_its_suggestion():
    node = FakeNode(base_fee=4 * GWEI, suggestion=GWEI, fee_history=False)
    fees = await FeePricer(node, base_fee_multiplier=3).quote()  # type: ignore[arg-type]
    assert fees == eip1559(13 * GWEI, GWEI)


async def test_a_chain_without_a_base_fee_keeps_legacy_gas_prices():
    node = FakeNode(base_fee=None)
    assert await FeePricer(node).quote() == legacy(7 * GWEI)  # type: ignore[arg-type]
    assert "eth_feeHistory" not in node.asked


async def test_the_chain_kind_is_asked_once():
    node = FakeNode(rewards=[GWEI])
    pricer = FeePricer(node)  # type: ignore[arg-type]
    await pricer.quote()
    await pricer.quote()
    assert node.asked.count("eth_getBlockByNumber") == 1


async def test_the_policy_can_force_legacy_transactions_on_an_eip1559_chain():
    node = FakeNode(base_fee=10 * GWEI)
    assert await FeePricer(node, mode="legacy").quote() == legacy(7 * GWEI)  # type: ignore[arg-type]
