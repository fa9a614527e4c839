"""Venues as a holder class of the ComplianceRegistry (ADR 0101): a contract registered per asset that holds RAT for
eligible investors trading through it. The investor on the other side of a venue is judged in full; the venue must
be ACTIVE for that asset; venues are never counted as holders, never frozen, never minted to. Every case of the
table is checked twice: `canTransfer` answers and the token enforces, with the same reason code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ape
import pytest
from ape import project
from eth_utils import keccak

from rat.deploy import AssetTerms, jurisdiction, list_equity, provider_ref, role
from rat.errors import TransferStatus as S
from rat.protocol import HolderClass, VenueStatus

SHARE = 10**18
REF = keccak(text="governance decision: list the rAAPL/USDC pool")
INCIDENT = keccak(text="INC-2027-042 venue exploit")
GAS = 10**20


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def lister(registry, admin):
    """The venue-listing role (the timelock in a real deployment)."""
    registry.grantRole(role("VENUE_LISTING_ROLE"), admin, sender=admin)
    return admin


@pytest.fixture(scope="module")
def venue_guardian(registry, admin, accounts):
    """The venue-guardian role (the EmergencyGuardian contract in a real deployment)."""
    guardian = accounts.generate_test_account()
    guardian.balance = GAS
    registry.grantRole(role("VENUE_GUARDIAN_ROLE"), guardian, sender=admin)
    return guardian


def _contract(deployer) -> Any:
    """A fresh contract account with no compliance record (any code will do: the registry only needs a contract)."""
    return deployer.deploy(project.ERC1271WalletMock, deployer.address)


def _as(account_address: str, accounts, chain):
    """The contract as a sender (anvil impersonation): a venue moving the tokens it holds."""
    chain.set_balance(account_address, GAS)
    return accounts[account_address]


@pytest.fixture(scope="module")
def pool(admin, registry, funded, lister, accounts, chain):
    """A venue registered ACTIVE for the funded asset; returned as an impersonated sender."""
    venue = _contract(admin)
    registry.registerVenue(funded, venue, REF, sender=lister)
    return _as(venue.address, accounts, chain)


@pytest.fixture(scope="module")
def second_pool(admin, registry, funded, lister, accounts, chain):
    venue = _contract(admin)
    registry.registerVenue(funded, venue, REF, sender=lister)
    return _as(venue.address, accounts, chain)


@pytest.fixture(scope="module")
def third_pool(admin, registry, funded, lister, accounts, chain):
    venue = _contract(admin)
    registry.registerVenue(funded, venue, REF, sender=lister)
    return _as(venue.address, accounts, chain)


@pytest.fixture(scope="module")
def other_asset(stack, admin):
    return list_equity(admin, stack, AssetTerms.example("rMSFT", "RAT Microsoft Corp.", "US5949181045"), admin)


@pytest.fixture(scope="module")
def foreign_pool(admin, registry, other_asset, lister, accounts, chain):
    """A venue registered for another asset only."""
    venue = _contract(admin)
    registry.registerVenue(other_asset, venue, REF, sender=lister)
    return _as(venue.address, accounts, chain)


def check(token, registry, sender, to, status: S, amount: int = SHARE) -> None:
    """`canTransfer` answers `status` and the token does exactly that: moves the tokens or reverts with it."""
    assert registry.canTransfer(token, sender, to, amount) == status
    if status == S.OK:
        before = token.balanceOf(to)
        token.transfer(to, amount, sender=sender)
        assert token.balanceOf(to) == before + amount
    else:
        with ape.reverts(token.TransferRestricted, status=int(status)):
            token.transfer(to, amount, sender=sender)


# ---------------------------------------------------------------- the transfer table


@dataclass(frozen=True)
class Case:
    """One row: `setup` prepares the chain and returns (sender, recipient); `status` is what both must answer."""

    setup: Callable[[dict[str, Any]], tuple[Any, Any]]
    status: S


def _fill_pool(c: dict[str, Any], venue=None) -> Any:
    venue = venue or c["pool"]
    c["funded"].transfer(venue, 10 * SHARE, sender=c["alice"])
    return venue


def _expire(c: dict[str, Any], account) -> None:
    c["kyc"](account, valid_for=60)
    c["chain"].mine(1, timestamp=c["chain"].pending_timestamp + 120)  # the pre-check reads the latest block


def _block(c: dict[str, Any], account, country: str = "US") -> None:
    c["kyc"](account, country=country)
    c["registry"].setJurisdictionsBlocked(c["funded"], [jurisdiction(country)], True, sender=c["admin"])


def _freeze(c: dict[str, Any], account) -> None:
    c["registry"].freeze([account], provider_ref("OFAC SDN entry"), sender=c["sanctions_officer"])


def _suspend(c: dict[str, Any], venue) -> None:
    c["registry"].suspendVenue(c["funded"], venue, INCIDENT, sender=c["venue_guardian"])


def _remove(c: dict[str, Any], venue) -> None:
    c["registry"].removeVenue(c["funded"], venue, REF, sender=c["lister"])


def _set_exit(c: dict[str, Any], venue, exit_) -> None:
    c["registry"].setVenueExit(c["funded"], venue, exit_, REF, sender=c["lister"])


def _gated_pool(c: dict[str, Any]) -> Any:
    """The pool, holding tokens, with the second pool as its one exit (ADR 0102: Morpho and its gateway)."""
    _fill_pool(c)
    _set_exit(c, c["pool"], c["second_pool"])
    return c["pool"]


def _raise_min_tier(c: dict[str, Any], keep) -> None:
    c["kyc"](keep, tier=2)
    c["registry"].setAssetPolicy(c["funded"], 2, 0, sender=c["admin"])


CASES: dict[str, Case] = {
    # the three allowed shapes
    "investor sells into an active venue": Case(lambda c: (c["alice"], c["pool"]), S.OK),
    "an active venue pays out to an investor": Case(lambda c: (_fill_pool(c), c["bob"]), S.OK),
    "an active venue pays another active venue": Case(lambda c: (_fill_pool(c), c["second_pool"]), S.OK),
    # a venue not active for this asset, on either side
    "investor to a venue of another asset": Case(lambda c: (c["alice"], c["foreign_pool"]),
                                                 S.RECIPIENT_VENUE_NOT_ACTIVE),
    "a venue of another asset to an investor": Case(lambda c: (c["foreign_pool"], c["bob"]),
                                                    S.SENDER_VENUE_NOT_ACTIVE),
    "investor to a suspended venue": Case(lambda c: (_suspend(c, c["pool"]), (c["alice"], c["pool"]))[1],
                                          S.RECIPIENT_VENUE_NOT_ACTIVE),
    "a suspended venue to an investor": Case(lambda c: (_fill_pool(c), _suspend(c, c["pool"]),
                                                        (c["pool"], c["bob"]))[2], S.SENDER_VENUE_NOT_ACTIVE),
    "investor to a removed venue": Case(lambda c: (_remove(c, c["pool"]), (c["alice"], c["pool"]))[1],
                                        S.RECIPIENT_VENUE_NOT_ACTIVE),
    "a removed venue to an investor": Case(lambda c: (_fill_pool(c), _remove(c, c["pool"]),
                                                      (c["pool"], c["bob"]))[2], S.SENDER_VENUE_NOT_ACTIVE),
    "an active venue to a suspended one": Case(lambda c: (_fill_pool(c), _suspend(c, c["second_pool"]),
                                                          (c["pool"], c["second_pool"]))[2],
                                               S.RECIPIENT_VENUE_NOT_ACTIVE),
    # the investor side is judged in full, both ways
    "a frozen investor cannot sell into a venue": Case(lambda c: (_freeze(c, c["alice"]), (c["alice"], c["pool"]))[1],
                                                       S.SENDER_FROZEN),
    "a venue cannot pay a frozen investor": Case(lambda c: (_fill_pool(c), _freeze(c, c["bob"]),
                                                            (c["pool"], c["bob"]))[2], S.RECIPIENT_FROZEN),
    "an investor whose KYC expired cannot sell into a venue": Case(
        lambda c: (_fill_pool(c), _expire(c, c["alice"]), (c["alice"], c["pool"]))[2], S.SENDER_KYC_EXPIRED),
    "a venue cannot pay an investor whose KYC expired": Case(
        lambda c: (_fill_pool(c), _expire(c, c["bob"]), (c["pool"], c["bob"]))[2], S.RECIPIENT_KYC_EXPIRED),
    "a jurisdiction-blocked investor cannot sell into a venue": Case(
        lambda c: (_block(c, c["alice"]), (c["alice"], c["pool"]))[1], S.SENDER_JURISDICTION_BLOCKED),
    "a venue cannot pay a jurisdiction-blocked investor": Case(
        lambda c: (_fill_pool(c), _block(c, c["bob"]), (c["pool"], c["bob"]))[2], S.RECIPIENT_JURISDICTION_BLOCKED),
    "an investor below the asset's tier cannot sell into a venue": Case(
        lambda c: (_raise_min_tier(c, c["bob"]), (c["alice"], c["pool"]))[1], S.SENDER_NOT_ELIGIBLE),
    "a venue cannot pay an investor below the asset's tier": Case(
        lambda c: (_fill_pool(c), _raise_min_tier(c, c["alice"]), (c["pool"], c["bob"]))[2],
        S.RECIPIENT_NOT_ELIGIBLE),
    "a venue cannot pay an address without KYC": Case(lambda c: (_fill_pool(c), c["mallory"]),
                                                      S.RECIPIENT_NOT_ELIGIBLE),
    "an address without KYC cannot sell into a venue": Case(
        lambda c: (c["funded"].forcedTransfer(c["alice"], c["carol_kyc"], SHARE, REF, sender=c["recovery_agent"]),
                   c["registry"].revokeInvestor(c["carol_kyc"], REF, sender=c["kyc_operator"]),
                   (c["carol_kyc"], c["pool"]))[2], S.SENDER_NOT_ELIGIBLE),
    # neither an eligible investor nor a venue: refused as before
    "two addresses that are neither investors nor venues": Case(
        lambda c: (c["funded"].forcedTransfer(c["alice"], c["carol_kyc"], SHARE, REF, sender=c["recovery_agent"]),
                   c["registry"].revokeInvestor(c["carol_kyc"], REF, sender=c["kyc_operator"]),
                   (c["carol_kyc"], c["mallory"]))[2], S.SENDER_NOT_ELIGIBLE),
    # a venue with an exit pays that exit only (ADR 0102)
    "a venue pays its exit": Case(lambda c: (_gated_pool(c), c["second_pool"]), S.OK),
    "a venue with an exit cannot pay an eligible investor": Case(lambda c: (_gated_pool(c), c["bob"]),
                                                                 S.VENUE_EXIT_REQUIRED),
    "a venue with an exit cannot pay another active venue": Case(
        lambda c: (_fill_pool(c), _set_exit(c, c["pool"], c["third_pool"]), (c["pool"], c["second_pool"]))[2],
        S.VENUE_EXIT_REQUIRED),
    "a venue with an exit cannot pay an address without KYC": Case(lambda c: (_gated_pool(c), c["mallory"]),
                                                                   S.VENUE_EXIT_REQUIRED),
    "a venue whose exit was cleared pays investors again": Case(
        lambda c: (_gated_pool(c), _set_exit(c, c["pool"], ape.utils.ZERO_ADDRESS), (c["pool"], c["bob"]))[2], S.OK),
    "a venue whose exit is suspended pays nobody, not even the exit": Case(
        lambda c: (_gated_pool(c), _suspend(c, c["second_pool"]), (c["pool"], c["second_pool"]))[2],
        S.RECIPIENT_VENUE_NOT_ACTIVE),
    "an investor still sells into a venue with an exit": Case(
        lambda c: (_set_exit(c, c["pool"], c["second_pool"]), (c["alice"], c["pool"]))[1], S.OK),
    "the exit itself pays investors": Case(
        lambda c: (_set_exit(c, c["pool"], c["second_pool"]), _fill_pool(c, c["second_pool"]),
                   (c["second_pool"], c["bob"]))[2], S.OK),
    # the pause binds venues
    "pause refuses selling into a venue": Case(lambda c: (c["funded"].pause(sender=c["pauser"]),
                                                          (c["alice"], c["pool"]))[1], S.PAUSED),
    "pause refuses a venue's payout": Case(lambda c: (_fill_pool(c), c["funded"].pause(sender=c["pauser"]),
                                                      (c["pool"], c["bob"]))[2], S.PAUSED),
}


@pytest.fixture
def ctx(funded, registry, admin, lister, venue_guardian, kyc, chain, pool, second_pool, third_pool, foreign_pool,
        alice, bob, carol, mallory, sanctions_officer, pauser, recovery_agent, kyc_operator) -> dict[str, Any]:
    kyc(carol)
    return dict(funded=funded, registry=registry, admin=admin, lister=lister, venue_guardian=venue_guardian,
                kyc=kyc, chain=chain, pool=pool, second_pool=second_pool, third_pool=third_pool,
                foreign_pool=foreign_pool, alice=alice,
                bob=bob, carol_kyc=carol, mallory=mallory, sanctions_officer=sanctions_officer, pauser=pauser,
                recovery_agent=recovery_agent, kyc_operator=kyc_operator)


@pytest.mark.parametrize("case", list(CASES))
def test_can_transfer_answers_exactly_as_the_token_enforces(case, ctx):
    sender, recipient = CASES[case].setup(ctx)
    check(ctx["funded"], ctx["registry"], sender, recipient, CASES[case].status)


# ---------------------------------------------------------------- holder cap and holder count


def test_a_venue_receiving_tokens_is_not_counted_as_a_holder(funded, pool, alice):
    before = funded.holderCount()
    funded.transfer(pool, SHARE, sender=alice)
    assert funded.holderCount() == before


def test_an_investor_selling_everything_into_a_venue_leaves_the_holder_count(funded, pool, alice, bob):
    funded.transfer(bob, SHARE, sender=alice)
    before = funded.holderCount()
    funded.transfer(pool, SHARE, sender=bob)
    assert funded.holderCount() == before - 1


def test_a_venue_paying_a_new_investor_adds_one_holder(funded, pool, alice, bob):
    funded.transfer(pool, SHARE, sender=alice)
    before = funded.holderCount()
    funded.transfer(bob, SHARE, sender=pool)
    assert funded.holderCount() == before + 1


def test_a_venue_paying_out_its_whole_balance_does_not_leave_the_holder_count(funded, pool, alice, bob):
    funded.transfer(bob, SHARE, sender=alice)
    funded.transfer(pool, SHARE, sender=alice)
    before = funded.holderCount()
    funded.transfer(bob, SHARE, sender=pool)
    assert funded.balanceOf(pool) == 0 and funded.holderCount() == before


@pytest.fixture
def capped(funded, registry, admin, alice, bob):
    """Alice and Bob hold; the cap is 2 and reached."""
    funded.transfer(bob, SHARE, sender=alice)
    registry.setAssetPolicy(funded, 1, 2, sender=admin)
    assert funded.holderCount() == 2
    return funded


def test_at_the_holder_cap_an_investor_can_still_sell_into_a_venue(capped, registry, pool, alice):
    check(capped, registry, alice, pool, S.OK)


def test_at_the_holder_cap_a_venue_can_pay_out_to_an_existing_holder(capped, registry, pool, alice, bob):
    capped.transfer(pool, SHARE, sender=alice)
    check(capped, registry, pool, bob, S.OK)


def test_at_the_holder_cap_a_venue_cannot_pay_out_to_a_new_holder(capped, registry, pool, kyc, alice, carol):
    kyc(carol)
    capped.transfer(pool, SHARE, sender=alice)
    check(capped, registry, pool, carol, S.MAX_HOLDERS_REACHED)


def test_at_the_holder_cap_a_venue_paying_out_its_whole_balance_to_a_new_holder_is_refused(
        capped, registry, pool, kyc, alice, carol):
    """The venue's balance turning zero frees no holder slot: it never held one."""
    kyc(carol)
    capped.transfer(pool, SHARE, sender=alice)
    check(capped, registry, pool, carol, S.MAX_HOLDERS_REACHED, amount=SHARE)


# ---------------------------------------------------------------- mint, burn, forced movements


def test_a_mint_to_an_active_venue_is_refused(funded, registry, minter, pool):
    assert registry.canTransfer(funded, ape.utils.ZERO_ADDRESS, pool, SHARE) == S.VENUE_MINT_OR_BURN_REFUSED
    with ape.reverts(funded.TransferRestricted, status=int(S.VENUE_MINT_OR_BURN_REFUSED)):
        funded.mint(pool, SHARE, sender=minter)


def test_a_mint_to_a_suspended_venue_is_refused_as_not_active(funded, registry, minter, pool, venue_guardian):
    registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    assert registry.canTransfer(funded, ape.utils.ZERO_ADDRESS, pool, SHARE) == S.RECIPIENT_VENUE_NOT_ACTIVE
    with ape.reverts(funded.TransferRestricted, status=int(S.RECIPIENT_VENUE_NOT_ACTIVE)):
        funded.mint(pool, SHARE, sender=minter)


def test_a_venue_cannot_burn(funded, admin, pool, alice):
    funded.transfer(pool, SHARE, sender=alice)
    funded.grantRole(role("MINTER_ROLE"), pool, sender=admin)
    with ape.reverts(funded.TransferRestricted, status=int(S.VENUE_MINT_OR_BURN_REFUSED)):
        funded.burn(SHARE, sender=pool)


def test_a_forced_transfer_may_put_tokens_into_an_active_venue(funded, recovery_agent, pool, alice):
    funded.forcedTransfer(alice, pool, SHARE, REF, sender=recovery_agent)
    assert funded.balanceOf(pool) == SHARE


def test_a_forced_transfer_into_a_suspended_venue_is_refused(funded, registry, recovery_agent, venue_guardian,
                                                            pool, alice):
    registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    with ape.reverts(funded.TransferRestricted, status=int(S.RECIPIENT_VENUE_NOT_ACTIVE)):
        funded.forcedTransfer(alice, pool, SHARE, REF, sender=recovery_agent)


def test_a_forced_transfer_into_a_venue_of_another_asset_is_refused(funded, recovery_agent, foreign_pool, alice):
    with ape.reverts(funded.TransferRestricted, status=int(S.RECIPIENT_VENUE_NOT_ACTIVE)):
        funded.forcedTransfer(alice, foreign_pool, SHARE, REF, sender=recovery_agent)


def test_a_forced_transfer_recovers_what_a_suspended_venue_holds(funded, registry, recovery_agent, venue_guardian,
                                                                pool, alice, bob):
    funded.transfer(pool, SHARE, sender=alice)
    registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    funded.forcedTransfer(pool, bob, SHARE, REF, sender=recovery_agent)
    assert funded.balanceOf(bob) == SHARE


def test_a_forced_transfer_recovers_what_a_removed_venue_holds(funded, registry, recovery_agent, lister, pool,
                                                              alice, bob):
    funded.transfer(pool, SHARE, sender=alice)
    registry.removeVenue(funded, pool, REF, sender=lister)
    funded.forcedTransfer(pool, bob, SHARE, REF, sender=recovery_agent)
    assert funded.balanceOf(pool) == 0


def test_a_forced_transfer_out_of_a_venue_still_judges_the_recipient(funded, recovery_agent, pool, alice, mallory):
    funded.transfer(pool, SHARE, sender=alice)
    with ape.reverts(funded.TransferRestricted, status=int(S.RECIPIENT_NOT_ELIGIBLE)):
        funded.forcedTransfer(pool, mallory, SHARE, REF, sender=recovery_agent)


def test_a_forced_burn_takes_from_a_venue_without_touching_the_holder_count(funded, recovery_agent, pool, alice):
    funded.transfer(pool, SHARE, sender=alice)
    before = funded.holderCount()
    funded.forcedBurn(pool, SHARE, REF, sender=recovery_agent)
    assert funded.balanceOf(pool) == 0 and funded.holderCount() == before


def test_a_venue_cannot_be_frozen(registry, sanctions_officer, pool):
    with ape.reverts(registry.VenueAccountNotFreezable, account=pool.address):
        registry.freeze([pool], provider_ref("OFAC"), sender=sanctions_officer)


def test_a_protocol_holder_still_returns_escrow_to_a_lapsed_investor(funded, registry, admin, kyc, alice, accounts,
                                                                    chain):
    """PROTOCOL semantics are unchanged by venues (ADR 0084): a return binds only freezes."""
    escrow = _contract(admin)
    registry.setHolderClass(escrow, HolderClass.PROTOCOL, REF, sender=admin)
    funded.transfer(escrow, SHARE, sender=alice)
    _expire({"kyc": kyc, "chain": chain}, alice)
    check(funded, registry, _as(escrow.address, accounts, chain), alice, S.OK)


def test_a_mint_into_a_protocol_escrow_is_judged_on_freezes_only(funded, registry, admin, minter):
    """A bridge pool's quarantine (ADR 0106): the escrow has no KYC record, the mint is still allowed."""
    escrow = _contract(admin)
    registry.setHolderClass(escrow, HolderClass.PROTOCOL, REF, sender=admin)
    assert registry.canTransfer(funded, "0x" + "00" * 20, escrow, SHARE) == S.OK
    funded.mint(escrow, SHARE, sender=minter)
    assert funded.balanceOf(escrow) == SHARE


# ---------------------------------------------------------------- registration


def test_registering_a_venue_makes_it_active_for_that_asset(registry, funded, pool):
    assert registry.venueStatus(funded, pool) == VenueStatus.ACTIVE


def test_registering_a_venue_lists_it_for_that_asset(registry, funded, pool):
    assert pool.address in registry.venues(funded)


def test_registering_a_venue_sets_its_holder_class_to_venue(registry, pool):
    assert registry.investor(pool).holderClass == HolderClass.VENUE


def test_registering_a_venue_emits_venue_registered(registry, funded, admin, lister):
    venue = _contract(admin)
    tx = registry.registerVenue(funded, venue, REF, sender=lister)
    assert [(e.asset, e.venue, e.reasonRef) for e in tx.events.filter(registry.VenueRegistered)] == [
        (funded.address, venue.address, REF)]


def test_a_venue_can_be_registered_for_a_second_asset(registry, funded, other_asset, lister, pool):
    registry.registerVenue(other_asset, pool, REF, sender=lister)
    assert registry.venueStatus(other_asset, pool) == VenueStatus.ACTIVE
    assert registry.venueStatus(funded, pool) == VenueStatus.ACTIVE


def test_a_venue_of_one_asset_is_not_a_venue_of_another(registry, other_asset, pool):
    assert registry.venueStatus(other_asset, pool) == VenueStatus.NONE
    assert pool.address not in registry.venues(other_asset)


def test_registering_an_externally_owned_account_as_a_venue_is_refused(registry, funded, lister, mallory):
    with ape.reverts(registry.NotAContract, account=mallory.address):
        registry.registerVenue(funded, mallory, REF, sender=lister)


def test_registering_a_kyc_investor_contract_as_a_venue_is_refused(registry, funded, admin, lister, kyc):
    wallet = _contract(admin)
    kyc(wallet)
    with ape.reverts(registry.VenueHasKycRecord, account=wallet.address):
        registry.registerVenue(funded, wallet, REF, sender=lister)


def test_registering_a_contract_whose_kyc_was_revoked_is_refused(registry, funded, admin, lister, kyc, kyc_operator):
    wallet = _contract(admin)
    kyc(wallet)
    registry.revokeInvestor(wallet, REF, sender=kyc_operator)
    with ape.reverts(registry.VenueHasKycRecord, account=wallet.address):
        registry.registerVenue(funded, wallet, REF, sender=lister)


def test_registering_a_protocol_holder_as_a_venue_is_refused(registry, funded, admin, lister):
    escrow = _contract(admin)
    registry.setHolderClass(escrow, HolderClass.PROTOCOL, REF, sender=admin)
    with ape.reverts(registry.VenueIsProtocolHolder, account=escrow.address):
        registry.registerVenue(funded, escrow, REF, sender=lister)


def test_registering_a_frozen_contract_as_a_venue_is_refused(registry, funded, admin, lister, sanctions_officer):
    contract = _contract(admin)
    registry.freeze([contract], provider_ref("OFAC"), sender=sanctions_officer)
    with ape.reverts(registry.VenueAccountFrozen, account=contract.address):
        registry.registerVenue(funded, contract, REF, sender=lister)


def test_registering_a_contract_that_already_holds_the_asset_is_refused(registry, funded, admin, lister, alice,
                                                                       accounts, chain):
    """Only a protocol holder's return can reach an account without KYC; counted as an investor, it would leave
    the holder count one too high for good once it became an uncounted venue."""
    escrow = _contract(admin)
    registry.setHolderClass(escrow, HolderClass.PROTOCOL, REF, sender=admin)
    funded.transfer(escrow, SHARE, sender=alice)
    holder = _contract(admin)
    funded.transfer(holder, SHARE, sender=_as(escrow.address, accounts, chain))
    with ape.reverts(registry.VenueHoldsBalance, asset=funded.address, venue=holder.address):
        registry.registerVenue(funded, holder, REF, sender=lister)


def test_registering_a_venue_twice_for_the_same_asset_is_refused(registry, funded, lister, pool):
    with ape.reverts(registry.VenueAlreadyRegistered, asset=funded.address, venue=pool.address):
        registry.registerVenue(funded, pool, REF, sender=lister)


def test_registering_a_venue_for_an_unregistered_asset_is_refused(registry, admin, lister, mallory):
    venue = _contract(admin)
    with ape.reverts(registry.AssetNotRegistered, asset=mallory.address):
        registry.registerVenue(mallory, venue, REF, sender=lister)


def test_the_venue_class_cannot_be_set_outside_venue_registration(registry, admin):
    contract = _contract(admin)
    with ape.reverts(registry.VenueClassReserved, account=contract.address):
        registry.setHolderClass(contract, HolderClass.VENUE, REF, sender=admin)


def test_a_venue_cannot_be_reclassified(registry, admin, pool):
    with ape.reverts(registry.VenueClassReserved, account=pool.address):
        registry.setHolderClass(pool, HolderClass.INVESTOR, REF, sender=admin)


# ---------------------------------------------------------------- removal, suspension, resumption


def test_removing_a_venue_sets_it_to_none(registry, funded, lister, pool):
    registry.removeVenue(funded, pool, REF, sender=lister)
    assert registry.venueStatus(funded, pool) == VenueStatus.NONE


def test_removing_a_venue_drops_it_from_the_list(registry, funded, lister, pool):
    registry.removeVenue(funded, pool, REF, sender=lister)
    assert pool.address not in registry.venues(funded)


def test_removing_a_venue_emits_venue_removed(registry, funded, lister, pool):
    tx = registry.removeVenue(funded, pool, REF, sender=lister)
    assert [(e.asset, e.venue, e.reasonRef) for e in tx.events.filter(registry.VenueRemoved)] == [
        (funded.address, pool.address, REF)]


def test_a_removed_venue_keeps_its_venue_class(registry, funded, lister, pool):
    registry.removeVenue(funded, pool, REF, sender=lister)
    assert registry.investor(pool).holderClass == HolderClass.VENUE


def test_a_removed_venue_can_be_registered_again(registry, funded, lister, pool):
    registry.removeVenue(funded, pool, REF, sender=lister)
    registry.registerVenue(funded, pool, REF, sender=lister)
    assert registry.venueStatus(funded, pool) == VenueStatus.ACTIVE


def test_removing_a_venue_that_is_not_registered_is_refused(registry, funded, admin, lister):
    venue = _contract(admin)
    with ape.reverts(registry.VenueNotRegistered, asset=funded.address, venue=venue.address):
        registry.removeVenue(funded, venue, REF, sender=lister)


def test_a_suspended_venue_can_be_removed(registry, funded, lister, venue_guardian, pool):
    registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    registry.removeVenue(funded, pool, REF, sender=lister)
    assert registry.venueStatus(funded, pool) == VenueStatus.NONE


def test_the_venue_guardian_suspends_an_active_venue(registry, funded, venue_guardian, pool):
    registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    assert registry.venueStatus(funded, pool) == VenueStatus.SUSPENDED


def test_suspending_a_venue_emits_venue_suspended(registry, funded, venue_guardian, pool):
    tx = registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    assert [(e.asset, e.venue, e.reasonRef) for e in tx.events.filter(registry.VenueSuspended)] == [
        (funded.address, pool.address, INCIDENT)]


def test_a_suspended_venue_stays_listed(registry, funded, venue_guardian, pool):
    registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    assert pool.address in registry.venues(funded)


def test_suspending_a_venue_leaves_its_other_assets_active(registry, funded, other_asset, lister, venue_guardian,
                                                         pool):
    registry.registerVenue(other_asset, pool, REF, sender=lister)
    registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    assert registry.venueStatus(other_asset, pool) == VenueStatus.ACTIVE


def test_the_listing_role_may_suspend_a_venue_too(registry, funded, lister, pool):
    registry.suspendVenue(funded, pool, REF, sender=lister)
    assert registry.venueStatus(funded, pool) == VenueStatus.SUSPENDED


def test_suspending_a_venue_that_is_not_active_is_refused(registry, funded, venue_guardian, pool):
    registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    with ape.reverts(registry.VenueNotActive, asset=funded.address, venue=pool.address):
        registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)


def test_the_listing_role_resumes_a_suspended_venue(registry, funded, lister, venue_guardian, pool):
    registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    registry.resumeVenue(funded, pool, REF, sender=lister)
    assert registry.venueStatus(funded, pool) == VenueStatus.ACTIVE


def test_resuming_a_venue_emits_venue_resumed(registry, funded, lister, venue_guardian, pool):
    registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    tx = registry.resumeVenue(funded, pool, REF, sender=lister)
    assert [(e.asset, e.venue, e.reasonRef) for e in tx.events.filter(registry.VenueResumed)] == [
        (funded.address, pool.address, REF)]


def test_a_resumed_venue_trades_again(registry, funded, lister, venue_guardian, pool, alice):
    registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    registry.resumeVenue(funded, pool, REF, sender=lister)
    check(funded, registry, alice, pool, S.OK)


def test_resuming_a_venue_that_is_not_suspended_is_refused(registry, funded, lister, pool):
    with ape.reverts(registry.VenueNotSuspended, asset=funded.address, venue=pool.address):
        registry.resumeVenue(funded, pool, REF, sender=lister)


def test_the_venue_guardian_cannot_resume_a_venue(registry, funded, venue_guardian, pool):
    registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=venue_guardian.address,
                     neededRole=role("VENUE_LISTING_ROLE")):
        registry.resumeVenue(funded, pool, REF, sender=venue_guardian)


def test_the_venue_guardian_cannot_register_a_venue(registry, funded, admin, venue_guardian):
    venue = _contract(admin)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=venue_guardian.address,
                     neededRole=role("VENUE_LISTING_ROLE")):
        registry.registerVenue(funded, venue, REF, sender=venue_guardian)


def test_the_venue_guardian_cannot_remove_a_venue(registry, funded, venue_guardian, pool):
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=venue_guardian.address,
                     neededRole=role("VENUE_LISTING_ROLE")):
        registry.removeVenue(funded, pool, REF, sender=venue_guardian)


def test_the_asset_policy_role_alone_cannot_register_a_venue(registry, funded, admin, accounts):
    policy_only = accounts.generate_test_account()
    policy_only.balance = GAS
    registry.grantRole(role("ASSET_POLICY_ROLE"), policy_only, sender=admin)
    venue = _contract(admin)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=policy_only.address,
                     neededRole=role("VENUE_LISTING_ROLE")):
        registry.registerVenue(funded, venue, REF, sender=policy_only)


# ---------------------------------------------------------------- venue exits (ADR 0102)


def test_setting_a_venue_exit_records_it(registry, funded, lister, pool, second_pool):
    registry.setVenueExit(funded, pool, second_pool, REF, sender=lister)
    assert registry.venueExit(funded, pool) == second_pool.address


def test_setting_a_venue_exit_emits_venue_exit_set(registry, funded, lister, pool, second_pool):
    tx = registry.setVenueExit(funded, pool, second_pool, REF, sender=lister)
    assert tx.events == [registry.VenueExitSet(asset=funded.address, venue=pool.address, exit=second_pool.address,
                                               reasonRef=REF)]


def test_a_venue_exit_binds_one_asset_only(registry, funded, other_asset, lister, pool, second_pool):
    registry.registerVenue(other_asset, pool, REF, sender=lister)
    registry.setVenueExit(funded, pool, second_pool, REF, sender=lister)
    assert registry.venueExit(other_asset, pool) == ape.utils.ZERO_ADDRESS


def test_a_venue_exit_leaves_the_venue_standing_as_it_is(registry, funded, lister, pool, second_pool):
    registry.setVenueExit(funded, pool, second_pool, REF, sender=lister)
    assert registry.venueStatus(funded, pool) == VenueStatus.ACTIVE


def test_a_suspended_venue_keeps_its_exit_when_resumed(registry, funded, lister, venue_guardian, pool, second_pool):
    registry.setVenueExit(funded, pool, second_pool, REF, sender=lister)
    registry.suspendVenue(funded, pool, INCIDENT, sender=venue_guardian)
    registry.resumeVenue(funded, pool, REF, sender=lister)
    assert registry.venueExit(funded, pool) == second_pool.address


def test_clearing_a_venue_exit_sets_it_to_zero(registry, funded, lister, pool, second_pool):
    registry.setVenueExit(funded, pool, second_pool, REF, sender=lister)
    registry.setVenueExit(funded, pool, ape.utils.ZERO_ADDRESS, REF, sender=lister)
    assert registry.venueExit(funded, pool) == ape.utils.ZERO_ADDRESS


def test_removing_a_venue_clears_its_exit(registry, funded, lister, pool, second_pool):
    registry.setVenueExit(funded, pool, second_pool, REF, sender=lister)
    tx = registry.removeVenue(funded, pool, REF, sender=lister)
    assert registry.venueExit(funded, pool) == ape.utils.ZERO_ADDRESS
    assert registry.VenueExitSet(asset=funded.address, venue=pool.address, exit=ape.utils.ZERO_ADDRESS,
                                 reasonRef=REF) in tx.events


def test_a_forced_transfer_out_of_a_venue_ignores_its_exit(funded, registry, lister, recovery_agent, pool,
                                                           second_pool, alice, bob):
    funded.transfer(pool, SHARE, sender=alice)
    registry.setVenueExit(funded, pool, second_pool, REF, sender=lister)
    funded.forcedTransfer(pool, bob, SHARE, REF, sender=recovery_agent)
    assert funded.balanceOf(pool) == 0


def test_an_exit_for_a_venue_not_registered_for_the_asset_is_refused(registry, funded, lister, foreign_pool,
                                                                      second_pool):
    with ape.reverts(registry.VenueNotRegistered, asset=funded.address, venue=foreign_pool.address):
        registry.setVenueExit(funded, foreign_pool, second_pool, REF, sender=lister)


def test_an_exit_that_is_not_a_venue_of_the_asset_is_refused(registry, funded, lister, pool, foreign_pool):
    with ape.reverts(registry.VenueExitNotActiveVenue, asset=funded.address, exit=foreign_pool.address):
        registry.setVenueExit(funded, pool, foreign_pool, REF, sender=lister)


def test_an_investor_as_an_exit_is_refused(registry, funded, lister, pool, bob):
    with ape.reverts(registry.VenueExitNotActiveVenue, asset=funded.address, exit=bob.address):
        registry.setVenueExit(funded, pool, bob, REF, sender=lister)


def test_a_suspended_venue_as_an_exit_is_refused(registry, funded, lister, venue_guardian, pool, second_pool):
    registry.suspendVenue(funded, second_pool, INCIDENT, sender=venue_guardian)
    with ape.reverts(registry.VenueExitNotActiveVenue, asset=funded.address, exit=second_pool.address):
        registry.setVenueExit(funded, pool, second_pool, REF, sender=lister)


def test_a_venue_as_its_own_exit_is_refused(registry, funded, lister, pool):
    with ape.reverts(registry.VenueExitIsVenue, venue=pool.address):
        registry.setVenueExit(funded, pool, pool, REF, sender=lister)


def test_setting_the_exit_a_venue_already_has_is_refused(registry, funded, lister, pool, second_pool):
    registry.setVenueExit(funded, pool, second_pool, REF, sender=lister)
    with ape.reverts(registry.VenueExitUnchanged, asset=funded.address, venue=pool.address,
                     exit=second_pool.address):
        registry.setVenueExit(funded, pool, second_pool, REF, sender=lister)


def test_clearing_an_exit_a_venue_does_not_have_is_refused(registry, funded, lister, pool):
    with ape.reverts(registry.VenueExitUnchanged, asset=funded.address, venue=pool.address,
                     exit=ape.utils.ZERO_ADDRESS):
        registry.setVenueExit(funded, pool, ape.utils.ZERO_ADDRESS, REF, sender=lister)


def test_the_venue_guardian_cannot_set_a_venue_exit(registry, funded, venue_guardian, pool, second_pool):
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=venue_guardian.address,
                     neededRole=role("VENUE_LISTING_ROLE")):
        registry.setVenueExit(funded, pool, second_pool, REF, sender=venue_guardian)
