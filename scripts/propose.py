"""Proposes governance actions: fee changes, asset status changes (halt / redeem-only / reactivate, with the
corporate-action reference), or any calls listed in an actions file.

    ape run propose --account voter --fees rAAPL:30:30 --description "Fees to 30 bps"
    ape run propose --account voter --status rAAPL:REDEEM_ONLY:"CA-2027-0042 tender offer" --description "..."
    ape run propose --account voter --actions-file actions.json --description "..."

An actions file is a JSON list of {"target": "0x..", "value": 0, "calldata": "0x..", "summary": "..."}. Saves the
proposal file under deployments/proposals/ for `vote`, `queue` and `execute` (which also accept --proposal ID).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from rat.governance import Action, AssetStatus, asset_status_action, propose, set_fees_action
from rat.scripting import deployments_option, dry_run_option, open_record, print_proposal, store_proposal


def _asset(record, symbol_or_address: str) -> str:
    if symbol_or_address.startswith("0x"):
        return symbol_or_address
    if symbol_or_address not in record.assets:
        raise click.BadParameter(f"unknown asset {symbol_or_address!r}; listed: {', '.join(record.assets) or 'none'}")
    return record.assets[symbol_or_address].address


@click.command(cls=ConnectedProviderCommand, short_help="Propose fee, status or arbitrary governance actions")
@account_option()
@click.option("--fees", "fee_changes", multiple=True, help="ASSET:MINT_BPS:BURN_BPS (repeatable).")
@click.option("--status", "status_changes", multiple=True,
              help="ASSET:ACTIVE|REDEEM_ONLY|HALTED:CORPORATE_ACTION_REF (repeatable).")
@click.option("--actions-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--description", required=True, help="Proposal text; also part of the proposal id.")
@dry_run_option
@deployments_option
def cli(account, fee_changes, status_changes, actions_file, description: str, dry_run: bool,
        deployments_dir: Path | None) -> None:
    record, _ = open_record(deployments_dir)
    actions: list[Action] = []
    for spec in fee_changes:
        asset, mint_bps, burn_bps = spec.split(":")
        actions.append(set_fees_action(record, _asset(record, asset), int(mint_bps), int(burn_bps)))
    for spec in status_changes:
        asset, status, ref = spec.split(":", 2)
        actions.append(asset_status_action(record, _asset(record, asset), AssetStatus[status], ref))
    if actions_file is not None:
        actions += [Action.model_validate(a) for a in json.loads(actions_file.read_text())]
    if not actions:
        raise click.UsageError("nothing to propose: give --fees, --status or --actions-file")
    if dry_run:
        for action in actions:
            click.echo(f"  [dry-run] {action.summary or action.target}: {action.target} data={action.calldata}")
        click.echo(f"  [dry-run] RatGovernor.propose({len(actions)} actions, {description!r})")
        return
    proposal = propose(record, account, actions, description)
    print_proposal(proposal, store_proposal(proposal, deployments_dir))
