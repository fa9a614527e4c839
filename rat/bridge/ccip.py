"""Deploys RAT's CCIP burn/mint pools and wires a lane between two of them (ADR 0106).

The CCIP Router is Chainlink's own, deployed from the unmodified bytecode `@chainlink/contracts-ccip` ships
(`bytecode/latest/router.bin`, used on local chains only: parts of the package are BUSL-1.1). It is the authority the
pools ask which OnRamp and OffRamps may call them, exactly as Chainlink's `TokenPool` does. Our pool
(`contracts/bridge/RatCcipPool.sol`, MIT) is compiled by Ape from the package's MIT `Pool` and `IRouter` sources.

`@chainlink/local`'s CCIPLocalSimulator is installed but not used here: its MockCCIPRouter moves tokens from the
sender to the receiver directly and never calls a token pool, so it cannot exercise one. Chainlink's full CCIP 1.6
lane (OnRamp, OffRamp, FeeQuoter, NonceManager, TokenAdminRegistry, RMNRemote) is deployed by `rat.bridge.ccip_stack`;
the fast tests, `ape run bridge`, the demo and the benchmark register `CcipRampHarness` on the Router as the lane's
ramps instead (status ccip-stack-tooling in docs/status.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ape import networks, project
from ape.api import AccountAPI
from ape.contracts import ContractContainer, ContractInstance
from eth_abi import encode
from eth_utils import keccak
from ethpm_types import ContractType
from pydantic import BaseModel, ConfigDict, Field, model_validator

from rat.protocol import HolderClass

CCIP_PACKAGE = Path(__file__).resolve().parents[2] / "node_modules" / "@chainlink" / "contracts-ccip"
CCIP_VERSION = "2.0.0"
ROUTER_ABI = CCIP_PACKAGE / "abi" / "latest" / "router.json"
ROUTER_BYTECODE = CCIP_PACKAGE / "bytecode" / "latest" / "router.bin"
LOCAL_CHAIN_IDS = frozenset({31337, 31338, 1337})  # 31338: the second local chain (rat.bridge.chains)
ZERO_ADDRESS = "0x" + "00" * 20
MAX_UINT128 = 2**128 - 1
# Two CCIP chain selectors for the two sides of a local lane (A: the @chainlink/local simulator's selector).
CHAIN_A_SELECTOR = 16015286601757825753
CHAIN_B_SELECTOR = 3478487238524512106
# A pool's outbound limit must stay at or below this share of the other side's inbound limit (basis points), so
# that a burst the source lets through is never refused at the destination after the burn (ADR 0106).
MATCHED_LIMIT_BPS = 9_500
BPS = 10_000
LANE_ADMIN_ROLE = keccak(text="LANE_ADMIN_ROLE")
MINTER_ROLE = keccak(text="MINTER_ROLE")


class CcipError(RuntimeError):
    """A CCIP deployment or lane configuration cannot be done as asked."""


class RateLimit(BaseModel):
    """One token bucket: `capacity` tokens at most at once, refilled at `rate` tokens per second."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    capacity: int = Field(ge=0, le=MAX_UINT128)
    rate: int = Field(ge=0, le=MAX_UINT128)

    @model_validator(mode="after")
    def _consistent(self) -> RateLimit:
        if self.enabled and not (0 < self.rate <= self.capacity):
            raise ValueError(f"an enabled limit needs 0 < rate <= capacity, got rate {self.rate}, "
                             f"capacity {self.capacity}")
        if not self.enabled and (self.capacity or self.rate):
            raise ValueError("a disabled limit must have capacity 0 and rate 0")
        return self

    def as_tuple(self) -> tuple[bool, int, int]:
        return (self.enabled, self.capacity, self.rate)

    def fits_under(self, other: RateLimit) -> bool:
        """True when this (outbound) limit stays within MATCHED_LIMIT_BPS of `other` (the remote inbound)."""
        if not other.enabled:
            return True
        if not self.enabled:
            return False
        return self.capacity * BPS <= other.capacity * MATCHED_LIMIT_BPS and \
            self.rate * BPS <= other.rate * MATCHED_LIMIT_BPS


class LanePairLimits(BaseModel):
    """The four buckets of one lane between chains A and B, set as a matched pair."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    a_outbound: RateLimit
    a_inbound: RateLimit
    b_outbound: RateLimit
    b_inbound: RateLimit

    @model_validator(mode="after")
    def _matched(self) -> LanePairLimits:
        if not self.a_outbound.fits_under(self.b_inbound):
            raise ValueError(f"A's outbound limit must be at most {MATCHED_LIMIT_BPS / 100:g}% of B's inbound limit")
        if not self.b_outbound.fits_under(self.a_inbound):
            raise ValueError(f"B's outbound limit must be at most {MATCHED_LIMIT_BPS / 100:g}% of A's inbound limit")
        return self

    @classmethod
    def symmetric(cls, inbound_capacity: int, inbound_rate: int) -> LanePairLimits:
        """Both directions alike: inbound as given, outbound at MATCHED_LIMIT_BPS of it."""
        inbound = RateLimit(capacity=inbound_capacity, rate=inbound_rate)
        outbound = RateLimit(capacity=inbound_capacity * MATCHED_LIMIT_BPS // BPS,
                             rate=max(1, inbound_rate * MATCHED_LIMIT_BPS // BPS))
        return cls(a_outbound=outbound, a_inbound=inbound, b_outbound=outbound, b_inbound=inbound)


@dataclass(frozen=True)
class ChainSide:
    """One side of a lane: its selector, asset, registry, Router and pool."""

    selector: int
    token: ContractInstance
    registry: ContractInstance
    router: ContractInstance
    pool: ContractInstance


def encode_address(address: str) -> bytes:
    """An EVM address as CCIP carries it (`abi.encode(address)`)."""
    return encode(["address"], [address])


def _require_local_chain() -> None:
    chain_id = networks.provider.chain_id
    if chain_id not in LOCAL_CHAIN_IDS:
        raise CcipError(f"chain {chain_id} is not a local test chain: use Chainlink's CCIP deployments there "
                        "(parts of @chainlink/contracts-ccip are BUSL-1.1; its bytecode is deployed on local chains only)")


@cache
def _router_container() -> ContractContainer:
    if not ROUTER_ABI.is_file() or not ROUTER_BYTECODE.is_file():
        raise CcipError(f"{CCIP_PACKAGE} is missing the Router artifacts: run `npm ci`")
    version = json.loads((CCIP_PACKAGE / "package.json").read_text())["version"]
    if version != CCIP_VERSION:
        raise CcipError(f"@chainlink/contracts-ccip {version} installed, {CCIP_VERSION} pinned: run `npm ci`")
    bytecode = ROUTER_BYTECODE.read_text().strip()
    contract_type = ContractType.model_validate({
        "contractName": "Router",
        "abi": json.loads(ROUTER_ABI.read_text()),
        "deploymentBytecode": {"bytecode": bytecode if bytecode.startswith("0x") else "0x" + bytecode},
    })
    return ContractContainer(contract_type)


def deploy_router(deployer: AccountAPI) -> ContractInstance:
    """Chainlink's CCIP Router from the package's bytecode, owned by `deployer`, with local stand-ins for wrapped
    native (`WrappedNativeMock`: `ccipSend` wraps a native fee there) and the RMN proxy (`CcipLocalRmn`: uncursed
    until `deployer` curses a subject; the pools ask it too, see `rmn_of`). It is the pools' ramp registry for the
    harness, and `ccipSend` reaches the ramp harness as the OnRamp (the pool's `returnQuarantined`);
    `rat.bridge.ccip_stack` deploys the full OnRamp/OffRamp lane instead."""
    _require_local_chain()
    wrapped = deployer.deploy(project.WrappedNativeMock)
    rmn = deployer.deploy(project.CcipLocalRmn)
    return deployer.deploy(_router_container(), wrapped.address, rmn.address)


def rmn_of(router: ContractInstance) -> ContractInstance:
    """The RMN proxy `router` asks before every send (`getArmProxy()`): the one its pools must ask too."""
    return project.CcipLocalRmn.at(router.getArmProxy())


def register_pool(ramp: ContractInstance, router: ContractInstance, token: ContractInstance,
                  pool: ContractInstance, sender: AccountAPI) -> None:
    """Tells the ramp harness, as CCIP's TokenAdminRegistry would tell the OnRamp, which pool holds `token` and which
    Router may forward messages (needed by sends that go through `Router.ccipSend`)."""
    ramp.registerPool(router.address, token.address, pool.address, sender=sender)


def set_ramps(router: ContractInstance, owner: AccountAPI, remote_selector: int, on_ramp: str,
              off_ramp: str) -> None:
    """Registers the lane's OnRamp (to `remote_selector`) and OffRamp (from it) on the Router (owner only)."""
    router.applyRampUpdates([(remote_selector, on_ramp)], [], [(remote_selector, off_ramp)], sender=owner)


def deploy_pool(deployer: AccountAPI, token: ContractInstance, registry: ContractInstance,
                router: ContractInstance, rmn: str, admin: AccountAPI) -> ContractInstance:
    """Deploys a RatCcipPool for `token` that asks the RMN proxy `rmn` (the Router's: `rmn_of(router)` with the
    harness, RMNRemote on the full lane) whether a lane is cursed, gives it MINTER_ROLE on the token and classifies
    it as a PROTOCOL holder (it holds a sender's tokens only within the send transaction, until it burns them). `admin` must hold the
    token's DEFAULT_ADMIN_ROLE and the registry's ASSET_POLICY_ROLE (governance in production)."""
    pool = deployer.deploy(project.RatCcipPool, token.address, registry.address, router.address, rmn,
                           admin.address)
    token.grantRole(MINTER_ROLE, pool.address, sender=admin)
    registry.setHolderClass(pool.address, HolderClass.PROTOCOL, keccak(text=f"ccip-pool:{pool.address}"),
                            sender=admin)
    return pool


def configure_lane(pool: ContractInstance, remote_selector: int, remote_pool: str, remote_token: str,
                   remote_min_tier: int, outbound: RateLimit, inbound: RateLimit, admin: AccountAPI) -> None:
    """Sets one pool's lane to `remote_selector` (LANE_ADMIN_ROLE). Use `configure_lane_pair` or check the pair with
    `LanePairLimits` first: a one-sided change can leave the source's outbound above the destination's inbound."""
    pool.setLane(remote_selector, (encode_address(remote_pool), encode_address(remote_token), remote_min_tier,
                                   outbound.as_tuple(), inbound.as_tuple()), sender=admin)


def configure_lane_pair(a: ChainSide, b: ChainSide, limits: LanePairLimits, admin: AccountAPI,
                        a_min_tier: int, b_min_tier: int) -> None:
    """Sets the lane on both pools at once: each side names the other's pool and token, the destination's minimum
    KYC tier, and its buckets (outbound at most MATCHED_LIMIT_BPS of the other side's inbound; `limits` checked).
    Both pools on the connected chain; for two chains, see `rat.bridge.lane.connect`."""
    configure_lane(a.pool, b.selector, b.pool.address, b.token.address, b_min_tier, limits.a_outbound,
                   limits.a_inbound, admin)
    configure_lane(b.pool, a.selector, a.pool.address, a.token.address, a_min_tier, limits.b_outbound,
                   limits.b_inbound, admin)


@dataclass(frozen=True)
class HarnessLane:
    """Both ends of a lane on the connected chain, each with its own Router, pool and ramp harness."""

    a: ChainSide
    b: ChainSide
    ramp_a: ContractInstance  # A's Router's OnRamp to B and OffRamp from B
    ramp_b: ContractInstance  # B's Router's OnRamp to A and OffRamp from A


def deploy_harness_lane(admin: AccountAPI, a: tuple[ContractInstance, ContractInstance],
                        b: tuple[ContractInstance, ContractInstance], limits: LanePairLimits,
                        min_tier: int = 1) -> HarnessLane:
    """A lane between two (token, registry) pairs on the connected chain (selectors A and B, one anvil): Router and
    pool per side, a ramp harness registered as each Router's ramps, and the matched limits set on both pools. What
    the fast tests and the indexer and API fixtures stand on; `rat.bridge.lane` connects two chains instead."""
    routers = [deploy_router(admin), deploy_router(admin)]
    sides = [ChainSide(selector, token, registry, router,
                       deploy_pool(admin, token, registry, router, rmn_of(router).address, admin))
             for selector, (token, registry), router in zip((CHAIN_A_SELECTOR, CHAIN_B_SELECTOR), (a, b), routers)]
    ramps = [admin.deploy(project.CcipRampHarness) for _ in sides]
    set_ramps(sides[0].router, admin, CHAIN_B_SELECTOR, ramps[0].address, ramps[0].address)
    set_ramps(sides[1].router, admin, CHAIN_A_SELECTOR, ramps[1].address, ramps[1].address)
    configure_lane_pair(sides[0], sides[1], limits, admin, a_min_tier=min_tier, b_min_tier=min_tier)
    return HarnessLane(sides[0], sides[1], ramps[0], ramps[1])
