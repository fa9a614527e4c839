"""Governance closes a frozen borrower's Morpho Blue position to a legal-hold address (ADR 0102 "Closing a frozen
borrower's position"): the gateway repays the debt with governance's loan tokens and sends the whole collateral to
the legal hold, whom the token checks like every recipient, citing the legal reference. Real RAT, real Morpho."""


import ape
import pytest
from eth_utils import keccak
from morpho_support import BORROWED, FREEZE_REF, PLEDGED, SAT_MIDDAY, USDC, warp

from rat.deploy import role
from rat.errors import TransferStatus
from rat.venues.morpho import position

COURT_ORDER = keccak(text="court order 2026/4411: seize the pledged rAAPL")


@pytest.fixture(scope="module")
def legal_hold(new_account, kyc):
    account = new_account()
    kyc(account)
    return account


def _close(borrowed_market, borrower, recipient, sender, legal_ref=COURT_ORDER, max_repaid=2**256 - 1):
    stack, _, _, _, params = borrowed_market
    return stack.gateway.closeFrozenPosition(params, borrower.address, recipient.address, legal_ref, max_repaid,
                                             sender=sender)


def test_governance_closes_a_frozen_position_and_the_legal_hold_receives_all_collateral(
        borrowed_market, frozen_alice, legal_hold, admin):
    stack, token, _, _, _ = borrowed_market
    _close(borrowed_market, frozen_alice, legal_hold, admin)
    assert token.balanceOf(legal_hold) == PLEDGED
    assert position(stack.morpho, stack.params, frozen_alice.address) == (0, 0, 0)
    assert token.balanceOf(stack.gateway) == 0


def test_governance_pays_the_frozen_borrowers_debt_with_its_own_loan_tokens(borrowed_market, frozen_alice,
                                                                            legal_hold, admin):
    stack, _, loan, _, _ = borrowed_market
    before = loan.balanceOf(admin)
    _close(borrowed_market, frozen_alice, legal_hold, admin)
    paid = before - loan.balanceOf(admin)
    assert BORROWED <= paid < BORROWED * 1001 // 1000  # the debt with a few minutes' interest
    assert loan.balanceOf(stack.gateway) == 0


def test_the_closure_event_names_market_borrower_legal_hold_amounts_and_legal_reference(
        borrowed_market, frozen_alice, legal_hold, admin):
    stack, _, loan, _, _ = borrowed_market
    before = loan.balanceOf(admin)
    receipt = _close(borrowed_market, frozen_alice, legal_hold, admin)
    [event] = receipt.decode_logs(stack.gateway.FrozenPositionClosed)
    assert event.marketId == stack.params.market_id()
    assert event.borrower == frozen_alice.address
    assert event.legalHold == legal_hold.address
    assert event.collateral == PLEDGED
    assert event.repaid == before - loan.balanceOf(admin)
    assert event.legalRef == COURT_ORDER


def test_a_borrower_who_is_not_frozen_keeps_the_position(borrowed_market, alice, legal_hold, admin):
    stack, _, _, _, _ = borrowed_market
    with ape.reverts(stack.gateway.BorrowerNotFrozen, borrower=alice.address):
        _close(borrowed_market, alice, legal_hold, admin)


def test_a_legal_hold_without_kyc_is_refused_with_the_tokens_reason(borrowed_market, frozen_alice, carol, admin):
    _, token, _, _, _ = borrowed_market
    with ape.reverts(token.TransferRestricted, status=TransferStatus.RECIPIENT_NOT_ELIGIBLE):
        _close(borrowed_market, frozen_alice, carol, admin)


def test_a_frozen_legal_hold_is_refused_with_the_tokens_reason(borrowed_market, frozen_alice, legal_hold, admin,
                                                               registry, sanctions_officer):
    _, token, _, _, _ = borrowed_market
    registry.freeze([legal_hold.address], FREEZE_REF, sender=sanctions_officer)
    with ape.reverts(token.TransferRestricted, status=TransferStatus.RECIPIENT_FROZEN):
        _close(borrowed_market, frozen_alice, legal_hold, admin)


def test_an_account_without_the_closer_role_cannot_close_a_frozen_position(borrowed_market, frozen_alice, legal_hold,
                                                                           mallory):
    stack, _, _, _, _ = borrowed_market
    with ape.reverts(stack.gateway.AccessControlUnauthorizedAccount):
        _close(borrowed_market, frozen_alice, legal_hold, mallory)


def test_a_closure_without_a_legal_reference_is_refused(borrowed_market, frozen_alice, legal_hold, admin):
    stack, _, _, _, _ = borrowed_market
    with ape.reverts(stack.gateway.MissingLegalReference):
        _close(borrowed_market, frozen_alice, legal_hold, admin, legal_ref=b"\x00" * 32)


def test_a_closure_costing_more_than_governance_accepts_is_refused(borrowed_market, frozen_alice, legal_hold, admin):
    stack, _, _, _, _ = borrowed_market
    with ape.reverts(stack.gateway.RepaidAboveMaximum):
        _close(borrowed_market, frozen_alice, legal_hold, admin, max_repaid=BORROWED - 1)


def test_a_borrower_who_revoked_the_gateway_gets_a_clear_reason_not_a_morpho_revert(borrowed_market, alice, legal_hold,
                                                                                    admin, registry,
                                                                                    sanctions_officer):
    stack, _, _, _, _ = borrowed_market
    stack.morpho.setAuthorization(stack.gateway.address, False, sender=alice)
    registry.freeze([alice.address], FREEZE_REF, sender=sanctions_officer)
    with ape.reverts(stack.gateway.GatewayNotAuthorized, borrower=alice.address):
        _close(borrowed_market, alice, legal_hold, admin)


def test_a_frozen_position_closes_while_the_market_is_closed_and_the_feed_stale(borrowed_market, frozen_alice,
                                                                                legal_hold, admin, chain):
    stack, token, _, _, params = borrowed_market
    warp(chain, SAT_MIDDAY)  # weekend, and the last price is days old: the oracle gives no borrow price
    with ape.reverts(stack.oracle.OracleUnavailable):
        stack.oracle.borrowPrice()
    _close(borrowed_market, frozen_alice, legal_hold, admin)
    assert token.balanceOf(legal_hold) == PLEDGED


def test_a_frozen_borrower_without_debt_has_the_collateral_moved_and_governance_pays_nothing(
        borrowed_market, alice, legal_hold, admin, registry, sanctions_officer):
    stack, token, loan, _, params = borrowed_market
    loan.mint(alice.address, 100 * USDC, sender=admin)
    loan.approve(stack.morpho.address, 2**256 - 1, sender=alice)
    shares = position(stack.morpho, stack.params, alice.address)[1]
    stack.morpho.repay(params, 0, shares, alice.address, b"", sender=alice)
    registry.freeze([alice.address], FREEZE_REF, sender=sanctions_officer)
    before = loan.balanceOf(admin)
    receipt = _close(borrowed_market, alice, legal_hold, admin)
    [event] = receipt.decode_logs(stack.gateway.FrozenPositionClosed)
    assert (event.collateral, event.repaid) == (PLEDGED, 0)
    assert loan.balanceOf(admin) == before
    assert token.balanceOf(legal_hold) == PLEDGED
