"""Deploys a new implementation and proposes the upgrade, after checking its storage layout.

    ape run upgrade --account deployer --target EquityBeacon --contract RealAssetTokenV2 --description "..."
    ape run upgrade --account deployer --target Minter --contract Minter --description "Minter gas release"

The layout of the current implementation is the one recorded in deployments/<network>.json when it was deployed;
the new one is compiled from the working tree. solc's storageLayout and every ERC-7201 namespaced struct are
compared (rat/storage_layout.py); an incompatible change is refused with every problem listed, before anything is
deployed. Constructor arguments default to the current implementation's.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from rat.governance import prepare_upgrade, propose
from rat.scripting import deployments_option, dry_run_option, open_record, print_proposal, store_proposal
from rat.storage_layout import IncompatibleStorageLayout

TARGETS = ["EquityBeacon", "ComplianceRegistry", "Minter", "ReserveRegistry", "FeeVault"]


@click.command(cls=ConnectedProviderCommand, short_help="Storage-checked upgrade proposal")
@account_option()
@click.option("--target", type=click.Choice(TARGETS), required=True, help="What to upgrade.")
@click.option("--contract", "new_contract", required=True, help="Contract name of the new implementation.")
@click.option("--args", "args_json", default=None, help="Constructor arguments as a JSON list (default: current).")
@click.option("--description", default=None, help="Proposal text (default: 'Upgrade TARGET to CONTRACT at ADDR').")
@dry_run_option
@deployments_option
def cli(account, target: str, new_contract: str, args_json: str | None, description: str | None, dry_run: bool,
        deployments_dir: Path | None) -> None:
    record, path = open_record(deployments_dir)
    try:
        prepared = prepare_upgrade(record, account, target, new_contract,
                                   json.loads(args_json) if args_json else None, dry_run=dry_run, echo=click.echo,
                                   path=path)
    except IncompatibleStorageLayout as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"storage layout of {new_contract} is compatible with {target}'s current implementation")
    if dry_run:
        click.echo(f"  [dry-run] RatGovernor.propose({prepared.action.summary})")
        return
    proposal = propose(record, account, [prepared.action],
                       description or f"Upgrade {target} to {new_contract} at {prepared.implementation}")
    print_proposal(proposal, store_proposal(proposal, deployments_dir))
