"""Fixtures: two VASPs running RAT's Travel Rule service on one in-process network (trp_vasps.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from trp_vasps import Network, Vasp, vasp_on


@pytest.fixture
def network() -> Network:
    return Network()


@pytest.fixture
def vasp_a(tmp_path, network) -> Iterator[Vasp]:
    """Agora (Argentina), Alice's VASP: the originator in most tests."""
    yield from vasp_on(tmp_path, network, "trp.vasp-a.test", "Agora Exchange S.A.", "5493001KJTIIGC8Y1R12", "AR")


@pytest.fixture
def vasp_b(tmp_path, network) -> Iterator[Vasp]:
    """Another RAT operator (Brazil), Beatriz's VASP."""
    yield from vasp_on(tmp_path, network, "trp.vasp-b.test", "Banco Exemplo S.A.", "7LTWFZYICNSX8D621K86", "BR")
