"""Generates the Grafana dashboards in ops/grafana/*.json from code (grafana-foundation-sdk), so a renamed metric is
a diff here and a failing test (tests/ops/test_grafana_dashboards.py), not a silently empty panel.

    python ops/grafana/generate.py          # rewrite the JSON files
    python ops/grafana/generate.py --check  # exit 1 when a committed file differs from what the code generates

Every query uses the `datasource` variable, so the dashboards import into any Grafana with a Prometheus source."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from grafana_foundation_sdk.builders import prometheus, stat, timeseries
from grafana_foundation_sdk.builders.dashboard import Dashboard, DatasourceVariable, Row
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef

HERE = Path(__file__).resolve().parent
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
RELAYER = 'job="rat-relayer"'
API = 'job="rat-api"'


def query(expr: str, legend: str = "") -> prometheus.Dataquery:
    q = prometheus.Dataquery().expr(expr).datasource(DATASOURCE)
    return q.legend_format(legend) if legend else q


def series(title: str, unit: str, *queries: prometheus.Dataquery, width: int = 12,
           description: str = "") -> timeseries.Panel:
    panel = timeseries.Panel().title(title).unit(unit).datasource(DATASOURCE).height(8).span(width)
    if description:
        panel = panel.description(description)
    for i, q in enumerate(queries):
        panel = panel.with_target(q.ref_id(chr(ord("A") + i)))
    return panel


def single(title: str, unit: str, expr: str, description: str = "") -> stat.Panel:
    panel = stat.Panel().title(title).unit(unit).datasource(DATASOURCE).height(4).span(4).with_target(query(expr).ref_id("A"))
    return panel.description(description) if description else panel


def relayer_dashboard() -> Dashboard:
    return (
        Dashboard("RAT relayer").uid("rat-relayer").tags(["rat", "relayer"]).refresh("30s")
        .time("now-6h", "now").timezone("utc")
        .with_variable(DatasourceVariable("datasource").label("Prometheus").type("prometheus"))
        .with_row(Row("Health"))
        .with_panel(single("Leaders", "none", f"sum(relayer_is_leader{{{RELAYER}}})",
                           "daemons holding the work lease: 1 is healthy, 0 means no intake"))
        .with_panel(single("Node reachable", "bool", f"min(relayer_rpc_up{{{RELAYER}}})"))
        .with_panel(single("Head age", "s", f"max(relayer_chain_head_age_seconds{{{RELAYER}}})",
                           "seconds since the newest block read was produced; grows while the node is unreachable"))
        .with_panel(single("Block lag", "none", f"max(relayer_block_lag{{{RELAYER}}})",
                           "empty while the node is unreachable: the lag is unknown then, not 0"))
        .with_panel(single("Circuit breaker open", "bool", f"max(relayer_circuit_breaker_open{{{RELAYER}}})"))
        .with_panel(single("Sender balance", "ETH", f"max(relayer_sender_balance_ether{{{RELAYER}}})"))
        .with_row(Row("Sagas"))
        .with_panel(series("Sagas by status", "none",
                           query(f"max by (status) (relayer_sagas{{{RELAYER}}})", "{{status}}"),
                           description="counted in the state store at every scrape"))
        .with_panel(series("Saga step latency (p95)", "s",
                           query("histogram_quantile(0.95, sum by (le, step) "
                                 f"(rate(relayer_saga_step_seconds_bucket{{{RELAYER}}}[5m])))", "{{step}}")))
        .with_panel(series("Request to fulfilment", "s",
                           query("histogram_quantile(0.5, sum by (le) "
                                 f"(rate(relayer_request_to_fulfilled_seconds_bucket{{{RELAYER}}}[15m])))", "p50"),
                           query("histogram_quantile(0.95, sum by (le) "
                                 f"(rate(relayer_request_to_fulfilled_seconds_bucket{{{RELAYER}}}[15m])))", "p95")))
        .with_panel(series("Failures by kind", "ops",
                           query(f"sum by (kind) (rate(relayer_failures_total{{{RELAYER}}}[5m]))", "{{kind}}")))
        .with_panel(series("Reorganisations", "short",
                           query(f"sum(increase(relayer_reorgs_total{{{RELAYER}}}[1h]))", "reorgs per hour")))
        .with_panel(series("Block cursor", "none",
                           query(f"max(relayer_last_processed_block{{{RELAYER}}})", "cursor")))
        .with_row(Row("Sender and signers"))
        .with_panel(series("Transactions by event", "ops",
                           query(f"sum by (event) (rate(relayer_transactions_total{{{RELAYER}}}[5m]))", "{{event}}")))
        .with_panel(series("Nonces not yet mined", "none",
                           query(f"max(relayer_sender_nonce_gap{{{RELAYER}}})", "gap")))
        .with_panel(series("Signatures by role", "ops",
                           query(f"sum by (role) (rate(relayer_signatures_total{{{RELAYER}}}[5m]))", "{{role}}")))
        .with_panel(series("Leadership by instance", "none",
                           query(f"relayer_is_leader{{{RELAYER}}}", "{{instance}}")))
        .with_row(Row("Collateral keeper (Morpho Blue)"))
        .with_panel(series("Unhealthy and overdue positions", "none",
                           query(f"max by (market) (relayer_collateral_unhealthy_positions{{{RELAYER}}})",
                                 "unhealthy {{market}}"),
                           query(f"max by (market) (relayer_collateral_overdue_positions{{{RELAYER}}})",
                                 "overdue {{market}}"),
                           description="unhealthy at the liquidation-context price; overdue: past the grace window "
                                       "with no liquidation"))
        .with_panel(series("Oracle state", "none",
                           query(f"max by (market, state) (relayer_collateral_oracle_state{{{RELAYER}}}) == 1",
                                 "{{market}} {{state}}")))
        .with_panel(series("Keeper liquidations by outcome", "short",
                           query("sum by (market, outcome) "
                                 f"(increase(relayer_collateral_liquidations_total{{{RELAYER}}}[1h]))",
                                 "{{market}} {{outcome}}")))
    )


def api_dashboard() -> Dashboard:
    return (
        Dashboard("RAT service API").uid("rat-api").tags(["rat", "api"]).refresh("30s")
        .time("now-6h", "now").timezone("utc")
        .with_variable(DatasourceVariable("datasource").label("Prometheus").type("prometheus"))
        .with_row(Row("Requests"))
        .with_panel(series("Requests by route and status", "reqps",
                           query(f"sum by (route, status) (rate(relayer_api_requests_total{{{API}}}[5m]))",
                                 "{{route}} {{status}}")))
        .with_panel(series("Latency by route (p95)", "s",
                           query("histogram_quantile(0.95, sum by (le, route) "
                                 f"(rate(relayer_api_request_seconds_bucket{{{API}}}[5m])))", "{{route}}")))
        .with_panel(series("Server errors", "reqps",
                           query(f'sum(rate(relayer_api_requests_total{{{API}, status=~"5.."}}[5m]))', "5xx"),
                           query(f"sum by (kind) (rate(relayer_api_unhandled_errors_total{{{API}}}[5m]))",
                                 "unhandled {{kind}}")))
        .with_panel(series("WebSocket connections", "none",
                           query(f"sum(relayer_api_websocket_connections{{{API}}})", "open")))
        .with_row(Row("Outbox and bus"))
        .with_panel(single("Bus reachable", "bool", f"max(relayer_bus_up{{{API}}})"))
        .with_panel(single("Outbox backlog", "none", f"max(relayer_outbox_backlog{{{API}}})"))
        .with_panel(single("Oldest unpublished", "s", f"max(relayer_outbox_oldest_unpublished_age_seconds{{{API}}})"))
        .with_panel(series("Published and failed", "ops",
                           query(f"sum(rate(relayer_outbox_published_total{{{API}}}[5m]))", "published"),
                           query(f"sum by (kind) (rate(relayer_outbox_publish_failures_total{{{API}}}[5m]))",
                                 "failed {{kind}}")))
        .with_row(Row("KYC fan-out (other chains)"))
        .with_panel(single("Wallets drifted", "none", f"max(relayer_kyc_registry_drift_wallets{{{API}}})"))
        .with_panel(single("Last drift check", "dateTimeFromNow",
                           f"max(relayer_kyc_drift_check_timestamp_seconds{{{API}}}) * 1000"))
        .with_panel(series("Decisions pending per chain", "none",
                           query(f"max by (chain) (relayer_kyc_fanout_pending{{{API}}})", "{{chain}}")))
    )


DASHBOARDS = {"relayer.json": relayer_dashboard, "api.json": api_dashboard}


def render(build) -> str:
    return json.dumps(json.loads(JSONEncoder(sort_keys=True, indent=2).encode(build().build())), indent=2,
                      sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    stale = []
    for name, build in DASHBOARDS.items():
        text, path = render(build), HERE / name
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print(f"out of date: {', '.join(stale)}; run python ops/grafana/generate.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
