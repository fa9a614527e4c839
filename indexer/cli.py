"""`rat-indexer`: the analytics mirror's command line (follow, reconcile, supply, sql, purge, migrate, abis)."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from pathlib import Path

import click
from prometheus_client import CollectorRegistry, Gauge, start_http_server, write_to_textfile
from sqlalchemy import text

from indexer import VERSION
from indexer.deployment import BridgeRecord, DeploymentFile, parse_contract_option
from indexer.events import ABI_FILE, BUILD_MANIFEST, extract_abis, write_abis
from indexer.follower import Follower, FollowPolicy, ReorgTooDeep
from indexer.reconcile import NothingMirrored, Reconciler, Report
from indexer.retention import RECONCILIATION_DAYS, MirrorRetention
from indexer.retention import purge as run_purge
from indexer.store import MirrorStore
from relayer.errors import RpcError, RpcUnavailable
from relayer.rpc import Rpc

DEFAULT_DB = "sqlite:///rat-indexer.sqlite"
RPC_OPTION = click.option("--rpc-url", envvar="RAT_INDEXER_RPC_URL", default="http://127.0.0.1:8545",
                          show_default=True, help="JSON-RPC endpoint of the chain to mirror.")
DB_OPTION = click.option("--db", "db_url", envvar="RAT_INDEXER_DB", default=DEFAULT_DB, show_default=True,
                         help="SQLAlchemy URL of the mirror: sqlite:///file.sqlite or postgresql://host/db.")


def _store(db_url: str) -> MirrorStore:
    try:
        return MirrorStore(db_url)
    except Exception as exc:  # the driver's own error types differ per database; the message is what helps
        raise click.ClickException(f"cannot open the mirror at {db_url}: {exc.__class__.__name__}: {exc}") from None


@click.group()
@click.version_option(VERSION, prog_name="rat-indexer")
@click.option("-v", "--verbose", is_flag=True, help="Log every batch and reorg.")
def main(verbose: bool) -> None:
    """Mirrors every RAT contract of a deployment into SQL with lineage, reorg safety and reconciliation.

    \b
    Typical use:
      rat-indexer follow --deployment deployments/sepolia.json --db postgresql://host/rat --confirmations 12
      rat-indexer reconcile --db postgresql://host/rat            # exits 1 and reports on any difference
      rat-indexer sql --db ... "SELECT holder, shares FROM balances"
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")


@main.command()
@RPC_OPTION
@DB_OPTION
@click.option("--deployment", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="deployments/<network>.json: follows every contract and asset recorded there.")
@click.option("--contract", "contracts", multiple=True, metavar="KIND[:LABEL]=0xADDR",
              help="A contract to follow besides the deployment's (repeatable), e.g. Minter=0x… or "
                   "RealAssetToken:rAAPL=0x…. Tokens listed later through AssetLister or the Minter are found.")
@click.option("--bridge-record", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="<network>-bridge.json (`ape run bridge`): follows each asset's RatCcipPool on this chain, for "
                   "the per-chain supply (`rat-indexer supply`). The assets themselves come from --deployment.")
@click.option("--network", default=None, help="Network name recorded with the cursor (default: the deployment's).")
@click.option("--confirmations", default=2, show_default=True, type=click.IntRange(0),
              help="Blocks below the head before a block is mirrored; a reorg within them never reaches the mirror.")
@click.option("--finality-tag", type=click.Choice(["safe", "finalized"]), default=None,
              help="Mirror up to this block tag instead of head − confirmations.")
@click.option("--batch-blocks", default=2000, show_default=True, type=click.IntRange(1))
@click.option("--reorg-window", default=256, show_default=True, type=click.IntRange(1),
              help="Mirrored blocks whose hash is kept to find the common ancestor of a reorg.")
@click.option("--start-block", default=None, type=click.IntRange(0),
              help="First block to mirror (default: the deployment's first block, else 0).")
@click.option("--once", is_flag=True, help="Stop once caught up with the confirmed head.")
@click.option("--until-block", default=None, type=click.IntRange(0), help="Mirror up to this block, then stop.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls once caught up.")
@click.option("--metrics-port", default=None, type=int, help="Serve Prometheus metrics on this port.")
def follow(rpc_url: str, db_url: str, deployment: Path | None, contracts: tuple[str, ...], bridge_record: Path | None,
           network: str | None,
           confirmations: int, finality_tag: str | None, batch_blocks: int, reorg_window: int,
           start_block: int | None, once: bool, until_block: int | None, interval: float,
           metrics_port: int | None) -> None:
    """Mirror the chain: backfill from the cursor, then follow the head (reorg-safe, restartable anywhere)."""
    record = DeploymentFile.read(deployment) if deployment else None
    try:
        followed = (record.followed() if record else []) + [parse_contract_option(c) for c in contracts]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--contract") from None
    if bridge_record is not None:
        bridge = BridgeRecord.read(bridge_record)
        if record is not None and bridge.chain_id != record.chain_id:
            raise click.BadParameter(f"the bridge record is for chain {bridge.chain_id}, the deployment for "
                                     f"{record.chain_id}", param_hint="--bridge-record")
        followed += bridge.followed(record.first_block if record else 0)
    start = start_block if start_block is not None else (record.first_block if record else 0)
    policy = FollowPolicy(confirmations=confirmations, finality_tag=finality_tag, batch_blocks=batch_blocks,
                          reorg_window=reorg_window, start_block=start)
    store = _store(db_url)
    try:
        asyncio.run(_follow(rpc_url, store, record, followed, network or (record.network if record else "local"),
                            policy, once, until_block, interval, metrics_port))
    except (RpcUnavailable, ReorgTooDeep) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()


async def _follow(rpc_url, store, record, followed, network, policy, once, until_block, interval,
                  metrics_port) -> None:
    rpc = Rpc(rpc_url)
    try:
        chain_id = await rpc.chain_id()
        if record is not None and record.chain_id != chain_id:
            raise click.ClickException(f"the deployment is for chain {record.chain_id}, the node serves {chain_id}")
        store.follow(chain_id, followed)
        follower = Follower(rpc, store, chain_id, network, policy)
        follower.ceiling = until_block
        gauges = _follow_metrics(metrics_port)
        while True:
            try:
                await follower.tick()
            except RpcError as exc:
                if isinstance(exc, ReorgTooDeep):
                    raise
                logging.getLogger("indexer").warning("retrying after: %s", exc)
                await asyncio.sleep(min(interval, 1.0))
                continue
            cursor = follower.cursor()
            if gauges:
                gauges["cursor"].set(cursor)
                gauges["lag"].set(max(0, follower.head - cursor))
            if cursor >= follower.target:
                if once or (until_block is not None and cursor >= until_block):
                    click.echo(f"mirrored chain {chain_id} up to block {cursor}")
                    return
                await asyncio.sleep(interval)
    finally:
        await rpc.aclose()


def _follow_metrics(port: int | None) -> dict[str, Gauge] | None:
    if port is None:
        return None
    registry = CollectorRegistry()
    gauges = {
        "cursor": Gauge("rat_indexer_cursor_block", "Last block mirrored", registry=registry),
        "lag": Gauge("rat_indexer_lag_blocks", "Chain head minus the last mirrored block", registry=registry),
    }
    start_http_server(port, registry=registry)
    return gauges


@main.command()
@RPC_OPTION
@DB_OPTION
@click.option("--sample", default=50, show_default=True, type=click.IntRange(1),
              help="Holders per asset whose balanceOf/sharesOf are compared (all of them when fewer).")
@click.option("--seed", default=None, type=int, help="Seed of the holder sample (default: random).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--continuous", is_flag=True, help="Reconcile every --interval seconds until stopped.")
@click.option("--interval", default=60.0, show_default=True)
@click.option("--metrics-port", default=None, type=int, help="Serve the reconciliation metrics on this port.")
@click.option("--metrics-file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Write the metrics to this file (node_exporter's textfile collector).")
def reconcile(rpc_url: str, db_url: str, sample: int, seed: int | None, as_json: bool, continuous: bool,
              interval: float, metrics_port: int | None, metrics_file: Path | None) -> None:
    """Compare the mirror with the chain at the mirror's block; exit 1 with a report on any difference.

    \b
    Checks: Σ balances = totalSupply() per asset; sampled holders' balanceOf and sharesOf; the latest reserve
    round = ReserveRegistry.latestRoundData; fee vault buckets = FeesBooked − FeeWithdrawn.
    Metric: rat_indexer_reconciliation_differences (0 when balanced), alert rule in ops/prometheus/.
    """
    store = _store(db_url)
    registry = CollectorRegistry()
    differences = Gauge("rat_indexer_reconciliation_differences",
                        "Differences found by the last reconciliation (0 = the mirror equals the chain)",
                        registry=registry)
    checked = Gauge("rat_indexer_reconciliation_block", "Block of the last reconciliation", registry=registry)
    last_ok = Gauge("rat_indexer_reconciliation_last_run_timestamp_seconds",
                    "Unix time of the last completed reconciliation", registry=registry)
    if metrics_port is not None:
        start_http_server(metrics_port, registry=registry)
    try:
        while True:
            try:
                report = asyncio.run(_reconcile(rpc_url, store, sample, seed))
            except (RpcUnavailable, NothingMirrored) as exc:
                if not continuous:
                    raise click.ClickException(str(exc)) from None
                click.echo(f"reconcile: {exc}", err=True)
            else:
                differences.set(len(report.differences))
                checked.set(report.block)
                last_ok.set_to_current_time()
                if metrics_file:
                    write_to_textfile(str(metrics_file), registry)
                click.echo(report.as_json() if as_json else report.render())
                if not continuous:
                    sys.exit(0 if report.balanced else 1)
            time.sleep(interval)
    finally:
        store.close()


async def _reconcile(rpc_url: str, store: MirrorStore, sample: int, seed: int | None) -> Report:
    rpc = Rpc(rpc_url)
    try:
        return await Reconciler(rpc, store, await rpc.chain_id(), sample, seed).run()
    finally:
        await rpc.aclose()


@main.command()
@DB_OPTION
@click.option("--chain-id", type=int, default=None, help="The mirrored chain (default: the only one in the mirror).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per asset instead of a table.")
def supply(db_url: str, chain_id: int | None, as_json: bool) -> None:
    """Per-chain supply of every bridged asset in the mirror (ADR 0106): total supply, what its RatCcipPool burned
    for other chains and minted from them (per lane), the quarantine escrow and the pool's net bridged-out amount.
    Run it against each chain's mirror; the sum of total supply over chains is what the reserves must cover."""
    store = _store(db_url)
    try:
        if chain_id is None:
            with store.engine.connect() as conn:
                ids = [r[0] for r in conn.execute(text("SELECT chain_id FROM indexer_cursor"))]
            if len(ids) != 1:
                raise click.ClickException(f"the mirror holds chains {ids}: name one with --chain-id")
            chain_id = ids[0]
        rows = store.chain_supply(chain_id)
    finally:
        store.close()
    for row in rows:
        body = {"chain_id": row.chain_id, "asset": row.asset, "symbol": row.symbol, "pool": row.pool,
                "total_supply": str(row.total_supply), "shares": str(row.shares),
                "bridged_out": str(row.bridged_out), "bridged_in": str(row.bridged_in),
                "quarantined": str(row.quarantined), "net_bridged_out": str(row.net_bridged_out),
                "lanes": [{"remote_chain_selector": str(lane.remote_chain_selector),
                           "bridged_out": str(lane.bridged_out), "bridged_in": str(lane.bridged_in)}
                          for lane in row.lanes],
                "last_block": row.last_block}
        if as_json:
            click.echo(json.dumps(body))
        else:
            click.echo(f"{row.symbol or row.asset}  chain {row.chain_id}  supply {row.total_supply}  out "
                       f"{row.bridged_out}  in {row.bridged_in}  quarantined {row.quarantined}  net out "
                       f"{row.net_bridged_out}")


@main.command()
@DB_OPTION
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per row instead of a table.")
def sql(db_url: str, query: str, as_json: bool) -> None:
    """Run one read-only SQL query against the mirror and print the rows."""
    store = _store(db_url)
    try:
        with store.engine.connect() as conn:
            if store.postgres:
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            else:
                conn.exec_driver_sql("PRAGMA query_only = ON")
            try:
                result = conn.execute(text(query))
            except Exception as exc:  # the database's own error (syntax, unknown column) is the useful message
                raise click.ClickException(str(getattr(exc, "orig", exc)).strip()) from None
            columns = list(result.keys())
            rows = [list(r) for r in result]
            if not store.postgres:
                conn.exec_driver_sql("PRAGMA query_only = OFF")
    finally:
        store.close()
    if as_json:
        for row in rows:
            click.echo(json.dumps(dict(zip(columns, row)), default=str))
        return
    widths = [max([len(c)] + [len(str(r[i])) for r in rows]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in rows:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)))


@main.command()
@DB_OPTION
@click.option("--reconciliation-days", default=RECONCILIATION_DAYS, show_default=True, type=click.IntRange(1),
              help="Days a `reconcile` run stays in `reconciliations` (each chain's newest run always stays).")
def purge(db_url: str, reconciliation_days: int) -> None:
    """Delete mirror rows past their table's retention (docs/data/lifecycle.md); safe to run daily.

    Only `reconciliations` has a finite retention (two years); every other table is permanent or already rolling
    (`indexed_blocks`), and the whole mirror can be rebuilt from the chain."""
    store = _store(db_url)
    try:
        report = run_purge(store, MirrorRetention(reconciliation_days=reconciliation_days))
    finally:
        store.close()
    click.echo(" ".join(f"{k}={v}" for k, v in report.model_dump().items()))


@main.command()
@DB_OPTION
def migrate(db_url: str) -> None:
    """Create or upgrade the mirror's tables (follow and reconcile do it too)."""
    _store(db_url).close()
    click.echo(f"mirror schema up to date at {db_url}")


@main.command()
@click.option("--check", is_flag=True, help="Exit 1 when indexer/event_abis.json differs from the compiled ABIs.")
def abis(check: bool) -> None:
    """Refresh indexer/event_abis.json from the compiled contracts (.build/, after `ape compile`)."""
    if not BUILD_MANIFEST.exists():
        raise click.ClickException(f"{BUILD_MANIFEST} is missing: run `ape compile` first")
    if check:
        if json.loads(ABI_FILE.read_text()) != extract_abis():
            raise click.ClickException(f"{ABI_FILE} is stale: run `rat-indexer abis`")
        click.echo("event ABIs up to date")
        return
    write_abis()
    click.echo(f"wrote {ABI_FILE}")
