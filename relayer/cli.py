"""`rat-relayer`: the relayer daemon and its operator tools.

Every command reads the same config: a file (--config, default ./relayer.yaml, or $RAT_RELAYER_CONFIG) or the YAML
text in an environment variable (--config-env NAME, how the cloud tasks get theirs). Errors print what is wrong and
how to fix it, and exit non-zero; they never print key material."""

from __future__ import annotations

import functools
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from relayer.config_source import ConfigSource, config_options
from relayer.errors import RelayerError

# = relayer.events.outbox.STREAM_REPLAY_DAYS, repeated so the CLI starts without importing the outbox
STREAM_REPLAY_DAYS = 30


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


# --config FILE (default ./relayer.yaml, or $RAT_RELAYER_CONFIG) or --config-env NAME (the cloud tasks)
config_option = config_options("relayer.yaml", "RAT_RELAYER_CONFIG", "rat-relayer config-example")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """RAT relayer: turns broker fills and custody confirmations into attested, exactly-once mint and burn
    fulfilments on the Minter.

    \b
    Typical use:
      rat-relayer config-example > relayer.yaml   # then edit RPC, Minter address, keys
      rat-relayer config-check                     # loads the config as `run` would, prints its sources
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


def _load(source: ConfigSource):
    from relayer.config import RelayerConfig

    return RelayerConfig.load(source)


@main.command("config-example")
def config_example() -> None:
    """Print an annotated example config (redirect it to relayer.yaml and edit)."""
    from relayer.config import EXAMPLE

    click.echo(EXAMPLE, nl=False)


@main.command("config-check")
@config_option
@_friendly
def config_check(source: ConfigSource) -> None:
    """Load the config exactly as `run` and `api` do (the file or --config-env text, and every environment variable
    it names) and print where each connection setting comes from, without connecting to anything and without
    printing a secret. Exit 1, naming the problem, when the config does not load."""
    import os

    from relayer.config_report import relayer_report

    for line in relayer_report(_load(source), source, os.environ):
        click.echo(line)


@main.command()
@config_option
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@_friendly
def run(source: ConfigSource, log_level: str) -> None:
    """Run the daemon: backfill from the stored cursor, follow the Minter, drive every saga to the end.

    Stops cleanly on SIGTERM/SIGINT; after a crash, simply start it again: it resumes every saga from its last
    persisted step and rebroadcasts any signed transaction that may not have reached the network."""
    from relayer.daemon import run_forever
    from relayer.observability import configure_logging

    configure_logging(log_level.upper())
    run_forever(_load(source))


@main.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.option("--all", "show_all", is_flag=True, help="list finished sagas too")
@_friendly
def status(source: ConfigSource, as_json: bool, show_all: bool) -> None:
    """Pending sagas (and why they wait), last processed block, lag behind the chain, breaker state."""
    import asyncio
    import json
    import time

    from relayer.rpc import Rpc
    from relayer.saga import CUSTODY_BREAKER
    from relayer.store.store import TERMINAL_STATUSES

    config = _load(source)
    store = config.open_store()
    from relayer.watcher import cursor_key

    cursor = store.cursor(cursor_key(config.network, config.minter))

    async def head() -> int | None:
        rpc = Rpc(config.rpc_url, timeout=3)
        try:
            return await rpc.block_number()
        except RelayerError:
            return None
        finally:
            await rpc.aclose()

    chain_head = asyncio.run(head())
    breaker_open, breaker_reason = store.breaker(CUSTODY_BREAKER)
    lease = store.lease_owner("work")
    sagas = [s for s in store.sagas() if show_all or s.status not in TERMINAL_STATUSES]
    report = {
        "network": config.network,
        "minter": config.minter,
        "last_block": cursor,
        "chain_head": chain_head,
        "lag": (chain_head - cursor) if chain_head is not None and cursor is not None else None,
        "counts": store.saga_counts(),
        "circuit_breaker": {"open": breaker_open, "reason": breaker_reason},
        "leader": {"instance": lease[0], "expires_in": round(lease[1] - time.time(), 1)} if lease else None,
        "sagas": [
            {
                "request_id": s.request_id, "kind": s.kind, "step": s.step, "status": s.status,
                "block": s.block_number, "note": s.last_error, "attempts": s.attempts,
                "next_try_in": round(max(0.0, s.not_before - time.time()), 1),
                "fulfil_tx": s.payload.get("fulfil_tx"),
            }
            for s in sagas
        ],
    }
    store.close()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    lag = "unknown (node unreachable)" if report["lag"] is None else f"{report['lag']} blocks"
    click.echo(f"network {config.network}, Minter {config.minter}: last processed block {cursor}, chain head {chain_head}, lag {lag}")
    click.echo("sagas: " + (", ".join(f"{k} {v}" for k, v in sorted(report["counts"].items())) or "none"))
    if breaker_open:
        click.secho(f"CIRCUIT BREAKER OPEN: {breaker_reason}", fg="red")
        click.echo("  fulfilments are stopped; reconcile custody, then `rat-relayer breaker reset`")
    click.echo(f"leader: {report['leader']['instance'] if lease else 'none'}")
    stuck = report["counts"].get("stuck", 0)
    if stuck:
        click.secho(f"{stuck} STUCK saga(s): they wait for an operator", fg="red")
        click.echo("  `rat-relayer saga retry ID --note ...` once the cause is fixed, or "
                   "`rat-relayer saga reject ID --reason ... --note ...`")
    for s in report["sagas"]:
        note = f" - {s['note']}" if s["note"] else ""
        click.echo(f"  {s['request_id'][:18]}… {s['kind']:4} {s['step']:18} {s['status']:14}{note}")


@main.command()
@config_option
@_friendly
def doctor(source: ConfigSource) -> None:
    """Check config, RPC, keys, adapters and database; print what is wrong and how to fix it."""
    import asyncio

    from relayer.doctor import diagnose

    problems = asyncio.run(diagnose(source, click.echo))
    if problems:
        click.secho(f"{problems} problem(s) found", fg="red")
        sys.exit(1)
    click.secho("all checks passed", fg="green")


@main.command()
@config_option
@click.option("--from-block", "from_block", type=click.IntRange(min=0), required=True,
              help="first block to read Minter events from again")
@_friendly
def replay(source: ConfigSource, from_block: int) -> None:
    """Re-read Minter events from a block on the daemon's next loop. Safe: requests already known are not
    processed again (a request id makes one saga, ever)."""

    config = _load(source)
    store = config.open_store()
    from relayer.watcher import cursor_key

    key = cursor_key(config.network, config.minter)
    store.forget_blocks_from(key, from_block)
    store.set_cursor(key, from_block - 1)
    store.close()
    click.echo(f"cursor set to {from_block - 1}; the daemon re-reads events from block {from_block}")


@main.command()
@config_option
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@_friendly
def api(source: ConfigSource, log_level: str) -> None:
    """Serve the service API (REST, the /v1/stream WebSocket, operator calls, the Sumsub webhook) on api.port,
    next to the daemon and on the same database. Also publishes the event outbox to NATS JetStream when
    events.nats_url is set, and writes KYC decisions to the registry when a kyc section is configured.

    \b
    Specs: docs/api/openapi.yaml (REST), docs/api/asyncapi.yaml (bus and WebSocket).
    Prints "listening on http://HOST:PORT" once it accepts connections (port 0 picks a free one)."""
    from relayer.api.server import run_forever as run_api
    from relayer.observability import configure_logging

    configure_logging(log_level.upper())
    run_api(_load(source))


@main.command("api-spec")
@click.argument("kind", type=click.Choice(["openapi", "asyncapi"]))
def api_spec(kind: str) -> None:
    """Print the OpenAPI 3.1 or AsyncAPI 3.0 document generated from the code (what docs/api/ must contain):
    rat-relayer api-spec openapi > docs/api/openapi.yaml"""
    from relayer.api.spec import asyncapi_document, openapi_document, to_yaml

    click.echo(to_yaml(openapi_document() if kind == "openapi" else asyncapi_document()), nl=False)


@main.command()
@config_option
@click.option("--aml-record-days", type=click.IntRange(min=5 * 365), default=5 * 365, show_default=True,
              help="AML record-keeping period (3650 for a Liechtenstein entity, SPG art. 20)")
@click.option("--client-ip-days", type=click.IntRange(min=1), default=365, show_default=True,
              help="how long operators' IP addresses stay in the audit log")
@click.option("--request-event-days", type=click.IntRange(min=STREAM_REPLAY_DAYS), default=365, show_default=True,
              help="how long published requests.* outbox rows stay (at least the WebSocket stream's replay window)")
@_friendly
def purge(source: ConfigSource, aml_record_days: int, client_ip_days: int, request_event_days: int) -> None:
    """Erase personal data whose retention period is over (KYC applicant rows, kyc.* events, finished sagas),
    trim old published requests.* events and redact old operator IP addresses. Safe to run daily and repeatedly
    (docs/data/lifecycle.md)."""
    from relayer.store.retention import RetentionPolicy, purge as run_purge

    store = _load(source).open_store()
    report = run_purge(store, RetentionPolicy(aml_record_days=aml_record_days, client_ip_days=client_ip_days,
                                              request_event_days=request_event_days))
    store.close()
    click.echo(" ".join(f"{k}={v}" for k, v in report.model_dump().items()))


@main.group()
def breaker() -> None:
    """Inspect or reset the custody circuit breaker."""


@breaker.command("reset")
@config_option
@click.option("--reason", required=True, help="what was reconciled (kept in the audit trail)")
@_friendly
def breaker_reset(source: ConfigSource, reason: str) -> None:
    """Close the breaker after custody and on-chain supply have been reconciled."""
    from relayer.saga import CUSTODY_BREAKER

    store = _load(source).open_store()
    store.set_breaker(CUSTODY_BREAKER, False, f"reset: {reason}")
    store.close()
    click.echo("circuit breaker closed; blocked sagas resume on the daemon's next loop")


@main.group()
def saga() -> None:
    """Act on one request's saga as an operator (audited like the API's operator calls)."""


def _saga_action(source: ConfigSource, request_id: str, act) -> None:
    import getpass
    import re

    from relayer import operator_actions as actions

    if not re.fullmatch(r"0x[0-9a-fA-F]{64}", request_id):
        raise click.BadParameter("a request id is 0x followed by 64 hex digits", param_hint="REQUEST_ID")
    config = _load(source)
    store = config.open_store()
    try:
        with store.transaction() as conn:
            act(actions, conn, request_id.lower(), f"cli:{getpass.getuser()}")
    except actions.ActionRefused as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()


@saga.command("retry")
@config_option
@click.argument("request_id")
@click.option("--note", required=True, help="why (kept in the audit log)")
@_friendly
def saga_retry(source: ConfigSource, request_id: str, note: str) -> None:
    """Make a waiting or stuck saga due now, with its failure count reset; it resumes from its last durable
    step on the daemon's next loop."""
    _saga_action(source, request_id, lambda a, conn, rid, who: a.retry(conn, rid, who, note, "cli"))
    click.echo(f"{request_id}: due now; the daemon resumes it from its last durable step")


@saga.command("reject")
@config_option
@click.argument("request_id")
@click.option("--reason", required=True, type=click.Choice(["MARKET_CLOSED", "BROKER_REJECTED",
              "PRICE_LIMIT_UNREACHABLE", "COMPLIANCE_HOLD", "ASSET_HALTED", "RESERVES_UNAVAILABLE"]),
              help="the Minter's reject reason")
@click.option("--note", required=True, help="why (kept in the audit log and the saga)")
@_friendly
def saga_reject(source: ConfigSource, request_id: str, reason: str, note: str) -> None:
    """Reject a request on-chain (its escrow is refunded); refused once a fulfilment was signed."""
    _saga_action(source, request_id, lambda a, conn, rid, who: a.reject(conn, rid, who, reason, note, "cli"))
    click.echo(f"{request_id}: rejecting; the daemon sends the Minter's reject on its next loop")


@main.group("travel-rule")
def travel_rule() -> None:
    """FATF Travel Rule over TRP 3 (docs/regulator/travel-rule.md). The operator calls (ask for a go, confirm,
    cancel) are on the service API under /v1/operator/travel-rule; these commands run the counterparty-facing
    side."""


@travel_rule.command("serve")
@config_option
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@_friendly
def travel_rule_serve(source: ConfigSource, log_level: str) -> None:
    """Serve the TRP listener on travel_rule.port with mutual TLS: other VASPs' inquiries for this operator's
    investors and the callbacks of this operator's own inquiries. Needs RAT_SUMSUB_APP_TOKEN and
    RAT_SUMSUB_SECRET_KEY (or the variables travel_rule names) to screen beneficiaries' names.

    \b
    Prints "listening on https://HOST:PORT" once it accepts connections (port 0 picks a free one)."""
    import asyncio
    import signal

    from relayer.observability import configure_logging
    from relayer.travel_rule.wiring import serve_listener

    configure_logging(log_level.upper())
    config = _load(source)

    async def run() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await serve_listener(config, stop)

    asyncio.run(run())


@travel_rule.command("decode")
@click.argument("travel_address")
@_friendly
def travel_rule_decode(travel_address: str) -> None:
    """Print the inquiry URL inside a TRP Travel Address (checks its checksum and form)."""
    from relayer.travel_rule.address import TravelAddressError, decode

    try:
        click.echo(decode(travel_address))
    except TravelAddressError as exc:
        raise RelayerError(f"not a Travel Address: {exc}", hint="a Travel Address starts with 'ta' and is "
                           "base58check; ask the beneficiary's VASP for a fresh one") from None


@main.group()
def keys() -> None:
    """Development keys: encrypted JSON keystores (the format of `ape accounts`)."""


@keys.command("new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--passphrase-env", required=True, help="environment variable holding the passphrase to encrypt with")
@_friendly
def keys_new(path: Path, passphrase_env: str) -> None:
    """Create a fresh key in an encrypted keystore at PATH and print its address (never the key)."""
    import os

    from relayer.errors import SignerLocked
    from relayer.signers import KeystoreSigner

    if path.exists():
        raise RelayerError(f"{path} exists", hint="choose another path; keystores are never overwritten")
    passphrase = os.environ.get(passphrase_env)
    if not passphrase:
        raise SignerLocked(f"environment variable {passphrase_env} is not set")
    click.echo(KeystoreSigner.create(path, passphrase))


if __name__ == "__main__":
    main()
