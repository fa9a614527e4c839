"""Every reason code `canTransfer` can return makes a real transfer fail for exactly that reason, and the wallet
pre-check agrees with what the token enforces."""

import ape
import pytest

from rat.deploy import AssetTerms, jurisdiction, list_equity, provider_ref
from rat.errors import TransferStatus as S

SHARE = 10**18


def assert_blocked(token, registry, sender, to, status: S, amount: int = SHARE):
    assert registry.canTransfer(token, sender, to, amount) == status
    with ape.reverts(token.TransferRestricted, status=int(status)):
        token.transfer(to, amount, sender=sender)


def test_transfer_between_approved_investors_succeeds(funded, registry, alice, bob):
    assert registry.canTransfer(funded, alice, bob, SHARE) == S.OK
    funded.transfer(bob, SHARE, sender=alice)
    assert funded.balanceOf(bob) == SHARE


def test_paused_asset_refuses_transfers(funded, registry, pauser, alice, bob):
    funded.pause(sender=pauser)
    assert_blocked(funded, registry, alice, bob, S.PAUSED)


def test_sender_whose_kyc_was_revoked_cannot_send(funded, registry, kyc_operator, alice, bob):
    registry.revokeInvestor(alice, provider_ref("revoked"), sender=kyc_operator)
    assert_blocked(funded, registry, alice, bob, S.SENDER_NOT_ELIGIBLE)


def test_sender_below_the_asset_minimum_tier_cannot_send(funded, registry, admin, kyc, alice, bob):
    kyc(bob, tier=2)
    registry.setAssetPolicy(funded, 2, 0, sender=admin)
    assert_blocked(funded, registry, alice, bob, S.SENDER_NOT_ELIGIBLE)


def test_recipient_without_kyc_cannot_receive(funded, registry, alice, mallory):
    assert_blocked(funded, registry, alice, mallory, S.RECIPIENT_NOT_ELIGIBLE)


def test_recipient_below_the_asset_minimum_tier_cannot_receive(funded, registry, admin, kyc, alice, bob):
    kyc(alice, tier=3)
    registry.setAssetPolicy(funded, 2, 0, sender=admin)
    assert_blocked(funded, registry, alice, bob, S.RECIPIENT_NOT_ELIGIBLE)


def test_frozen_sender_cannot_send(funded, registry, sanctions_officer, alice, bob):
    registry.freeze([alice], provider_ref("OFAC SDN entry"), sender=sanctions_officer)
    assert_blocked(funded, registry, alice, bob, S.SENDER_FROZEN)


def test_frozen_recipient_cannot_receive(funded, registry, sanctions_officer, alice, bob):
    registry.freeze([bob], provider_ref("OFAC SDN entry"), sender=sanctions_officer)
    assert_blocked(funded, registry, alice, bob, S.RECIPIENT_FROZEN)


def test_sender_with_expired_kyc_cannot_send(funded, registry, kyc, chain, alice, bob):
    kyc(alice, valid_for=3600)
    kyc(bob, valid_for=10 * 3600)
    chain.mine(timestamp=chain.pending_timestamp + 2 * 3600)
    assert_blocked(funded, registry, alice, bob, S.SENDER_KYC_EXPIRED)


def test_recipient_with_expired_kyc_cannot_receive(funded, registry, kyc, chain, alice, bob):
    kyc(bob, valid_for=3600)
    chain.mine(timestamp=chain.pending_timestamp + 2 * 3600)
    assert_blocked(funded, registry, alice, bob, S.RECIPIENT_KYC_EXPIRED)


def test_sender_from_a_blocked_jurisdiction_cannot_send(funded, registry, admin, kyc, alice, bob):
    kyc(alice, country="US")
    registry.setJurisdictionsBlocked(funded, [jurisdiction("US")], True, sender=admin)
    assert_blocked(funded, registry, alice, bob, S.SENDER_JURISDICTION_BLOCKED)


def test_recipient_from_a_blocked_jurisdiction_cannot_receive(funded, registry, admin, kyc, alice, bob):
    kyc(bob, country="US")
    registry.setJurisdictionsBlocked(funded, [jurisdiction("US")], True, sender=admin)
    assert_blocked(funded, registry, alice, bob, S.RECIPIENT_JURISDICTION_BLOCKED)


def test_unblocking_a_jurisdiction_restores_transfers(funded, registry, admin, kyc, alice, bob):
    kyc(bob, country="US")
    registry.setJurisdictionsBlocked(funded, [jurisdiction("US")], True, sender=admin)
    registry.setJurisdictionsBlocked(funded, [jurisdiction("US")], False, sender=admin)
    funded.transfer(bob, SHARE, sender=alice)
    assert funded.balanceOf(bob) == SHARE


def test_frozen_spender_cannot_move_an_allowance(funded, registry, sanctions_officer, kyc, alice, bob, carol):
    kyc(carol)
    funded.approve(carol, SHARE, sender=alice)
    registry.freeze([carol], provider_ref("court order 17"), sender=sanctions_officer)
    with ape.reverts(funded.TransferRestricted, status=int(S.OPERATOR_FROZEN)):
        funded.transferFrom(alice, bob, SHARE, sender=carol)


def test_holder_cap_stops_a_new_holder(funded, registry, admin, alice, bob):
    registry.setAssetPolicy(funded, 1, 1, sender=admin)
    assert registry.canTransfer(funded, alice, bob, SHARE) == S.MAX_HOLDERS_REACHED
    with ape.reverts(funded.TransferRestricted, status=int(S.MAX_HOLDERS_REACHED)):
        funded.transfer(bob, SHARE, sender=alice)


def test_holder_cap_allows_a_transfer_of_the_whole_balance(funded, registry, admin, alice, bob):
    registry.setAssetPolicy(funded, 1, 1, sender=admin)
    whole = funded.balanceOf(alice)
    assert registry.canTransfer(funded, alice, bob, whole) == S.OK
    funded.transfer(bob, whole, sender=alice)
    assert funded.holderCount() == 1


def test_transfer_above_balance_is_refused(funded, registry, alice, bob):
    too_much = funded.balanceOf(alice) + 1
    assert registry.canTransfer(funded, alice, bob, too_much) == S.INSUFFICIENT_BALANCE
    with ape.reverts(funded.ERC20InsufficientBalance):
        funded.transfer(bob, too_much, sender=alice)


def test_unregistered_asset_cannot_mint(stack, admin, kyc, alice, registry):
    terms = AssetTerms.example(symbol="rMSFT", name="RAT Microsoft", isin="US5949181045")
    init = stack.token_implementation.initialize.encode_input(terms.as_tuple(), admin.address)
    proxy = admin.deploy(ape.project.EquityProxy, stack.beacon.address, init)
    unregistered = ape.project.RealAssetToken.at(proxy.address)
    unregistered.grantRole(unregistered.MINTER_ROLE(), admin, sender=admin)
    kyc(alice)
    assert registry.canTransfer(unregistered, "0x" + "00" * 20, alice, SHARE) == S.ASSET_NOT_REGISTERED
    with ape.reverts(unregistered.TransferRestricted, status=int(S.ASSET_NOT_REGISTERED)):
        unregistered.mint(alice, SHARE, sender=admin)


def test_mint_to_an_ineligible_recipient_is_refused(token, minter, mallory):
    with ape.reverts(token.TransferRestricted, status=int(S.RECIPIENT_NOT_ELIGIBLE)):
        token.mint(mallory, SHARE, sender=minter)


@pytest.mark.parametrize("status", list(S))
def test_python_reason_codes_mirror_the_solidity_enum(status, registry):
    # The ABI carries the enum only as uint8; this keeps rat.errors in step with IComplianceRegistry.sol.
    source = (ape.project.path / "contracts/interfaces/IComplianceRegistry.sol").read_text()
    body = source.split("enum TransferStatus {", 1)[1].split("}", 1)[0]
    names = [line.strip().rstrip(",") for line in body.splitlines() if line.strip()]
    assert names[status.value] == status.name
