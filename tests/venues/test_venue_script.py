"""`ape run venue` as an operator runs it, against one persistent anvil (each command in the module's ape script
host; see tests/governance/test_scripts_end_to_end.py): deploy the venue of a listed asset, register it through a
governance proposal, create the approved pool, quote, list; every transaction command also has a --dry-run that
sends nothing."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

# The scripts' end-to-end harness (one anvil and one ape script host per module, a deployed system with rAAPL
# listed through governance), shared rather than copied.
_spec = importlib.util.spec_from_file_location(
    "scripts_end_to_end", Path(__file__).resolve().parents[1] / "governance" / "test_scripts_end_to_end.py")
_harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_harness)
ape_run, cast = _harness.ape_run, _harness.cast
node, records, listed = _harness.node, _harness.records, _harness.listed


@pytest.fixture(scope="module")
def venue(node, records, listed) -> dict:  # noqa: F811
    ape_run(node, records, "venue", "deploy", "rAAPL", "--quote", "NEW", "--account", "TEST::0")
    return json.loads((records / "local-venues.json").read_text())


def test_a_proposal_dry_run_prints_the_registration_and_the_approved_pool(node, records, venue):  # noqa: F811
    output = ape_run(node, records, "venue", "propose", "rAAPL", "--fee", "3000", "--tick-spacing", "60",
                     "--account", "TEST::0", "--dry-run").stdout
    assert "registerVenue(rAAPL" in output and "approvePool(3000, 60)" in output
    assert output.count("setRouter(") == 2 and "RatGovernor.propose(4 actions" in output


def test_the_venue_is_registered_through_governance_then_its_pool_is_created_and_listed(node, records, venue):  # noqa: F811
    ape_run(node, records, "venue", "propose", "rAAPL", "--account", "TEST::0", "--pass-locally")
    created = ape_run(node, records, "venue", "create-pool", "rAAPL", "--price", "1", "--account", "TEST::0").stdout
    assert "rAAPL pool at 1" in created
    listing = ape_run(node, records, "venue", "list").stdout
    hook = venue["venues"]["rAAPL"]["hook"]
    assert f"rAAPL: hook {hook} ACTIVE, fee 3000, tick spacing 60" in listing


def test_a_swap_dry_run_prints_the_router_call_and_sends_nothing(node, records, venue):  # noqa: F811
    before = cast(node, "block-number")
    output = ape_run(node, records, "venue", "swap", "rAAPL", "--buy", "--amount", "10", "--account", "TEST::0",
                     "--dry-run").stdout
    assert f"{venue['router']}.swapExactInputSingle: data=0x" in output
    assert cast(node, "block-number") == before


def test_a_second_venue_for_the_same_asset_is_refused(node, records, venue):  # noqa: F811
    result = ape_run(node, records, "venue", "deploy", "rAAPL", "--quote", "NEW", "--account", "TEST::0",
                     expect_ok=False)
    assert result.returncode != 0 and "already has a venue" in result.stdout + result.stderr
