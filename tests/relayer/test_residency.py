"""Regional deployments (decision 0044): a relayer configured with `residency.jurisdictions` takes only the
requests of investors the ComplianceRegistry records as resident there; the other region's relayer takes the rest."""

from __future__ import annotations

import pytest
import yaml
from e2e import drive_until, finished, saga_of, started
from pydantic import ValidationError

from rat.minting import request_mint
from relayer.residency import ResidencyConfig

pytestmark = pytest.mark.anyio

USDC = 10**6


def regional(config_path, registry: str, jurisdictions: list[str]):
    config = yaml.safe_load(config_path.read_text())
    config["residency"] = {"registry": registry, "jurisdictions": jurisdictions}
    config_path.write_text(yaml.safe_dump(config))
    return config_path


@pytest.fixture
def alices_request(deployment, alice, token, chain):
    """A mint request by Alice, whom the suite's KYC fixture records as resident in Brazil (BR)."""
    ms, usdc = deployment
    return request_mint(ms, alice, token, usdc, 1_000 * USDC, 200 * USDC, chain.pending_timestamp + 3600)


async def test_a_relayer_for_other_jurisdictions_does_not_pick_up_the_request(
        relayer_config, stack, alices_request):
    daemon = await started(regional(relayer_config, stack.registry.address, ["LI", "AT", "DE"]))
    try:
        await drive_until(daemon, lambda: daemon.watcher.target > 0
                          and daemon.watcher.cursor() >= daemon.watcher.target)
        assert saga_of(daemon, alices_request) is None
        assert daemon.store.sagas() == []
        assert daemon.watcher.on_event.skipped == 1
    finally:
        await daemon.stop()


async def test_the_relayer_of_the_investors_jurisdiction_fulfils_the_request(
        relayer_config, stack, alices_request):
    daemon = await started(regional(relayer_config, stack.registry.address, ["BR", "AR"]))
    try:
        await drive_until(daemon, finished(daemon, alices_request))
        assert daemon.watcher.on_event.skipped == 0
    finally:
        await daemon.stop()


async def test_the_jurisdiction_is_read_at_the_requests_block_so_a_later_kyc_move_changes_nothing(
        relayer_config, stack, kyc, alice, alices_request):
    kyc(alice, country="LI")  # mined after the request: the LatAm relayer still owns it, the EEA one still not
    daemon = await started(regional(relayer_config, stack.registry.address, ["LI"]))
    try:
        await drive_until(daemon, lambda: daemon.watcher.target > 0
                          and daemon.watcher.cursor() >= daemon.watcher.target)
        assert saga_of(daemon, alices_request) is None and daemon.watcher.on_event.skipped == 1
    finally:
        await daemon.stop()


def test_the_residency_config_refuses_codes_that_are_not_iso_alpha_2():
    with pytest.raises(ValidationError, match="alpha-2"):
        ResidencyConfig(registry="0x" + "11" * 20, jurisdictions=["BRA", "li"])


def test_the_residency_config_refuses_an_empty_jurisdiction_list():
    with pytest.raises(ValidationError):
        ResidencyConfig(registry="0x" + "11" * 20, jurisdictions=[])
