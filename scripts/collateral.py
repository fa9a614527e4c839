"""Borrow USDC against a listed RAT equity in a Morpho Blue market priced by RatEquityOracle (ADR 0102).

    ape run collateral deploy rAAPL --loan NEW --feed NEW --price 190 --calendar always-open --account TEST::0
    ape run collateral propose rAAPL --account voter --pass-locally     # venues: Morpho + gateway, its exit
    ape run collateral update-price rAAPL --reviewed --account TEST::0 # the first price is accepted by its admin
    ape run collateral oracle rAAPL                                     # state, price, multiplier, age, reason
    ape run collateral supply rAAPL --amount 5000 --account lender      # USDC liquidity
    ape run collateral supply-collateral rAAPL --amount 5 --account alice
    ape run collateral borrow rAAPL --amount 400 --account alice        # through RatMorphoGateway
    ape run collateral repay rAAPL --amount 100 --account alice         # or --all
    ape run collateral liquidate rAAPL --borrower 0xAlice --seize 1 --max-repay 500 --account bob

How it is safe: Morpho Blue reads the oracle's price in borrow, withdraw-collateral and liquidate only. The oracle
answers OPEN (fresh price), CLOSED (outside a session: last close minus a haircut for borrows), STALE (no fresh or
acceptable price: new borrows refused; repay and supply-collateral still work) or SPLIT_WINDOW (around a split).
Borrows and liquidations go through RatMorphoGateway, which opens the oracle's pricing context; the seized rAAPL is
forwarded to the liquidator, so the token's own compliance check decides who may liquidate. The gateway is Morpho's
venue exit for the asset: Morpho pays the RAT to nobody else (a direct withdrawal, liquidation or flash loan is
refused with VENUE_EXIT_REQUIRED), and the gateway refuses a frozen borrower's withdrawal. A refusal prints the
decoded reason, e.g. `OracleUnavailable(STALE, HEARTBEAT_MISSED)` or `TransferRestricted(RECIPIENT_NOT_ELIGIBLE)`.

Every command that sends a transaction takes `--dry-run` (prints the calls with calldata, sends nothing). Addresses
are kept in `deployments/<network>-collateral.json`. On a public chain Morpho Blue is Morpho's canonical deployment
(deployments/morpho-blue.json); `deploy` builds and deploys our copy of the unmodified npm sources on local chains.
"""

from __future__ import annotations

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

FEED_DECIMALS = 8  # Chainlink equity feeds answer with 8 decimals


class MarketEntry(BaseModel):
    """One asset's market: its collateral, loan token, oracle, feed and LLTV (the IRM and Morpho are shared)."""

    model_config = ConfigDict(extra="forbid")

    asset: str
    loan: str
    oracle: str
    feed: str
    calendar: str
    lltv: int


class CollateralFile(SideRecord):
    """deployments/<network>-collateral.json."""

    KIND = "collateral"
    morpho: str | None = None
    gateway: str | None = None
    irm: str | None = None
    markets: dict[str, MarketEntry] = {}


CollateralFile.model_rebuild(_types_namespace={"MarketEntry": MarketEntry})


def _entry(record: CollateralFile, symbol: str) -> MarketEntry:
    if symbol not in record.markets:
        raise click.ClickException(f"no collateral market for {symbol}: run `ape run collateral deploy {symbol}` first")
    return record.markets[symbol]


class Market:
    """The contracts of one market, loaded from the record."""

    def __init__(self, record: CollateralFile, symbol: str) -> None:
        from rat.venues.morpho import MarketParams, morpho_container

        entry = _entry(record, symbol)
        self.symbol = symbol
        self.morpho = morpho_container().at(record.morpho)
        self.gateway = project.RatMorphoGateway.at(record.gateway)
        self.oracle = project.RatEquityOracle.at(entry.oracle)
        self.token = project.RealAssetToken.at(entry.asset)
        self.loan = project.TestStablecoin.at(entry.loan)
        self.params = MarketParams(entry.loan, entry.asset, entry.oracle, record.irm, entry.lltv)
        self.loan_decimals = int(self.loan.decimals())

    def tuple(self) -> tuple[str, str, str, str, int]:
        return self.params.as_tuple()

    def usdc(self, units: int) -> str:
        return f"{(Decimal(units) / 10**self.loan_decimals).normalize():f} {self.loan.symbol()}"


def _reason(error: Exception, market: Market) -> str:
    """The decoded reason of a refused call: oracle, gateway and token custom errors, Morpho's string errors."""
    from rat.venues.collateral import describe_revert
    from rat.venues.compliant_pool import revert_data
    from rat.venues.uniswap_v4 import VenueError

    try:
        data = revert_data(error)
    except VenueError:
        message = str(getattr(error, "revert_message", "") or error)
        return f"Morpho Blue: {message}" if message else type(error).__name__
    return describe_revert(data, market.oracle, market.gateway, market.token, market.loan)


def _send(market: Market, contract: Any, method: str, *args: Any, sender: Any, dry_run: bool) -> Any:
    """Sends, or prints the call on --dry-run; a refusal becomes a ClickException with the decoded reason."""
    from ape.exceptions import ContractLogicError

    if dry_run:
        data = getattr(contract, method).encode_input(*args)
        click.echo(f"  [dry-run] {contract.address}.{method}: data=0x{bytes(data).hex()}")
        return None
    try:
        return getattr(contract, method)(*args, sender=sender)
    except ContractLogicError as error:
        raise click.ClickException(f"refused: {_reason(error, market)}") from None


def _approve(market: Market, token: Any, spender: Any, amount: int, account: Any, dry_run: bool) -> None:
    if dry_run or int(token.allowance(account.address, spender.address)) >= amount:
        return
    _send(market, token, "approve", spender.address, amount, sender=account, dry_run=False)


@click.group(short_help="Borrow against RAT in Morpho Blue: deploy, propose, supply, borrow, repay, liquidate, oracle")
def cli() -> None:
    """RAT-collateral / USDC-loan Morpho Blue markets with the fail-safe RatEquityOracle (ADR 0102).

    Order on a fresh chain: deploy, propose (registers Morpho and the gateway as venues of the asset, so they may
    hold it), update-price --reviewed (the first price), then supply / supply-collateral / borrow / repay /
    liquidate. `ape run collateral COMMAND --help` explains each step.

    \b
    What the oracle's state means (price = feed price per share x the token's multiplier):
      OPEN          fresh price in a session: borrow, withdraw and liquidate use it
      CLOSED        outside a session: borrows at the last close minus a haircut growing
                    with time closed; liquidations at the last close (closure alone
                    liquidates no one)
      STALE         heartbeat missed, or a move beyond the deviation bound: new borrows
                    refused; repay and supply-collateral work; liquidation only if
                    unhealthy even at the most favourable price the last data allows
      SPLIT_WINDOW  around a split until a post-split price and reserve round: as STALE
    Refusals print the decoded reason, e.g. OracleUnavailable(STALE, HEARTBEAT_MISSED)
    or TransferRestricted(RECIPIENT_NOT_ELIGIBLE) for a liquidator without KYC."""


@cli.command(cls=ConnectedProviderCommand, short_help="Deploy the oracle, gateway, IRM and market (Morpho locally)")
@click.argument("symbol")
@click.option("--loan", required=True, help="The loan stablecoin's address, or NEW to deploy a 6-decimal test USDC.")
@click.option("--feed", required=True,
              help="The Chainlink AggregatorV3 price-per-share feed, or NEW for a local test feed at --price.")
@click.option("--price", default="100", show_default=True, help="With --feed NEW: its first answer per share.")
@click.option("--calendar", "calendar_code", default="XNYS", show_default=True,
              help="Sessions published on-chain for the oracle: an exchange MIC (as the relayer's "
                   "market_calendar) or always-open.")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 400), help="Days of sessions to publish.")
@click.option("--heartbeat", default=3600, show_default=True, type=click.IntRange(60, 7 * 86_400),
              help="Seconds a price stays fresh in session; past it the oracle is STALE.")
@click.option("--max-deviation-bps", default=1_000, show_default=True, type=click.IntRange(1, 5_000),
              help="A larger move between accepted prices is STALE until `update-price --reviewed`.")
@click.option("--lltv", default="0.625", show_default=True,
              help="Liquidation LTV (Morpho enables each value once; 0.625 is enabled on the canonical deployment).")
@account_option()
@dry_run_option
@deployments_option
def deploy(symbol: str, loan: str, feed: str, price: str, calendar_code: str, days: int, heartbeat: int,
           max_deviation_bps: int, lltv: str, account: Any, dry_run: bool, deployments_dir: Path | None) -> None:
    """Deploys, on a local chain, Morpho Blue (once, from the npm sources), RatMorphoGateway and our fixed-rate IRM
    (once), an exchange calendar with `--days` of sessions, the asset's RatEquityOracle (admin: --account, to hand
    to governance) and creates the market. Nothing can hold the asset until `propose` registers the venues."""
    from rat.venues.calendar import CalendarError, publish_sessions, sessions_for_days
    from rat.venues.collateral import OracleParams, deploy_calendar, deploy_collateral_stack
    from rat.venues.morpho import LOCAL_CHAIN_IDS, MorphoError, deploy_morpho, morpho_container

    record, _ = open_record(deployments_dir)
    asset = asset_address(record, symbol, symbol_only=True)
    collateral = CollateralFile.load(deployments_dir)
    if symbol in collateral.markets:
        raise click.ClickException(f"{symbol} already has a market: oracle {collateral.markets[symbol].oracle}")
    if chain.chain_id not in LOCAL_CHAIN_IDS:
        raise click.ClickException("deploy runs on local chains only (Morpho Blue is BUSL-1.1); elsewhere the market "
                                   "is created on Morpho's canonical deployment (deployments/morpho-blue.json)")
    lltv_wad = token_units(lltv, 18)
    params = OracleParams(heartbeat=heartbeat, max_deviation_bps=max_deviation_bps)
    if dry_run:
        click.echo(f"  [dry-run] deploy {'' if collateral.morpho else 'Morpho, RatMorphoGateway, RatFixedRateIrm, '}"
                   f"RatMarketCalendar({calendar_code}), RatEquityOracle({symbol}); createMarket(lltv {lltv})")
        return
    try:
        sessions = sessions_for_days(calendar_code, chain.pending_timestamp // 86_400, days)
        if collateral.morpho is None:
            morpho = deploy_morpho(account)
            collateral.morpho = morpho.address
        else:
            morpho = morpho_container().at(collateral.morpho)
        loan_token = (project.TestStablecoin.at(loan) if loan.upper() != "NEW"
                      else account.deploy(project.TestStablecoin, "USD Coin", "USDC", 6, account.address))
        price_feed = (project.MockV3Aggregator.at(feed) if feed.upper() != "NEW"
                      else account.deploy(project.MockV3Aggregator, FEED_DECIMALS, token_units(price, FEED_DECIMALS)))
        calendar = deploy_calendar(account, account)
        publish_sessions(calendar, sessions, account)
        reserves = project.ReserveRegistry.at(record.address("ReserveRegistry"))
        stack = deploy_collateral_stack(
            morpho, account, calendar=calendar, feed=price_feed, collateral_token=asset, multiplier_source=asset,
            loan_token=loan_token, reserves=reserves, oracle_params=params, lltv=lltv_wad,
            irm=project.RatFixedRateIrm.at(collateral.irm) if collateral.irm else None,
            gateway=project.RatMorphoGateway.at(collateral.gateway) if collateral.gateway else None)
    except (MorphoError, CalendarError) as error:
        raise click.ClickException(str(error)) from None
    collateral.gateway, collateral.irm = stack.gateway.address, stack.irm.address
    collateral.markets[symbol] = MarketEntry(asset=asset, loan=loan_token.address, oracle=stack.oracle.address,
                                             feed=price_feed.address, calendar=calendar.address, lltv=lltv_wad)
    collateral.save(deployments_dir)
    click.echo(f"{symbol} market 0x{stack.params.market_id().hex()}: Morpho {morpho.address}, oracle "
               f"{stack.oracle.address}, gateway {stack.gateway.address}, loan {loan_token.address}")


@cli.command(cls=ConnectedProviderCommand, short_help="Propose registering Morpho and the gateway as the asset's venues")
@click.argument("symbol")
@click.option("--description", default=None, help="Proposal description.")
@click.option("--pass-locally", "run_locally", is_flag=True, help="Local chains: vote, queue and execute now.")
@account_option()
@dry_run_option
@deployments_option
def propose(symbol: str, description: str | None, run_locally: bool, account: Any, dry_run: bool,
            deployments_dir: Path | None) -> None:
    """One governance proposal: registry.registerVenue(asset, Morpho), registerVenue(asset, RatMorphoGateway) and
    setVenueExit(asset, Morpho, RatMorphoGateway), so Morpho pays the asset out only through the gateway (ADR 0102).
    Until it executes, supplying the asset as collateral is refused by the token (Morpho is not an investor)."""
    from rat.venues.collateral import collateral_listing_calls

    record, path = open_record(deployments_dir)
    collateral = CollateralFile.load(deployments_dir)
    entry = _entry(collateral, symbol)
    registry = project.ComplianceRegistry.at(record.address("ComplianceRegistry"))
    ref = keccak(text=f"morpho-blue:{symbol}")
    actions = [Action(target=registry.address,
                      calldata="0x" + bytes(getattr(registry, call.method).encode_input(*call.args)).hex(),
                      summary=call.summary)
               for call in collateral_listing_calls(entry.asset, symbol, collateral.morpho, collateral.gateway, ref)]
    text = description or (f"Morpho Blue collateral market for {symbol}: Morpho and RatMorphoGateway as venues, "
                           "the gateway as Morpho's exit")
    if run_locally and not dry_run:
        print_proposal(pass_locally(record, account, [account], actions, text, path))
        click.echo(f"  executed: Morpho and RatMorphoGateway are ACTIVE venues of {symbol}; Morpho pays it out only "
                   "through the gateway")
        return
    propose_or_print(record, account, actions, text, dry_run, deployments_dir)


@cli.command("update-price", cls=ConnectedProviderCommand,
             short_help="Move the oracle's accepted price along the feed (--reviewed: beyond the bound)")
@click.argument("symbol")
@click.option("--reviewed", is_flag=True,
              help="Accept the feed's latest price whatever its move (ORACLE_ADMIN_ROLE: the first price, or a "
                   "genuine move beyond the bound after review). Without it: update(), open to anyone, which "
                   "refuses a move beyond the bound (DeviationTooLarge).")
@account_option()
@dry_run_option
@deployments_option
def update_price(symbol: str, reviewed: bool, account: Any, dry_run: bool, deployments_dir: Path | None) -> None:
    """Accepts the feed's latest round: newer than the accepted one, positive, within the heartbeat and not from
    before a split in effect; then prints the oracle's state."""
    market = Market(CollateralFile.load(deployments_dir), symbol)
    _send(market, market.oracle, "acceptReviewedPrice" if reviewed else "update", sender=account, dry_run=dry_run)
    _print_status(market)


@cli.command(cls=ConnectedProviderCommand, short_help="The oracle's state, price, multiplier, haircut, age, reason")
@click.argument("symbol")
@deployments_option
def oracle(symbol: str, deployments_dir: Path | None) -> None:
    """Prints the oracle's state (OPEN, CLOSED, STALE, SPLIT_WINDOW) as JSON: the reason and what it means, the
    price per token (null when the state gives none), the price new borrows get (less the closed-market haircut;
    null: borrows are refused), the multiplier, the price's age, the last accepted price per share and the price a
    liquidation in STALE / SPLIT_WINDOW would use."""
    _print_status(Market(CollateralFile.load(deployments_dir), symbol))


def _print_status(market: Market) -> None:
    from rat.venues.collateral import oracle_status

    status = oracle_status(market.oracle)
    multiplier = Decimal(int(market.token.multiplier())) / 10**18
    scale = Decimal(10**36) / 10 ** int(market.token.decimals()) * 10**market.loan_decimals

    def per_token(value: int) -> str | None:
        return f"{(Decimal(value) / scale).normalize():f}" if value else None

    now = chain.blocks.head.timestamp
    click.echo(json.dumps({
        "asset": market.symbol, "oracle": market.oracle.address, "state": status.state, "reason": status.reason,
        "explanation": status.explanation, "price_per_token": per_token(status.price),
        "borrow_price_per_token": per_token(status.borrow_price), "multiplier": f"{multiplier.normalize():f}",
        "haircut_bps": status.haircut_bps, "age_seconds": now - status.price_time if status.price_time else None,
        "accepted_price_per_share": f"{(Decimal(status.accepted_answer) / 10**FEED_DECIMALS).normalize():f}"
        if status.accepted_answer else None,
        "liquidation_price_when_stale": per_token(status.favourable_price)}, indent=2))


@cli.command(cls=ConnectedProviderCommand, short_help="Lend the loan token to the market (liquidity)")
@click.argument("symbol")
@click.option("--amount", required=True, help="Loan-token amount, e.g. 5000.")
@account_option()
@dry_run_option
@deployments_option
def supply(symbol: str, amount: str, account: Any, dry_run: bool, deployments_dir: Path | None) -> None:
    """Approves Morpho for the loan token and supplies it; borrowers pay the IRM's rate to suppliers."""
    market = Market(CollateralFile.load(deployments_dir), symbol)
    units = token_units(amount, market.loan_decimals)
    _approve(market, market.loan, market.morpho, units, account, dry_run)
    _send(market, market.morpho, "supply", market.tuple(), units, 0, account.address, b"", sender=account,
          dry_run=dry_run)
    click.echo(f"supplied {market.usdc(units)} to the {symbol} market")


@cli.command("supply-collateral", cls=ConnectedProviderCommand, short_help="Pledge the asset as collateral")
@click.argument("symbol")
@click.option("--amount", required=True, help="Tokens to pledge, e.g. 5.")
@account_option()
@dry_run_option
@deployments_option
def supply_collateral(symbol: str, amount: str, account: Any, dry_run: bool, deployments_dir: Path | None) -> None:
    """Approves Morpho for the asset and pledges it (works in every oracle state: it never reads the price). The
    token refuses it if Morpho is not a registered venue of the asset (run `propose` first)."""
    market = Market(CollateralFile.load(deployments_dir), symbol)
    units = token_units(amount, 18)
    _approve(market, market.token, market.morpho, units, account, dry_run)
    _send(market, market.morpho, "supplyCollateral", market.tuple(), units, account.address, b"", sender=account,
          dry_run=dry_run)
    click.echo(f"pledged {amount} {symbol}")


@cli.command(cls=ConnectedProviderCommand, short_help="Borrow the loan token through RatMorphoGateway")
@click.argument("symbol")
@click.option("--amount", required=True, help="Loan-token amount, e.g. 400.")
@click.option("--receiver", default=None, help="Who receives the loan (default: the account).")
@account_option()
@dry_run_option
@deployments_option
def borrow(symbol: str, amount: str, receiver: str | None, account: Any, dry_run: bool,
           deployments_dir: Path | None) -> None:
    """Authorises the gateway on Morpho (once) and borrows in the BORROW pricing context: OPEN prices at the
    price, CLOSED at the last close minus the haircut; STALE and SPLIT_WINDOW refuse (OracleUnavailable)."""
    market = Market(CollateralFile.load(deployments_dir), symbol)
    units = token_units(amount, market.loan_decimals)
    if not dry_run and not market.morpho.isAuthorized(account.address, market.gateway.address):
        _send(market, market.morpho, "setAuthorization", market.gateway.address, True, sender=account, dry_run=False)
    _send(market, market.gateway, "borrow", market.tuple(), units, receiver or account.address, sender=account,
          dry_run=dry_run)
    click.echo(f"borrowed {market.usdc(units)} against {symbol}")


@cli.command(cls=ConnectedProviderCommand, short_help="Repay debt (works whatever the oracle says)")
@click.argument("symbol")
@click.option("--amount", default=None, help="Loan-token amount to repay.")
@click.option("--all", "repay_all", is_flag=True, help="Repay the whole debt (by borrow shares, no dust left).")
@click.option("--on-behalf", default=None, help="Whose debt (default: the account's).")
@account_option()
@dry_run_option
@deployments_option
def repay(symbol: str, amount: str | None, repay_all: bool, on_behalf: str | None, account: Any, dry_run: bool,
          deployments_dir: Path | None) -> None:
    """Repays directly on Morpho, which never reads the oracle for it: repay works in STALE and SPLIT_WINDOW."""
    from rat.venues.morpho import borrowed_assets, position

    if repay_all == (amount is not None):
        raise click.UsageError("give exactly one of --amount and --all")
    market = Market(CollateralFile.load(deployments_dir), symbol)
    borrower = on_behalf or account.address
    debt = borrowed_assets(market.morpho, market.params, borrower)
    if debt == 0:
        raise click.ClickException(f"{borrower} owes nothing in the {symbol} market")
    units, shares = (0, position(market.morpho, market.params, borrower)[1]) if repay_all \
        else (token_units(amount or "0", market.loan_decimals), 0)
    _approve(market, market.loan, market.morpho, units or debt, account, dry_run)
    _send(market, market.morpho, "repay", market.tuple(), units, shares, borrower, b"", sender=account,
          dry_run=dry_run)
    click.echo(f"repaid {market.usdc(units or debt)}; debt now "
               f"{market.usdc(borrowed_assets(market.morpho, market.params, borrower))}")


@cli.command(cls=ConnectedProviderCommand, short_help="Liquidate an unhealthy position (eligible investors only)")
@click.argument("symbol")
@click.option("--borrower", required=True, help="The position to liquidate.")
@click.option("--seize", required=True, help="Collateral tokens to seize, e.g. 1.")
@click.option("--max-repay", required=True, help="Most loan tokens you accept to pay.")
@account_option()
@dry_run_option
@deployments_option
def liquidate(symbol: str, borrower: str, seize: str, max_repay: str, account: Any, dry_run: bool,
              deployments_dir: Path | None) -> None:
    """Liquidates through RatMorphoGateway in the LIQUIDATION context (CLOSED: last close, no haircut, so closure
    alone liquidates no one; STALE: the most favourable price the last data allows). The seized tokens are sent
    to you by the gateway, so the token checks you: without KYC you get TransferRestricted(RECIPIENT_NOT_ELIGIBLE)."""
    market = Market(CollateralFile.load(deployments_dir), symbol)
    seized, most = token_units(seize, 18), token_units(max_repay, market.loan_decimals)
    _approve(market, market.loan, market.gateway, most, account, dry_run)
    receipt = _send(market, market.gateway, "liquidate", market.tuple(), borrower, seized, 0, most,
                    sender=account, dry_run=dry_run)
    if receipt is not None:
        [event] = receipt.decode_logs(market.gateway.GatewayLiquidation)
        click.echo(f"seized {Decimal(event.seized) / 10**18:f} {symbol} for {market.usdc(event.repaid)}")
