"""The Grafana dashboards in ops/grafana/ are what ops/grafana/generate.py produces, every panel queries only
metrics the relayer really exports (names read from live registries), and every exported metric is on a panel."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from relayer.observability import ApiMetrics, Metrics, all_exported_names, exported_names

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "ops" / "grafana"
METRIC = re.compile(r"\brelayer_[a-z0-9_]+\b")


def generator():
    spec = importlib.util.spec_from_file_location("grafana_generate", GRAFANA / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def panels(name: str) -> list[dict]:
    return [p for p in json.loads((GRAFANA / name).read_text())["panels"] if p["type"] != "row"]


def test_the_committed_dashboards_are_what_the_code_generates():
    assert generator().main(["--check"]) == 0, "run python ops/grafana/generate.py"


@pytest.mark.parametrize("name", ["relayer.json", "api.json"])
def test_every_panel_queries_metrics_the_relayer_exports(name):
    exported = all_exported_names()
    for panel in panels(name):
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            names = set(METRIC.findall(target["expr"]))
            assert names and names <= exported, (panel["title"], names - exported)


@pytest.mark.parametrize("name", ["relayer.json", "api.json"])
def test_every_panel_has_distinct_query_ids_and_uses_the_datasource_variable(name):
    for panel in panels(name):
        ids = [t["refId"] for t in panel["targets"]]
        assert len(set(ids)) == len(ids) and all(ids), panel["title"]
        assert all(t["datasource"]["uid"] == "${datasource}" for t in panel["targets"]), panel["title"]


def test_every_exported_metric_is_on_a_dashboard():
    shown = {m for name in ("relayer.json", "api.json") for p in panels(name) for t in p["targets"]
             for m in METRIC.findall(t["expr"])}
    api = ApiMetrics()
    api.with_outbox()
    api.with_kyc_fanout()
    families = {family(n) for n in exported_names(Metrics().registry) | exported_names(api.registry)}
    assert families - {family(n) for n in shown} == set()


def family(name: str) -> str:
    return re.sub(r"_(bucket|sum|count)$", "", name)
