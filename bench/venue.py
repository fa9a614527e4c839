"""Venue benchmark: gas of Uniswap v4 operations on the real engine (unmodified npm artifacts) deployed on anvil.
Writes bench/results/venue.json.

One anvil run measures the plain pool (two plain OpenZeppelin ERC-20s, no hook) and the compliant rAAPL/stablecoin
pool (RatPoolHook as hook and adapter, the asset's registered venue) through the same RatSwapRouter, same fee, tick
spacing, price, range and amounts (issue 18); LP figures use periphery's PositionManager for the plain pool and
RatPositionManager for the compliant one. `compliant_pool.breakdown` is the gas used inside the hook's beforeSwap
and wrap/unwrap calls (callTracer); `compliant_pool.sell_beforeSwap_reads` splits the sell's beforeSwap by the
contract reads it makes (the router's investor, the Minter's status, the token's multiplier state, the records). Figures are whole-transaction
gas_used (21,000 intrinsic included). Uniswap's published reference: plain V4Router exact-input single 134,382;
permissioned pool 256,406 (Uniswap/v4-periphery snapshots, see docs/decisions). Run: `make bench-venue`."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ape import accounts, chain, networks, project

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eth_account import Account  # noqa: E402
from eth_utils import function_signature_to_4byte_selector, keccak  # noqa: E402

from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role  # noqa: E402
from rat.minting import (  # noqa: E402
    deploy_minting_stack,
    deploy_test_stablecoin,
    grant_minting_roles,
    list_asset,
    publish_reserves,
)
from rat.venues.compliant_pool import (  # noqa: E402
    add_liquidity,
    approve_venue,
    create_pool,
    deploy_compliant_venue,
    register_venue,
    remove_liquidity,
    swap,
)
from rat.venues.uniswap_v4 import (  # noqa: E402
    PoolKey,
    approve_position_manager,
    decrease_liquidity,
    deploy_engine,
    initialize_pool,
    mint_position,
    swap_exact_input_single,
)

RESULTS = Path(__file__).resolve().parent / "results" / "venue.json"
UNIT = 10**18
FEE, TICK_SPACING = 3_000, 60
UNISWAP_PLAIN_V4ROUTER_EXACT_IN_SINGLE = 134_382
UNISWAP_PERMISSIONED_EXACT_IN_SINGLE = 256_406


def _git_commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()


def measure_plain_pool(engine: Any) -> dict[str, int]:
    deployer, alice, bob = (accounts.test_accounts[i] for i in (0, 6, 7))
    tokens = [deployer.deploy(project.PlainERC20, deployer.address, 10**6 * UNIT) for _ in range(2)]
    for token in tokens:
        for holder in (alice, bob):
            token.transfer(holder, 10_000 * UNIT, sender=deployer)
    key = PoolKey.for_pair(tokens[0].address, tokens[1].address, FEE, TICK_SPACING)
    initialize = initialize_pool(engine, key, 2**96, deployer)
    for token in tokens:
        approve_position_manager(engine, token, alice)
    mint = mint_position(engine, key, -600, 600, 1_000 * UNIT, 10_000 * UNIT, 10_000 * UNIT, alice)
    # Warm the trader's balances in both currencies first so the measured swap is the steady-state one.
    swap_exact_input_single(engine, key, True, UNIT, 0, bob)
    swap = swap_exact_input_single(engine, key, False, UNIT, 0, bob)
    token_id = engine.position_manager.nextTokenId() - 1
    remove = decrease_liquidity(engine, key, token_id, 500 * UNIT, 0, 0, alice)
    return {
        "initialize_pool": initialize.gas_used,
        "mint_position": mint.gas_used,
        "swap_exact_input_single": swap.gas_used,
        "decrease_liquidity_half": remove.gas_used,
    }


def _hook_gas(txn_hash: str, hook: Any) -> dict[str, int]:
    """Gas used inside the hook's calls of one transaction (callTracer), by function: where the compliance cost
    goes (the hook's checks in beforeSwap, the RAT leg in wrap/unwrap)."""
    trace = chain.provider.make_request("debug_traceTransaction", [txn_hash, {"tracer": "callTracer"}])
    selectors = {"0x" + hook.contract_type.method_identifiers[sig][2:]: sig.split("(")[0]
                 for sig in hook.contract_type.method_identifiers
                 if sig.split("(")[0] in ("beforeSwap", "wrap", "unwrap")}
    found: dict[str, int] = {}

    def walk(node: dict[str, Any]) -> None:
        name = selectors.get(node.get("input", "")[:10])
        if name and node.get("to", "").lower() == hook.address.lower():
            found[name] = found.get(name, 0) + int(node.get("gasUsed", "0x0"), 16)
        for child in node.get("calls") or []:
            walk(child)

    walk(trace)
    return found


# What the hook's beforeSwap reads from other contracts, by the function it calls (ADR 0100, "Gas").
BEFORE_SWAP_READS = {
    "msgSender()": "router_msgSender",
    "assetStatus(address)": "minter_assetStatus",
    "lastSplitActivatedAt()": "token_lastSplitActivatedAt",
    "transferFacts(address,address,address,address)": "records_transferFacts",
    "latestRoundData(address)": "reserves_latestRoundData",
}


def _before_swap_reads(txn_hash: str, hook: Any) -> dict[str, int]:
    """Gas used inside each call the hook's beforeSwap makes (callTracer), by the function called. A cold
    contract's 2,600 access gas is charged to the hook's own frame, not to these calls."""
    trace = chain.provider.make_request("debug_traceTransaction", [txn_hash, {"tracer": "callTracer"}])
    before_swap = "0x" + hook.contract_type.method_identifiers[
        next(sig for sig in hook.contract_type.method_identifiers if sig.startswith("beforeSwap("))][2:]
    names = {"0x" + function_signature_to_4byte_selector(sig).hex(): name for sig, name in BEFORE_SWAP_READS.items()}
    found: dict[str, int] = {}

    def walk(node: dict[str, Any]) -> None:
        if node.get("input", "")[:10] == before_swap and node.get("to", "").lower() == hook.address.lower():
            for child in node.get("calls") or []:
                name = names.get(child.get("input", "")[:10], child.get("input", "")[:10])
                found[name] = found.get(name, 0) + int(child.get("gasUsed", "0x0"), 16)
            return
        for child in node.get("calls") or []:
            walk(child)

    walk(trace)
    return found


def measure_compliant_pool(engine: Any) -> dict[str, Any]:
    """The compliant rAAPL/stablecoin pool (RatPoolHook as hook and adapter, RatPositionManager) on the same
    engine and router, same fee, tick spacing, price, range and amounts as the plain pool."""
    deployer, alice, bob = (accounts.test_accounts[i] for i in (0, 6, 7))
    stack = deploy_compliance_stack(deployer)
    stack.registry.grantRole(role("KYC_OPERATOR_ROLE"), deployer, sender=deployer)
    stack.registry.grantRole(role("ASSET_POLICY_ROLE"), deployer, sender=deployer)
    token = list_equity(deployer, stack, AssetTerms.example(), deployer)
    token.grantRole(role("MINTER_ROLE"), deployer, sender=deployer)
    now = chain.pending_timestamp
    mstack = deploy_minting_stack(deployer, stack, deployer, settlement=deployer.address, now=now)
    grant_minting_roles(mstack, deployer, publisher=deployer)
    custodian = Account.from_key(keccak(text="rat-bench:venue-custodian"))
    list_asset(mstack, deployer, token, custodian.address, 10**9 * UNIT, 10**9 * UNIT)
    publish_reserves(mstack, deployer, custodian.key, token, 10**6 * UNIT, chain.pending_timestamp - 1)
    usdc = deploy_test_stablecoin(deployer, decimals=18)
    venue = deploy_compliant_venue(deployer, engine, token, usdc, stack.registry.address, mstack.minter.address,
                                   mstack.reserves.records(), deployer.address)
    approve_venue(venue, deployer, FEE, TICK_SPACING)
    stack.registry.grantRole(role("VENUE_LISTING_ROLE"), deployer, sender=deployer)
    register_venue(stack.registry, token.address, venue.hook.address, deployer)
    for holder in (alice, bob):
        approve_investor(stack, deployer, holder.address, 1, "BR", 365 * 86400, now=now)
        token.mint(holder, 10_000 * UNIT, sender=deployer)
        usdc.mint(holder, 10_000 * UNIT, sender=deployer)
    initialize = create_pool(venue, 2**96, deployer)
    token_id, mint = add_liquidity(venue, alice, -600, 600, 1_000 * UNIT, 10_000 * UNIT, 10_000 * UNIT)
    # Same warm-up as the plain pool: one swap each way, the second one measured (here: selling rAAPL for USDC
    # after buying some, so both balances of the trader exist).
    swap(venue, bob, sell_asset=False, amount_in=UNIT)
    sell = swap(venue, bob, sell_asset=True, amount_in=UNIT)
    buy = swap(venue, bob, sell_asset=False, amount_in=UNIT)
    remove = remove_liquidity(venue, alice, token_id, 500 * UNIT)
    breakdown = {
        "sell_" + name: gas for name, gas in _hook_gas(sell.txn_hash, venue.hook).items()
    } | {"buy_" + name: gas for name, gas in _hook_gas(buy.txn_hash, venue.hook).items()}
    return {
        "breakdown": breakdown,
        "sell_beforeSwap_reads": _before_swap_reads(sell.txn_hash, venue.hook),
        "initialize_pool": initialize.gas_used,
        "mint_position": mint.gas_used,
        "swap_exact_input_single": sell.gas_used,
        "swap_exact_input_single_buy_rat": buy.gas_used,
        "decrease_liquidity_half": remove.gas_used,
    }


def main() -> None:
    with networks.parse_network_choice("ethereum:local:foundry"):
        engine = deploy_engine(accounts.test_accounts[0])
        plain = measure_plain_pool(engine)
        compliant = measure_compliant_pool(engine)
        ratio = {
            operation: round(compliant[operation] / plain[operation], 3)
            for operation in ("swap_exact_input_single", "mint_position", "decrease_liquidity_half")
        }
        results: dict[str, Any] = {
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "git_commit": _git_commit(),
            "chain": f"anvil (chain id {chain.chain_id})",
            "machine": platform.machine(),
            "unit": "transaction gas_used, including the 21,000 intrinsic gas",
            "engine": "@uniswap/v4-core 1.0.2 PoolManager, @uniswap/v4-periphery 1.0.3 PositionManager, RatSwapRouter",
            "plain_pool": plain,
            "uniswap_published": {
                "v4router_exact_input_single": UNISWAP_PLAIN_V4ROUTER_EXACT_IN_SINGLE,
                "permissioned_exact_input_single": UNISWAP_PERMISSIONED_EXACT_IN_SINGLE,
            },
            "compliant_pool": compliant,
            "compliant_vs_plain": ratio,
            "swap_ratio_goal": 1.35,
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    for operation, gas in plain.items():
        print(f"plain pool {operation}: {gas:,} gas")
    for operation, gas in compliant.items():
        if isinstance(gas, int):
            print(f"compliant pool {operation}: {gas:,} gas")
    print(f"inside the hook: {compliant['breakdown']}")
    print(f"beforeSwap's reads (sell): {compliant['sell_beforeSwap_reads']}")
    print(f"compliant / plain: {ratio}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
