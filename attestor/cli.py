"""`rat-attestor`: one attestor role (brokerage or custody) as a service in its own trust domain.

Errors print what is wrong and how to fix it, and exit non-zero; they never print key material."""

from __future__ import annotations

import asyncio
import functools
import sys
from pathlib import Path

import click

from relayer.config_source import ConfigSource, config_options
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


# --config FILE (default ./attestor.yaml, or $RAT_ATTESTOR_CONFIG) or --config-env NAME (the cloud tasks)
config_option = config_options("attestor.yaml", "RAT_ATTESTOR_CONFIG", "rat-attestor config-example")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """RAT attestor: signs a Minter fill for one role (brokerage or custody) only when this service's own node
    and its own vendor confirm it, within its own limits, and never two different fills for one request.

    \b
    Typical use (one process per role, each in its own trust domain):
      rat-attestor config-example > attestor.yaml   # then edit role, RPC, Minter, key, vendor, TLS
      rat-attestor config-check                      # loads the config as `run` would, prints its sources
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
def run(source: ConfigSource) -> None:
    """Serves the attestor until SIGTERM; prints `listening on https://HOST:PORT` first."""
    from attestor.config import AttestorConfig
    from attestor.service import serve

    config = AttestorConfig.load(source)
    try:
        asyncio.run(serve(config))
    except OSError as exc:
        raise RelayerError(f"cannot listen on {config.listen.host}:{config.listen.port}: {exc.strerror or exc}",
                           hint="choose a free port in `listen.port`") from None


@main.command()
@config_option
def doctor(source: ConfigSource) -> None:
    """Checks everything the attestor needs and says how to fix what is wrong (exit 1 if anything is)."""
    from attestor.doctor import diagnose

    click.echo(f"rat-attestor doctor: {source}")
    problems = asyncio.run(diagnose(source, click.echo))
    if problems:
        click.secho(f"{problems} problem(s) found", fg="red")
        sys.exit(1)
    click.secho("all checks passed", fg="green")


@main.command("config-check")
@config_option
@_friendly
def config_check(source: ConfigSource) -> None:
    """Loads the config exactly as `run` does (the file or --config-env text, and every environment variable it
    names) and prints where each setting the service connects with comes from, without connecting to anything and
    without printing a secret. Exit 1, naming the problem, when the config does not load."""
    import os

    from attestor.config import AttestorConfig
    from relayer.config_report import public_url, signer_line

    config = AttestorConfig.load(source)
    rpc_from = f" (from ${config.rpc_url_env})" if config.rpc_url_env else ""
    for line in (f"config: {source}", f"role: {config.role}", f"rpc_url: {public_url(config.rpc_url)}{rpc_from}",
                 signer_line("key", config.key, os.environ), f"database: {config.database}",
                 f"tls: certificate {config.tls.cert}, key {config.tls.key}, client CA {config.tls.client_ca}",
                 f"listen: {config.listen.host}:{config.listen.port}"):
        click.echo(line)


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
