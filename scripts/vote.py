"""Casts a vote on a proposal.

    ape run vote --account voter --proposal 1234... --support for --reason "fees cover custody"
    ape run vote --account voter --file deployments/proposals/mainnet-1234.json --support against
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from rat.governance import VoteType, state, vote
from rat.scripting import deployments_option, dry_run_option, open_record, resolve_proposal, with_proposal


@click.command(cls=ConnectedProviderCommand, short_help="Vote for, against or abstain on a proposal")
@account_option()
@with_proposal
@click.option("--support", type=click.Choice(["for", "against", "abstain"]), required=True)
@click.option("--reason", default="", help="Recorded on-chain with the vote.")
@dry_run_option
@deployments_option
def cli(account, proposal_id, proposal_file, support: str, reason: str, dry_run: bool,
        deployments_dir: Path | None) -> None:
    record, _ = open_record(deployments_dir)
    proposal = resolve_proposal(record, proposal_id, proposal_file)
    choice = VoteType[support.upper()]
    if dry_run:
        click.echo(f"  [dry-run] RatGovernor.castVote({proposal.proposal_id}, {choice.name}, {reason!r})")
        return
    vote(record, account, proposal.id, choice, reason)
    click.echo(f"voted {choice.name} on {proposal.proposal_id}; state {state(record, proposal.id).name}")
