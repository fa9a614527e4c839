"""Executes a queued proposal once the timelock delay has passed, then updates deployments/<network>.json
(new listings, completed upgrades).

    ape run execute --account anyone --proposal 1234...   (or --file PROPOSAL.json)
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from rat.governance import execute, state
from rat.scripting import deployments_option, dry_run_option, open_record, resolve_proposal, with_proposal


@click.command(cls=ConnectedProviderCommand, short_help="Execute a queued proposal after the timelock delay")
@account_option()
@with_proposal
@dry_run_option
@deployments_option
def cli(account, proposal_id, proposal_file, dry_run: bool, deployments_dir: Path | None) -> None:
    record, path = open_record(deployments_dir)
    proposal = resolve_proposal(record, proposal_id, proposal_file)
    if dry_run:
        click.echo(f"  [dry-run] RatGovernor.execute({proposal.proposal_id}); state {state(record, proposal.id).name}")
        return
    execute(record, account, proposal, path)
    click.echo(f"executed {proposal.proposal_id}; record updated at {path}")
