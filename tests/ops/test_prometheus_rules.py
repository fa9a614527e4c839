"""The alert rules in ops/prometheus/alerts.yml: valid for Prometheus, unit-tested by promtool, each alert tested
firing at least once, and every metric they query exported by the relayer (so no rule watches a name that never
appears; an `absent()` rule would fire for ever on a typo)."""

from __future__ import annotations

import re
import subprocess

from pathlib import Path

import yaml

from relayer.observability import all_exported_names

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "ops" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "ops" / "prometheus" / "alerts.test.yml"
PROMETHEUS_OWN = {"up"}  # series Prometheus itself writes for every target
METRIC = re.compile(r"\b((?:relayer_)[a-z0-9_]+|up)\b")


def alerts() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def test_promtool_accepts_the_rule_file(promtool):
    result = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rule_unit_tests_pass_under_promtool(promtool):
    result = subprocess.run([promtool, "test", "rules", str(RULE_TESTS)], capture_output=True, text=True,
                            timeout=120, cwd=RULE_TESTS.parent)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test_in_which_it_fires():
    tests = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    fired = {case["alertname"] for test in tests for case in test.get("alert_rule_test", []) if case["exp_alerts"]}
    assert {rule["alert"] for rule in alerts()} - fired == set()


def test_every_metric_a_rule_queries_is_exported_by_the_relayer_or_prometheus():
    exported = all_exported_names() | PROMETHEUS_OWN
    queried = {name for rule in alerts() for name in METRIC.findall(rule["expr"])}
    assert queried - exported == set()


def test_the_staleness_rules_cover_both_jobs():
    absent = [rule["expr"] for rule in alerts() if rule["expr"].startswith("absent(")]
    assert any('job="rat-relayer"' in expr for expr in absent) and any('job="rat-api"' in expr for expr in absent)


def test_every_alert_has_a_severity_a_summary_and_a_description():
    for rule in alerts():
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
