"""The RAT demo on a throw-away anvil chain, run by `make demo` (or `ape run demo`):

1. compliance: registry, equity beacon, rAAPL; KYC'd holders; a compliant transfer and a refused one, decoded;
2. mint/burn: a custodian-signed reserve round, an escrowed mint request filled with brokerage + custody
   attestations (partial fill, refund in the same transaction), a burn paid from the settlement account, and a
   mint refused because it would exceed the attested reserves; then the compliant Uniswap v4 pool, and rAAPL as
   collateral in the real Morpho Blue: Alice borrows USDC, the feed goes stale and new borrows stop while repay
   works, the price falls and a KYC'd liquidator liquidates while an address without KYC cannot;
3. the relayer daemon with a simulated (Alpaca-format) broker and a simulated custodian, each its own process:
   a mint through the daemon survives a SIGKILL right after the attestations are signed, then a burn;
   `rat-relayer status` shows the sagas;
4. proof of reserve: the lot ledger read back from the Minter's events, the simulated custodian's own statement,
   a Merkle round built, signed by the custodian and published, `rat-reserves verify` green, an inclusion proof
   for one mint checked against the on-chain root, and `verify` failing on a tampered statement;
5. corporate actions on rAAPL: a 2-for-1 split scheduled in advance that settles an escrowed burn at post-split
   quantities, the management fee accruing through the multiplier and sold by the custodian, a cash dividend to
   three holders by Merkle claim with withholding per jurisdiction (verified from the chain by `rat-reserves`),
   and a delisting to cash that converts every holder;
6. cross-chain rAAPL: a second anvil as chain B, Chainlink's CCIP 1.6 lane and RAT's burn/mint pools on both
   chains, 1 rAAPL from Alice on chain A to Bob on chain B committed and executed by a local DON, and a recipient
   without KYC refused on chain A before any burn;
7. the production-shaped path: the whole system deployed by the deploy script's code, two equities listed by a
   governance vote through the timelock, a split scheduled by a second vote, the hand-over, and the role table
   showing no EOA with power.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import click
import httpx
from ape import accounts, chain, project
from ape.api import AccountAPI
from ape.cli import ConnectedProviderCommand
from eth_account import Account
from web3.exceptions import ContractCustomError

from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role
from rat.errors import TransferStatus
from rat.minting import (
    DAY,
    attest,
    build_fill,
    deploy_minting_stack,
    deploy_test_stablecoin,
    fulfill,
    grant_minting_roles,
    list_asset,
    list_payment_token,
    publish_reserves,
    request_burn,
    request_mint,
    set_attestors,
    set_tier_limits,
)
from rat.deployment import deploy_system, grant_operators, handover, load_settings, record_path
from rat.conversions import (
    ConversionTerms,
    close_conversion,
    convert_all,
    deploy_conversion_vault,
    fund_conversion,
    grant_conversion_roles,
    holders_of,
    open_conversion,
)
from reserves.distributor import claim_all, create_distribution, deploy_dividend_distributor
from rat.governance import Listing, list_asset_action, pass_locally, split_action
from rat.protocol import AssetStatus
from rat.shares import fill_in_tokens, shares_for_tokens
from attestor.local import AttestorProcess, issue_local_pki, write_attestor_config
from relayer.local_run import (
    RelayerProcess,
    api_service,
    create_keys,
    nats_reachable,
    relayer_cli,
    sim_service,
    wait_until,
    write_config,
)
from rat.minting import RequestStatus
from rat.revert import DecodedRevert, decode_revert
from reserves.chain_ledger import ledger_from_chain, split_adjusted, write_ledger_csv
from reserves.fields import format_units

SHARE = 10**18
USDC = 10**6
MINT_FEE_BPS = 30
BURN_FEE_BPS = 30


def _step(text: str) -> None:
    click.secho(f"\n▶ {text}", fg="cyan", bold=True)


def _ok(text: str) -> None:
    click.echo(f"  ✓ {text}")


def _refused(text: str) -> None:
    click.secho(f"  ✗ {text}", fg="yellow")


def _shares(units: int) -> str:
    text = f"{Decimal(units) / SHARE:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _usd(units: int) -> str:
    return f"{units / USDC:,.2f} USDC"


def _send_expecting_revert(contract, sender: AccountAPI, calldata: bytes, *abi_sources,
                           gas: int = 1_000_000) -> tuple[dict, DecodedRevert]:
    """Mines a transaction that is expected to revert and decodes why from the contracts' ABIs."""
    web3 = chain.provider.web3
    tx = {"from": sender.address, "to": contract.address, "data": calldata, "gas": gas}
    receipt = web3.eth.wait_for_transaction_receipt(web3.eth.send_transaction(tx))
    if receipt["status"] != 0:
        raise click.ClickException("the transaction was expected to revert but succeeded")
    try:
        web3.eth.call({k: v for k, v in tx.items() if k != "gas"}, receipt["blockNumber"] - 1)
    except ContractCustomError as err:
        types = [contract.contract_type, *(c.contract_type for c in abi_sources)]
        return receipt, decode_revert(err.data, *types)
    raise click.ClickException("the reverted transaction could not be replayed to read its reason")


@click.command(cls=ConnectedProviderCommand)
def cli() -> None:
    """Runs the end-to-end demo on the connected (local) network."""
    test = accounts.test_accounts
    deployer, relayer, publisher, alice, bob, outsider = (test[i] for i in (0, 1, 2, 6, 7, 8))
    broker_key, custody_key, custodian_key = (Account.create() for _ in range(3))
    click.secho(f"RAT demo on chain {chain.chain_id} ({chain.provider.name}, {chain.provider.uri})", bold=True)

    # ------------------------------------------------------------------ compliance
    _step("Deploy the compliance registry, the equity beacon and rAAPL")
    stack = deploy_compliance_stack(deployer)
    for name in ("KYC_OPERATOR_ROLE", "ASSET_POLICY_ROLE"):
        stack.registry.grantRole(role(name), deployer, sender=deployer)
    token = list_equity(deployer, stack, AssetTerms.example(), deployer)
    _ok(f"ComplianceRegistry {stack.registry.address} (records {stack.records.address})")
    _ok(f"EquityBeacon       {stack.beacon.address} → implementation {stack.token_implementation.address}")
    _ok(f"{token.symbol()} ({token.isin()}, {token.mic()}) {token.address}")

    _step("KYC-approve Alice (BR, retail) and Bob (AR, professional)")
    now = chain.pending_timestamp
    approve_investor(stack, deployer, alice.address, tier=1, country="BR", now=now)
    approve_investor(stack, deployer, bob.address, tier=2, country="AR", now=now)
    _ok(f"Alice {alice.address} tier {stack.registry.investor(alice).tier}")
    _ok(f"Bob   {bob.address} tier {stack.registry.investor(bob).tier}")

    # ------------------------------------------------------------------ mint/burn engine
    _step("Deploy the Minter, ReserveRegistry and FeeVault; list rAAPL and test USDC")
    ms = deploy_minting_stack(deployer, stack, kyc_operator=deployer, settlement=relayer.address, now=now)
    grant_minting_roles(ms, deployer, submitter=relayer, rejecter=relayer, publisher=publisher)
    set_attestors(ms, deployer, brokerage=[broker_key.address], custody=[custody_key.address])
    usdc = deploy_test_stablecoin(deployer)
    list_payment_token(ms, deployer, usdc)
    set_tier_limits(ms, deployer)
    list_asset(ms, deployer, token, custodian=custodian_key.address, mint_cap=1_000_000 * SHARE,
               mint_rate_per_day=10_000 * SHARE, mint_fee_bps=MINT_FEE_BPS, burn_fee_bps=BURN_FEE_BPS)
    for holder, amount in ((alice, 10_000 * USDC), (relayer, 100_000 * USDC)):
        usdc.mint(holder, amount, sender=deployer)
    usdc.approve(ms.minter.address, 2**256 - 1, sender=relayer)  # the settlement account pays burn proceeds
    _ok(f"Minter {ms.minter.address}, ReserveRegistry {ms.reserves.address}, FeeVault {ms.fee_vault.address}")
    _ok(f"attestors: brokerage {broker_key.address}, custody {custody_key.address} (quorum 2, both roles)")

    _step("The custodian attests 10 AAPL shares held for the SPV (EIP-712 round, published on-chain)")
    publish_reserves(ms, publisher, custodian_key.key, token, shares=10 * SHARE, as_of=chain.pending_timestamp - 1)
    _, reserves, *_ = ms.reserves.latestRoundData(token.address)
    _ok(f"ReserveRegistry.latestRoundData(rAAPL).answer = {_shares(reserves)} shares")

    _step("Alice escrows 2,000 USDC to mint rAAPL at ≤ 200 USDC/share; the broker fills 9.5 shares at 190")
    deadline = chain.pending_timestamp + DAY
    request = request_mint(ms, alice, token, usdc, 2_000 * USDC, 200 * USDC, deadline)
    _ok(f"MintRequested {request.hex()[:18]}… escrow held by the Minter: {_usd(usdc.balanceOf(ms.minter))}")
    receipt = fulfill(ms, relayer, request, 19 * SHARE // 2, 190 * USDC, [broker_key.key, custody_key.key], deadline)
    [event] = receipt.events.filter(ms.minter.MintFulfilled)
    _ok(f"fulfillMint with 2 attestations ({receipt.gas_used:,} gas): {_shares(event.shares)} rAAPL minted, "
        f"cost {_usd(event.cost)}, fee {_usd(event.fees)}, refund {_usd(event.refund)} in the same transaction")
    _ok(f"Alice holds {_shares(token.balanceOf(alice))} rAAPL and {_usd(usdc.balanceOf(alice))}; "
        f"supply {_shares(token.totalSupply())} ≤ reserves {_shares(reserves)}")

    _step("Alice sends 3 rAAPL to Bob")
    receipt = token.transfer(bob, 3 * SHARE, sender=alice)
    _ok(f"balances: Alice {_shares(token.balanceOf(alice))}, Bob {_shares(token.balanceOf(bob))} "
        f"(transfer gas {receipt.gas_used:,})")

    _step("Alice tries to send 1 rAAPL to an address without KYC")
    precheck = TransferStatus(stack.registry.canTransfer(token, alice, outsider, SHARE))
    _ok(f"wallet pre-check canTransfer → {precheck.name}")
    receipt, reason = _send_expecting_revert(token, alice, token.transfer.encode_input(outsider, SHARE))
    status = TransferStatus(reason.args["status"])
    _refused(f"transaction {receipt['transactionHash'].to_0x_hex()} mined in block {receipt['blockNumber']} "
             "with status 0")
    _refused(f"reason: {reason.name}({status.name}) — {status.explain()}")
    _ok(f"balances unchanged: Alice {_shares(token.balanceOf(alice))}, outsider {_shares(token.balanceOf(outsider))}")

    _step("Bob redeems his 3 rAAPL at ≥ 180 USDC/share; the broker sells at 191")
    request = request_burn(ms, bob, token, usdc, 3 * SHARE, 180 * USDC, chain.pending_timestamp + DAY)
    receipt = fulfill(ms, relayer, request, 3 * SHARE, 191 * USDC, [broker_key.key, custody_key.key],
                      chain.pending_timestamp + DAY)
    [event] = receipt.events.filter(ms.minter.BurnFulfilled)
    _ok(f"fulfillBurn ({receipt.gas_used:,} gas): {_shares(event.shares)} rAAPL burnt, proceeds "
        f"{_usd(event.proceeds)} from the settlement account, fee {_usd(event.fees)}; "
        f"Bob now holds {_usd(usdc.balanceOf(bob))}")
    _ok(f"supply {_shares(token.totalSupply())} rAAPL; fee vault holds {_usd(usdc.balanceOf(ms.fee_vault))}")

    _step("Alice asks for 5 more shares, but custody still attests only 10 (supply would be 11.5)")
    deadline = chain.pending_timestamp + DAY
    request = request_mint(ms, alice, token, usdc, 1_000 * USDC, 200 * USDC, deadline)
    fill, asset, account = build_fill(ms, request, 5 * SHARE, 190 * USDC, deadline)
    signatures = attest(ms, fill, asset, account, [broker_key.key, custody_key.key])
    receipt, reason = _send_expecting_revert(ms.minter, relayer, ms.minter.fulfillMint.encode_input(
        fill.as_tuple(), signatures))
    _refused(f"fulfillMint reverted: {reason.name}(supplyAfter={_shares(reason.args['supplyAfter'])}, "
             f"reserves={_shares(reason.args['reserves'])}) — the secure-mint guard refuses supply beyond "
             "attested reserves")
    _ok(f"Alice's escrow stays claimable: {_usd(usdc.balanceOf(ms.minter))} held until fulfilled, rejected "
        "or cancelled after its deadline")

    _venue_section(stack, ms, token, usdc, deployer, alice, bob, outsider)
    _collateral_section(stack, ms, token, usdc, deployer, alice, bob, outsider)
    _bridge_section(stack, token, deployer, relayer, alice, bob, outsider)
    _relayer_section(ms, token, usdc, deployer, alice, custodian_key, publisher)
    _corporate_actions_section(stack, ms, token, usdc, deployer, relayer, publisher, alice, bob,
                               [broker_key.key, custody_key.key], custodian_key)
    _governance_section(test[10] if len(test) > 10 else accounts.test_accounts.generate_test_account(),
                        guardian=test[3], relayer=relayer, custodian=custodian_key.address)
    _indexer_section(stack, ms)
    click.secho("\nDemo complete; anvil stops now.", fg="green", bold=True)


def _bridge_section(stack, token, deployer: AccountAPI, relayer: AccountAPI, alice: AccountAPI, bob: AccountAPI,
                    outsider: AccountAPI) -> None:
    """Issue 22: rAAPL across two local chains through RAT's CCIP pools (ADR 0106); body in rat/bridge/demo_step.py."""
    from rat.bridge.demo_step import run

    run(stack, token, deployer, relayer, alice, bob, outsider, _step, _ok, _refused)


def _venue_section(stack, ms, token, usdc, deployer: AccountAPI, alice: AccountAPI, bob: AccountAPI,
                   outsider: AccountAPI) -> None:
    """Issue 18: the compliant Uniswap v4 rAAPL/USDC pool (ADR 0100)."""
    from rat.venues.compliant_pool import (
        add_liquidity, approve_venue, create_pool, decode_venue_revert, deploy_compliant_venue,
        liquidity_for_amounts, register_venue, remove_liquidity, sqrt_price_at_tick, swap, tick_at_price,
    )
    from rat.venues.uniswap_v4 import deploy_engine, pool_state

    _step("Uniswap v4 (unmodified npm artifacts) and the compliant rAAPL/USDC pool: RatPoolHook is the hook and the "
          "asset's registered venue")
    engine = deploy_engine(deployer)
    venue = deploy_compliant_venue(deployer, engine, token, usdc, stack.registry.address, ms.minter.address,
                                   ms.reserves.records(), deployer.address)
    approve_venue(venue, deployer, 3_000, 60)  # governance (the timelock in production) approves fee and spacing
    stack.registry.grantRole(role("VENUE_LISTING_ROLE"), deployer, sender=deployer)
    register_venue(stack.registry, token.address, venue.hook.address, deployer)
    # 190 USDC per rAAPL in raw units (6 and 18 decimals), as currency1 per currency0.
    raw_price = (190 * USDC / SHARE) if venue.asset_is_currency0 else (SHARE / (190 * USDC))
    centre = tick_at_price(raw_price, 60)
    create_pool(venue, sqrt_price_at_tick(centre), deployer)
    _ok(f"PoolManager {engine.pool_manager.address}; hook/adapter {venue.hook.address} "
        f"(venue status {stack.registry.venueStatus(token, venue.hook)} = ACTIVE); pool at tick {centre}, fee 0.3 %")

    _step("Alice provides liquidity: 2 rAAPL and 380 USDC around 190 USDC per rAAPL (RatPositionManager)")
    lower, upper = centre - 1_200, centre + 1_200
    sqrt_price, _, _ = pool_state(engine, venue.key)
    amounts = (2 * SHARE, 380 * USDC) if venue.asset_is_currency0 else (380 * USDC, 2 * SHARE)
    liquidity = liquidity_for_amounts(sqrt_price, sqrt_price_at_tick(lower), sqrt_price_at_tick(upper),
                                      *amounts) * 99 // 100
    token_id, receipt = add_liquidity(venue, alice, lower, upper, liquidity, 2 * SHARE, 380 * USDC)
    _ok(f"position #{token_id} ({receipt.gas_used:,} gas); the PoolManager holds "
        f"{_shares(venue.hook.balanceOf(engine.pool_manager))} adapter units and "
        f"{_shares(token.balanceOf(engine.pool_manager))} rAAPL")

    _step("Bob buys rAAPL with 95 USDC in the pool (RatSwapRouter reports him to the hook through IMsgSender)")
    before = token.balanceOf(bob)
    receipt = swap(venue, bob, sell_asset=False, amount_in=95 * USDC)
    _ok(f"Bob received {_shares(token.balanceOf(bob) - before)} rAAPL for 95 USDC ({receipt.gas_used:,} gas)")

    _step("An address without KYC tries every route into the pool")
    usdc.mint(outsider, 100 * USDC, sender=deployer)
    rogue_router = deployer.deploy(project.RatSwapRouter, engine.pool_manager.address)
    attacker = deployer.deploy(project.VenueBypassAttacker, engine.pool_manager.address, venue.hook.address)
    # Allowances first (they succeed), then each route is simulated with eth_call from the outsider's address.
    usdc.approve(engine.router.address, 10 * USDC, sender=outsider)
    usdc.approve(rogue_router.address, 10 * USDC, sender=outsider)
    usdc.approve(venue.position_manager.address, 10 * USDC, sender=outsider)
    buy = (venue.key.as_tuple(), not venue.asset_is_currency0, 10 * USDC, 0, b"")
    deadline = chain.pending_timestamp + 600
    routes = [
        ("swap through the allowed router", engine.router, outsider,
         engine.router.swapExactInputSingle.encode_input(buy, deadline)),
        ("add liquidity through RatPositionManager", venue.position_manager, outsider,
         venue.position_manager.mint.encode_input(lower, upper, 10**6, SHARE, 10 * USDC, deadline)),
        ("remove Alice's liquidity", venue.position_manager, outsider,
         venue.position_manager.decreaseLiquidity.encode_input(token_id, 1, 0, 0, deadline)),
        ("swap through a router that is not allowed", rogue_router, outsider,
         rogue_router.swapExactInputSingle.encode_input(buy, deadline)),
        ("swap by calling PoolManager.unlock from its own contract", attacker, outsider,
         attacker.attack.encode_input(0, venue.key.as_tuple(), 10 * USDC, outsider)),
        ("mint ERC-6909 claims on the pool's rAAPL units", attacker, outsider,
         attacker.attack.encode_input(3, venue.key.as_tuple(), SHARE, outsider)),
        ("receive Alice's LP position NFT", venue.position_manager, alice,
         venue.position_manager.transferFrom.encode_input(alice, outsider, token_id)),
    ]
    web3 = chain.provider.web3
    for route, contract, sender, calldata in routes:
        try:
            web3.eth.call({"from": sender.address, "to": contract.address, "data": calldata})
        except ContractCustomError as error:
            reason = decode_venue_revert(error.data, venue.hook, venue.position_manager, engine.router, token)
            status = reason.args.get("status")
            shown = f"{reason.name}({TransferStatus(status).name})" if status is not None else str(reason)
            _refused(f"{route}: {shown}")
        else:
            raise click.ClickException(f"the pool accepted an address without KYC: {route}")

    _step("Alice removes her liquidity: rAAPL and USDC (with Bob's fee) come back to her")
    rat_before, usd_before = token.balanceOf(alice), usdc.balanceOf(alice)
    remove_liquidity(venue, alice, token_id, liquidity)
    _ok(f"Alice got {_shares(token.balanceOf(alice) - rat_before)} rAAPL and "
        f"{_usd(usdc.balanceOf(alice) - usd_before)}")
    # The pool keeps v4's rounding dust (adding rounds up, removing down). rAAPL is delisted later in this demo and
    # a venue's balance would hold the conversion open, so governance winds the empty pool down first.
    dust = token.balanceOf(venue.hook)
    if dust:
        token.grantRole(role("FORCED_TRANSFER_ROLE"), deployer, sender=deployer)
        token.forcedTransfer(venue.hook, alice, dust, _ref("venue wind-down before delisting"), sender=deployer)
        stack.registry.suspendVenue(token, venue.hook, _ref("venue wind-down before delisting"), sender=deployer)
        _ok(f"wind-down before the delisting: {dust} wei of rounding dust swept from the venue, venue suspended")


def _collateral_section(stack, ms, token, usdc, deployer: AccountAPI, alice: AccountAPI, bob: AccountAPI,
                        outsider: AccountAPI) -> None:
    """Issue 19: rAAPL as collateral in the real Morpho Blue, priced by the fail-safe RatEquityOracle (ADR 0102)."""
    from rat.venues.calendar import publish_sessions, sessions_for_days
    from rat.venues.collateral import OracleParams, deploy_calendar, deploy_collateral_stack, describe_revert
    from rat.venues.collateral import list_collateral_venues
    from rat.venues.collateral import oracle_status
    from rat.venues.morpho import borrowed_assets, deploy_morpho, position

    _step("Morpho Blue (built from the unmodified npm sources) and an rAAPL/USDC market priced by RatEquityOracle: "
          "Chainlink price per share × rAAPL's multiplier, on the relayer's calendar")
    morpho = deploy_morpho(deployer)
    feed = deployer.deploy(project.MockV3Aggregator, 8, 190 * 10**8)  # the AAPL/USD AggregatorV3 stand-in
    calendar = deploy_calendar(deployer, deployer)
    # The demo's relayer trades on `always-open` hours; the oracle reads the same sessions (ADR 0102).
    publish_sessions(calendar, sessions_for_days("always-open", chain.pending_timestamp // DAY, 30), deployer)
    heartbeat = 300
    market = deploy_collateral_stack(morpho, deployer, calendar=calendar, feed=feed, collateral_token=token,
                                     multiplier_source=token, loan_token=usdc, reserves=ms.reserves,
                                     oracle_params=OracleParams(heartbeat=heartbeat))
    oracle, gateway, params = market.oracle, market.gateway, market.params.as_tuple()
    # Governance registers both as venues of rAAPL (ADR 0101) and the gateway as Morpho's exit (ADR 0102).
    list_collateral_venues(stack.registry, token, morpho, gateway, _ref("list the rAAPL/USDC Morpho Blue market"),
                           deployer, "rAAPL")
    now = chain.pending_timestamp
    feed.setRound(2, 190 * 10**8, now, now, 2, sender=deployer)
    oracle.acceptReviewedPrice(sender=deployer)  # the first price is accepted by governance
    status = oracle_status(oracle)
    _ok(f"Morpho {morpho.address}; oracle {oracle.address} {status.state}: "
        f"{_usd(status.price * SHARE // 10**36)} per rAAPL; LLTV {market.params.lltv / 10**16:g} %, "
        f"heartbeat {heartbeat} s; Morpho and RatMorphoGateway are registered venues of rAAPL, Morpho pays it "
        "out only through the gateway")

    _step("Bob lends 5,000 USDC; Alice pledges 5 rAAPL and borrows 400 USDC through RatMorphoGateway")
    usdc.mint(bob, 5_000 * USDC, sender=deployer)
    usdc.approve(morpho, 5_000 * USDC, sender=bob)
    morpho.supply(params, 5_000 * USDC, 0, bob, b"", sender=bob)
    token.approve(morpho, 5 * SHARE, sender=alice)
    morpho.supplyCollateral(params, 5 * SHARE, alice, b"", sender=alice)
    morpho.setAuthorization(gateway, True, sender=alice)
    usd_before = usdc.balanceOf(alice)
    receipt = gateway.borrow(params, 400 * USDC, alice, sender=alice)
    _ok(f"Alice received {_usd(usdc.balanceOf(alice) - usd_before)} ({receipt.gas_used:,} gas); "
        f"she may borrow up to {_usd(5 * status.price * SHARE // 10**36 * market.params.lltv // SHARE)}")

    _step("The feed stops updating: past the heartbeat the oracle is STALE; new borrows stop, repay still works")
    chain.mine(1, timestamp=chain.pending_timestamp + heartbeat + 1)
    status = oracle_status(oracle)
    _ok(f"oracle {status.state} ({status.reason}): {status.explanation}")
    try:
        chain.provider.web3.eth.call({"from": alice.address, "to": gateway.address,
                                      "data": gateway.borrow.encode_input(params, 50 * USDC, alice)})
    except ContractCustomError as error:
        _refused(f"Alice borrows 50 USDC more: {describe_revert(error.data, oracle, gateway, token)}")
    else:
        raise click.ClickException("a borrow went through against a stale price")
    usdc.approve(morpho, 2**256 - 1, sender=alice)
    receipt = morpho.repay(params, 100 * USDC, 0, alice, b"", sender=alice)
    _ok(f"Alice repays 100 USDC ({receipt.gas_used:,} gas): debt now "
        f"{_usd(borrowed_assets(morpho, market.params, alice.address))}")

    _step("AAPL falls to 90 USDC: a 53 % move is beyond the 10 % bound, so governance reviews it before it counts")
    now = chain.pending_timestamp
    feed.setRound(3, 90 * 10**8, now, now, 3, sender=deployer)
    status = oracle_status(oracle)
    _ok(f"oracle {status.state} ({status.reason}) until reviewed")
    oracle.acceptReviewedPrice(sender=deployer)
    status = oracle_status(oracle)
    debt = borrowed_assets(morpho, market.params, alice.address)
    limit = 5 * status.price * SHARE // 10**36 * market.params.lltv // SHARE
    _ok(f"oracle {status.state}: {_usd(status.price * SHARE // 10**36)} per rAAPL; Alice owes {_usd(debt)} "
        f"against a limit of {_usd(limit)}: liquidatable")

    _step("An address without KYC tries to liquidate Alice; Bob (KYC'd) does")
    usdc.mint(outsider, 500 * USDC, sender=deployer)
    usdc.approve(gateway, 2**256 - 1, sender=outsider)
    try:
        chain.provider.web3.eth.call({"from": outsider.address, "to": gateway.address, "data":
                                      gateway.liquidate.encode_input(params, alice, SHARE, 0, 500 * USDC)})
    except ContractCustomError as error:
        _refused(f"outsider liquidates 1 rAAPL: {describe_revert(error.data, oracle, gateway, token)}")
    else:
        raise click.ClickException("an address without KYC received seized collateral")
    usdc.approve(gateway, 2**256 - 1, sender=bob)
    rat_before, usd_before = token.balanceOf(bob), usdc.balanceOf(bob)
    receipt = gateway.liquidate(params, alice, SHARE, 0, 500 * USDC, sender=bob)
    _ok(f"Bob seized {_shares(token.balanceOf(bob) - rat_before)} rAAPL for "
        f"{_usd(usd_before - usdc.balanceOf(bob))} ({receipt.gas_used:,} gas)")

    _step("Alice repays the rest and takes her remaining rAAPL back (the market holds no rAAPL before the delisting)")
    _, borrow_shares, collateral = position(morpho, market.params, alice.address)
    morpho.repay(params, 0, borrow_shares, alice, b"", sender=alice)
    gateway.withdrawCollateral(params, collateral, alice, sender=alice)
    _, borrow_shares, collateral = position(morpho, market.params, alice.address)
    _ok(f"Alice's position: {borrow_shares} borrow shares, {_shares(collateral)} rAAPL pledged; Morpho holds "
        f"{_shares(token.balanceOf(morpho))} rAAPL, Alice {_shares(token.balanceOf(alice))}")


def _relayer_section(ms, token, usdc, deployer: AccountAPI, alice: AccountAPI, custodian_key,
                     publisher: AccountAPI) -> None:
    _step("Start the relayer with the submitter key only; the brokerage and custody attestors are separate "
          "processes with their own keys, asked over mutual TLS")
    workdir = Path(tempfile.mkdtemp(prefix="rat-demo-"))
    keys = create_keys(workdir / "keys")
    deployer.transfer(keys.addresses["sender"], 10 * SHARE)
    grant_minting_roles(ms, deployer, submitter=keys.addresses["sender"], rejecter=keys.addresses["sender"])
    set_attestors(ms, deployer, brokerage=[keys.addresses["brokerage"]], custody=[keys.addresses["custody"]])
    held = token.totalSupply() / SHARE
    with sim_service("broker", "--price", "AAPL=190") as broker, \
            sim_service("custodian", "--position", f"AAPL={held:g}") as custodian, \
            _attestor_services(ms, token, keys, workdir, {"brokerage": broker, "custody": custodian}) as (urls, pki):
        config = write_config(
            workdir / "relayer.yaml", rpc_url=chain.provider.uri, chain_id=chain.chain_id,
            minter=ms.minter.address, assets={token.address: "AAPL"}, keys=keys, broker_url=broker,
            custodian_url=custodian, start_block=chain.blocks.head.number, attestor_urls=urls,
            client_cert=pki.relayer.cert, client_key=pki.relayer.key, server_ca=pki.ca,
        )
        _ok(f"relayer config {config.name}: signers = [sender]; attestors at {urls['brokerage']} and "
            f"{urls['custody']}")
        _ok(f"broker {broker} (Alpaca wire format), custodian {custodian}, state in {workdir / 'relayer.db'}")

        _step("Alice requests a mint for 380 USDC; the daemon is SIGKILLed right after signing the attestations")
        daemon = RelayerProcess(config, keys, workdir / "relayer.log", crash_at="signed")
        request = request_mint(ms, alice, token, usdc, 380 * USDC, 200 * USDC, chain.pending_timestamp + DAY)
        code = daemon.wait_for_exit(timeout=120)
        daemon.stop()
        _refused(f"daemon exited with {code} (SIGKILL) before submitting; request still "
                 f"{RequestStatus(ms.minter.getRequest(request).status).name}")
        click.echo(_indent(relayer_cli(config, "status")))

        _step("Restart the daemon: it resumes from its durable state, no second order, no second signature")
        daemon = RelayerProcess(config, keys, workdir / "relayer.log")
        try:
            before = token.balanceOf(alice)
            wait_until(lambda: ms.minter.getRequest(request).status == RequestStatus.FULFILLED, timeout=120,
                       what="the mint to be fulfilled")
            _ok(f"mint fulfilled exactly once: Alice +{_shares(token.balanceOf(alice) - before)} rAAPL")

            minted_by_daemon = request
            _step("Alice redeems 1 rAAPL through the daemon")
            request = request_burn(ms, alice, token, usdc, SHARE, 150 * USDC, chain.pending_timestamp + DAY)
            wait_until(lambda: ms.minter.getRequest(request).status == RequestStatus.FULFILLED, timeout=120,
                       what="the burn to be fulfilled")
            _ok(f"burn fulfilled: supply {_shares(token.totalSupply())} rAAPL, Alice holds "
                f"{_usd(usdc.balanceOf(alice))}")
            _api_section(ms, token, usdc, alice, deployer, config, keys, workdir)
        finally:
            daemon.stop()
        _step("rat-relayer status --all")
        click.echo(_indent(relayer_cli(config, "status", "--all")))
        _reserves_section(ms, token, custodian, custodian_key, publisher, workdir, minted_by_daemon)


@contextmanager
def _attestor_services(ms, token, keys, workdir: Path, vendors: dict[str, str]):
    """`rat-attestor run` per role: own keystore, own config and SQLite record, own vendor, mutual TLS with a local
    CA (the custody attestor is the one a custodian would operate itself)."""
    pki = issue_local_pki(workdir / "tls")
    procs = {}
    try:
        for role, vendor in vendors.items():
            path = write_attestor_config(
                workdir / f"{role}-attestor.yaml", role=role, rpc_url=chain.provider.uri, chain_id=chain.chain_id,
                minter=ms.minter.address, keystore=keys.folder / f"{role}.json",
                passphrase_env=keys.passphrase_env(role), vendor_url=vendor, assets={token.address: "AAPL"},
                pki=pki, database=workdir / f"{role}-attestor.db")
            env = {**keys.env(role), "APCA_API_KEY_ID": "sim", "APCA_API_SECRET_KEY": "sim"}
            procs[role] = AttestorProcess(path, env, workdir / f"{role}-attestor.log")
            procs[role].start()
            _ok(f"{role} attestor {procs[role].url} signs as {keys.addresses[role]} (its key is in no other process)")
        yield {role: p.url for role, p in procs.items()}, pki
    finally:
        for proc in procs.values():
            proc.stop()


SUMSUB_LEVEL = "rat-professional-ar"


def _api_section(ms, token, usdc, alice: AccountAPI, deployer: AccountAPI, config: Path, keys, workdir: Path) -> None:
    import yaml
    from websockets.sync.client import connect

    from relayer.kyc import sumsub
    from relayer.signers import KeystoreSigner

    _step("Service API beside the daemon: REST, a WebSocket stream, the Sumsub webhook, the event outbox")
    kyc_pass, secret = os.urandom(16).hex(), os.urandom(24).hex()
    kyc_address = KeystoreSigner.create(workdir / "keys" / "kyc.json", kyc_pass, scrypt_n=2**10)
    ms.compliance.registry.grantRole(role("KYC_OPERATOR_ROLE"), kyc_address, sender=deployer)
    deployer.transfer(kyc_address, SHARE)
    nats = "nats://127.0.0.1:4222" if nats_reachable() else None
    document = yaml.safe_load(config.read_text())
    document.update({
        "api": {"port": 0},
        "events": {"nats_url": nats},
        "kyc": {"registry": ms.compliance.registry.address,
                "signer": {"type": "keystore", "path": str(workdir / "keys" / "kyc.json"),
                           "passphrase_env": "RAT_DEMO_KYC_PASS"},
                "webhook_secret_env": "RAT_DEMO_SUMSUB_SECRET",
                "levels": {SUMSUB_LEVEL: {"tier": 2, "jurisdiction": "AR"}}},
    })
    config.write_text(yaml.safe_dump(document))
    env = {**keys.env(), "RAT_DEMO_KYC_PASS": kyc_pass, "RAT_DEMO_SUMSUB_SECRET": secret}
    with api_service(config, env) as base:
        assets = httpx.get(f"{base}/v1/assets").json()
        _ok(f"{base}: GET /v1/assets lists {len(assets.get('items', assets))} asset(s); specs in docs/api/")

        _step("A browserless client follows Alice's next mint over the WebSocket, from intake to fulfilled")
        ws_url = base.replace("http://", "ws://") + "/v1/stream"
        with connect(ws_url) as ws:
            ws.send(json.dumps({"type": "subscribe", "accounts": [alice.address]}))
            cursor = json.loads(ws.recv())["cursor"]
            request = request_mint(ms, alice, token, usdc, 200 * USDC, 200 * USDC, chain.pending_timestamp + DAY)
            wanted, started = "0x" + request.hex(), None
            while True:
                message = json.loads(ws.recv(timeout=120))
                if message["type"] != "event" or message["event"]["request_id"] != wanted:
                    continue
                step = message["event"]["payload"]["step"]
                started = started or message["event"].get("created_at")
                click.echo(f"    cursor {message['cursor']:>4}  {step}")
                if step == "done":
                    break
        _ok(f"the stream delivered every step from cursor {cursor} on, ending with the fulfilment")

        _step("Sumsub approves a new applicant at level rat-professional-ar; the signed webhook reaches the API")
        wallet = Account.create().address
        now = datetime.now(timezone.utc)
        body = json.dumps({
            "applicantId": os.urandom(12).hex(), "inspectionId": os.urandom(12).hex(), "correlationId": "demo",
            "levelName": SUMSUB_LEVEL, "externalUserId": wallet, "type": "applicantReviewed",
            "sandboxMode": False, "reviewStatus": "completed", "clientId": "agora",
            "createdAtMs": now.strftime("%Y-%m-%d %H:%M:%S.") + f"{now.microsecond // 1000:03d}",
            "reviewResult": {"reviewAnswer": "GREEN"},
        }).encode()
        answer = httpx.post(f"{base}/v1/webhooks/sumsub", content=body, headers={
            "content-type": "application/json", "x-payload-digest": sumsub.sign(body, secret),
            "x-payload-digest-alg": "HMAC_SHA256_HEX"})
        _ok(f"webhook answered {answer.status_code}: {answer.json().get('outcome', answer.text)}")
        forged = httpx.post(f"{base}/v1/webhooks/sumsub", content=body, headers={
            "content-type": "application/json", "x-payload-digest": "00" * 32, "x-payload-digest-alg": "HMAC_SHA256_HEX"})
        _refused(f"the same body with a forged digest: {forged.status_code} {forged.json().get('title', '')}")
        wait_until(lambda: ms.compliance.registry.investor(wallet).tier == 2, timeout=60,
                   what="the KYC decision to reach the registry")
        record = ms.compliance.registry.investor(wallet)
        _ok(f"ComplianceRegistry.investor({wallet[:10]}…) = tier {record.tier}, {bytes(record.jurisdiction).decode()}"
            " — written by the KYC operator key; only a hash of the applicant id is stored")

        _step("Events on NATS JetStream")
        if nats is None:
            _ok("no NATS server on 127.0.0.1:4222: events stay in the outbox (the embedded default) and the "
                "WebSocket above streamed them from there")
        else:
            subjects = _nats_subjects(nats, wanted)
            _ok(f"{len(subjects)} messages for the mint on rat.anvil.>: {', '.join(dict.fromkeys(subjects))}")


def _nats_subjects(url: str, request_id: str) -> list[str]:
    import asyncio

    import nats
    from nats.js.api import DeliverPolicy

    async def collect() -> list[str]:
        client = await nats.connect(url)
        try:
            js = client.jetstream()
            wait_until_deadline = asyncio.get_running_loop().time() + 15
            found: list[str] = []
            while not any(s.endswith(".done") for s in found):
                if asyncio.get_running_loop().time() > wait_until_deadline:
                    break
                found = []
                sub = await js.subscribe("rat.anvil.>", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
                try:
                    while True:
                        try:
                            msg = await sub.next_msg(timeout=0.5)
                        except nats.errors.TimeoutError:
                            break
                        if request_id in msg.data.decode(errors="replace"):
                            found.append(msg.subject)
                finally:
                    await sub.unsubscribe()
            return found
        finally:
            await client.close()

    return asyncio.run(collect())


CUSTODY_ACCOUNT = "SPV-RAT-0001"  # the simulated custodian's securities account for the SPV


def _reserves_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reserves.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=False)


def _reserves_section(ms, token, custodian_url: str, custodian_key, publisher: AccountAPI, workdir: Path,
                      request_id: bytes) -> None:
    _step("Proof of reserve: lots from the Minter's events, the custodian's statement, a Merkle round")
    rows = ledger_from_chain(chain.provider.web3, ms.minter.address, CUSTODY_ACCOUNT)
    ledger = write_ledger_csv(rows, workdir / "ledger.csv")
    held = httpx.get(f"{custodian_url}/v1/positions/AAPL").json()["quantity"]
    as_of = datetime.fromtimestamp(chain.blocks.head.timestamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    statement_in = workdir / "custodian.csv"
    statement_in.write_text(f"as_of,isin,custody_account,quantity\n{as_of},{token.isin()},{CUSTODY_ACCOUNT},{held}\n")
    assets = workdir / "assets.json"
    assets.write_text(json.dumps([{"isin": token.isin(), "token": token.address, "symbol": token.symbol()}]) + "\n")
    _ok(f"{len(rows)} ledger rows from MintFulfilled/BurnFulfilled; the custodian reports {held} AAPL in "
        f"{CUSTODY_ACCOUNT}; token supply {_shares(token.totalSupply())}")
    out = workdir / "round"
    built = _reserves_cli("build", "--ledger", str(ledger), "--custodian", str(statement_in), "--assets",
                          str(assets), "--out", str(out))
    if built.returncode != 0:
        raise click.ClickException(f"rat-reserves build failed: {built.stderr or built.stdout}")
    click.echo(_indent(built.stdout))
    statement = out / "statement.json"
    rpc = chain.provider.uri
    keys = {"RAT_CUSTODIAN_KEY": custodian_key.key.to_0x_hex(), "RAT_PUBLISHER_KEY": publisher.private_key}
    published = _reserves_cli("publish", str(statement), "--rpc-url", rpc, "--registry", ms.reserves.address,
                              "--uri", statement.as_uri(), env=keys)
    if published.returncode != 0:
        raise click.ClickException(f"rat-reserves publish failed: {published.stderr or published.stdout}")
    _ok("custodian-signed round published: " + published.stdout.strip())

    _step("rat-reserves verify: an independent audit from the RPC URL, the registry address and the file alone")
    verified = _reserves_cli("verify", str(statement), "--rpc-url", rpc, "--registry", ms.reserves.address)
    click.echo(_indent(verified.stdout))
    if verified.returncode != 0:
        raise click.ClickException(f"verify should pass on the published round (exit {verified.returncode})")
    _ok("verify exit code 0")
    proof = workdir / "proof.json"
    proved = _reserves_cli("prove", str(statement), "--request-id", "0x" + request_id.hex())
    proof.write_text(proved.stdout)
    checked = _reserves_cli("verify-proof", str(proof), "--rpc-url", rpc, "--registry", ms.reserves.address)
    _ok(f"inclusion proof of the daemon's mint {request_id.hex()[:16]}…:")
    click.echo(_indent(checked.stdout))
    if checked.returncode != 0:
        raise click.ClickException(f"the inclusion proof did not verify: {checked.stderr}")

    _step("Someone edits a lot's quantity in a copy of the published statement")
    tampered = workdir / "tampered.json"
    document = json.loads(statement.read_text())
    leaf = document["merkleTree"]["values"][0]["value"]
    leaf[5] = str(int(leaf[5]) + SHARE)
    tampered.write_text(json.dumps(document))
    refused = _reserves_cli("verify", str(tampered), "--rpc-url", rpc, "--registry", ms.reserves.address)
    if refused.returncode == 0:
        raise click.ClickException("verify accepted a tampered statement")
    _refused(f"verify exits {refused.returncode}: " + (refused.stdout.strip().splitlines() or ["(no output)"])[-1])


def _post_split_round(ms, token, custodian_key, publisher: AccountAPI, held: int, numerator: int,
                      denominator: int) -> None:
    """The post-split round through `rat-reserves build`, `publish` and `verify`, as the first round: the lots from
    the Minter's events restated in post-split shares, reconciled with the custodian's post-split position."""
    workdir = Path(tempfile.mkdtemp(prefix="rat-demo-split-"))
    rows = split_adjusted(ledger_from_chain(chain.provider.web3, ms.minter.address, CUSTODY_ACCOUNT), numerator,
                          denominator)
    ledger = write_ledger_csv(rows, workdir / "ledger.csv")
    as_of = datetime.fromtimestamp(chain.blocks.head.timestamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    statement_in = workdir / "custodian.csv"
    statement_in.write_text(f"as_of,isin,custody_account,quantity\n{as_of},{token.isin()},{CUSTODY_ACCOUNT},"
                            f"{format_units(held)}\n")
    assets = workdir / "assets.json"
    assets.write_text(json.dumps([{"isin": token.isin(), "token": token.address, "symbol": token.symbol()}]) + "\n")
    statement, rpc = workdir / "round" / "statement.json", chain.provider.uri
    keys = {"RAT_CUSTODIAN_KEY": custodian_key.key.to_0x_hex(), "RAT_PUBLISHER_KEY": publisher.private_key}
    for what, args, env in (
        ("build", ["build", "--ledger", str(ledger), "--custodian", str(statement_in), "--assets", str(assets),
                   "--out", str(statement.parent)], None),
        ("publish", ["publish", str(statement), "--rpc-url", rpc, "--registry", ms.reserves.address, "--uri",
                     statement.as_uri()], keys),
        ("verify", ["verify", str(statement), "--rpc-url", rpc, "--registry", ms.reserves.address], None),
    ):
        done = _reserves_cli(*args, env=env)
        if done.returncode != 0:
            raise click.ClickException(f"rat-reserves {what} of the post-split round failed (exit {done.returncode}): "
                                       f"{done.stderr or done.stdout}")
    _ok("post-split round: rat-reserves build, publish and verify (custody against supply × multiplier) exit 0:")
    click.echo(_indent(done.stdout))


def _funded_account() -> AccountAPI:
    account = accounts.test_accounts.generate_test_account()
    account.balance = 10 * SHARE
    return account


def _move_time_to(timestamp: int) -> None:
    chain.pending_timestamp = timestamp
    chain.mine()


def _corporate_actions_section(stack, ms, token, usdc, deployer: AccountAPI, relayer: AccountAPI,
                               publisher: AccountAPI, alice: AccountAPI, bob: AccountAPI, attestors: list,
                               custodian_key) -> None:
    symbol = token.symbol()
    carol = _funded_account()
    _step(f"Corporate actions on {symbol}: Carol (MX) joins; Alice sends 2 {symbol} to Bob and 1 to Carol")
    approve_investor(stack, deployer, carol.address, tier=1, country="MX", now=chain.pending_timestamp)
    token.transfer(bob, 2 * SHARE, sender=alice)
    token.transfer(carol, SHARE, sender=alice)
    holders = {"Alice": alice, "Bob": bob, "Carol": carol}
    _ok(", ".join(f"{name} {_shares(token.balanceOf(who))}" for name, who in holders.items()) + f" {symbol}")

    _step("The issuer announces a 2-for-1 split; it is scheduled on-chain a day ahead (compare-and-swap on the "
          "multiplier version)")
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), deployer, sender=deployer)  # the timelock holds it in production
    burn_deadline = chain.pending_timestamp + 3 * DAY
    pending = request_burn(ms, bob, token, usdc, SHARE, 90 * USDC, burn_deadline)
    _ok(f"before the split Bob escrows 1 {symbol} to redeem at ≥ 90 USDC per token: request {pending.hex()[:18]}…")
    activates = chain.pending_timestamp + DAY + 60
    receipt = token.scheduleSplit(2, 1, activates, token.multiplierState()[1], _ref("CA-2026-0117 AAPL 2-for-1"),
                                  sender=deployer)
    [event] = receipt.events.filter(token.SplitScheduled)
    _ok(f"SplitScheduled(version {event.version}, {event.numerator}-for-{event.denominator}, activates "
        f"{datetime.fromtimestamp(event.activatesAt, timezone.utc):%Y-%m-%d %H:%M} UTC)")
    again, reason = _send_expecting_revert(token, deployer, token.scheduleSplit.encode_input(
        2, 1, activates + 60, event.version - 1, _ref("CA-2026-0117 AAPL 2-for-1")))
    _refused(f"the same proposal sent twice: {reason.name}(expected {reason.args['expected']}, actual "
             f"{reason.args['actual']}) — it cannot split twice")
    # One second past the activation, so the custodian's post-split statement is as of the activation or later:
    # the reserve guard refuses older rounds after a split (decision 0084).
    _move_time_to(activates + 1)
    _ok(f"at {datetime.fromtimestamp(activates, timezone.utc):%Y-%m-%d %H:%M} UTC the multiplier is "
        f"{Decimal(token.multiplier()) / SHARE} shares per token, with no transaction: token balances are unchanged, "
        "shares doubled")
    for name, who in holders.items():
        _ok(f"  {name}: {_shares(token.balanceOf(who))} {symbol} = {_shares(token.sharesOf(who))} AAPL shares")
    _, before, *_ = ms.reserves.latestRoundData(token.address)
    _post_split_round(ms, token, custodian_key, publisher, before * 2, event.numerator, event.denominator)
    _ok(f"the custodian's post-split statement: {_shares(before * 2)} shares; supply represents "
        f"{_shares(token.totalShares())} shares ≤ reserves")
    sold = shares_for_tokens(SHARE, token.multiplier())
    fill = fill_in_tokens(sold, 96 * USDC, token.multiplier())
    receipt = fulfill(ms, relayer, pending, fill.tokens, fill.price_per_token, attestors, burn_deadline)
    [burnt] = receipt.events.filter(ms.minter.BurnFulfilled)
    _ok(f"Bob's escrowed burn settles after the split: the broker sold {_shares(sold)} post-split shares at 96 → "
        f"{_shares(burnt.shares)} {symbol} burnt at {_usd(burnt.price)} per token, proceeds {_usd(burnt.proceeds)}")

    _step("A management fee of 0.25 % a year accrues through the multiplier; the custodian sells what it took")
    vault = ms.fee_vault
    vault.grantRole(role("FEE_GOVERNOR_ROLE"), deployer, sender=deployer)
    vault.grantRole(role("MANAGEMENT_FEE_REPORTER_ROLE"), relayer, sender=deployer)
    token.grantRole(role("MANAGEMENT_FEE_ROLE"), vault, sender=deployer)  # AssetLister grants it at listing
    vault.setManagementFee(token, 25, sender=deployer)
    _move_time_to(chain.pending_timestamp + 30 * DAY)
    receipt = vault.accrueManagementFee(token, sender=relayer)
    [accrued] = receipt.events.filter(vault.ManagementFeeAccrued)
    _ok(f"30 days later ManagementFeeAccrued: multiplier {Decimal(accrued.multiplierBefore) / SHARE} → "
        f"{Decimal(accrued.multiplierAfter) / SHARE}, {Decimal(accrued.feeShares) / SHARE:.9f} shares for the fee")
    proceeds = accrued.feeShares * 97 * USDC // SHARE
    usdc.approve(vault, proceeds, sender=relayer)
    receipt = vault.recordManagementFeeSale(token, usdc, accrued.feeShares, proceeds, _ref("custody trade 88121"),
                                            sender=relayer)
    _ok(f"the custodian sold them at 97: ManagementFeeCollected {_usd(proceeds)} booked in the FeeVault")
    custody = before * 2 - sold - accrued.feeShares  # the burn delivered 2 shares, the fee sale the rest
    publish_reserves(ms, publisher, custodian_key.key, token, shares=custody, as_of=chain.pending_timestamp - 1)
    _ok(f"custody now {Decimal(custody) / SHARE:.9f} shares ≥ supply in shares "
        f"{Decimal(token.totalShares()) / SHARE:.9f}")

    _step("A cash dividend of 0.26 USDC per share: snapshot at a record block, Merkle claims, withholding by country")
    tax = _funded_account()
    distributor = deploy_dividend_distributor(deployer, stack.registry.address, treasury=deployer.address,
                                              tax_account=tax.address, creators=[deployer.address],
                                              rates={"BR": 3000, "AR": 3000, "MX": 1000})
    record_block = chain.blocks.head.number
    token.transfer(carol, SHARE, sender=alice)  # after the record block: does not count
    workdir = Path(tempfile.mkdtemp(prefix="rat-dividend-"))
    file_ = workdir / "distribution.json"
    built = _reserves_cli("dividend", "build", "--rpc-url", chain.provider.uri, "--asset", token.address,
                          "--record-block", str(record_block), "--per-share", "0.26", "--distributor",
                          distributor.address, "--exclude", ms.minter.address, "--out", str(file_))
    _ok(f"rat-reserves dividend build (record block {record_block}, from the chain alone):")
    click.echo(_indent(built.stdout))
    from reserves.dividends import load_file

    dist = load_file(file_)
    usdc.mint(deployer, dist.total_gross, sender=deployer)
    distribution_id = create_distribution(distributor, deployer, usdc, dist, file_path=file_)
    _ok(f"distribution {distribution_id} created and funded with {_usd(dist.total_gross)} "
        "(withholding table: BR 30 %, AR 30 %, MX 10 %)")
    receipts = claim_all(distributor, relayer, distribution_id, dist)
    names = {who.address: name for name, who in holders.items()}
    for receipt in receipts:
        for paid in receipt.events.filter(distributor.Claimed):
            _ok(f"  {names.get(paid.holder, paid.holder)}: gross {_usd(paid.gross)}, withheld {_usd(paid.withheld)}, "
                f"paid {_usd(paid.net)}")
    verified = _reserves_cli("dividend", "verify", "--rpc-url", chain.provider.uri, "--distributor",
                             distributor.address, "--id", str(distribution_id), "--file", str(file_))
    _ok(f"rat-reserves dividend verify exits {verified.returncode}: "
        + (verified.stdout.strip().splitlines() or ["(no output)"])[-1])
    left = usdc.balanceOf(distributor)
    _ok(f"left in the distributor: {left} base units of USDC (rounding dust, bound {dist.dust_bound})")

    _step(f"{symbol} is delisted for 205 USDC per share in cash: redeem-only, a ConversionVault converts everyone")
    ms.minter.setAssetStatus(token, int(AssetStatus.HALTED), sender=deployer)
    conversions = deploy_conversion_vault(deployer, ms.minter, stack.registry, treasury=deployer)
    grant_conversion_roles(conversions, deployer, source=token)
    terms = ConversionTerms.cash(usdc, 205 * USDC, _ref("CA-2026-0140 AAPL delisting"), chain.pending_timestamp + 5)
    open_conversion(conversions, deployer, token, terms)
    owed = conversions.fundingRequired(token)
    usdc.mint(relayer, owed, sender=deployer)
    fund_conversion(conversions, relayer, token, owed)
    _ok(f"the SPV's settlement account deposits {_usd(owed)} (supply {_shares(token.totalShares())} shares × 205)")
    _move_time_to(terms.effective_at)
    before_cash = {name: usdc.balanceOf(who) for name, who in holders.items()}
    shares_before = {name: token.sharesOf(who) for name, who in holders.items()}
    convert_all(conversions, relayer, token, holders_of(token))
    for name, who in holders.items():
        _ok(f"  {name}: {_shares(shares_before[name])} shares → {_usd(usdc.balanceOf(who) - before_cash[name])}")
    close_conversion(conversions, deployer, token)
    _ok(f"{symbol} supply is now {_shares(token.totalSupply())}; the conversion is closed and nothing is owed")


def _ref(text: str) -> bytes:
    from eth_utils import keccak

    return keccak(text=text)


def _governance_section(deployer: AccountAPI, guardian: AccountAPI, relayer: AccountAPI, custodian: str) -> None:
    _step("Deploy the whole system as production does (deploy script code path, record in deployments/)")
    if deployer.balance == 0:
        accounts.test_accounts[0].transfer(deployer, 100 * SHARE)
    path = record_path("local", Path(tempfile.mkdtemp(prefix="rat-deployments-")))
    record = deploy_system(deployer, load_settings("local"), path, guardian=guardian.address,
                           settlement=relayer.address, echo=lambda line: None).record
    _ok(f"{len(record.contracts)} contracts recorded in {path} (governor {record.address('RatGovernor')}, "
        f"timelock {record.address('RatTimelock')})")
    again = deploy_system(deployer, load_settings("local"), path, guardian=guardian.address,
                          settlement=relayer.address, echo=lambda line: None)
    _ok(f"a second deploy run sends {again.transactions} transactions: the deployment is idempotent")
    record.instance("RatGovernanceToken").invoke_transaction("delegate", deployer, sender=deployer)
    grant_operators(record, deployer, kyc_operators=[deployer.address], submitters=[relayer.address],
                    publishers=[deployer.address])

    _step("Governance lists rAAPL and rMSFT in one proposal: propose → vote → queue → timelock delay → execute")
    listings = [
        Listing(terms=AssetTerms.example(), custodian_signer=custodian, mint_cap=1_000_000 * SHARE,
                mint_rate_per_day=10_000 * SHARE, mint_fee_bps=MINT_FEE_BPS, burn_fee_bps=BURN_FEE_BPS),
        Listing(terms=AssetTerms.example("rMSFT", "RAT Microsoft Corp.", "US5949181045"), custodian_signer=custodian,
                mint_cap=1_000_000 * SHARE, mint_rate_per_day=10_000 * SHARE, mint_fee_bps=MINT_FEE_BPS,
                burn_fee_bps=BURN_FEE_BPS),
    ]
    lister = record.instance("AssetLister")
    predicted = {item.terms.symbol: lister.predictAddress(item.terms.symbol) for item in listings}
    proposal = pass_locally(record, deployer, [deployer], [list_asset_action(record, item) for item in listings],
                            "List rAAPL and rMSFT", path)
    _ok(f"proposal {str(proposal.id)[:18]}… executed by the timelock")
    for symbol, address in predicted.items():
        _ok(f"{symbol} at its CREATE2 address {address} (code: {len(chain.provider.get_code(address))} bytes)")

    _step("Governance schedules a 2-for-1 split of rAAPL by a second vote (the timelock holds CORPORATE_ACTIONS_ROLE)")
    raapl = project.RealAssetToken.at(predicted["rAAPL"])
    activates = chain.pending_timestamp + 10 * DAY
    action = split_action(raapl.address, 2, 1, activates, "CA-2027-0007 AAPL 2-for-1")
    pass_locally(record, deployer, [deployer], [action], "rAAPL 2-for-1 split", path)
    state, version = raapl.multiplierState()
    _ok(f"executed: {action.summary}; pending split activates at {state[3]}, multiplier version {version}")

    _step("Hand every admin, upgrade and minter power to the timelock and print who holds what")
    table = handover(record, deployer, path, echo=lambda line: None)
    click.echo(_indent(table.render()))
    if table.powerful_eoas():
        raise click.ClickException("an externally-owned account still holds a power role after the hand-over")
    _ok("no externally-owned account holds an admin, upgrade or minter role")


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.rstrip().splitlines())


# ------------------------------------------------------------------ analytics mirror (rat-indexer, issue 21)


def _indexer(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indexer", *args], capture_output=True, text=True, check=False)


def _indexer_section(stack, ms) -> None:
    _step("rat-indexer mirrors the first stack into SQL (the token is found through the Minter's listing event), "
          "reconciles it with the chain, and lists rAAPL's holders after the split")
    workdir = Path(tempfile.mkdtemp(prefix="rat-indexer-"))
    follow = ["follow", "--rpc-url", chain.provider.uri, "--confirmations", "0",
              "--contract", f"ComplianceRegistry={stack.registry.address}", "--contract", f"Minter={ms.minter.address}",
              "--contract", f"ReserveRegistry={ms.reserves.address}", "--contract", f"FeeVault={ms.fee_vault.address}"]
    mirror = f"sqlite:///{workdir / 'mirror.sqlite'}"
    done = _indexer(*follow, "--once", "--db", mirror)
    if done.returncode:
        raise click.ClickException(f"rat-indexer follow failed: {done.stderr.strip()}")
    _ok(done.stdout.strip())
    reconciled = _indexer("reconcile", "--rpc-url", chain.provider.uri, "--db", mirror)
    _ok(f"rat-indexer reconcile exits {reconciled.returncode}: {reconciled.stdout.strip()}")
    if reconciled.returncode:
        raise click.ClickException("the mirror differs from the chain")
    # rAAPL was delisted and converted at the end of the corporate actions: mirror again up to the block before
    # its halt, found in the mirror itself, to list who held it after the split.
    halt = _indexer("sql", "--db", mirror, "--json",
                    "SELECT max(block_number) AS block FROM raw_events WHERE event_name = 'AssetStatusUpdated'")
    before = int(json.loads(halt.stdout)["block"]) - 1
    earlier = f"sqlite:///{workdir / 'before-delisting.sqlite'}"
    _indexer(*follow, "--until-block", str(before), "--db", earlier)
    query = ("SELECT b.holder, b.tokens, b.shares, a.multiplier FROM balances b JOIN assets a "
             "ON a.chain_id = b.chain_id AND a.address = b.asset WHERE a.symbol = 'rAAPL' ORDER BY b.holder")
    rows = _indexer("sql", "--db", earlier, "--json", query)
    _ok(f"holders of rAAPL at block {before} (before the delisting), from the mirror:  {query}")
    for line in rows.stdout.splitlines():
        row = json.loads(line)
        _ok(f"  {row['holder']}: {_shares(int(row['tokens']))} tokens = {_shares(int(row['shares']))} shares "
            f"(multiplier {Decimal(int(row['multiplier'])) / 10**18:.6f})")
