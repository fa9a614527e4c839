"""A frozen borrower cannot borrow loan tokens against pledged RAT (ADR 0102 "Borrowing goes through the gateway",
threat T156). Morpho does not tell the oracle whose position it prices, so the oracle cannot refuse a frozen
borrower itself; instead RatEquityOracle.price() answers only inside a pricing context the RatMorphoGateway opened
(NoPricingContext otherwise). Every borrow therefore goes through RatMorphoGateway.borrow, which refuses a caller
frozen in the token's ComplianceRegistry (BorrowerFrozen), as its withdrawCollateral does. Morpho bubbles the
oracle's revert data, so a direct Morpho.borrow reverts with the oracle's NoPricingContext selector - for a frozen
and an unfrozen borrower alike. Repay and supplyCollateral read no price and still work directly at Morpho.
Real RAT, real Morpho."""


import ape
import pytest
from eth_utils import keccak
from morpho_support import MON_MIDDAY, PLEDGED, SHARE_PRICE, USDC, warp

from rat.venues.morpho import position

SHARE = 10**18
NO_PRICING_CONTEXT = keccak(text="NoPricingContext()")[:4]


def _debt_shares(borrowed_market, borrower) -> int:
    stack = borrowed_market[0]
    return position(stack.morpho, stack.params, borrower.address)[1]


# ---------------------------------------------------------------- a frozen borrower


def test_a_frozen_borrowers_direct_morpho_borrow_reverts_with_no_pricing_context(borrowed_market, frozen_alice):
    stack, _, loan, _, params = borrowed_market
    before = (loan.balanceOf(frozen_alice), _debt_shares(borrowed_market, frozen_alice))
    with ape.reverts(stack.oracle.NoPricingContext):
        stack.morpho.borrow(params, 1_000 * USDC, 0, frozen_alice.address, frozen_alice.address, sender=frozen_alice)
    assert (loan.balanceOf(frozen_alice), _debt_shares(borrowed_market, frozen_alice)) == before


def test_morpho_bubbles_the_oracles_no_pricing_context_selector(borrowed_market, chain, frozen_alice):
    stack, _, _, _, params = borrowed_market
    data = stack.morpho.borrow.encode_input(params, 1_000 * USDC, 0, frozen_alice.address, frozen_alice.address)
    with pytest.raises(Exception) as refused:
        chain.provider.web3.eth.call({"from": frozen_alice.address, "to": stack.morpho.address, "data": data})
    revert_data = getattr(refused.value, "data", None)
    assert isinstance(revert_data, str) and revert_data.lower() == "0x" + NO_PRICING_CONTEXT.hex()


def test_a_frozen_borrowers_gateway_borrow_is_refused_as_borrower_frozen(borrowed_market, frozen_alice):
    stack, _, loan, _, params = borrowed_market
    before = (loan.balanceOf(frozen_alice), _debt_shares(borrowed_market, frozen_alice))
    with ape.reverts(stack.gateway.BorrowerFrozen, borrower=frozen_alice.address):
        stack.gateway.borrow(params, 1_000 * USDC, frozen_alice.address, sender=frozen_alice)
    assert (loan.balanceOf(frozen_alice), _debt_shares(borrowed_market, frozen_alice)) == before


def test_a_frozen_borrower_cannot_borrow_through_the_gateway_to_another_receiver(borrowed_market, frozen_alice, bob):
    stack, _, loan, _, params = borrowed_market
    before = loan.balanceOf(bob)
    with ape.reverts(stack.gateway.BorrowerFrozen, borrower=frozen_alice.address):
        stack.gateway.borrow(params, 1_000 * USDC, bob.address, sender=frozen_alice)
    assert loan.balanceOf(bob) == before


def test_a_frozen_borrower_still_repays_directly_at_morpho(borrowed_market, frozen_alice):
    stack, _, _, _, params = borrowed_market
    shares = _debt_shares(borrowed_market, frozen_alice)
    stack.morpho.repay(params, 0, shares // 2, frozen_alice.address, b"", sender=frozen_alice)
    assert _debt_shares(borrowed_market, frozen_alice) == shares - shares // 2


# ---------------------------------------------------------------- an unfrozen borrower


def test_an_unfrozen_borrower_borrows_through_the_gateway(borrowed_market, alice):
    stack, _, loan, _, params = borrowed_market
    before = (loan.balanceOf(alice), _debt_shares(borrowed_market, alice))
    stack.gateway.borrow(params, 1_000 * USDC, alice.address, sender=alice)
    assert loan.balanceOf(alice) == before[0] + 1_000 * USDC
    assert _debt_shares(borrowed_market, alice) > before[1]


def test_an_unfrozen_borrowers_direct_morpho_borrow_also_reverts_borrows_go_through_the_gateway(borrowed_market, alice):
    stack, _, loan, _, params = borrowed_market
    before = loan.balanceOf(alice)
    with ape.reverts(stack.oracle.NoPricingContext):
        stack.morpho.borrow(params, 1_000 * USDC, 0, alice.address, alice.address, sender=alice)
    assert loan.balanceOf(alice) == before


def test_an_unfrozen_borrower_adds_collateral_directly_at_morpho(borrowed_market, alice, minter):
    stack, token, _, _, params = borrowed_market
    token.mint(alice, SHARE, sender=minter)
    pledged = position(stack.morpho, stack.params, alice.address)[2]
    stack.morpho.supplyCollateral(params, SHARE, alice.address, b"", sender=alice)
    assert position(stack.morpho, stack.params, alice.address)[2] == pledged + SHARE
    assert token.balanceOf(stack.morpho) == PLEDGED + SHARE


def test_an_unfrozen_borrower_repays_directly_at_morpho(borrowed_market, admin, alice):
    stack, _, loan, _, params = borrowed_market
    loan.mint(alice.address, 10 * USDC, sender=admin)  # the interest accrued since the borrow
    shares = _debt_shares(borrowed_market, alice)
    stack.morpho.repay(params, 0, shares, alice.address, b"", sender=alice)
    assert _debt_shares(borrowed_market, alice) == 0


# ---------------------------------------------------------------- liquidation


def test_a_frozen_borrowers_position_is_still_liquidated_through_the_gateway(borrowed_market, chain, admin, bob,
                                                                             frozen_alice):
    stack, token, _, feed, params = borrowed_market
    warp(chain, MON_MIDDAY + 600)
    feed.setRound(4, SHARE_PRICE * 75 // 100, MON_MIDDAY + 600, MON_MIDDAY + 600, 4, sender=admin)
    stack.oracle.acceptReviewedPrice(sender=admin)  # 5,000 USDC debt > 62.5% of 7,500: unhealthy
    before = token.balanceOf(bob)
    stack.gateway.liquidate(params, frozen_alice.address, 10 * SHARE, 0, 2**256 - 1, sender=bob)
    assert token.balanceOf(bob) == before + 10 * SHARE
    assert position(stack.morpho, stack.params, frozen_alice.address)[2] == PLEDGED - 10 * SHARE
