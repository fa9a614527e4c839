"""Each stack is declared once per session under Pulumi's mocks (a few seconds for all of them) and shared by
the tests, which only read the recorded declarations."""

from __future__ import annotations

import pytest
from custody_stack import custody_settings
from infra_queries import DeclaredStack
from rat_infra.offline import declare
from rat_infra.stack_files import load_stack_settings, stack_names

STACKS = stack_names()


@pytest.fixture(scope="session")
def declared_stacks() -> dict[str, DeclaredStack]:
    stacks = {}
    for name in STACKS:
        settings = load_stack_settings(name)
        stacks[name] = DeclaredStack(settings, declare(settings))
    return stacks


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest, declared_stacks: dict[str, DeclaredStack]) -> DeclaredStack:
    return declared_stacks[request.param]


@pytest.fixture
def staging(declared_stacks: dict[str, DeclaredStack]) -> DeclaredStack:
    return declared_stacks["staging"]


@pytest.fixture
def prod(declared_stacks: dict[str, DeclaredStack]) -> DeclaredStack:
    return declared_stacks["prod"]


@pytest.fixture
def eea(declared_stacks: dict[str, DeclaredStack]) -> DeclaredStack:
    (name,) = [n for n, s in declared_stacks.items()
               if s.settings.data_residency == "eea" and not s.settings.is_standby]
    return declared_stacks[name]


@pytest.fixture
def eea_dr(declared_stacks: dict[str, DeclaredStack]) -> DeclaredStack:
    """prod-eea's warm standby (decision 0073)."""
    (name,) = [n for n, s in declared_stacks.items()
               if s.settings.data_residency == "eea" and s.settings.is_standby]
    return declared_stacks[name]


@pytest.fixture(scope="session")
def custody_stack() -> DeclaredStack:
    """The custodian's stack (`deploys: custody-attestor`), declared once (custody_stack.py)."""
    settings = custody_settings()
    return DeclaredStack(settings, declare(settings))
