"""ERC-2612 permit: EOA and ERC-1271 signatures, expiry, replay, chain binding — and no compliance bypass."""

import ape
import pytest
from eth_utils import keccak
from eth_abi import encode

from rat.errors import TransferStatus as S
from rat.permit import permit_signature

SHARE = 10**18
HOUR = 3600


@pytest.fixture
def sign(funded, chain):
    def _sign(signer, owner, spender, value=SHARE, nonce=None, deadline=None, chain_id=None, token_address=None):
        return permit_signature(
            signer.private_key,
            token_name=funded.name(),
            token_address=token_address or funded.address,
            chain_id=chain_id or chain.chain_id,
            owner=owner.address if hasattr(owner, "address") else owner,
            spender=spender.address,
            value=value,
            nonce=funded.nonces(owner) if nonce is None else nonce,
            deadline=deadline or chain.pending_timestamp + HOUR,
        )

    return _sign


def _permit(token, owner, spender, signature, deadline, sender, value=SHARE):
    return token.permit(owner, spender, value, deadline, signature, sender=sender)


def test_valid_permit_sets_the_allowance_and_uses_the_nonce(funded, sign, chain, alice, bob, carol):
    deadline = chain.pending_timestamp + HOUR
    _permit(funded, alice, bob, sign(alice, alice, bob, deadline=deadline), deadline, sender=carol)
    assert funded.allowance(alice, bob) == SHARE
    assert funded.nonces(alice) == 1


def test_permit_with_v_r_s_components_is_accepted(funded, sign, chain, alice, bob):
    deadline = chain.pending_timestamp + HOUR
    sig = sign(alice, alice, bob, deadline=deadline)
    funded.permit(alice, bob, SHARE, deadline, sig[64], sig[:32], sig[32:64], sender=bob)
    assert funded.allowance(alice, bob) == SHARE


def test_expired_permit_is_refused(funded, sign, chain, alice, bob):
    deadline = chain.pending_timestamp - 1
    with ape.reverts(funded.PermitExpired, deadline=deadline):
        _permit(funded, alice, bob, sign(alice, alice, bob, deadline=deadline), deadline, sender=bob)


def test_replayed_permit_is_refused(funded, sign, chain, alice, bob):
    deadline = chain.pending_timestamp + HOUR
    sig = sign(alice, alice, bob, deadline=deadline)
    _permit(funded, alice, bob, sig, deadline, sender=bob)
    with ape.reverts(funded.PermitInvalidSignature):
        _permit(funded, alice, bob, sig, deadline, sender=bob)


def test_permit_signed_for_another_chain_is_refused(funded, sign, chain, alice, bob):
    deadline = chain.pending_timestamp + HOUR
    sig = sign(alice, alice, bob, deadline=deadline, chain_id=chain.chain_id + 1)
    with ape.reverts(funded.PermitInvalidSignature):
        _permit(funded, alice, bob, sig, deadline, sender=bob)


def test_permit_signed_for_another_token_is_refused(funded, sign, chain, alice, bob, registry):
    deadline = chain.pending_timestamp + HOUR
    sig = sign(alice, alice, bob, deadline=deadline, token_address=registry.address)
    with ape.reverts(funded.PermitInvalidSignature):
        _permit(funded, alice, bob, sig, deadline, sender=bob)


def test_permit_signed_by_someone_else_is_refused(funded, sign, chain, alice, bob):
    deadline = chain.pending_timestamp + HOUR
    with ape.reverts(funded.PermitInvalidSignature):
        _permit(funded, alice, bob, sign(bob, alice, bob, deadline=deadline), deadline, sender=bob)


def test_smart_contract_wallet_can_permit_with_erc1271(funded, sign, chain, kyc, minter, alice, bob):
    wallet = alice.deploy(ape.project.ERC1271WalletMock, alice.address)
    kyc(wallet.address, tier=3)
    funded.mint(wallet.address, SHARE, sender=minter)
    deadline = chain.pending_timestamp + HOUR
    sig = sign(alice, wallet.address, bob, deadline=deadline)
    _permit(funded, wallet.address, bob, sig, deadline, sender=bob)
    funded.transferFrom(wallet.address, bob, SHARE, sender=bob)
    assert funded.balanceOf(bob) == SHARE


def test_erc1271_wallet_rejecting_the_signature_blocks_the_permit(funded, sign, chain, kyc, alice, bob, carol):
    wallet = alice.deploy(ape.project.ERC1271WalletMock, alice.address)
    deadline = chain.pending_timestamp + HOUR
    with ape.reverts(funded.PermitInvalidSignature):
        _permit(funded, wallet.address, bob, sign(carol, wallet.address, bob, deadline=deadline), deadline, sender=bob)


def test_permit_does_not_let_a_spender_deliver_to_an_ineligible_recipient(funded, sign, chain, alice, mallory):
    deadline = chain.pending_timestamp + HOUR
    _permit(funded, alice, mallory, sign(alice, alice, mallory, deadline=deadline), deadline, sender=mallory)
    with ape.reverts(funded.TransferRestricted, status=int(S.RECIPIENT_NOT_ELIGIBLE)):
        funded.transferFrom(alice, mallory, SHARE, sender=mallory)


def test_frozen_owner_cannot_grant_a_permit(funded, sign, chain, registry, sanctions_officer, alice, bob):
    registry.freeze([alice], keccak(text="sanctions"), sender=sanctions_officer)
    deadline = chain.pending_timestamp + HOUR
    with ape.reverts(funded.AccountFrozen, account=alice.address):
        _permit(funded, alice, bob, sign(alice, alice, bob, deadline=deadline), deadline, sender=bob)


def test_frozen_spender_cannot_receive_a_permit(funded, sign, chain, registry, sanctions_officer, alice, bob):
    registry.freeze([bob], keccak(text="sanctions"), sender=sanctions_officer)
    deadline = chain.pending_timestamp + HOUR
    with ape.reverts(funded.AccountFrozen, account=bob.address):
        _permit(funded, alice, bob, sign(alice, alice, bob, deadline=deadline), deadline, sender=bob)


def test_frozen_owner_cannot_approve(funded, registry, sanctions_officer, alice, bob):
    registry.freeze([alice], keccak(text="sanctions"), sender=sanctions_officer)
    with ape.reverts(funded.AccountFrozen, account=alice.address):
        funded.approve(bob, SHARE, sender=alice)


def _expected_domain_separator(token, chain_id: int) -> bytes:
    type_hash = keccak(
        text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    return keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [type_hash, keccak(text=token.name()), keccak(text="1"), chain_id, token.address],
        )
    )


def test_domain_separator_follows_the_chain_id_after_a_fork(funded, chain):
    original = chain.chain_id
    forked = original + 1000
    assert bytes(funded.DOMAIN_SEPARATOR()) == _expected_domain_separator(funded, original)
    chain.provider.make_request("anvil_setChainId", [forked])
    try:
        assert bytes(funded.DOMAIN_SEPARATOR()) == _expected_domain_separator(funded, forked)
    finally:
        chain.provider.make_request("anvil_setChainId", [original])
