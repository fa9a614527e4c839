"""The compliant RAT/stablecoin pool on the real Uniswap v4 engine (ADR 0100).

`RatPoolHook` is the pool's hook and the asset's adapter (an ERC-20 only the PoolManager holds, 1:1 with the RAT it
holds); it is the asset's registered VENUE in the ComplianceRegistry. Swaps go through `RatSwapRouter`, liquidity
through `RatPositionManager`; both report the investor through `IMsgSender` and are allowlisted on the hook by
governance. Shared by the tests, the benchmark, `ape run venue` and the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ape import chain, project
from ape.api import AccountAPI
from ape.contracts import ContractInstance
from eth_utils import keccak, to_checksum_address

from rat.revert import DecodedRevert, decode_revert
from rat.venues.uniswap_v4 import PoolKey, UniswapV4Engine, VenueError, place_hook

# RatPoolHook.HOOK_FLAGS: beforeInitialize | beforeAddLiquidity | beforeRemoveLiquidity | beforeSwap.
COMPLIANT_HOOK_FLAGS = (1 << 13) | (1 << 11) | (1 << 9) | (1 << 7)
MAX_UINT256 = 2**256 - 1


@dataclass(frozen=True)
class CompliantVenue:
    """One asset's compliant pool: the hook/adapter, its position manager and the approved pool key."""

    engine: UniswapV4Engine
    hook: ContractInstance
    position_manager: ContractInstance
    asset: ContractInstance
    quote: ContractInstance

    @property
    def key(self) -> PoolKey:
        c0, c1, fee, spacing, hooks = self.hook.poolKey()
        return PoolKey(str(c0), str(c1), int(fee), int(spacing), str(hooks))

    @property
    def asset_is_currency0(self) -> bool:
        return int(self.hook.address, 16) < int(self.quote.address, 16)


def deploy_compliant_venue(
    deployer: AccountAPI,
    engine: UniswapV4Engine,
    asset: ContractInstance,
    quote: ContractInstance,
    registry: str,
    minter: str,
    reserve_records: str,
    governance: str,
    hook_prefix: int = 0xA1,
) -> CompliantVenue:
    """Deploys the hook (placed at an address carrying its permission bits: local chains only, production mines a
    CREATE2 salt) and its position manager. Nothing is approved yet: see `approve_venue` and `register_venue`."""
    built = deployer.deploy(project.RatPoolHook, engine.pool_manager.address, asset.address, quote.address, registry,
                            minter, reserve_records, governance)
    hook = place_hook(built, COMPLIANT_HOOK_FLAGS, prefix=hook_prefix)
    position_manager = deployer.deploy(project.RatPositionManager, engine.pool_manager.address, hook.address,
                                       governance)
    return CompliantVenue(engine, hook, position_manager, asset, quote)


def approve_venue(venue: CompliantVenue, governance: AccountAPI, fee: int, tick_spacing: int) -> None:
    """Governance approves the one pool key (fee, tick spacing) and allows our router and position manager."""
    venue.hook.approvePool(fee, tick_spacing, sender=governance)
    venue.hook.setRouter(venue.engine.router.address, True, sender=governance)
    venue.hook.setRouter(venue.position_manager.address, True, sender=governance)


def register_venue(registry: ContractInstance, asset: str, venue_address: str, listing: AccountAPI,
                   reason: str = "uniswap-v4-venue") -> Any:
    """Registers the adapter as the asset's VENUE holder (VENUE_LISTING_ROLE: governance, through a proposal)."""
    if not hasattr(registry, "registerVenue"):
        raise VenueError("this ComplianceRegistry has no VENUE holder class (registerVenue): upgrade it first")
    return registry.registerVenue(asset, venue_address, keccak(text=reason), sender=listing)


def create_pool(venue: CompliantVenue, sqrt_price_x96: int, sender: AccountAPI) -> Any:
    """Initialises the approved pool at a starting price (currency1 per currency0, as sqrt * 2**96)."""
    return venue.engine.pool_manager.initialize(venue.key.as_tuple(), sqrt_price_x96, sender=sender)


def _deadline() -> int:
    return chain.pending_timestamp + 600


def _amounts(venue: CompliantVenue, asset_amount: int, quote_amount: int) -> tuple[int, int]:
    return (asset_amount, quote_amount) if venue.asset_is_currency0 else (quote_amount, asset_amount)


def add_liquidity(
    venue: CompliantVenue,
    owner: AccountAPI,
    tick_lower: int,
    tick_upper: int,
    liquidity: int,
    max_asset: int,
    max_quote: int,
) -> tuple[int, Any]:
    """Opens an LP position for `owner` (RAT allowance to the hook, stablecoin allowance to the position manager);
    returns the NFT id and the receipt."""
    venue.asset.approve(venue.hook.address, max_asset, sender=owner)
    venue.quote.approve(venue.position_manager.address, max_quote, sender=owner)
    max0, max1 = _amounts(venue, max_asset, max_quote)
    receipt = venue.position_manager.mint(tick_lower, tick_upper, liquidity, max0, max1, _deadline(), sender=owner)
    [minted] = receipt.decode_logs(venue.position_manager.PositionMinted)
    return int(minted.tokenId), receipt


def remove_liquidity(venue: CompliantVenue, owner: AccountAPI, token_id: int, liquidity: int,
                     min_asset: int = 0, min_quote: int = 0) -> Any:
    """Removes liquidity (fees included) and pays both currencies to the position's owner."""
    min0, min1 = _amounts(venue, min_asset, min_quote)
    return venue.position_manager.decreaseLiquidity(token_id, liquidity, min0, min1, _deadline(), sender=owner)


def swap(venue: CompliantVenue, trader: AccountAPI, sell_asset: bool, amount_in: int, min_out: int = 0,
         approve: bool = True) -> Any:
    """Exact-input swap through RatSwapRouter: selling RAT needs an allowance to the hook (the adapter wraps it),
    buying RAT an allowance of the stablecoin to the router (given first unless `approve` is false)."""
    if approve:
        token, spender = (venue.asset, venue.hook) if sell_asset else (venue.quote, venue.engine.router)
        token.approve(spender.address, amount_in, sender=trader)
    zero_for_one = sell_asset == venue.asset_is_currency0
    params = (venue.key.as_tuple(), zero_for_one, amount_in, min_out, b"")
    return venue.engine.router.swapExactInputSingle(params, _deadline(), sender=trader)


# PoolManager wraps a hook's revert: WrappedError(address target, bytes4 selector, bytes reason, bytes details).
WRAPPED_ERROR_SELECTOR = keccak(text="WrappedError(address,bytes4,bytes,bytes)")[:4]


def revert_data(error: Exception) -> bytes:
    """The raw revert data of a failed call or transaction, as Ape surfaced it."""
    import re

    from ape.exceptions import CustomError

    if isinstance(error, CustomError):
        from eth_abi import encode as abi_encode

        types = [param.canonical_type for param in error.abi.inputs]
        values = [error.inputs[param.name] for param in error.abi.inputs]
        return keccak(text=error.abi.selector)[:4] + abi_encode(types, values)
    message = str(getattr(error, "revert_message", "") or "")
    found = re.search(r"0x([0-9a-fA-F]{8,})", message)
    if found is None:
        raise VenueError(f"no revert data in {type(error).__name__}: {message!r}")
    return bytes.fromhex(found.group(1))


def venue_revert_reason(error: Exception, *contracts: ContractInstance) -> DecodedRevert:
    """Decodes why a venue operation failed: unwraps the PoolManager's `WrappedError` around a hook's revert and
    matches the inner error against the given contracts' ABIs (hook, token, position manager, router...)."""
    return decode_venue_revert(revert_data(error), *contracts)


def decode_venue_revert(raw: bytes | str, *contracts: ContractInstance) -> DecodedRevert:
    """Decodes raw revert data of a venue operation (the PoolManager's `WrappedError` unwrapped)."""
    from eth_abi import decode as abi_decode

    if isinstance(raw, str):
        raw = bytes.fromhex(raw[2:] if raw.startswith("0x") else raw)
    if raw[:4] == WRAPPED_ERROR_SELECTOR:
        _target, _selector, reason, _details = abi_decode(["address", "bytes4", "bytes", "bytes"], raw[4:])
        raw = reason
    decoded = decode_revert(raw, *(contract.contract_type for contract in contracts))
    args = {name: to_checksum_address(value) if isinstance(value, str) and len(value) == 42 else value
            for name, value in decoded.args.items()}
    return DecodedRevert(decoded.name, args)


def sqrt_price_at_tick(tick: int) -> int:
    """sqrt(1.0001^tick) * 2**96, to float precision (for sizing positions; the pool uses TickMath)."""
    return int((1.0001 ** (tick / 2)) * 2**96)


def tick_at_price(price: float, tick_spacing: int) -> int:
    """The tick at or below `price` (currency1 per currency0 in raw units), aligned down to the spacing."""
    import math

    tick = math.floor(math.log(price) / math.log(1.0001))
    return tick - tick % tick_spacing


def liquidity_for_amounts(sqrt_price: int, sqrt_lower: int, sqrt_upper: int, amount0: int, amount1: int) -> int:
    """The most liquidity `amount0` and `amount1` fund in [lower, upper] at the current price (LiquidityAmounts)."""
    if sqrt_price <= sqrt_lower:
        return amount0 * sqrt_lower * sqrt_upper // ((sqrt_upper - sqrt_lower) * 2**96)
    if sqrt_price >= sqrt_upper:
        return amount1 * 2**96 // (sqrt_upper - sqrt_lower)
    from_0 = amount0 * sqrt_price * sqrt_upper // ((sqrt_upper - sqrt_price) * 2**96)
    from_1 = amount1 * 2**96 // (sqrt_price - sqrt_lower)
    return min(from_0, from_1)
