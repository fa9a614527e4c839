"""`ape run collateral` as an operator runs it, against one persistent anvil (each command in the module's ape
script host, one refusal in its own `ape` process; see tests/governance/test_scripts_end_to_end.py): deploy the
Morpho Blue market of a listed asset with its RatEquityOracle, register Morpho and the gateway as venues through
governance, accept the first price, read the oracle, supply liquidity; refusals print the decoded reason (Morpho's
own check, the oracle's state); every transaction command also has a --dry-run that sends nothing."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "scripts_end_to_end", Path(__file__).resolve().parents[1] / "governance" / "test_scripts_end_to_end.py")
_harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_harness)
ape_run, cast = _harness.ape_run, _harness.cast
node, records, listed = _harness.node, _harness.records, _harness.listed
DEPLOYER = _harness.DEPLOYER
HEARTBEAT = 600
LIQUIDATOR = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"  # TEST::5, KYC'd below
OUTSIDER = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"  # TEST::6, no KYC


@pytest.fixture(scope="module")
def market(node, records, listed) -> dict:  # noqa: F811
    ape_run(node, records, "collateral", "deploy", "rAAPL", "--loan", "NEW", "--feed", "NEW", "--price", "190",
            "--calendar", "always-open", "--heartbeat", str(HEARTBEAT), "--account", "TEST::0")
    ape_run(node, records, "collateral", "propose", "rAAPL", "--account", "TEST::0", "--pass-locally")
    return json.loads((records / "local-collateral.json").read_text())


def _oracle(node, records) -> dict:  # noqa: F811
    return json.loads(ape_run(node, records, "collateral", "oracle", "rAAPL").stdout)


def _fresh_round(node, market, per_share: int) -> None:  # noqa: F811
    """The feed answers `per_share` now (TEST::0 is anvil's unlocked deployer)."""
    feed = market["markets"]["rAAPL"]["feed"]
    now = int(cast(node, "block", "latest", "--field", "timestamp")) + 1
    # The round is mined at `now` exactly: anvil may give two blocks in one wall-clock second the same timestamp,
    # and an update-price mined before `now` would be refused (InvalidAnswer: a round from the future).
    cast(node, "rpc", "evm_setNextBlockTimestamp", str(now))
    cast(node, "send", "--unlocked", "--from", DEPLOYER, feed, "setRound(uint80,int256,uint256,uint256,uint80)",
         str(now), str(per_share * 10**8), str(now), str(now), str(now))


def test_a_propose_dry_run_prints_both_venue_registrations(node, records, market):  # noqa: F811
    output = ape_run(node, records, "collateral", "propose", "rAAPL", "--account", "TEST::0", "--dry-run").stdout
    assert f"registerVenue(rAAPL, Morpho {market['morpho']})" in output
    assert f"registerVenue(rAAPL, RatMorphoGateway {market['gateway']})" in output


def test_a_propose_dry_run_makes_the_gateway_morphos_exit(node, records, market):  # noqa: F811
    output = ape_run(node, records, "collateral", "propose", "rAAPL", "--account", "TEST::0", "--dry-run").stdout
    assert f"setVenueExit(rAAPL, Morpho {market['morpho']} -> RatMorphoGateway {market['gateway']})" in output


def test_the_oracle_is_stale_until_its_first_price_is_accepted_then_open(node, records, market):  # noqa: F811
    assert (_oracle(node, records)["state"], _oracle(node, records)["reason"]) == ("STALE", "NO_ACCEPTED_PRICE")
    _fresh_round(node, market, 190)
    ape_run(node, records, "collateral", "update-price", "rAAPL", "--reviewed", "--account", "TEST::0")
    status = _oracle(node, records)
    assert (status["state"], status["reason"]) == ("OPEN", "NONE")
    assert status["price_per_token"] == "190" and status["borrow_price_per_token"] == "190"


def test_supplied_liquidity_reaches_the_market(node, records, market):  # noqa: F811
    loan = market["markets"]["rAAPL"]["loan"]
    cast(node, "send", "--unlocked", "--from", DEPLOYER, loan, "mint(address,uint256)", DEPLOYER, str(5_000 * 10**6))
    output = ape_run(node, records, "collateral", "supply", "rAAPL", "--amount", "5000", "--account", "TEST::0").stdout
    assert "supplied 5000 USDC to the rAAPL market" in output
    assert int(cast(node, "call", loan, "balanceOf(address)(uint256)", market["morpho"]).split()[0]) == 5_000 * 10**6


def test_a_borrow_without_collateral_is_refused_with_morphos_reason(node, records, market):  # noqa: F811
    result = ape_run(node, records, "collateral", "borrow", "rAAPL", "--amount", "10", "--account", "TEST::0",
                     expect_ok=False)
    assert result.returncode != 0 and "refused: Morpho Blue: insufficient collateral" in result.stdout + result.stderr


def test_a_borrow_against_a_stale_price_is_refused_with_the_oracle_state(node, records, market):  # noqa: F811
    cast(node, "rpc", "evm_increaseTime", str(HEARTBEAT + 1))
    cast(node, "rpc", "evm_mine")
    assert _oracle(node, records)["reason"] == "HEARTBEAT_MISSED"
    result = ape_run(node, records, "collateral", "borrow", "rAAPL", "--amount", "10", "--account", "TEST::0",
                     expect_ok=False)
    assert result.returncode != 0
    assert "refused: OracleUnavailable(STALE, HEARTBEAT_MISSED)" in result.stdout + result.stderr


def test_a_liquidation_dry_run_prints_the_gateway_call_and_sends_nothing(node, records, market):  # noqa: F811
    before = cast(node, "block-number")
    output = ape_run(node, records, "collateral", "liquidate", "rAAPL", "--borrower", DEPLOYER, "--seize", "1",
                     "--max-repay", "500", "--account", "TEST::0", "--dry-run").stdout
    assert f"{market['gateway']}.liquidate: data=0x" in output
    assert cast(node, "block-number") == before


def test_a_second_market_for_the_same_asset_is_refused(node, records, market):  # noqa: F811
    result = ape_run(node, records, "collateral", "deploy", "rAAPL", "--loan", "NEW", "--feed", "NEW",
                     "--account", "TEST::0", expect_ok=False)
    assert result.returncode != 0 and "already has a market" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def holders(node, records, listed, market) -> dict:  # noqa: F811
    """TEST::0 (borrower) and TEST::5 (liquidator) KYC'd by the deployer's KYC role; 10 rAAPL minted to TEST::0 as
    the Minter would (impersonated on anvil); USDC for the liquidator and the outsider."""
    contracts = listed["contracts"]
    registry, minter = contracts["ComplianceRegistry"]["address"], contracts["Minter"]["address"]
    asset, loan = listed["assets"]["rAAPL"]["address"], market["markets"]["rAAPL"]["loan"]
    expiry = str(int(cast(node, "block", "latest", "--field", "timestamp")) + 365 * 86_400)
    for investor in (DEPLOYER, LIQUIDATOR):
        cast(node, "send", "--unlocked", "--from", DEPLOYER, registry,
             "setInvestor(address,uint8,bytes2,uint40,bytes32)", investor, "2", "0x4252", expiry, "0x" + "11" * 32)
    cast(node, "rpc", "anvil_impersonateAccount", minter)
    cast(node, "rpc", "anvil_setBalance", minter, hex(10**18))
    cast(node, "send", "--unlocked", "--from", minter, asset, "mint(address,uint256)", DEPLOYER, str(10 * 10**18))
    for account in (LIQUIDATOR, OUTSIDER):
        cast(node, "send", "--unlocked", "--from", DEPLOYER, loan, "mint(address,uint256)", account, str(1_000 * 10**6))
    return {"asset": asset, "loan": loan}


def test_pledged_rat_backs_a_borrow_through_the_gateway_once_the_price_is_fresh(node, records, market,  # noqa: F811
                                                                               holders):
    _fresh_round(node, market, 190)
    ape_run(node, records, "collateral", "update-price", "rAAPL", "--account", "TEST::0")
    pledged = ape_run(node, records, "collateral", "supply-collateral", "rAAPL", "--amount", "5",
                      "--account", "TEST::0").stdout
    borrowed = ape_run(node, records, "collateral", "borrow", "rAAPL", "--amount", "300", "--account",
                       "TEST::0").stdout
    assert "pledged 5 rAAPL" in pledged and "borrowed 300 USDC against rAAPL" in borrowed


def test_repay_works_while_the_oracle_is_stale(node, records, market, holders):  # noqa: F811
    cast(node, "rpc", "evm_increaseTime", str(HEARTBEAT + 1))
    cast(node, "rpc", "evm_mine")
    assert _oracle(node, records)["state"] == "STALE"
    repaid = ape_run(node, records, "collateral", "repay", "rAAPL", "--amount", "100", "--account", "TEST::0").stdout
    assert "repaid 100 USDC; debt now 200." in repaid


def test_a_liquidator_without_kyc_is_refused_with_the_tokens_reason(node, records, market, holders):  # noqa: F811
    _fresh_round(node, market, 60)  # -68 %: beyond the bound, accepted after review
    ape_run(node, records, "collateral", "update-price", "rAAPL", "--reviewed", "--account", "TEST::0")
    result = ape_run(node, records, "collateral", "liquidate", "rAAPL", "--borrower", DEPLOYER, "--seize", "1",
                     "--max-repay", "100", "--account", "TEST::6", expect_ok=False, spawn=True)  # a fresh process
    assert result.returncode != 0
    assert "refused: TransferRestricted(RECIPIENT_NOT_ELIGIBLE)" in result.stdout + result.stderr


def test_an_eligible_liquidator_receives_the_seized_rat(node, records, market, holders):  # noqa: F811
    output = ape_run(node, records, "collateral", "liquidate", "rAAPL", "--borrower", DEPLOYER, "--seize", "1",
                     "--max-repay", "100", "--account", "TEST::5").stdout
    assert "seized 1 rAAPL for" in output
    balance = cast(node, "call", holders["asset"], "balanceOf(address)(uint256)", LIQUIDATOR).split()[0]
    assert int(balance) == 10**18
