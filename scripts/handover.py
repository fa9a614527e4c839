"""Hands every power over to the timelock and proves it.

    ape run handover --network ethereum:local:foundry --account TEST::0

Grants the timelock every admin/upgrade/management role the deployer holds, transfers the beacon's ownership,
renounces every role the deployer holds (the timelock's own admin role last), then reads every role of every
contract (registry, Minter, reserves, vault, timelock, guardian, lister, every listed equity) on-chain and prints
the table. Fails if any externally-owned account still holds a power role. Running it again sends nothing.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from rat.deployment import handover, role_table
from rat.scripting import deployments_option, dry_run_option, open_record


@click.command(cls=ConnectedProviderCommand, short_help="Move every power to the timelock; print the role table")
@account_option()
@dry_run_option
@deployments_option
def cli(account, dry_run: bool, deployments_dir: Path | None) -> None:
    record, path = open_record(deployments_dir)
    try:
        table = handover(record, account, path, dry_run=dry_run, echo=click.echo)
    except RuntimeError as err:
        raise click.ClickException(str(err)) from err
    if table is not None:
        click.echo(table.render())
    else:
        click.echo(role_table(record).render())
