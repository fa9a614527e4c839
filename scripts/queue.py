"""Queues a succeeded proposal in the timelock (starts its delay).

    ape run queue --account anyone --proposal 1234...   (or --file PROPOSAL.json)
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from rat.governance import queue, state
from rat.scripting import deployments_option, dry_run_option, open_record, resolve_proposal, with_proposal


@click.command(cls=ConnectedProviderCommand, short_help="Queue a succeeded proposal in the timelock")
@account_option()
@with_proposal
@dry_run_option
@deployments_option
def cli(account, proposal_id, proposal_file, dry_run: bool, deployments_dir: Path | None) -> None:
    record, _ = open_record(deployments_dir)
    proposal = resolve_proposal(record, proposal_id, proposal_file)
    if dry_run:
        click.echo(f"  [dry-run] RatGovernor.queue({proposal.proposal_id}); state {state(record, proposal.id).name}")
        return
    queue(record, account, proposal)
    eta = record.instance("RatGovernor").proposalEta(proposal.id)
    click.echo(f"queued {proposal.proposal_id}; executable from timestamp {eta}")
