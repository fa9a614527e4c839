"""Proposes governance actions: fee changes, asset status changes (halt / redeem-only / reactivate, with the
corporate-action reference), splits, management fees, or any calls listed in an actions file.

    ape run propose --account voter --fees rAAPL:30:30 --description "Fees to 30 bps"
    ape run propose --account voter --split rAAPL:2:1:2027-03-01T13:30:00Z:"CA-2027-0007 2-for-1" --description "..."
    ape run propose --account voter --management-fee rAAPL:25 --description "Management fee 0.25 % a year"
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

from rat.governance import (
    Action,
    AssetStatus,
    asset_status_action,
    management_fee_action,
    set_fees_action,
    split_action,
)
from rat.scripting import asset_address, deployments_option, dry_run_option, open_record, propose_or_print


def _split_time(rest: str) -> tuple[int, str]:
    """ACTIVATES_AT:NOTICE where ACTIVATES_AT is unix seconds or an ISO 8601 UTC time (which has colons itself)."""
    import re
    from datetime import datetime

    match = re.match(r"^(\d+|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})?):(.+)$", rest)
    if match is None:
        raise click.BadParameter(f"expected ACTIVATES_AT:NOTICE_REF with unix seconds or 2027-03-01T13:30:00Z, "
                                 f"got {rest!r}")
    stamp, ref = match.groups()
    if stamp.isdigit():
        return int(stamp), ref
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()), ref


@click.command(cls=ConnectedProviderCommand, short_help="Propose fee, status or arbitrary governance actions")
@account_option()
@click.option("--fees", "fee_changes", multiple=True, help="ASSET:MINT_BPS:BURN_BPS (repeatable).")
@click.option("--status", "status_changes", multiple=True,
              help="ASSET:ACTIVE|REDEEM_ONLY|HALTED:CORPORATE_ACTION_REF (repeatable).")
@click.option("--split", "splits", multiple=True,
              help="ASSET:NUMERATOR:DENOMINATOR:ACTIVATES_AT:NOTICE_REF, ACTIVATES_AT as unix seconds or ISO 8601 "
                   "UTC; 2:1 is a 2-for-1 split, 1:4 a 1-for-4 reverse split (repeatable).")
@click.option("--management-fee", "management_fees", multiple=True, help="ASSET:ANNUAL_BPS (repeatable).")
@click.option("--actions-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--description", required=True, help="Proposal text; also part of the proposal id.")
@dry_run_option
@deployments_option
def cli(account, fee_changes, status_changes, splits, management_fees, actions_file, description: str, dry_run: bool,
        deployments_dir: Path | None) -> None:
    record, _ = open_record(deployments_dir)
    actions: list[Action] = []
    for spec in fee_changes:
        asset, mint_bps, burn_bps = spec.split(":")
        actions.append(set_fees_action(record, asset_address(record, asset), int(mint_bps), int(burn_bps)))
    for spec in status_changes:
        asset, status, ref = spec.split(":", 2)
        actions.append(asset_status_action(record, asset_address(record, asset), AssetStatus[status], ref))
    for spec in splits:
        asset, numerator, denominator, rest = spec.split(":", 3)
        when, ref = _split_time(rest)
        actions.append(split_action(asset_address(record, asset), int(numerator), int(denominator), when, ref))
    for spec in management_fees:
        asset, bps = spec.split(":")
        actions.append(management_fee_action(record, asset_address(record, asset), int(bps)))
    if actions_file is not None:
        actions += [Action.model_validate(a) for a in json.loads(actions_file.read_text())]
    if not actions:
        raise click.UsageError("nothing to propose: give --fees, --status, --split, --management-fee or --actions-file")
    propose_or_print(record, account, actions, description, dry_run, deployments_dir)
