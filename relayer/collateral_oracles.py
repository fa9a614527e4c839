"""Which RatEquityOracle prices each collateral asset, derived from the collateral keeper's markets (decision 0102).

A Morpho Blue market id determines its oracle: `idToMarketParams(id)` returns (loanToken, collateralToken, oracle,
irm, lltv). The `collateral:` section of the config (its `morpho` and `markets`) is therefore the one place an
operator names the markets; `GET /v1/assets/{asset}/oracle` and `rat-relayer doctor` read each market's parameters
and map its collateral token to its oracle, so the endpoint can never show an oracle other than the one Morpho
prices the market with.

Two configured markets that take the same collateral token but price it with different oracles (e.g. rAAPL/USDC and
rAAPL/USDT, each with its own RatEquityOracle) leave the asset's oracle ambiguous: that asset is refused
(`AmbiguousOracle`, a 503 problem on the endpoint and a failed doctor check naming both markets), never answered
with one of the two picked silently. Other assets are unaffected."""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_abi.exceptions import DecodingError
from eth_utils import to_checksum_address

from relayer.collateral_keeper import Params, market_params
from relayer.config import CollateralKeeperConfig
from relayer.errors import ConfigError
from relayer.rpc import Rpc


class AmbiguousOracle(ConfigError):
    """Two configured markets take the same collateral token with different oracles."""

    hint = ("list one market per collateral asset in collateral.markets: GET /v1/assets/{asset}/oracle shows one "
            "oracle per asset")


@dataclass(frozen=True)
class CollateralOracles:
    """Collateral token -> oracle over the configured markets, and the tokens whose markets disagree."""

    oracles: dict[str, str] = field(default_factory=dict)  # checksummed token -> checksummed oracle
    conflicts: dict[str, str] = field(default_factory=dict)  # checksummed token -> why it is ambiguous

    def oracle_of(self, asset: str) -> str | None:
        """The oracle of `asset`, None when no configured market takes it as collateral; AmbiguousOracle when two
        markets take it with different oracles."""
        address = to_checksum_address(asset)
        if address in self.conflicts:
            raise AmbiguousOracle(self.conflicts[address])
        return self.oracles.get(address)


def map_oracles(markets: dict[str, Params]) -> CollateralOracles:
    """Maps each market's collateral token to its oracle (market id -> its parameters, in config order). A token
    two markets price with different oracles is a conflict naming both; the same oracle twice is not."""
    oracles: dict[str, str] = {}
    first_market: dict[str, str] = {}
    conflicts: dict[str, str] = {}
    for market_id, params in markets.items():
        token, oracle = params.collateral_token, params.oracle
        if token not in oracles:
            oracles[token], first_market[token] = oracle, market_id
        elif oracles[token] != oracle and token not in conflicts:
            conflicts[token] = (
                f"collateral.markets {first_market[token]} and {market_id} both take {token} as collateral but price "
                f"it with different oracles ({oracles[token]}, {oracle}): its oracle is ambiguous")
    for token in conflicts:
        del oracles[token]
    return CollateralOracles(oracles, conflicts)


async def derive_oracles(rpc: Rpc, config: CollateralKeeperConfig) -> CollateralOracles:
    """Reads `idToMarketParams` of every configured market from `config.morpho` and maps collateral -> oracle.
    Raises ConfigError when a market id is no market of that Morpho (or the address does not answer as Morpho),
    RpcError when the chain cannot be read."""
    morpho = to_checksum_address(config.morpho)
    markets: dict[str, Params] = {}
    for market_id in (m.lower() for m in config.markets):
        try:
            markets[market_id] = await market_params(rpc, morpho, market_id)
        except DecodingError:
            raise ConfigError(f"collateral.morpho {morpho} does not answer idToMarketParams: it is not Morpho Blue",
                              hint="set collateral.morpho to the Morpho Blue instance of the markets") from None
    return map_oracles(markets)
