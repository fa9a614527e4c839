"""Pause, freeze, forced transfer, forced burn and holder counting."""

import ape
from eth_utils import keccak

from rat.errors import TransferStatus as S

SHARE = 10**18
COURT_ORDER = keccak(text="court order 2026/114")


def test_pause_blocks_mints(funded, pauser, minter, alice):
    funded.pause(sender=pauser)
    with ape.reverts(funded.TransferRestricted, status=int(S.PAUSED)):
        funded.mint(alice, SHARE, sender=minter)


def test_unpause_restores_transfers(funded, pauser, alice, bob):
    funded.pause(sender=pauser)
    funded.unpause(sender=pauser)
    funded.transfer(bob, SHARE, sender=alice)
    assert not funded.paused()


def test_pause_is_evented_by_token_and_registry(funded, registry, pauser):
    tx = funded.pause(sender=pauser)
    assert funded.paused()
    assert [e.account for e in tx.events.filter(funded.Paused)] == [pauser.address]
    assert [(e.asset, e.paused) for e in tx.events.filter(registry.AssetPauseUpdated)] == [(funded.address, True)]


def test_pause_blocks_forced_transfers(funded, pauser, recovery_agent, alice, bob):
    funded.pause(sender=pauser)
    with ape.reverts(funded.TransferRestricted, status=int(S.PAUSED)):
        funded.forcedTransfer(alice, bob, SHARE, COURT_ORDER, sender=recovery_agent)


def test_freeze_is_evented_with_its_reason(registry, sanctions_officer, alice):
    tx = registry.freeze([alice], COURT_ORDER, sender=sanctions_officer)
    assert registry.isFrozen(alice)
    assert [(e.account, bytes(e.reasonRef)) for e in tx.events] == [(alice.address, COURT_ORDER)]


def test_freezing_twice_is_refused(registry, sanctions_officer, alice):
    registry.freeze([alice], COURT_ORDER, sender=sanctions_officer)
    with ape.reverts(registry.AlreadyFrozen, account=alice.address):
        registry.freeze([alice], COURT_ORDER, sender=sanctions_officer)


def test_unfreezing_an_account_that_is_not_frozen_is_refused(registry, sanctions_officer, alice):
    with ape.reverts(registry.NotFrozen, account=alice.address):
        registry.unfreeze([alice], COURT_ORDER, sender=sanctions_officer)


def test_unfreeze_restores_transfers(funded, registry, sanctions_officer, alice, bob):
    registry.freeze([alice], COURT_ORDER, sender=sanctions_officer)
    registry.unfreeze([alice], COURT_ORDER, sender=sanctions_officer)
    funded.transfer(bob, SHARE, sender=alice)
    assert funded.balanceOf(bob) == SHARE


def test_kyc_update_never_lifts_a_freeze(registry, sanctions_officer, kyc, alice):
    registry.freeze([alice], COURT_ORDER, sender=sanctions_officer)
    kyc(alice, tier=3)
    assert registry.isFrozen(alice)


def test_kyc_revocation_never_lifts_a_freeze(registry, sanctions_officer, kyc_operator, alice):
    registry.freeze([alice], COURT_ORDER, sender=sanctions_officer)
    registry.revokeInvestor(alice, keccak(text="closed"), sender=kyc_operator)
    assert registry.isFrozen(alice)


def test_forced_transfer_moves_tokens_from_a_frozen_holder_and_records_the_legal_reference(
    funded, registry, sanctions_officer, recovery_agent, alice, bob
):
    registry.freeze([alice], COURT_ORDER, sender=sanctions_officer)
    tx = funded.forcedTransfer(alice, bob, 40 * SHARE, COURT_ORDER, sender=recovery_agent)
    assert funded.balanceOf(bob) == 40 * SHARE
    [event] = tx.events.filter(funded.ForcedTransfer)
    assert (event["from"], event.to, event.amount, bytes(event.legalRef)) == (
        alice.address, bob.address, 40 * SHARE, COURT_ORDER)


def test_forced_transfer_leaves_the_source_frozen(funded, registry, sanctions_officer, recovery_agent, alice, bob):
    registry.freeze([alice], COURT_ORDER, sender=sanctions_officer)
    funded.forcedTransfer(alice, bob, SHARE, COURT_ORDER, sender=recovery_agent)
    assert registry.isFrozen(alice)


def test_forced_transfer_to_self_is_refused(funded, registry, sanctions_officer, recovery_agent, alice):
    registry.freeze([alice], COURT_ORDER, sender=sanctions_officer)
    with ape.reverts(funded.ForcedTransferToSelf, account=alice.address):
        funded.forcedTransfer(alice, alice, SHARE, COURT_ORDER, sender=recovery_agent)
    assert registry.isFrozen(alice)


def test_forced_transfer_to_an_ineligible_recipient_is_refused(funded, recovery_agent, alice, mallory):
    with ape.reverts(funded.TransferRestricted, status=int(S.RECIPIENT_NOT_ELIGIBLE)):
        funded.forcedTransfer(alice, mallory, SHARE, COURT_ORDER, sender=recovery_agent)


def test_forced_transfer_to_a_frozen_recipient_is_refused(
    funded, registry, sanctions_officer, recovery_agent, alice, bob
):
    registry.freeze([bob], COURT_ORDER, sender=sanctions_officer)
    with ape.reverts(funded.TransferRestricted, status=int(S.RECIPIENT_FROZEN)):
        funded.forcedTransfer(alice, bob, SHARE, COURT_ORDER, sender=recovery_agent)


def test_minter_burns_only_its_own_balance(funded, minter, kyc, alice):
    kyc(minter)
    funded.transfer(minter, 10 * SHARE, sender=alice)
    funded.burn(4 * SHARE, sender=minter)
    assert funded.balanceOf(minter) == 6 * SHARE
    assert funded.totalSupply() == 96 * SHARE
    assert funded.balanceOf(alice) == 90 * SHARE


def test_frozen_balance_cannot_be_burnt_by_the_minter(funded, registry, sanctions_officer, minter, kyc, alice):
    kyc(minter)
    funded.transfer(minter, SHARE, sender=alice)
    registry.freeze([minter], COURT_ORDER, sender=sanctions_officer)
    with ape.reverts(funded.TransferRestricted, status=int(S.SENDER_FROZEN)):
        funded.burn(SHARE, sender=minter)


def test_forced_burn_removes_a_frozen_holders_tokens(funded, registry, sanctions_officer, recovery_agent, alice):
    registry.freeze([alice], COURT_ORDER, sender=sanctions_officer)
    tx = funded.forcedBurn(alice, 100 * SHARE, COURT_ORDER, sender=recovery_agent)
    assert funded.totalSupply() == 0
    assert funded.holderCount() == 0
    assert [bytes(e.legalRef) for e in tx.events.filter(funded.ForcedBurn)] == [COURT_ORDER]


def test_holder_count_follows_balances_becoming_zero_and_non_zero(funded, alice, bob):
    assert funded.holderCount() == 1
    funded.transfer(bob, SHARE, sender=alice)
    assert funded.holderCount() == 2
    funded.transfer(alice, SHARE, sender=bob)
    assert funded.holderCount() == 1


def test_self_transfer_changes_nothing(funded, alice):
    funded.transfer(alice, SHARE, sender=alice)
    assert funded.balanceOf(alice) == 100 * SHARE
    assert funded.holderCount() == 1
