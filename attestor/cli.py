"""`rat-attestor`: one attestor role (brokerage or custody) as a service in its own trust domain.

Errors print what is wrong and how to fix it, and exit non-zero; they never print key material."""

from __future__ import annotations

import asyncio
import functools
import sys
from pathlib import Path

import click

from relayer.errors import RelayerError


def _friendly(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RelayerError as exc:
            click.secho(f"error: {exc.explain()}", fg="red", err=True)
            sys.exit(1)

    return wrapper


config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), envvar="RAT_ATTESTOR_CONFIG",
    default="attestor.yaml", show_default=True, help="attestor config file (YAML); see `rat-attestor config-example`",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """RAT attestor: signs a Minter fill for one role (brokerage or custody) only when this service's own node
    and its own vendor confirm it, within its own limits, and never two different fills for one request.

    \b
    Typical use (one process per role, each in its own trust domain):
      rat-attestor config-example > attestor.yaml   # then edit role, RPC, Minter, key, vendor, TLS
      rat-attestor doctor                            # checks config, key, RPC, vendor, TLS files, database
      rat-attestor run                               # serves POST /v1/fills over mutual TLS
    """


@main.command("config-example")
def config_example() -> None:
    """Prints a commented example config."""
    from attestor.config import EXAMPLE

    click.echo(EXAMPLE, nl=False)


@main.command()
@config_option
@_friendly
def run(config_path: Path) -> None:
    """Serves the attestor until SIGTERM; prints `listening on https://HOST:PORT` first."""
    from attestor.config import AttestorConfig
    from attestor.service import serve

    config = AttestorConfig.load(config_path)
    try:
        asyncio.run(serve(config))
    except OSError as exc:
        raise RelayerError(f"cannot listen on {config.listen.host}:{config.listen.port}: {exc.strerror or exc}",
                           hint="choose a free port in `listen.port`") from None


@main.command()
@config_option
def doctor(config_path: Path) -> None:
    """Checks everything the attestor needs and says how to fix what is wrong (exit 1 if anything is)."""
    from attestor.doctor import diagnose

    click.echo(f"rat-attestor doctor: {config_path}")
    problems = asyncio.run(diagnose(config_path, click.echo))
    if problems:
        click.secho(f"{problems} problem(s) found", fg="red")
        sys.exit(1)
    click.secho("all checks passed", fg="green")


@main.command("keys-new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--passphrase-env", default="RAT_ATTESTOR_PASSPHRASE", show_default=True,
              help="environment variable holding the new keystore's passphrase")
@_friendly
def keys_new(path: Path, passphrase_env: str) -> None:
    """Creates an encrypted keystore with a fresh key at PATH and prints its address (register it on the Minter
    with setAttestor)."""
    import os

    from relayer.errors import SignerLocked
    from relayer.signers import KeystoreSigner

    passphrase = os.environ.get(passphrase_env)
    if not passphrase:
        raise SignerLocked(f"environment variable {passphrase_env} is not set")
    click.echo(KeystoreSigner.create(path, passphrase))


if __name__ == "__main__":
    main()
