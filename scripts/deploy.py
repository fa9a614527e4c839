"""Deploys the whole RAT system (or what is missing of it) and writes deployments/<network>.json.

    ape run deploy --network ethereum:local:foundry --account TEST::0 --guardian 0x... --settlement 0x...
    ape run deploy --network ethereum:sepolia:alchemy --account deployer --guardian <safe> --settlement <relayer>

Idempotent: a second run finds every contract of the record on chain and every wiring in place, sends nothing and
says so. Governance parameters (timelock delay, voting delay/period, quorum) come from deployments/settings.json
for the network. Follow with `ape run handover` once the initial listings and operator grants are done.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from rat.deployment import deploy_system, load_settings, record_path
from rat.scripting import deployments_option, dry_run_option, network_name


@click.command(cls=ConnectedProviderCommand, short_help="Deploy RAT idempotently; record in deployments/")
@account_option()
@click.option("--guardian", required=True, help="Emergency guardian (a Safe multisig in production).")
@click.option("--settlement", required=True, help="The Minter's settlement account (the relayer's).")
@click.option("--token-holder", default=None, help="Receives the governance token supply (default: the deployer).")
@dry_run_option
@deployments_option
def cli(account, guardian: str, settlement: str, token_holder: str | None, dry_run: bool,
        deployments_dir: Path | None) -> None:
    network = network_name()
    path = record_path(network, deployments_dir) if deployments_dir else record_path(network)
    deploy_system(account, load_settings(network), path, guardian=guardian, settlement=settlement, network=network,
                  dry_run=dry_run, echo=click.echo, governance_token_holder=token_holder)
