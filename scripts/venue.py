"""The compliant Uniswap v4 venue of a listed asset (ADR 0100): deploy it, register it through governance, create
its pool at the approved fee, provide and remove liquidity, swap, quote, list.

    ape run venue deploy rAAPL --quote 0xUSDC… --account TEST::0            # local chains: engine + hook + manager
    ape run venue propose rAAPL --fee 3000 --tick-spacing 60 --account voter --description "rAAPL/USDC on v4"
    ape run venue create-pool rAAPL --price 1 --account TEST::0
    ape run venue add-liquidity rAAPL --lower -600 --upper 600 --liquidity 1000 --max-asset 20 --max-quote 20 --account lp
    ape run venue remove-liquidity rAAPL --token-id 1 --liquidity 500 --account lp
    ape run venue swap rAAPL --buy --amount 10 --min-out 9 --account bob
    ape run venue quote rAAPL --buy --amount 10
    ape run venue list

Every command that sends a transaction takes `--dry-run` (prints the calls with calldata, sends nothing).
Registration is a governance proposal like a listing: `registerVenue` on the registry, `approvePool` and the two
routers on the hook; `--pass-locally` runs the vote on a local chain. Venue addresses are kept in
`deployments/<network>-venues.json`.
"""


import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option
from eth_utils import keccak
from pydantic import BaseModel, ConfigDict

from rat.governance import Action, pass_locally
from rat.scripting import (
    SideRecord,
    asset_address,
    deployments_option,
    dry_run_option,
    open_record,
    print_proposal,
    propose_or_print,
    token_units,
)

UNIT = 10**18


class VenueEntry(BaseModel):
    """One asset's compliant pool."""

    model_config = ConfigDict(extra="forbid")

    asset: str
    quote: str
    hook: str
    position_manager: str


class VenueFile(SideRecord):
    """deployments/<network>-venues.json: the engine and each asset's venue."""

    KIND = "venues"
    pool_manager: str | None = None
    position_manager_v4: str | None = None
    router: str | None = None
    venues: dict[str, VenueEntry] = {}


VenueFile.model_rebuild(_types_namespace={"VenueEntry": VenueEntry})


def _entry(venues: VenueFile, symbol: str) -> VenueEntry:
    if symbol not in venues.venues:
        raise click.ClickException(f"no venue for {symbol}: run `ape run venue deploy {symbol}` first")
    return venues.venues[symbol]


def _units(amount: str) -> int:
    return token_units(amount, 18)


def _venue(record: Any, venues: VenueFile, symbol: str) -> Any:
    from rat.venues.compliant_pool import CompliantVenue
    from rat.venues.uniswap_v4 import UniswapV4Engine

    entry = _entry(venues, symbol)
    engine = UniswapV4Engine(
        pool_manager=chain.contracts.instance_at(venues.pool_manager, contract_type=_pool_manager_type()),
        permit2=None,  # type: ignore[arg-type]
        position_manager=None,  # type: ignore[arg-type]
        router=project.RatSwapRouter.at(venues.router),
    )
    return CompliantVenue(engine, project.RatPoolHook.at(entry.hook), project.RatPositionManager.at(
        entry.position_manager), project.RealAssetToken.at(entry.asset), project.TestStablecoin.at(entry.quote))


def _pool_manager_type() -> Any:
    from rat.venues.uniswap_v4 import POOL_MANAGER_ARTIFACT, _container

    return _container(POOL_MANAGER_ARTIFACT).contract_type


def _send(contract: Any, method: str, *args: Any, sender: Any, dry_run: bool) -> Any:
    if dry_run:
        data = getattr(contract, method).encode_input(*args)
        click.echo(f"  [dry-run] {contract.address}.{method}: data=0x{bytes(data).hex()}")
        return None
    return getattr(contract, method)(*args, sender=sender)


def _fail_readably(action: Any, venue: Any) -> Any:
    from ape.exceptions import ContractLogicError

    from rat.venues.compliant_pool import venue_revert_reason

    try:
        return action()
    except ContractLogicError as error:
        try:
            reason = venue_revert_reason(error, venue.hook, venue.position_manager, venue.engine.router, venue.asset)
        except Exception:  # noqa: BLE001 - fall back to Ape's own message
            raise click.ClickException(str(error)) from None
        raise click.ClickException(f"refused: {reason}") from None


@click.group(short_help="The compliant Uniswap v4 venue: deploy, propose, pool, liquidity, swap, quote, list")
def cli() -> None:
    """The compliant Uniswap v4 RAT/stablecoin venue of each listed asset (ADR 0100)."""


@cli.command(cls=ConnectedProviderCommand, short_help="Deploy the engine (local), the hook and the position manager")
@click.argument("symbol")
@click.option("--quote", required=True, help="The stablecoin's address, or NEW to deploy a test stablecoin (local).")
@account_option()
@dry_run_option
@deployments_option
def deploy(symbol: str, quote: str, account: Any, dry_run: bool, deployments_dir: Path | None) -> None:
    """Deploys, on a local chain, Uniswap v4 from its npm artifacts (once) and RatSwapRouter, then the asset's
    RatPoolHook (placed at an address with its permission bits) and RatPositionManager, governed by the timelock.
    Nothing trades until the `propose` proposal executes."""
    from rat.venues.compliant_pool import deploy_compliant_venue
    from rat.venues.uniswap_v4 import LOCAL_CHAIN_IDS, UniswapV4Engine, VenueError, deploy_engine

    record, _ = open_record(deployments_dir)
    asset = asset_address(record, symbol, symbol_only=True)
    venues = VenueFile.load(deployments_dir)
    if symbol in venues.venues:
        raise click.ClickException(f"{symbol} already has a venue: {venues.venues[symbol].hook}")
    if chain.chain_id not in LOCAL_CHAIN_IDS:
        raise click.ClickException("deploy runs on local chains only (v4-core is BUSL-1.1); elsewhere the hook is "
                                   "deployed with a mined CREATE2 salt against Uniswap's canonical PoolManager")
    if dry_run:
        click.echo(f"  [dry-run] deploy {'' if venues.pool_manager else 'PoolManager, Permit2, PositionManager, '}"
                   f"RatSwapRouter, RatPoolHook({symbol}), RatPositionManager; governance {record.address('RatTimelock')}")
        return
    try:
        if venues.pool_manager is None:
            engine = deploy_engine(account)
            venues.pool_manager, venues.router = engine.pool_manager.address, engine.router.address
            venues.position_manager_v4 = engine.position_manager.address
        else:
            engine = UniswapV4Engine(chain.contracts.instance_at(venues.pool_manager,
                                                                 contract_type=_pool_manager_type()),
                                     None, None, project.RatSwapRouter.at(venues.router))  # type: ignore[arg-type]
        if quote.upper() == "NEW":
            from rat.minting import deploy_test_stablecoin

            quote_token = deploy_test_stablecoin(account, decimals=18)
        else:
            quote_token = project.TestStablecoin.at(quote)
        reserves = project.ReserveRegistry.at(record.address("ReserveRegistry"))
        venue = deploy_compliant_venue(account, engine, project.RealAssetToken.at(asset), quote_token,
                                       record.address("ComplianceRegistry"), record.address("Minter"),
                                       reserves.records(), record.address("RatTimelock"),
                                       hook_prefix=0xA1 + len(venues.venues))
    except VenueError as error:
        raise click.ClickException(str(error)) from None
    venues.venues[symbol] = VenueEntry(asset=asset, quote=quote_token.address, hook=venue.hook.address,
                                       position_manager=venue.position_manager.address)
    venues.save(deployments_dir)
    click.echo(f"{symbol} venue: hook/adapter {venue.hook.address}, position manager {venue.position_manager.address}")


@cli.command(cls=ConnectedProviderCommand, short_help="Propose registering the venue and approving its pool")
@click.argument("symbol")
@click.option("--fee", default=3000, show_default=True, type=click.IntRange(0, 1_000_000),
              help="LP fee in hundredths of a bip.")
@click.option("--tick-spacing", default=60, show_default=True, type=click.IntRange(1, 32767))
@click.option("--description", default=None, help="Proposal description.")
@click.option("--pass-locally", "run_locally", is_flag=True, help="Local chains: vote, queue and execute now.")
@account_option()
@dry_run_option
@deployments_option
def propose(symbol: str, fee: int, tick_spacing: int, description: str | None, run_locally: bool, account: Any,
            dry_run: bool, deployments_dir: Path | None) -> None:
    """One governance proposal: registry.registerVenue(asset, hook), hook.approvePool(fee, tickSpacing) and
    hook.setRouter for RatSwapRouter and the venue's RatPositionManager."""
    record, path = open_record(deployments_dir)
    venues = VenueFile.load(deployments_dir)
    entry = _entry(venues, symbol)
    registry = project.ComplianceRegistry.at(record.address("ComplianceRegistry"))
    hook = project.RatPoolHook.at(entry.hook)

    def action(contract: Any, method: str, *args: Any, summary: str) -> Action:
        return Action(target=contract.address, calldata="0x" + bytes(getattr(contract, method).encode_input(*args)).hex(),
                      summary=summary)

    actions = [
        action(registry, "registerVenue", entry.asset, entry.hook, keccak(text=f"uniswap-v4:{symbol}"),
               summary=f"registerVenue({symbol}, {entry.hook})"),
        action(hook, "approvePool", fee, tick_spacing, summary=f"approvePool({fee}, {tick_spacing})"),
        action(hook, "setRouter", venues.router, True, summary=f"setRouter(RatSwapRouter {venues.router})"),
        action(hook, "setRouter", entry.position_manager, True,
               summary=f"setRouter(RatPositionManager {entry.position_manager})"),
    ]
    text = description or f"Uniswap v4 venue for {symbol} at fee {fee}, tick spacing {tick_spacing}"
    if run_locally and not dry_run:
        proposal = pass_locally(record, account, [account], actions, text, path)
        print_proposal(proposal)
        click.echo(f"  executed: {symbol} venue {entry.hook} is ACTIVE")
        return
    propose_or_print(record, account, actions, text, dry_run, deployments_dir)


@cli.command("create-pool", cls=ConnectedProviderCommand, short_help="Create the approved pool at a price")
@click.argument("symbol")
@click.option("--price", required=True, help="Stablecoin per asset unit (both 18 decimals), e.g. 1 or 187.5.")
@account_option()
@dry_run_option
@deployments_option
def create_pool(symbol: str, price: str, account: Any, dry_run: bool, deployments_dir: Path | None) -> None:
    """Initialises the governance-approved pool (the hook refuses any other fee or tick spacing)."""
    from math import isqrt

    record, _ = open_record(deployments_dir)
    venue = _venue(record, VenueFile.load(deployments_dir), symbol)
    quote_per_asset = Decimal(price)
    ratio = quote_per_asset if venue.asset_is_currency0 else 1 / quote_per_asset
    sqrt_price = isqrt(int(ratio * 2**192))
    _fail_readably(lambda: _send(venue.engine.pool_manager, "initialize", venue.key.as_tuple(), sqrt_price,
                                 sender=account, dry_run=dry_run), venue)
    click.echo(f"{symbol} pool {'(dry run) ' if dry_run else ''}at {price}: id 0x{venue.key.pool_id().hex()}")


@cli.command("add-liquidity", cls=ConnectedProviderCommand, short_help="Open an LP position (KYC'd investors)")
@click.argument("symbol")
@click.option("--lower", required=True, type=int, help="Lower tick.")
@click.option("--upper", required=True, type=int, help="Upper tick.")
@click.option("--liquidity", required=True, help="Liquidity units (18 decimals).")
@click.option("--max-asset", required=True, help="Most asset to pay.")
@click.option("--max-quote", required=True, help="Most stablecoin to pay.")
@account_option()
@dry_run_option
@deployments_option
def add_liquidity(symbol: str, lower: int, upper: int, liquidity: str, max_asset: str, max_quote: str, account: Any,
                  dry_run: bool, deployments_dir: Path | None) -> None:
    """Approves the hook (asset) and the position manager (stablecoin), then mints the position NFT."""
    from rat.venues.compliant_pool import add_liquidity as add

    record, _ = open_record(deployments_dir)
    venue = _venue(record, VenueFile.load(deployments_dir), symbol)
    if dry_run:
        _send(venue.position_manager, "mint", lower, upper, _units(liquidity), _units(max_asset), _units(max_quote),
              2**40, sender=account, dry_run=True)
        return
    token_id, _ = _fail_readably(lambda: add(venue, account, lower, upper, _units(liquidity), _units(max_asset),
                                            _units(max_quote)), venue)
    click.echo(f"position {token_id} minted to {account.address}")


@cli.command("remove-liquidity", cls=ConnectedProviderCommand, short_help="Remove liquidity from a position")
@click.argument("symbol")
@click.option("--token-id", required=True, type=int)
@click.option("--liquidity", required=True, help="Liquidity units to remove (18 decimals).")
@account_option()
@dry_run_option
@deployments_option
def remove_liquidity(symbol: str, token_id: int, liquidity: str, account: Any, dry_run: bool,
                     deployments_dir: Path | None) -> None:
    """Removes liquidity (fees included) and pays both currencies to the position's owner."""
    from rat.venues.compliant_pool import remove_liquidity as remove

    record, _ = open_record(deployments_dir)
    venue = _venue(record, VenueFile.load(deployments_dir), symbol)
    if dry_run:
        _send(venue.position_manager, "decreaseLiquidity", token_id, _units(liquidity), 0, 0, 2**40, sender=account,
              dry_run=True)
        return
    _fail_readably(lambda: remove(venue, account, token_id, _units(liquidity)), venue)
    click.echo(f"removed {liquidity} liquidity from position {token_id}")


@cli.command(cls=ConnectedProviderCommand, short_help="Exact-input swap through RatSwapRouter")
@click.argument("symbol")
@click.option("--buy/--sell", "buy", required=True, help="Buy the asset with the stablecoin, or sell it.")
@click.option("--amount", required=True, help="Exact input amount.")
@click.option("--min-out", default="0", show_default=True, help="Least output accepted.")
@account_option()
@dry_run_option
@deployments_option
def swap(symbol: str, buy: bool, amount: str, min_out: str, account: Any, dry_run: bool,
         deployments_dir: Path | None) -> None:
    """Swaps; a refusal prints the decoded reason (e.g. InvestorNotEligible(investor=…, status=3))."""
    from rat.venues.compliant_pool import swap as do_swap

    record, _ = open_record(deployments_dir)
    venue = _venue(record, VenueFile.load(deployments_dir), symbol)
    minimum = 0 if min_out == "0" else _units(min_out)
    if dry_run:
        zero_for_one = (not buy) == venue.asset_is_currency0
        _send(venue.engine.router, "swapExactInputSingle", (venue.key.as_tuple(), zero_for_one, _units(amount),
                                                            minimum, b""), 2**40, sender=account, dry_run=True)
        return
    receipt = _fail_readably(lambda: do_swap(venue, account, not buy, _units(amount), minimum), venue)
    [swapped] = receipt.decode_logs(venue.engine.router.Swapped)
    click.echo(f"paid {swapped.amountIn / UNIT} received {swapped.amountOut / UNIT}")


@cli.command(cls=ConnectedProviderCommand, short_help="What an exact-input swap would pay out now")
@click.argument("symbol")
@click.option("--buy/--sell", "buy", required=True)
@click.option("--amount", required=True)
@deployments_option
def quote(symbol: str, buy: bool, amount: str, deployments_dir: Path | None) -> None:
    """Within the current tick range, rounded as v4's swap math (a larger swap crossing ticks pays less)."""
    from rat.venues.uniswap_v4 import exact_input_amount_out, pool_state

    record, _ = open_record(deployments_dir)
    venue = _venue(record, VenueFile.load(deployments_dir), symbol)
    sqrt_price, tick, liquidity = pool_state(venue.engine, venue.key)
    if liquidity == 0:
        raise click.ClickException(f"the {symbol} pool has no liquidity in range (tick {tick})")
    zero_for_one = (not buy) == venue.asset_is_currency0
    out = exact_input_amount_out(sqrt_price, liquidity, _units(amount), venue.key.fee, zero_for_one)
    click.echo(json.dumps({"asset": symbol, "side": "buy" if buy else "sell", "amount_in": amount,
                           "amount_out": str(Decimal(out) / UNIT), "tick": tick}))


@cli.command("list", cls=ConnectedProviderCommand, short_help="Venues and their standing in the registry")
@deployments_option
def list_venues(deployments_dir: Path | None) -> None:
    """Each asset's venue with its registry standing (NONE, ACTIVE, SUSPENDED) and approved pool."""
    record, _ = open_record(deployments_dir)
    registry = project.ComplianceRegistry.at(record.address("ComplianceRegistry"))
    standing = {0: "NONE", 1: "ACTIVE", 2: "SUSPENDED"}
    for symbol, entry in VenueFile.load(deployments_dir).venues.items():
        hook = project.RatPoolHook.at(entry.hook)
        status = standing.get(int(registry.venueStatus(entry.asset, entry.hook)), "?")
        click.echo(f"{symbol}: hook {entry.hook} {status}, fee {hook.approvedFee()}, tick spacing "
                   f"{hook.approvedTickSpacing()}, pool 0x{bytes(hook.approvedPoolId()).hex()}")
