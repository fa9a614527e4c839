"""Shared plumbing of the Ape scripts in scripts/ (deploy, list_asset, propose, vote, queue, execute, upgrade,
handover, corporate, collateral, venue, bridge): the record of the connected network, proposal lookup, the options
every script shares, and how an option's asset symbol or token amount is read."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar, Self

import click
from ape import chain
from pydantic import BaseModel, ConfigDict, ValidationError

from rat.deployment import DEPLOYMENTS, DeploymentRecord, load_record, record_matches_chain, record_path
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


def token_units(amount: str, decimals: int, *, zero_ok: bool = False) -> int:
    """An amount as the operator types it (`0.24`) in the token's smallest units; a usage error when it is not a
    number, is negative (or zero, unless `zero_ok`) or has more than `decimals` decimals."""
    try:
        value = Decimal(amount) * 10**decimals
    except InvalidOperation:
        raise click.BadParameter(f"not a number: {amount!r}") from None
    if not value.is_finite():
        raise click.BadParameter(f"not a number: {amount!r}")
    if value < 0 or (value == 0 and not zero_ok) or value != value.to_integral_value():
        sign = "non-negative" if zero_ok else "positive"
        raise click.BadParameter(f"{amount!r} must be {sign} with at most {decimals} decimals")
    return int(value)


def asset_address(record: DeploymentRecord, asset: str, *, symbol_only: bool = False) -> str:
    """The token address of `asset`: a symbol listed in the record or, unless `symbol_only`, a 0x address as given."""
    if asset.startswith("0x") and not symbol_only:
        return asset
    if asset not in record.assets:
        raise click.BadParameter(f"unknown asset {asset!r}; listed: {', '.join(record.assets) or 'none'}")
    return record.assets[asset].address


def network_name() -> str:
    return chain.provider.network.name


class SideRecord(BaseModel):
    """A script's own record beside the network's deployment record, `<deployments>/<network>-<KIND>.json` (the
    venues, the collateral markets, the bridge). Unknown keys are refused; a file that does not parse is a usage
    error naming the file and the first bad field, not a traceback."""

    model_config = ConfigDict(extra="forbid")
    KIND: ClassVar[str]

    @classmethod
    def path(cls, deployments_dir: Path | None) -> Path:
        return (deployments_dir or DEPLOYMENTS) / f"{network_name()}-{cls.KIND}.json"

    @classmethod
    def read(cls, path: Path) -> Self:
        try:
            return cls.model_validate_json(path.read_text())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the file"
            raise click.ClickException(f"{path} is not a valid {cls.KIND} record: {where}: {first['msg']}") from None

    @classmethod
    def empty(cls) -> Self:
        """The record of a network with nothing deployed yet."""
        return cls()

    @classmethod
    def load(cls, deployments_dir: Path | None) -> Self:
        path = cls.path(deployments_dir)
        return cls.read(path) if path.is_file() else cls.empty()

    def save(self, deployments_dir: Path | None) -> Path:
        path = self.path(deployments_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2) + "\n")
        return path


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
