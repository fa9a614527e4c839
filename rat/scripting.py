"""Shared plumbing of the Ape scripts in scripts/ (deploy, list_asset, propose, vote, queue, execute, upgrade,
handover): the record of the connected network, proposal lookup, and the options every script shares."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from ape import chain

from rat.deployment import DeploymentRecord, load_record, record_matches_chain, record_path
from rat.governance import Proposal, load_proposal, proposal_from_chain, save_proposal

dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Print the transactions (with calldata) instead of sending them."
)
deployments_option = click.option(
    "--deployments", "deployments_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Directory of <network>.json records (default: the repository's deployments/).",
)
proposal_options: list[Callable[[Any], Any]] = [
    click.option("--proposal", "proposal_id", type=str, default=None, help="Proposal id (decimal), read from chain."),
    click.option("--file", "proposal_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 default=None, help="Proposal file written by `propose`/`list_asset`/`upgrade`."),
]


def with_proposal(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(proposal_options):
        f = option(f)
    return f


def network_name() -> str:
    return chain.provider.network.name


def open_record(deployments_dir: Path | None) -> tuple[DeploymentRecord, Path]:
    path = record_path(network_name(), deployments_dir) if deployments_dir else record_path(network_name())
    record = load_record(path)
    if record is None:
        raise click.ClickException(f"no deployment record at {path}: run `ape run deploy` on this network first")
    if not record_matches_chain(record):
        raise click.ClickException(f"{path} describes another chain; run `ape run deploy` to deploy on this one")
    return record, path


def resolve_proposal(record: DeploymentRecord, proposal_id: str | None, proposal_file: Path | None) -> Proposal:
    if proposal_file is not None:
        return load_proposal(proposal_file)
    if proposal_id is None:
        raise click.UsageError("give --proposal ID or --file PROPOSAL.json")
    return proposal_from_chain(record, int(proposal_id))


def print_proposal(proposal: Proposal, path: Path | None = None) -> None:
    click.echo(f"proposal {proposal.proposal_id}")
    click.echo(f"  description: {proposal.description}")
    for action in proposal.actions:
        click.echo(f"  - {action.summary or action.target} ({action.target})")
    if path is not None:
        click.echo(f"  saved to {path}")


def store_proposal(proposal: Proposal, deployments_dir: Path | None) -> Path:
    return save_proposal(proposal, (deployments_dir / "proposals") if deployments_dir else None)


def propose_or_print(record: DeploymentRecord, account: Any, actions: list[Any], description: str, dry_run: bool,
                     deployments_dir: Path | None) -> None:
    """With --dry-run, prints each action's target and calldata; otherwise proposes and saves the proposal file
    for `vote`, `queue` and `execute`."""
    from rat.governance import propose

    if dry_run:
        for action in actions:
            click.echo(f"  [dry-run] {action.summary or action.target}: {action.target} data={action.calldata}")
        click.echo(f"  [dry-run] RatGovernor.propose({len(actions)} actions, {description!r})")
        return
    proposal = propose(record, account, actions, description)
    print_proposal(proposal, store_proposal(proposal, deployments_dir))
