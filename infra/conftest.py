"""Makes the Pulumi program's package importable as `rat_infra` whether pytest starts in infra/ or at the
repository root (where the rest of the suite lives), without installing it; and keeps a run of only the
infrastructure tests from starting a local chain they do not use."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

INFRA_DIR = Path(__file__).resolve().parent
if str(INFRA_DIR) not in sys.path:
    sys.path.insert(0, str(INFRA_DIR))

# Pulumi imports grpcio, whose fork handlers log a warning whenever Ape forks anvil in the same process.
# The mocks never open a gRPC channel, so there is nothing for those handlers to protect.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

# Ape's pytest plugin connects to (and so starts) anvil once any test is collected. Infrastructure tests run
# Pulumi's mocks only, so when they are all that was selected the plugin is unregistered before it connects.
# In a full-suite run the plugin stays: the contract tests need it, and it does not disturb these tests.
APE_PLUGINS = ("ape-test", "ape-fixtures")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if items and all(INFRA_DIR in Path(str(item.path)).resolve().parents for item in items):
        for name in APE_PLUGINS:
            plugin = config.pluginmanager.get_plugin(name)
            if plugin is not None:
                config.pluginmanager.unregister(plugin)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Pulumi's runtime asks for the current event loop; an `asyncio.run()` earlier in the same session (the
    relayer's tests use it) leaves none set, so give Pulumi a fresh one when that happened."""
    try:
        asyncio.get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())
