"""Documentation consistency checks: they read docs/, the compiled manifest, the relayer's migrations and the
test tree. None needs a chain, so when only these tests are selected Ape's pytest plugin is unregistered before it
connects to (and so starts) anvil, and the suite-wide account fixture is replaced by a no-op here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

DOCS_TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS_TESTS.parents[1] / "tools" / "docs"))

APE_PLUGINS = ("ape-test", "ape-fixtures")


@pytest.fixture(scope="session", autouse=True)
def _named_accounts():
    """Overrides tests/conftest.py's autouse fixture, which needs Ape's `accounts` (and so a chain)."""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if items and all(DOCS_TESTS in Path(str(item.path)).resolve().parents for item in items):
        for name in APE_PLUGINS:
            plugin = config.pluginmanager.get_plugin(name)
            if plugin is not None:
                config.pluginmanager.unregister(plugin)
