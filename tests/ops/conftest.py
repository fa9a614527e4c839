"""Checks of what ships in ops/ (Prometheus rules, Grafana dashboards) and of the relayer's traces. None needs a
chain: when only these tests are selected, Ape's pytest plugin is unregistered before it starts anvil (as in
tests/docs/conftest.py), and the suite-wide account fixture is replaced by a no-op."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

OPS_TESTS = Path(__file__).resolve().parent
APE_PLUGINS = ("ape-test", "ape-fixtures")


@pytest.fixture(scope="session", autouse=True)
def _named_accounts():
    """Overrides tests/conftest.py's autouse fixture, which needs Ape's `accounts` (and so a chain)."""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if items and all(OPS_TESTS in Path(str(item.path)).resolve().parents for item in items):
        for name in APE_PLUGINS:
            plugin = config.pluginmanager.get_plugin(name)
            if plugin is not None:
                config.pluginmanager.unregister(plugin)


@pytest.fixture(scope="session")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.skip("promtool not found: install Debian's `prometheus` package (tools/bootstrap.sh does, as root)")
    return path
