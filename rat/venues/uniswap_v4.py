"""Deploys the real Uniswap v4 engine on a local chain and trades through it.

The engine comes from npm, unmodified: PoolManager from `@uniswap/v4-core`'s shipped forge artifact (BUSL-1.1: used
on local chains for tests only, never recompiled; production uses Uniswap's canonical deployments), PositionManager
from `@uniswap/v4-periphery`'s shipped artifact (MIT) and Permit2's runtime bytecode as periphery ships it in
`lib/permit2/test/utils/DeployPermit2.sol` (MIT), placed at its canonical address with `anvil_setCode`. Swaps go
through our `RatSwapRouter` (MIT, compiled by Ape), which exposes the trader through `IMsgSender`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ape import chain, project
from ape.api import AccountAPI
from ape.contracts import ContractContainer, ContractInstance
from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from ethpm_types import ContractType
from pydantic import BaseModel, ConfigDict, Field

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules" / "@uniswap"
V4_CORE = NODE_MODULES / "v4-core"
V4_PERIPHERY = NODE_MODULES / "v4-periphery"
PINNED_VERSIONS = {V4_CORE: "1.0.2", V4_PERIPHERY: "1.0.3"}
POOL_MANAGER_ARTIFACT = V4_CORE / "out" / "PoolManager.sol" / "PoolManager.json"
POSITION_MANAGER_ARTIFACT = V4_PERIPHERY / "foundry-out" / "PositionManager.sol" / "PositionManager.json"
PERMIT2_SOURCE = V4_PERIPHERY / "lib" / "permit2" / "test" / "utils" / "DeployPermit2.sol"
PERMIT2_ADDRESS = "0x000000000022D473030F116dDEE9F6B43aC78BA3"
LOCAL_CHAIN_IDS = frozenset({31337, 1337})

# Action codes of v4-periphery's `Actions` library (src/libraries/Actions.sol).
DECREASE_LIQUIDITY = 0x01
MINT_POSITION = 0x02
SETTLE_PAIR = 0x0D
TAKE_PAIR = 0x11
# PositionManager constructor: gas a subscriber's notifyUnsubscribe may use (periphery's deploy script default).
UNSUBSCRIBE_GAS_LIMIT = 300_000
MAX_UINT160 = 2**160 - 1
MAX_UINT48 = 2**48 - 1
Q96 = 2**96
# StateLibrary layout of PoolManager storage (v4-core src/libraries/StateLibrary.sol).
POOLS_SLOT = 6
LIQUIDITY_OFFSET = 3
POOL_KEY_TYPE = "(address,address,uint24,int24,address)"
ZERO_ADDRESS = "0x" + "00" * 20


class VenueError(RuntimeError):
    """The Uniswap v4 engine cannot be deployed or used as asked."""


@dataclass(frozen=True)
class PoolKey:
    """A Uniswap v4 pool's identity; `currency0` sorts below `currency1` as the PoolManager requires."""

    currency0: str
    currency1: str
    fee: int
    tick_spacing: int
    hooks: str = ZERO_ADDRESS

    @classmethod
    def for_pair(cls, token_a: str, token_b: str, fee: int, tick_spacing: int, hooks: str = ZERO_ADDRESS) -> PoolKey:
        a, b = to_checksum_address(str(token_a)), to_checksum_address(str(token_b))
        if int(a, 16) == int(b, 16):
            raise VenueError("a pool needs two different currencies")
        low, high = sorted((a, b), key=lambda address: int(address, 16))
        return cls(low, high, fee, tick_spacing, to_checksum_address(str(hooks)))

    def as_tuple(self) -> tuple[str, str, int, int, str]:
        return (self.currency0, self.currency1, self.fee, self.tick_spacing, self.hooks)

    def pool_id(self) -> bytes:
        return keccak(encode([POOL_KEY_TYPE], [self.as_tuple()]))


@dataclass(frozen=True)
class UniswapV4Engine:
    """The deployed engine: PoolManager, Permit2, PositionManager and our IMsgSender router."""

    pool_manager: ContractInstance
    permit2: ContractInstance
    position_manager: ContractInstance
    router: ContractInstance


def _check_pinned(package: Path) -> None:
    version = json.loads((package / "package.json").read_text())["version"]
    if version != PINNED_VERSIONS[package]:
        raise VenueError(f"{package.name} {version} installed, {PINNED_VERSIONS[package]} pinned: run `npm ci`")


@cache
def _container(artifact: Path) -> ContractContainer:
    """A deployable container straight from a shipped forge artifact (bytecode used as published)."""
    if not artifact.is_file():
        raise VenueError(f"{artifact} is missing: run `npm ci` to install the Uniswap v4 packages")
    data = json.loads(artifact.read_text())
    contract_type = ContractType.model_validate({
        "contractName": artifact.stem,
        "abi": data["abi"],
        "deploymentBytecode": {"bytecode": data["bytecode"]["object"]},
        "runtimeBytecode": {"bytecode": data["deployedBytecode"]["object"]},
    })
    return ContractContainer(contract_type)


def _permit2_runtime_code() -> str:
    match = re.search(r'hex"([0-9a-fA-F]+)"', PERMIT2_SOURCE.read_text())
    if match is None:
        raise VenueError(f"no Permit2 bytecode found in {PERMIT2_SOURCE}")
    return "0x" + match.group(1)


def _require_local_chain() -> None:
    if chain.chain_id not in LOCAL_CHAIN_IDS:
        raise VenueError(
            f"chain {chain.chain_id} is not a local test chain: use Uniswap's canonical v4 deployments there "
            "(v4-core is BUSL-1.1; we deploy its unmodified artifacts on local chains only)")


def deploy_permit2() -> ContractInstance:
    """Places Permit2's shipped runtime bytecode at its canonical address (as periphery's own tests do)."""
    _require_local_chain()
    chain.provider.make_request("anvil_setCode", [PERMIT2_ADDRESS, _permit2_runtime_code()])
    return chain.contracts.instance_at(PERMIT2_ADDRESS, contract_type=_permit2_contract_type())


@cache
def _permit2_contract_type() -> ContractType:
    artifact = V4_PERIPHERY / "foundry-out" / "IAllowanceTransfer.sol" / "IAllowanceTransfer.default.json"
    return ContractType.model_validate({"contractName": "Permit2", "abi": json.loads(artifact.read_text())["abi"]})


def deploy_engine(deployer: AccountAPI) -> UniswapV4Engine:
    """Deploys PoolManager, Permit2, PositionManager (no token descriptor, no WETH) and RatSwapRouter."""
    _require_local_chain()
    for package in PINNED_VERSIONS:
        _check_pinned(package)
    pool_manager = deployer.deploy(_container(POOL_MANAGER_ARTIFACT), deployer.address)
    permit2 = deploy_permit2()
    position_manager = deployer.deploy(
        _container(POSITION_MANAGER_ARTIFACT), pool_manager.address, permit2.address, UNSUBSCRIBE_GAS_LIMIT,
        ZERO_ADDRESS, ZERO_ADDRESS)
    router = deployer.deploy(project.RatSwapRouter, pool_manager.address)
    return UniswapV4Engine(pool_manager, permit2, position_manager, router)


def initialize_pool(engine: UniswapV4Engine, key: PoolKey, sqrt_price_x96: int, sender: AccountAPI) -> Any:
    """Creates the pool at a starting price (sqrt(price) * 2**96, price = currency1 per currency0)."""
    return engine.pool_manager.initialize(key.as_tuple(), sqrt_price_x96, sender=sender)


def _deadline() -> int:
    return chain.pending_timestamp + 600


def approve_position_manager(engine: UniswapV4Engine, token: ContractInstance, owner: AccountAPI) -> None:
    """ERC-20 allowance to Permit2, then a Permit2 allowance to the PositionManager (how it pulls funds)."""
    token.approve(engine.permit2.address, 2**256 - 1, sender=owner)
    engine.permit2.approve(token.address, engine.position_manager.address, MAX_UINT160, MAX_UINT48, sender=owner)


def mint_position(
    engine: UniswapV4Engine,
    key: PoolKey,
    tick_lower: int,
    tick_upper: int,
    liquidity: int,
    amount0_max: int,
    amount1_max: int,
    owner: AccountAPI,
) -> Any:
    """Mints an LP position NFT to `owner` through PositionManager: MINT_POSITION then SETTLE_PAIR."""
    actions = bytes([MINT_POSITION, SETTLE_PAIR])
    params = [
        encode(
            [POOL_KEY_TYPE, "int24", "int24", "uint256", "uint128", "uint128", "address", "bytes"],
            [key.as_tuple(), tick_lower, tick_upper, liquidity, amount0_max, amount1_max, owner.address, b""]),
        encode(["address", "address"], [key.currency0, key.currency1]),
    ]
    unlock_data = encode(["bytes", "bytes[]"], [actions, params])
    return engine.position_manager.modifyLiquidities(unlock_data, _deadline(), sender=owner)


def decrease_liquidity(
    engine: UniswapV4Engine,
    key: PoolKey,
    token_id: int,
    liquidity: int,
    amount0_min: int,
    amount1_min: int,
    owner: AccountAPI,
) -> Any:
    """Removes liquidity from an LP position (fees collected with it) and pays both currencies to its owner:
    DECREASE_LIQUIDITY then TAKE_PAIR."""
    actions = bytes([DECREASE_LIQUIDITY, TAKE_PAIR])
    params = [
        encode(["uint256", "uint256", "uint128", "uint128", "bytes"],
               [token_id, liquidity, amount0_min, amount1_min, b""]),
        encode(["address", "address", "address"], [key.currency0, key.currency1, owner.address]),
    ]
    unlock_data = encode(["bytes", "bytes[]"], [actions, params])
    return engine.position_manager.modifyLiquidities(unlock_data, _deadline(), sender=owner)


def swap_exact_input_single(
    engine: UniswapV4Engine,
    key: PoolKey,
    zero_for_one: bool,
    amount_in: int,
    amount_out_minimum: int,
    trader: AccountAPI,
    hook_data: bytes = b"",
) -> Any:
    """Swaps exactly `amount_in` through RatSwapRouter; the trader first allows the router to pull the input."""
    token_in = key.currency0 if zero_for_one else key.currency1
    erc20 = chain.contracts.instance_at(token_in, contract_type=project.PlainERC20.contract_type)
    erc20.approve(engine.router.address, amount_in, sender=trader)
    params = (key.as_tuple(), zero_for_one, amount_in, amount_out_minimum, hook_data)
    return engine.router.swapExactInputSingle(params, _deadline(), sender=trader)


def pool_state(engine: UniswapV4Engine, key: PoolKey) -> tuple[int, int, int]:
    """(sqrtPriceX96, tick, active liquidity), read from PoolManager storage with extsload like StateLibrary."""
    state_slot = int.from_bytes(keccak(encode(["bytes32", "uint256"], [key.pool_id(), POOLS_SLOT])), "big")
    slot0 = int.from_bytes(bytes(engine.pool_manager.extsload(state_slot.to_bytes(32, "big"))), "big")
    liquidity_word = engine.pool_manager.extsload((state_slot + LIQUIDITY_OFFSET).to_bytes(32, "big"))
    sqrt_price = slot0 & MAX_UINT160
    tick = (slot0 >> 160) & 0xFFFFFF
    if tick >= 2**23:
        tick -= 2**24
    return sqrt_price, tick, int.from_bytes(bytes(liquidity_word), "big") & (2**128 - 1)


FEE_DENOMINATOR = 1_000_000


def _div_up(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def exact_input_amount_out(sqrt_price_x96: int, liquidity: int, amount_in: int, fee: int, zero_for_one: bool) -> int:
    """What an exact-input swap pays out while it stays inside one initialised tick range, rounded as v4-core's
    SwapMath/SqrtPriceMath round (the LP fee comes off the input first; the output rounds down)."""
    amount_less_fee = amount_in * (FEE_DENOMINATOR - fee) // FEE_DENOMINATOR
    if zero_for_one:
        numerator = liquidity << 96
        next_price = _div_up(numerator * sqrt_price_x96, numerator + amount_less_fee * sqrt_price_x96)
        return liquidity * (sqrt_price_x96 - next_price) // Q96
    next_price = sqrt_price_x96 + (amount_less_fee << 96) // liquidity
    return ((liquidity << 96) * (next_price - sqrt_price_x96) // next_price) // sqrt_price_x96


CANONICAL_RECORD = Path(__file__).resolve().parents[2] / "deployments" / "uniswap-v4.json"


class CanonicalDeployment(BaseModel):
    """Uniswap's own v4 deployment on one network (deployments/uniswap-v4.json), used instead of our artifacts."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    chain_id: int = Field(gt=0)
    pool_manager: str = Field(alias="PoolManager")
    position_manager: str = Field(alias="PositionManager")
    permit2: str = Field(alias="Permit2")
    position_descriptor: str | None = Field(default=None, alias="PositionDescriptor")
    universal_router: str | None = Field(default=None, alias="UniversalRouter")


def canonical_deployment(chain_id: int, record: Path = CANONICAL_RECORD) -> CanonicalDeployment:
    """The canonical Uniswap v4 addresses for a chain; a `VenueError` when the record does not list it."""
    networks = json.loads(record.read_text())["networks"]
    for entry in networks.values():
        if entry["chain_id"] == chain_id:
            return CanonicalDeployment.model_validate(entry)
    raise VenueError(f"no canonical Uniswap v4 deployment recorded for chain {chain_id} in {record.name}")


BEFORE_SWAP_FLAG = 1 << 7  # v4-core Hooks.BEFORE_SWAP_FLAG: the PoolManager reads a hook's permissions from its address
HOOK_FLAGS_MASK = (1 << 14) - 1


def place_hook(hook: ContractInstance, flags: int, prefix: int = 0xC0) -> ContractInstance:
    """Copies a deployed hook's runtime code (immutables included, storage not) to an address whose low 14 bits are
    exactly `flags`, on a local chain; a production hook is deployed with a mined CREATE2 salt instead."""
    _require_local_chain()
    if flags & ~HOOK_FLAGS_MASK or flags == 0:
        raise VenueError(f"hook flags {flags:#x} are not a non-empty set of v4 hook permission bits")
    address = to_checksum_address(((prefix << 14) | flags).to_bytes(20, "big"))
    code = bytes(chain.provider.get_code(hook.address))
    chain.provider.make_request("anvil_setCode", [address, "0x" + code.hex()])
    return chain.contracts.instance_at(address, contract_type=hook.contract_type)
