"""`rat-relayer`: the relayer daemon and its operator tools.

Every command reads the same config file (--config, default ./relayer.yaml, or $RAT_RELAYER_CONFIG). Errors
print what is wrong and how to fix it, and exit non-zero; they never print key material."""

from __future__ import annotations

import functools
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from relayer.errors import RelayerError


def _friendly(fn):
    """Turns the relayer's typed errors into a readable message and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RelayerError as exc:
            click.secho(f"error: {exc.explain()}", fg="red", err=True)
            sys.exit(1)

    return wrapper


def _pairs(values: tuple[str, ...], what: str) -> dict[str, Decimal]:
    out = {}
    for value in values:
        symbol, sep, amount = value.partition("=")
        try:
            if not sep or not symbol:
                raise InvalidOperation
            out[symbol] = Decimal(amount)
        except InvalidOperation:
            raise click.BadParameter(f"{value!r} is not SYMBOL=NUMBER (e.g. AAPL=190.25)", param_hint=what) from None
    return out


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="RAT_RELAYER_CONFIG",
    default="relayer.yaml",
    show_default=True,
    help="relayer config file (YAML); see `rat-relayer config-example`",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """RAT relayer: turns broker fills and custody confirmations into attested, exactly-once mint and burn
    fulfilments on the Minter.

    \b
    Typical use:
      rat-relayer config-example > relayer.yaml   # then edit RPC, Minter address, keys
      rat-relayer doctor                           # checks config, RPC, keys, adapters, database
      rat-relayer run                              # the daemon
      rat-relayer status                           # pending sagas, last block, lag
    """


@main.group()
def sim() -> None:
    """Simulated brokerage and custodian (real HTTP services) for demos and tests."""


@sim.command("broker")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8710, show_default=True, help="0 picks a free port (printed on stdout)")
@click.option("--price", "prices", multiple=True, default=("AAPL=190.00",), show_default=True,
              help="tradable symbol and its price, repeatable: --price AAPL=190 --price MSFT=410")
@click.option("--calendar", default="always-open", show_default=True,
              help="market hours: always-open or an exchange code such as XNYS")
@click.option("--latency", default=0.0, show_default=True, help="seconds added to every request")
@click.option("--fill-chunks", default=1, show_default=True, help="partial fills per order")
@click.option("--fill-interval", default=0.0, show_default=True, help="seconds between partial fills")
@click.option("--order-ttl", default=30.0, show_default=True, help="seconds before an unfillable order expires")
@click.option("--max-qty", default="100000", show_default=True, help="orders above this are rejected")
@_friendly
def sim_broker(host, port, prices, calendar, latency, fill_chunks, fill_interval, order_ttl, max_qty) -> None:
    """Serve a simulated brokerage speaking the Alpaca Trading API v2 wire format."""
    from relayer.sim.broker import BrokerConfig, SimBroker
    from relayer.sim.serve import serve

    config = BrokerConfig(prices=_pairs(prices, "--price"), calendar=calendar, latency=latency,
                          fill_chunks=fill_chunks, fill_interval=fill_interval, order_ttl=order_ttl,
                          max_qty=Decimal(max_qty))
    serve(SimBroker(config).app(), host, port)


@sim.command("custodian")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8711, show_default=True, help="0 picks a free port (printed on stdout)")
@click.option("--position", "positions", multiple=True, help="opening position, repeatable: --position AAPL=100")
@click.option("--account", default="SPV-RAT-0001", show_default=True, help="the SPV's securities account")
@click.option("--latency", default=0.0, show_default=True, help="seconds added to every request")
@click.option("--settle-delay", default=0.0, show_default=True, help="seconds a settlement stays pending")
@_friendly
def sim_custodian(host, port, positions, account, latency, settle_delay) -> None:
    """Serve a simulated custodian of the SPV's securities account."""
    from relayer.sim.custodian import CustodianConfig, SimCustodian
    from relayer.sim.serve import serve

    config = CustodianConfig(positions=_pairs(positions, "--position"), account=account, latency=latency,
                             settle_delay=settle_delay)
    serve(SimCustodian(config).app(), host, port)


if __name__ == "__main__":
    main()
