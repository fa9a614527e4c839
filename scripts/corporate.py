"""Corporate actions on a deployed system: what is scheduled, and the steps around each governance vote.

    ape run corporate show rAAPL                                    # multiplier, pending split, fee, dividends, conversion
    ape run corporate accrue-fee rAAPL --account relayer            # fold the management fee; prints the shares to sell
    ape run corporate dividend-build rAAPL --record-block 1234 --per-share 0.24 --out d.json
    ape run corporate dividend-propose --file d.json --payout-token 0x… --account voter --description "Q1 dividend"
    ape run corporate dividend-claim --id 1 --file d.json --account relayer
    ape run corporate dividend-cancel-propose --id 1 --account voter --description "Q1 dividend: wrong root"
    ape run corporate conversion-propose rAAPL --cash 0xUSDC:205 --notice "CA-2027-0042" --account voter --description "…"
    ape run corporate conversion-fund rAAPL --account settlement   # deposits what `fundingRequired` says
    ape run corporate convert-all rAAPL --account relayer           # mandatory conversions, 200 holders per transaction

Splits and the management fee rate are proposed with `ape run propose --split … --management-fee …`. Proposals are
saved under deployments/proposals/ for `vote`, `queue` and `execute`. Decisions: docs/decisions/0080-0082.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option
from eth_utils import keccak

from rat.conversions import ConversionTerms, convert_all, deferred_holders, fund_conversion, holders_of
from reserves.distributor import claim_all, distribution_terms
from rat.governance import conversion_actions, dividend_actions, dividend_cancel_action
from rat.scripting import (
    asset_address,
    deployments_option,
    dry_run_option,
    open_record,
    propose_or_print,
    token_units,
)

SHARE = 10**18
DAY = 24 * 3600


def _load_dividend_file(path: Path):
    from reserves.dividends import load_file
    from reserves.errors import ReservesError

    try:
        return load_file(path)
    except ReservesError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(short_help="Corporate actions: show, management fee, dividends, conversions")
def cli() -> None:
    """Corporate actions on the deployed system (record in deployments/<network>.json)."""


@cli.command(cls=ConnectedProviderCommand, short_help="What is scheduled or open for an asset")
@click.argument("asset")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (the API's schema).")
@deployments_option
def show(asset: str, as_json: bool, deployments_dir: Path | None) -> None:
    """The share multiplier and its version, the management fee, a scheduled split, open dividend distributions
    and the asset's conversion, with what happens next - the same view as GET /v1/assets/{asset}/corporate-actions."""
    from relayer.corporate_actions import corporate_actions
    from relayer.rpc import Rpc

    record, _ = open_record(deployments_dir)
    address = asset_address(record, asset)

    async def read():
        rpc = Rpc(chain.provider.uri)
        try:
            return await corporate_actions(
                rpc, address, chain.blocks.head.timestamp,
                distributor=record.contracts["DividendDistributor"].address if "DividendDistributor" in record.contracts else None,
                conversion_vault=record.contracts["ConversionVault"].address if "ConversionVault" in record.contracts else None)
        finally:
            await rpc.aclose()

    view = asyncio.run(read())
    if as_json:
        click.echo(view.model_dump_json(indent=2))
        return
    m = view.multiplier
    click.echo(f"{asset}: {m.multiplier} shares per token (version {m.version}), management fee {m.management_fee_bps} bps/yr")
    if m.split is not None:
        state = "effective" if m.split.effective else "scheduled"
        click.echo(f"  split {m.split.numerator}-for-{m.split.denominator} {state} at {m.split.activates_at}")
    for d in view.dividends:
        click.echo(f"  dividend {d.id}: record block {d.record_block}, {d.amount_per_share} per share, "
                   f"claims close {d.claim_deadline}")
    if view.conversion is not None:
        c = view.conversion
        click.echo(f"  conversion {c.id} ({c.kind}, {c.state}): rate {c.rate}, effective {c.effective_at}, "
                   f"expires {c.expires_at}, {c.tokens_converted} tokens converted")
    for item in view.upcoming:
        click.echo(f"  next: {item.at} {item.summary}")


@cli.command("accrue-fee", cls=ConnectedProviderCommand, short_help="Fold the management fee; print the shares to sell")
@click.argument("asset")
@account_option()
@deployments_option
def accrue_fee(asset: str, account, deployments_dir: Path | None) -> None:
    """Folds the management fee accrued since the last checkpoint into the multiplier (anyone may) and prints the
    shares the custodian must now sell; record the sale with FeeVault.recordManagementFeeSale."""
    record, _ = open_record(deployments_dir)
    vault = record.instance("FeeVault")
    receipt = vault.accrueManagementFee(asset_address(record, asset), sender=account)
    [event] = receipt.events.filter(vault.ManagementFeeAccrued)
    click.echo(f"multiplier {Decimal(event.multiplierBefore) / SHARE} -> {Decimal(event.multiplierAfter) / SHARE}; "
               f"{Decimal(event.feeShares) / SHARE} shares accrued to the fee since {event.since}")


@cli.command("dividend-build", cls=ConnectedProviderCommand, short_help="Snapshot holders and write a distribution")
@click.argument("asset")
@click.option("--record-block", type=click.IntRange(0), required=True, help="Holders at the end of this block.")
@click.option("--per-share", required=True, help="Payout per share in payout-token units, e.g. 0.24.")
@click.option("--decimals", type=click.IntRange(0, 36), default=6, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@deployments_option
def dividend_build(asset: str, record_block: int, per_share: str, decimals: int, out: Path,
                   deployments_dir: Path | None) -> None:
    """Builds the Merkle distribution from the chain alone (holders from Transfer events, balances and the
    multiplier at the record block); the distributor and the Minter's escrow are excluded."""
    from reserves import dividends as dv
    from reserves.errors import ReservesError

    record, _ = open_record(deployments_dir)
    try:
        request = dv.SnapshotRequest(
            asset=asset_address(record, asset), record_block=record_block, from_block=record.first_block,
            excluded=(record.address("DividendDistributor"), record.address("Minter"),
                      record.address("ConversionVault")))
        dist = dv.build_distribution(dv.take_snapshot(dv.connect(chain.provider.uri), request),
                                     token_units(per_share, decimals))
        dv.write_file(dist, out)
    except ReservesError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"root {dist.root}; {len(dist.claims)} holders owed; fund {dist.total_gross} units; wrote {out}")


@cli.command("dividend-propose", cls=ConnectedProviderCommand, short_help="Propose funding a distribution")
@click.option("--file", "file_", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--payout-token", required=True, help="The stablecoin the treasury (timelock) pays in.")
@click.option("--claim-days", type=click.IntRange(30, 5 * 365), default=90, show_default=True)
@click.option("--uri", default=None, help="Where the distribution file is published (default: ipfs://… by name).")
@click.option("--description", required=True)
@account_option()
@dry_run_option
@deployments_option
def dividend_propose(file_: Path, payout_token: str, claim_days: int, uri: str | None, description: str, account,
                     dry_run: bool, deployments_dir: Path | None) -> None:
    """One proposal: the timelock approves the distributor and creates the distribution, funded from its
    treasury. Run `rat-reserves dividend verify` on the same file while the vote runs."""
    record, _ = open_record(deployments_dir)
    dist = _load_dividend_file(file_)
    # The claim window starts when the proposal executes; the voting period and timelock delay are added.
    settings = record.settings
    lead = settings.timelock_delay_seconds + (settings.voting_delay_blocks + settings.voting_period_blocks) * 12
    terms = distribution_terms(dist, payout_token, chain.pending_timestamp + lead + claim_days * DAY,
                               uri=uri or f"ipfs://rat/dividends/{file_.name}", file_path=file_)
    actions = dividend_actions(record, payout_token, terms, dist.total_gross)
    propose_or_print(record, account, actions, description, dry_run, deployments_dir)


@cli.command("dividend-cancel-propose", cls=ConnectedProviderCommand, short_help="Propose cancelling a distribution")
@click.option("--id", "distribution_id", type=click.IntRange(1), required=True)
@click.option("--description", required=True)
@account_option()
@dry_run_option
@deployments_option
def dividend_cancel_propose(distribution_id: int, description: str, account, dry_run: bool,
                            deployments_dir: Path | None) -> None:
    """One proposal cancels a wrong distribution (bad root, wrong amount): claims stop when it executes and
    everything not yet paid returns to the treasury (the timelock). Holders paid before then keep their payment."""
    record, _ = open_record(deployments_dir)
    distributor = record.instance("DividendDistributor")
    # The vote takes days: refuse now what the execution would revert.
    stored = distributor.distribution(distribution_id)
    if stored.asset == "0x" + "00" * 20:
        raise click.BadParameter(f"no distribution {distribution_id}", param_hint="--id")
    if distributor.cancelled(distribution_id):
        raise click.ClickException(f"distribution {distribution_id} is already cancelled")
    if stored.swept:
        raise click.ClickException(f"distribution {distribution_id} was swept: nothing is left to return")
    propose_or_print(record, account, [dividend_cancel_action(record, distribution_id)], description, dry_run,
                     deployments_dir)


@cli.command("dividend-claim", cls=ConnectedProviderCommand, short_help="Claim for every holder not paid yet")
@click.option("--id", "distribution_id", type=click.IntRange(1), required=True)
@click.option("--file", "file_", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@account_option()
@deployments_option
def dividend_claim(distribution_id: int, file_: Path, account, deployments_dir: Path | None) -> None:
    """Pushes every unpaid claim (money goes to each holder; frozen holders are skipped until unfrozen)."""
    record, _ = open_record(deployments_dir)
    distributor = record.instance("DividendDistributor")
    receipts = claim_all(distributor, account, distribution_id, _load_dividend_file(file_))
    paid = [e for r in receipts for e in r.events.filter(distributor.Claimed)]
    click.echo(f"{len(paid)} claims paid: {sum(e.net for e in paid)} net, {sum(e.withheld for e in paid)} withheld")


@cli.command("conversion-propose", cls=ConnectedProviderCommand, short_help="Propose a merger, tender or delisting")
@click.argument("asset")
@click.option("--cash", default=None, help="STABLECOIN:AMOUNT_PER_SHARE (e.g. 0xA0b8…:205).")
@click.option("--into", default=None, help="TARGET:RATIO target shares per share (e.g. rMSFT:0.5).")
@click.option("--decimals", type=click.IntRange(0, 36), default=6, show_default=True, help="Stablecoin decimals.")
@click.option("--notice", required=True, help="The issuer's corporate-action reference; its hash goes on-chain.")
@click.option("--effective-in-days", type=click.IntRange(0, 365), default=7, show_default=True,
              help="Days after now (plus the vote and delay) when holders can convert.")
@click.option("--window-days", type=click.IntRange(7, 3650), default=90, show_default=True)
@click.option("--voluntary", is_flag=True, help="A tender offer: holders choose; nobody is converted by force.")
@click.option("--description", required=True)
@account_option()
@dry_run_option
@deployments_option
def conversion_propose(asset: str, cash: str | None, into: str | None, decimals: int, notice: str,
                       effective_in_days: int, window_days: int, voluntary: bool, description: str, account,
                       dry_run: bool, deployments_dir: Path | None) -> None:
    """One proposal halts the asset's mints, stops its management fee, gives the ConversionVault the token roles
    it needs and opens the conversion."""
    if (cash is None) == (into is None):
        raise click.UsageError("give exactly one of --cash STABLECOIN:AMOUNT or --into TARGET:RATIO")
    record, _ = open_record(deployments_dir)
    settings = record.settings
    lead = settings.timelock_delay_seconds + (settings.voting_delay_blocks + settings.voting_period_blocks) * 12
    effective = chain.pending_timestamp + lead + effective_in_days * DAY
    ref = keccak(text=notice)
    if cash is not None:
        token, amount = cash.rsplit(":", 1)
        terms = ConversionTerms.cash(token, token_units(amount, decimals), ref, effective, window_days * DAY,
                                     mandatory=not voluntary)
    else:
        target, ratio = into.rsplit(":", 1)
        terms = ConversionTerms.token(asset_address(record, target), token_units(ratio, 18), ref, effective,
                                      window_days * DAY, mandatory=not voluntary)
    actions = conversion_actions(record, asset_address(record, asset), terms.as_tuple(), notice)
    propose_or_print(record, account, actions, description, dry_run, deployments_dir)


@cli.command("conversion-fund", cls=ConnectedProviderCommand, short_help="Deposit the cash a conversion still needs")
@click.argument("asset")
@click.option("--amount", type=click.IntRange(1), default=None, help="Base units (default: fundingRequired).")
@account_option()
@deployments_option
def conversion_fund(asset: str, amount: int | None, account, deployments_dir: Path | None) -> None:
    record, _ = open_record(deployments_dir)
    vault = record.instance("ConversionVault")
    address = asset_address(record, asset)
    needed = amount if amount is not None else vault.fundingRequired(address)
    if needed == 0:
        click.echo("fully funded: nothing to deposit")
        return
    fund_conversion(vault, account, address, needed)
    click.echo(f"deposited {needed}; still required {vault.fundingRequired(address)}")


@cli.command("convert-all", cls=ConnectedProviderCommand, short_help="Convert every holder of a mandatory action")
@click.argument("asset")
@click.option("--batch", type=click.IntRange(1, 200), default=200, show_default=True)
@account_option()
@deployments_option
def convert_all_cmd(asset: str, batch: int, account, deployments_dir: Path | None) -> None:
    """Finds the holders from the token's Transfer events and converts them, `batch` per transaction; prints the
    holders deferred (frozen, or refused by the target's compliance) to retry once they can be paid."""
    record, _ = open_record(deployments_dir)
    vault = record.instance("ConversionVault")
    token = project.RealAssetToken.at(asset_address(record, asset))
    holders = holders_of(token, record.first_block)
    receipts = convert_all(vault, account, token, holders, batch)
    deferred = deferred_holders(vault, receipts)
    click.echo(json.dumps({"holders": len(holders), "transactions": len(receipts), "deferred": deferred,
                           "supply_left": str(token.totalSupply())}, indent=2))

