"""Supply across chains (ADR 0106): Σ over chains of `totalSupply × multiplier`, each chain read from its own RPC
at a block no older than a bound.

With burn/mint pools on every chain a transfer burns on one chain and mints on the other, so the sum is what the
custodian's shares must cover. A read from a node that lags (its latest block older than `max_age` seconds before
`now`) is refused with `StaleChainRead`: a lagging chain could hide supply minted there since. Plain web3, no Ape:
`rat-reserves verify` uses it with nothing but RPC URLs."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from eth_utils import to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, field_validator
from web3 import Web3

SCALE = 10**18  # ShareMultiplier.SCALE: 1e18 = one share per token

_TOKEN_ABI = [
    {"type": "function", "name": name, "stateMutability": "view", "inputs": [],
     "outputs": [{"name": "", "type": "uint256"}]}
    for name in ("totalSupply", "multiplier")
]
_POOL_ABI = [
    {"type": "function", "name": name, "stateMutability": "view", "inputs": [],
     "outputs": [{"name": "", "type": "uint256"}]}
    for name in ("netBridgedOut", "quarantinedTotal")
]


class SupplyReadError(Exception):
    """A chain's supply could not be read (node unreachable, not a RAT token)."""

    def __init__(self, chain: str, detail: str) -> None:
        super().__init__(f"{chain}: {detail}")
        self.chain, self.detail = chain, detail


class StaleChainRead(SupplyReadError):
    """The chain's newest block is older than the bound: its supply may have grown since."""

    def __init__(self, chain: str, block_number: int, block_time: int, now: int, max_age: int) -> None:
        super().__init__(chain, f"latest block {block_number} is {now - block_time}s old (limit {max_age}s): "
                                "the node lags, its supply is not read")
        self.block_number, self.block_time, self.now, self.max_age = block_number, block_time, now, max_age


class ChainToken(BaseModel):
    """Where one chain's copy of an asset lives."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64)
    rpc_url: str = Field(min_length=1)
    token: str
    pool: str | None = Field(default=None, description="the asset's RatCcipPool on this chain: its net bridged-out "
                                                        "amount and quarantine escrow are read with the supply")

    @field_validator("token", "pool")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return None if value is None else to_checksum_address(value)


@dataclass(frozen=True)
class ChainSupply:
    chain: str
    block_number: int
    block_time: int
    supply: int  # token units
    multiplier: int  # shares per token, 1e18 scale
    chain_id: int | None = None
    net_bridged_out: int | None = None  # the pool's burned-for-other-chains less minted-from-them (None: no pool)
    quarantined: int | None = None  # tokens in the pool's quarantine escrow (part of `supply`)
    stale: bool = False  # the latest block is older than the bound (only when read with refuse_stale=False)

    @property
    def shares_scaled(self) -> int:
        """supply × multiplier, before the division by 1e18 (summed across chains, then rounded up once)."""
        return self.supply * self.multiplier


@dataclass(frozen=True)
class CrossChainSupply:
    chains: tuple[ChainSupply, ...]

    @property
    def supply(self) -> int:
        return sum(c.supply for c in self.chains)

    @property
    def shares(self) -> int:
        """Σ supply × multiplier / 1e18, rounded up as the Minter's reserve guard rounds one chain's."""
        return -(-sum(c.shares_scaled for c in self.chains) // SCALE)


def read_chain_supply(chain: ChainToken, max_age: int, now: int | None = None, w3: Web3 | None = None,
                      refuse_stale: bool = True) -> ChainSupply:
    """totalSupply and multiplier of `chain.token` (and, with `chain.pool`, the pool's net bridged-out amount and
    quarantine escrow) at the chain's latest block. A block older than `max_age` seconds before `now` (wall clock by
    default) is refused (`StaleChainRead`), or with `refuse_stale=False` read and flagged `stale` (a report shows
    it; a reserve check must not use it)."""
    now = int(time.time()) if now is None else now
    w3 = w3 or Web3(Web3.HTTPProvider(chain.rpc_url, request_kwargs={"timeout": 30}))
    try:
        block = w3.eth.get_block("latest")
        number, block_time = int(block["number"]), int(block["timestamp"])
        stale = now - block_time > max_age
        if stale and refuse_stale:
            raise StaleChainRead(chain.name, number, block_time, now, max_age)
        token = w3.eth.contract(address=chain.token, abi=_TOKEN_ABI)
        supply = token.functions.totalSupply().call(block_identifier=number)
        multiplier = token.functions.multiplier().call(block_identifier=number)
        net_out = quarantined = None
        if chain.pool is not None:
            pool = w3.eth.contract(address=chain.pool, abi=_POOL_ABI)
            net_out = pool.functions.netBridgedOut().call(block_identifier=number)
            quarantined = pool.functions.quarantinedTotal().call(block_identifier=number)
        chain_id = int(w3.eth.chain_id)
    except SupplyReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - web3 raises transport, RPC and decoding errors of many types
        raise SupplyReadError(chain.name, f"{type(exc).__name__}: {exc}") from None
    return ChainSupply(chain.name, number, block_time, supply, multiplier, chain_id, net_out, quarantined, stale)


def cross_chain_supply(chains: Sequence[ChainToken], max_age: int, now: int | None = None) -> CrossChainSupply:
    """Every chain's supply, each at a block no older than `max_age`; raises on the first chain that cannot be read
    fresh (a sum missing one chain would understate supply)."""
    if not chains:
        raise ValueError("no chain to read")
    names = [c.name for c in chains]
    if len(set(names)) != len(names):
        raise ValueError(f"chain names repeat: {names}")
    return CrossChainSupply(tuple(read_chain_supply(c, max_age, now) for c in chains))
