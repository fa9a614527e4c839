"""A frozen borrower cannot take pledged RAT out of Morpho Blue (ADR 0102 "Closing a frozen borrower's position",
threat T138). The listing makes the RatMorphoGateway Morpho's venue exit for the asset (`setVenueExit`): the token
accepts a payout from Morpho only to the gateway, so every way out - withdrawal, liquidation, flash loan, a
withdrawal into another venue - passes through the gateway, which knows whose position it is and refuses a frozen
borrower. Morpho's SafeTransferLib reports the token's refusal as "transfer reverted"; the token's own reason
(VENUE_EXIT_REQUIRED) is what `canTransfer` and a transfer from Morpho's address show. Real RAT, real Morpho."""


import ape
import pytest
from eth_utils import keccak
from morpho_support import LISTING_REF, MON_MIDDAY, PLEDGED, SHARE_PRICE, USDC, warp

from rat.errors import TransferStatus
from rat.venues.morpho import position

SHARE = 10**18
COURT_ORDER = keccak(text="court order 2026/4411: seize the pledged rAAPL")
GAS = 10**20

# Module-scoped fixtures are set up before the first test, so Ape's isolation has no module fixture to rebase.
pytestmark = pytest.mark.usefixtures("friend")


@pytest.fixture(scope="module")
def friend(new_account, kyc):
    """An eligible investor a frozen borrower would like to move the collateral to."""
    account = new_account()
    kyc(account)
    return account


def _pledged(borrowed_market, borrower) -> int:
    stack = borrowed_market[0]
    return position(stack.morpho, stack.params, borrower.address)[2]


def _repay_all(borrowed_market, admin, borrower) -> None:
    """The borrower repays all its debt at Morpho (repay reads no price): with no debt Morpho withdraws without
    asking the oracle, so what remains in the way is the token."""
    stack, _, loan, _, params = borrowed_market
    loan.mint(borrower.address, 10 * USDC, sender=admin)  # the interest accrued since the borrow
    _, borrow_shares, _ = position(stack.morpho, stack.params, borrower.address)
    stack.morpho.repay(params, 0, borrow_shares, borrower.address, b"", sender=borrower)


def _underwater(borrowed_market, chain, admin) -> None:
    """The price falls 25% (accepted after review): Alice's 5,000 USDC debt is above 62.5% of 7,500."""
    stack, _, _, feed, _ = borrowed_market
    warp(chain, MON_MIDDAY + 600)
    feed.setRound(4, SHARE_PRICE * 75 // 100, MON_MIDDAY + 600, MON_MIDDAY + 600, 4, sender=admin)
    stack.oracle.acceptReviewedPrice(sender=admin)


def _as_morpho(borrowed_market, accounts, chain):
    """Morpho's own address as a sender (anvil impersonation): the token's view of any payout from Morpho."""
    morpho = borrowed_market[0].morpho.address
    chain.set_balance(morpho, GAS)
    return accounts[morpho]


# ---------------------------------------------------------------- the listing


def test_the_collateral_listing_makes_the_gateway_morphos_exit(borrowed_market, registry):
    stack, token, _, _, _ = borrowed_market
    assert registry.venueExit(token, stack.morpho) == stack.gateway.address


# ---------------------------------------------------------------- withdrawals


def test_a_frozen_borrowers_direct_withdrawal_to_an_eligible_friend_is_refused(borrowed_market, friend, frozen_alice):
    stack, token, _, _, params = borrowed_market
    # With debt Morpho asks the oracle first, which prices only inside the gateway's context; without debt the
    # token refuses (next tests).
    with ape.reverts(stack.oracle.NoPricingContext):
        stack.morpho.withdrawCollateral(params, SHARE, frozen_alice.address, friend.address, sender=frozen_alice)
    assert token.balanceOf(friend) == 0
    assert _pledged(borrowed_market, frozen_alice) == PLEDGED


def test_the_token_refuses_morphos_payout_to_an_eligible_friend_with_venue_exit_required(borrowed_market, registry,
                                                                                         friend, accounts, chain):
    stack, token, _, _, _ = borrowed_market
    morpho = _as_morpho(borrowed_market, accounts, chain)
    assert registry.canTransfer(token, stack.morpho, friend, SHARE) == TransferStatus.VENUE_EXIT_REQUIRED
    with ape.reverts(token.TransferRestricted, status=int(TransferStatus.VENUE_EXIT_REQUIRED)):
        token.transfer(friend, SHARE, sender=morpho)


def test_a_frozen_borrower_who_repaid_everything_still_cannot_withdraw_directly(borrowed_market, admin, friend,
                                                                               frozen_alice):
    stack, _, _, _, params = borrowed_market
    _repay_all(borrowed_market, admin, frozen_alice)
    with ape.reverts("transfer reverted"):  # the token's VENUE_EXIT_REQUIRED, as Morpho's SafeTransferLib reports it
        stack.morpho.withdrawCollateral(params, PLEDGED, frozen_alice.address, friend.address, sender=frozen_alice)
    assert _pledged(borrowed_market, frozen_alice) == PLEDGED


def test_a_frozen_borrowers_withdrawal_through_the_gateway_is_refused_as_borrower_frozen(borrowed_market, friend,
                                                                                         frozen_alice):
    stack, _, _, _, params = borrowed_market
    with ape.reverts(stack.gateway.BorrowerFrozen, borrower=frozen_alice.address):
        stack.gateway.withdrawCollateral(params, SHARE, friend.address, sender=frozen_alice)
    assert _pledged(borrowed_market, frozen_alice) == PLEDGED


def test_an_unfrozen_borrower_withdraws_through_the_gateway(borrowed_market, alice, friend):
    stack, token, _, _, params = borrowed_market
    stack.gateway.withdrawCollateral(params, SHARE, friend.address, sender=alice)
    assert token.balanceOf(friend) == SHARE
    assert _pledged(borrowed_market, alice) == PLEDGED - SHARE


def test_an_unfrozen_borrowers_direct_withdrawal_is_refused_even_to_themselves(borrowed_market, admin, alice):
    stack, _, _, _, params = borrowed_market
    _repay_all(borrowed_market, admin, alice)
    with ape.reverts("transfer reverted"):
        stack.morpho.withdrawCollateral(params, SHARE, alice.address, alice.address, sender=alice)


def test_a_withdrawal_into_another_active_venue_of_the_asset_is_refused(borrowed_market, registry, admin, alice,
                                                                        accounts, chain):
    stack, token, _, _, params = borrowed_market
    other_venue = admin.deploy(ape.project.ERC1271WalletMock, admin.address)
    registry.registerVenue(token, other_venue, LISTING_REF, sender=admin)  # e.g. a pool's PoolManager
    assert registry.canTransfer(token, stack.morpho, other_venue, SHARE) == TransferStatus.VENUE_EXIT_REQUIRED
    _repay_all(borrowed_market, admin, alice)
    with ape.reverts("transfer reverted"):
        stack.morpho.withdrawCollateral(params, SHARE, alice.address, other_venue.address, sender=alice)
    assert token.balanceOf(other_venue) == 0


# ---------------------------------------------------------------- liquidation and flash loans


def test_a_direct_liquidation_at_morpho_is_refused(borrowed_market, chain, admin, alice, bob):
    stack, token, _, _, params = borrowed_market
    _underwater(borrowed_market, chain, admin)
    before = token.balanceOf(bob)
    # Morpho prices a liquidation before paying out: the oracle answers only inside the gateway's LIQUIDATION
    # context, and were it to answer, the token would refuse the payout (next test).
    with ape.reverts(stack.oracle.NoPricingContext):
        stack.morpho.liquidate(params, alice.address, 10 * SHARE, 0, b"", sender=bob)
    assert token.balanceOf(bob) == before


def test_the_token_refuses_a_liquidators_payout_from_morpho_with_venue_exit_required(borrowed_market, registry, bob):
    stack, token, _, _, _ = borrowed_market
    assert registry.canTransfer(token, stack.morpho, bob, SHARE) == TransferStatus.VENUE_EXIT_REQUIRED


def test_a_liquidation_through_the_gateway_pays_the_liquidator(borrowed_market, chain, admin, alice, bob):
    stack, token, _, _, params = borrowed_market
    _underwater(borrowed_market, chain, admin)
    before = token.balanceOf(bob)
    stack.gateway.liquidate(params, alice.address, 10 * SHARE, 0, 2**256 - 1, sender=bob)
    assert token.balanceOf(bob) == before + 10 * SHARE


def test_a_flash_loan_of_the_pledged_rat_is_refused(borrowed_market, bob):
    stack, token, _, _, _ = borrowed_market
    with ape.reverts("transfer reverted"):  # Morpho pays the flash borrower first: the token refuses that payout
        stack.morpho.flashLoan(token.address, SHARE, b"", sender=bob)
    assert token.balanceOf(stack.morpho) == PLEDGED


# ---------------------------------------------------------------- governance's closure and a revoked authorisation


def test_governance_still_closes_a_frozen_position_through_the_gateway(borrowed_market, friend, admin, frozen_alice):
    stack, token, _, _, params = borrowed_market
    stack.gateway.closeFrozenPosition(params, frozen_alice.address, friend.address, COURT_ORDER, 2**256 - 1,
                                      sender=admin)
    assert token.balanceOf(friend) == PLEDGED
    assert position(stack.morpho, stack.params, frozen_alice.address) == (0, 0, 0)


def test_a_frozen_borrower_who_revoked_the_gateway_cannot_move_the_collateral_anywhere(borrowed_market, friend,
                                                                                       frozen_alice):
    stack, _, _, _, params = borrowed_market
    stack.morpho.setAuthorization(stack.gateway.address, False, sender=frozen_alice)
    with ape.reverts(stack.oracle.NoPricingContext):  # with debt; without it the token refuses (tests above)
        stack.morpho.withdrawCollateral(params, SHARE, frozen_alice.address, friend.address, sender=frozen_alice)
    with ape.reverts(stack.gateway.BorrowerFrozen, borrower=frozen_alice.address):
        stack.gateway.withdrawCollateral(params, SHARE, friend.address, sender=frozen_alice)
    assert _pledged(borrowed_market, frozen_alice) == PLEDGED


def test_a_revoked_gateway_still_liquidates_the_position_when_it_is_unhealthy(borrowed_market, chain, admin, bob,
                                                                              frozen_alice):
    stack, token, _, _, params = borrowed_market
    stack.morpho.setAuthorization(stack.gateway.address, False, sender=frozen_alice)
    _underwater(borrowed_market, chain, admin)
    before = token.balanceOf(bob)
    stack.gateway.liquidate(params, frozen_alice.address, 10 * SHARE, 0, 2**256 - 1, sender=bob)
    assert token.balanceOf(bob) == before + 10 * SHARE
    assert _pledged(borrowed_market, frozen_alice) == PLEDGED - 10 * SHARE


def test_an_address_the_frozen_borrower_authorised_at_morpho_cannot_take_the_collateral(borrowed_market, friend,
                                                                                        frozen_alice):
    stack, token, _, _, params = borrowed_market
    stack.morpho.setAuthorization(friend.address, True, sender=frozen_alice)
    with ape.reverts(stack.oracle.NoPricingContext):  # with debt; without it the token refuses (tests above)
        stack.morpho.withdrawCollateral(params, SHARE, frozen_alice.address, friend.address, sender=friend)
    with ape.reverts():  # the gateway withdraws the caller's own position only: the friend pledged nothing
        stack.gateway.withdrawCollateral(params, SHARE, friend.address, sender=friend)
    assert _pledged(borrowed_market, frozen_alice) == PLEDGED
    assert token.balanceOf(friend) == 0


def test_collateral_withdrawn_directly_to_the_gateway_stays_there_until_a_forced_transfer(
        borrowed_market, admin, recovery_agent, friend, frozen_alice):
    stack, token, _, _, params = borrowed_market
    _repay_all(borrowed_market, admin, frozen_alice)  # with debt Morpho would ask the oracle: no direct call is priced
    stack.morpho.withdrawCollateral(params, SHARE, frozen_alice.address, stack.gateway.address, sender=frozen_alice)
    assert token.balanceOf(stack.gateway) == SHARE  # no gateway function pays out a balance it did not withdraw
    token.forcedTransfer(stack.gateway, friend, SHARE, COURT_ORDER, sender=recovery_agent)
    assert token.balanceOf(friend) == SHARE
