"""Each collateral asset's oracle is derived from the configured Morpho Blue markets (relayer/collateral_oracles.py):
a market's collateral token maps to its oracle; one asset priced by two different oracles is ambiguous and refused,
naming both markets, while the other assets keep theirs."""

from __future__ import annotations

import pytest

from relayer.collateral_keeper import Params
from relayer.collateral_oracles import AmbiguousOracle, map_oracles

USDC, USDT = "0x" + "01" * 20, "0x" + "02" * 20
RAAPL, RMSFT = "0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa", "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"
ORACLE_1, ORACLE_2, ORACLE_3 = "0x" + "0A" * 20, "0x" + "0B" * 20, "0x" + "0C" * 20
IRM = "0x" + "03" * 20
M1, M2, M3 = "0x" + "a1" * 32, "0x" + "a2" * 32, "0x" + "a3" * 32


def market(loan: str, collateral: str, oracle: str) -> Params:
    return Params(loan, collateral, oracle, IRM, 625 * 10**15)


def test_a_market_maps_its_collateral_token_to_its_oracle():
    oracles = map_oracles({M1: market(USDC, RAAPL, ORACLE_1)})
    assert oracles.oracle_of(RAAPL.lower()) == ORACLE_1 and oracles.oracle_of(RMSFT) is None


def test_two_markets_of_one_asset_with_the_same_oracle_are_not_ambiguous():
    oracles = map_oracles({M1: market(USDC, RAAPL, ORACLE_1), M2: market(USDT, RAAPL, ORACLE_1)})
    assert oracles.oracle_of(RAAPL) == ORACLE_1 and not oracles.conflicts


def test_two_markets_of_one_asset_with_different_oracles_refuse_that_asset_naming_both_markets():
    oracles = map_oracles({M1: market(USDC, RAAPL, ORACLE_1), M2: market(USDT, RAAPL, ORACLE_2),
                           M3: market(USDC, RMSFT, ORACLE_3)})
    with pytest.raises(AmbiguousOracle) as refused:
        oracles.oracle_of(RAAPL)
    assert all(part in str(refused.value) for part in (M1, M2, ORACLE_1, ORACLE_2))
    assert oracles.oracle_of(RMSFT) == ORACLE_3
