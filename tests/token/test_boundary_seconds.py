"""KYC expiry at its exact second, through Ape on anvil: a block mined in the expiry second treats the KYC as
expired for transfers and for the wallet pre-check alike, the block one second earlier does not, and the registry
refuses to write an expiry that is already due (issue 24: these rules were only tested hours away from the
boundary, so a `<` for `<=` mutant lived). The Forge twin of these specs is tests/foundry/Boundaries.t.sol."""

import ape

from rat.deploy import provider_ref
from rat.errors import TransferStatus as S

SHARE = 10**18


def _expiry_soon(kyc, registry, account, valid_for: int = 1_000) -> int:
    kyc(account, valid_for=valid_for)
    return registry.investor(account).expiry


def test_a_recipient_cannot_receive_in_the_second_its_kyc_expires(funded, registry, kyc, chain, alice, bob):
    expiry = _expiry_soon(kyc, registry, bob)
    chain.pending_timestamp = expiry
    with ape.reverts(funded.TransferRestricted, status=int(S.RECIPIENT_KYC_EXPIRED)):
        funded.transfer(bob, SHARE, sender=alice)


def test_a_recipient_still_receives_in_the_second_before_its_kyc_expires(funded, registry, kyc, chain, alice, bob):
    expiry = _expiry_soon(kyc, registry, bob)
    chain.pending_timestamp = expiry - 1
    funded.transfer(bob, SHARE, sender=alice)
    assert funded.balanceOf(bob) == SHARE


def test_a_sender_cannot_send_in_the_second_its_kyc_expires(funded, registry, kyc, chain, alice, bob):
    expiry = _expiry_soon(kyc, registry, alice)
    chain.pending_timestamp = expiry
    with ape.reverts(funded.TransferRestricted, status=int(S.SENDER_KYC_EXPIRED)):
        funded.transfer(bob, SHARE, sender=alice)


def test_a_sender_still_sends_in_the_second_before_its_kyc_expires(funded, registry, kyc, chain, alice, bob):
    expiry = _expiry_soon(kyc, registry, alice)
    chain.pending_timestamp = expiry - 1
    funded.transfer(bob, SHARE, sender=alice)
    assert funded.balanceOf(bob) == SHARE


def test_the_wallet_pre_check_calls_a_kyc_expired_in_the_block_second(funded, registry, kyc, chain, alice, bob):
    expiry = _expiry_soon(kyc, registry, bob)
    chain.mine(timestamp=expiry)
    assert registry.canTransfer(funded, alice, bob, SHARE) == S.RECIPIENT_KYC_EXPIRED


def test_the_wallet_pre_check_accepts_a_kyc_expiring_the_next_second(funded, registry, kyc, chain, alice, bob):
    expiry = _expiry_soon(kyc, registry, bob)
    chain.mine(timestamp=expiry - 1)
    assert registry.canTransfer(funded, alice, bob, SHARE) == S.OK


def test_an_expiry_equal_to_the_block_time_is_refused_as_past(registry, kyc_operator, chain, carol):
    now = chain.pending_timestamp
    with ape.reverts(registry.ExpiryInPast, expiry=now):
        registry.setInvestor(carol, 1, b"BR", now, provider_ref("carol"), sender=kyc_operator)


def test_an_expiry_one_second_after_the_block_time_is_accepted(registry, kyc_operator, chain, carol):
    now = chain.pending_timestamp
    chain.pending_timestamp = now
    registry.setInvestor(carol, 1, b"BR", now + 1, provider_ref("carol"), sender=kyc_operator)
    assert registry.investor(carol).expiry == now + 1
