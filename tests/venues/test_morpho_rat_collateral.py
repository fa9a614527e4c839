"""A real RAT equity as collateral in the real Morpho Blue. Morpho and the RatMorphoGateway are registered venues of
the asset (ADR 0101) and the gateway is Morpho's exit (ADR 0102), so the token's own compliance check decides who can
receive collateral from the gateway: a liquidator or a withdrawal receiver without KYC gets the token's reason, an
eligible one is paid."""


import ape
import pytest
from eth_utils import keccak
from morpho_support import MON_MIDDAY, MON_OPEN, SHARE_PRICE, USDC, open_rat_market, warp

from rat.deploy import role
from rat.errors import TransferStatus
from rat.venues.morpho import is_healthy

SHARE = 10**18
PLEDGED = 100 * SHARE
REF = keccak(text="governance decision: list the rAAPL/USDC Morpho Blue market")


@pytest.fixture(scope="module")
def rat_market(project, chain, admin, pauser, bob, alice, funded, registry):
    token = funded
    stack, loan, feed, params = open_rat_market(project, chain, admin, pauser, bob, alice, token, registry, REF,
                                                PLEDGED)
    stack.morpho.setAuthorization(stack.gateway.address, True, sender=alice)  # borrows and withdrawals go through it
    return stack, token, loan, feed, params


def _underwater(rat_market, chain, alice, admin):
    """Alice borrows near the limit, then the price falls 9% (accepted by the keeper): she is liquidatable."""
    stack, _, _, feed, params = rat_market
    warp(chain, MON_MIDDAY)
    feed.setRound(3, SHARE_PRICE, MON_MIDDAY, MON_MIDDAY, 3, sender=admin)
    stack.gateway.borrow(params, 5_900 * USDC, alice.address, sender=alice)
    warp(chain, MON_MIDDAY + 600)
    feed.setRound(4, SHARE_PRICE * 91 // 100, MON_MIDDAY + 600, MON_MIDDAY + 600, 4, sender=admin)
    stack.oracle.update(sender=admin)
    assert not is_healthy(stack.morpho, stack.params, alice.address, stack.oracle.liquidationPrice())


def _fund(rat_market, liquidator, admin):
    _, _, loan, _, _ = rat_market
    loan.mint(liquidator.address, 100_000 * USDC, sender=admin)
    loan.approve(rat_market[0].gateway.address, 2**256 - 1, sender=liquidator)


def test_a_kyc_investor_pledges_rat_in_morpho_and_borrows_against_it(rat_market, chain, alice, admin):
    stack, token, loan, feed, params = rat_market
    warp(chain, MON_MIDDAY)
    feed.setRound(3, SHARE_PRICE, MON_MIDDAY, MON_MIDDAY, 3, sender=admin)
    stack.gateway.borrow(params, 5_000 * USDC, alice.address, sender=alice)
    assert token.balanceOf(stack.morpho) == PLEDGED
    assert loan.balanceOf(alice) == 5_000 * USDC


def test_a_liquidator_without_kyc_gets_the_tokens_reason_through_the_gateway(rat_market, chain, alice, carol, admin):
    _underwater(rat_market, chain, alice, admin)
    _fund(rat_market, carol, admin)
    stack, token, _, _, params = rat_market
    with ape.reverts(token.TransferRestricted, status=TransferStatus.RECIPIENT_NOT_ELIGIBLE):
        stack.gateway.liquidate(params, alice.address, 10 * SHARE, 0, 2**256 - 1, sender=carol)


def test_a_direct_liquidation_to_an_address_without_kyc_is_refused(rat_market, chain, alice, carol, admin):
    _underwater(rat_market, chain, alice, admin)
    stack, token, loan, _, params = rat_market
    loan.mint(carol.address, 100_000 * USDC, sender=admin)
    loan.approve(stack.morpho.address, 2**256 - 1, sender=carol)
    # The oracle prices only inside the gateway's contexts; were it to answer, the token would still refuse the
    # payout (VENUE_EXIT_REQUIRED: Morpho pays the RAT only to the gateway, ADR 0102).
    with ape.reverts(stack.oracle.NoPricingContext):
        stack.morpho.liquidate(params, alice.address, 10 * SHARE, 0, b"", sender=carol)
    assert token.balanceOf(carol) == 0


def test_an_eligible_liquidator_receives_the_seized_rat(rat_market, chain, alice, bob, admin):
    _underwater(rat_market, chain, alice, admin)
    _fund(rat_market, bob, admin)
    stack, token, _, _, params = rat_market
    before = token.balanceOf(bob)
    stack.gateway.liquidate(params, alice.address, 10 * SHARE, 0, 2**256 - 1, sender=bob)
    assert token.balanceOf(bob) == before + 10 * SHARE
    assert token.balanceOf(stack.gateway) == 0


def test_collateral_cannot_be_withdrawn_directly_to_an_address_without_kyc(rat_market, alice, carol):
    stack, _, _, _, params = rat_market
    with ape.reverts("transfer reverted"):  # the token refuses (Morpho pays the gateway only); the reason is dropped
        stack.morpho.withdrawCollateral(params, SHARE, alice.address, carol.address, sender=alice)


def test_collateral_withdrawn_through_the_gateway_to_an_address_without_kyc_gets_the_tokens_reason(
        rat_market, alice, carol):
    stack, token, _, _, params = rat_market
    with ape.reverts(token.TransferRestricted, status=TransferStatus.RECIPIENT_NOT_ELIGIBLE):
        stack.gateway.withdrawCollateral(params, SHARE, carol.address, sender=alice)


def test_collateral_withdrawn_through_the_gateway_reaches_an_eligible_receiver(rat_market, alice, bob):
    stack, token, _, _, params = rat_market
    before = token.balanceOf(bob)
    stack.gateway.withdrawCollateral(params, SHARE, bob.address, sender=alice)
    assert token.balanceOf(bob) == before + SHARE
