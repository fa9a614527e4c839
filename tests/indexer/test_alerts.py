"""The mirror's alert rules are valid Prometheus rules, fire as their promtool unit tests specify, and only name
metrics the indexer exports."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "ops" / "prometheus" / "indexer-alerts.yml"
promtool = shutil.which("promtool")


@pytest.mark.skipif(promtool is None, reason="promtool is not installed (apt-get install prometheus)")
def test_the_alert_rules_pass_their_promtool_unit_tests():
    for command in (["check", "rules", RULES.name], ["test", "rules", "indexer-alerts.test.yml"]):
        result = subprocess.run([promtool, *command], cwd=RULES.parent, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_alert_rules_name_only_metrics_the_indexer_exports():
    source = (ROOT / "indexer" / "cli.py").read_text()
    exported = set(re.findall(r'Gauge\(\s*"(rat_indexer_\w+)"', source))
    rules = yaml.safe_load(RULES.read_text())["groups"][0]["rules"]
    used = {name for rule in rules for name in re.findall(r"rat_indexer_\w+", rule["expr"])}
    assert used and used <= exported, used - exported
