"""requestMintWithPermit, and the UUPS upgrade story of the Minter, ReserveRegistry and FeeVault: an upgrade keeps
pending requests, rounds and balances; only the upgrader may upgrade; initializers are locked on proxies and on
implementations."""

from __future__ import annotations

import ape
import pytest
from eth_utils import to_checksum_address
from minting_constants import KEEPALIVE, PRICE, USDC

from rat.deploy import role
from rat.minting import SHARE, RequestStatus, fulfill, publish_reserves, request_id_of, request_mint
from rat.permit import permit_signature

# ERC-1967: bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1)
IMPLEMENTATION_SLOT = 0x360894A13BA1A3210667C828492DB98DCA3E2076CC3735A920A3CA505D382BBC


def _permit(usdc, owner, spender, value, deadline, chain, key=None):
    sig = permit_signature(
        key or owner.private_key, token_name=usdc.name(), token_address=usdc.address, chain_id=chain.chain_id,
        owner=owner.address, spender=spender, value=value, nonce=usdc.nonces(owner), deadline=deadline,
    )
    return sig[64], sig[:32], sig[32:64]


# ------------------------------------------------------------------------------------------- permit


def test_request_with_a_valid_permit_escrows_without_a_prior_approval(mstack, token, usdc, investors, deadline,
                                                                      chain):
    alice, _ = investors
    assert usdc.allowance(alice, mstack.minter) == 0
    v, r, s = _permit(usdc, alice, mstack.minter.address, 1_000 * USDC, deadline, chain)
    receipt = mstack.minter.requestMintWithPermit(token, usdc, 1_000 * USDC, PRICE, deadline, deadline, v, r, s,
                                                  sender=alice)
    rid = request_id_of(receipt)
    assert mstack.minter.getRequest(rid).status == RequestStatus.PENDING
    assert usdc.balanceOf(mstack.minter) == KEEPALIVE + 1_000 * USDC
    assert usdc.allowance(alice, mstack.minter) == 0


def test_request_with_a_permit_signed_by_another_key_reverts_for_want_of_allowance(
    mstack, token, usdc, investors, deadline, chain, stranger_key
):
    alice, _ = investors
    v, r, s = _permit(usdc, alice, mstack.minter.address, 1_000 * USDC, deadline, chain, key=stranger_key.key)
    with ape.reverts(usdc.ERC20InsufficientAllowance):
        mstack.minter.requestMintWithPermit(token, usdc, 1_000 * USDC, PRICE, deadline, deadline, v, r, s,
                                            sender=alice)


def test_request_with_a_front_run_permit_still_succeeds_on_the_allowance_it_set(
    mstack, token, usdc, investors, deadline, chain, mallory
):
    alice, _ = investors
    v, r, s = _permit(usdc, alice, mstack.minter.address, 1_000 * USDC, deadline, chain)
    usdc.permit(alice, mstack.minter, 1_000 * USDC, deadline, v, r, s, sender=mallory)  # the front-runner
    receipt = mstack.minter.requestMintWithPermit(token, usdc, 1_000 * USDC, PRICE, deadline, deadline, v, r, s,
                                                  sender=alice)
    assert mstack.minter.getRequest(request_id_of(receipt)).amount == 1_000 * USDC


# ------------------------------------------------------------------------------------------- upgrades


def _implementation(chain, proxy) -> str:
    raw = bytes(chain.provider.get_storage(proxy.address, IMPLEMENTATION_SLOT))
    return to_checksum_address(raw[-20:])


def _redeploy_minter(admin, mstack):
    return admin.deploy(ape.project.Minter, mstack.compliance.registry.address, mstack.fee_vault.address,
                        mstack.reserves.address)


def test_minter_upgrade_keeps_pending_requests_and_they_settle_after_it(
    mstack, token, usdc, investors, admin, relayer, deadline, attestor_keys, chain
):
    alice, _ = investors
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    before = mstack.minter.getRequest(rid)
    new_impl = _redeploy_minter(admin, mstack)
    mstack.minter.upgradeToAndCall(new_impl, b"", sender=admin)
    assert _implementation(chain, mstack.minter) == new_impl.address
    assert mstack.minter.getRequest(rid) == before
    fulfill(mstack, relayer, rid, 2 * SHARE, PRICE, attestor_keys, deadline)
    assert mstack.minter.getRequest(rid).status == RequestStatus.FULFILLED


def test_reserve_registry_upgrade_keeps_rounds_and_the_guard_reads_them(
    mstack, token, listed, admin, relayer, usdc, investors, deadline, attestor_keys, chain
):
    reserves = mstack.reserves
    latest = reserves.latestRoundData(token)
    records = reserves.records()
    new_impl = admin.deploy(ape.project.ReserveRegistry)
    reserves.upgradeToAndCall(new_impl, b"", sender=admin)
    assert _implementation(chain, reserves) == new_impl.address
    assert reserves.latestRoundData(token) == latest and reserves.records() == records
    alice, _ = investors
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    fulfill(mstack, relayer, rid, SHARE, PRICE, attestor_keys, deadline)


def test_fee_vault_upgrade_keeps_balances_buckets_rates_and_minter(
    mstack, token, usdc, admin, relayer, vault, investors, deadline, attestor_keys, chain, listed
):
    alice, _ = investors
    rid = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    fulfill(mstack, relayer, rid, 4 * SHARE, PRICE, attestor_keys, deadline)
    state = (usdc.balanceOf(vault), vault.buckets(usdc), vault.fees(token), vault.minter(), vault.trackedTokens())
    new_impl = admin.deploy(ape.project.FeeVault)
    vault.upgradeToAndCall(new_impl, b"", sender=admin)
    assert _implementation(chain, vault) == new_impl.address
    assert (usdc.balanceOf(vault), vault.buckets(usdc), vault.fees(token), vault.minter(),
            vault.trackedTokens()) == state


@pytest.mark.parametrize("which", ["minter", "reserves", "fee_vault"])
def test_upgrade_by_an_account_without_the_upgrader_role_reverts(mstack, mallory, admin, which):
    # A real implementation, so that only the role check can refuse the upgrade.
    proxy = getattr(mstack, which)
    new_impl = {"minter": lambda: _redeploy_minter(admin, mstack),
                "reserves": lambda: admin.deploy(ape.project.ReserveRegistry),
                "fee_vault": lambda: admin.deploy(ape.project.FeeVault)}[which]()
    with ape.reverts(proxy.AccessControlUnauthorizedAccount, account=mallory.address,
                     neededRole=role("UPGRADER_ROLE")):
        proxy.upgradeToAndCall(new_impl, b"", sender=mallory)


def test_initializers_are_locked_on_proxies(mstack, mallory):
    with ape.reverts(mstack.minter.InvalidInitialization):
        mstack.minter.initialize(mallory, mallory, sender=mallory)
    with ape.reverts(mstack.reserves.InvalidInitialization):
        mstack.reserves.initialize(mallory, sender=mallory)
    with ape.reverts(mstack.fee_vault.InvalidInitialization):
        mstack.fee_vault.initialize(mallory, 0, sender=mallory)


def test_initializers_are_locked_on_implementations(mstack, mallory):
    with ape.reverts(mstack.minter_implementation.InvalidInitialization):
        mstack.minter_implementation.initialize(mallory, mallory, sender=mallory)
    with ape.reverts(mstack.reserves_implementation.InvalidInitialization):
        mstack.reserves_implementation.initialize(mallory, sender=mallory)
    with ape.reverts(mstack.fee_vault_implementation.InvalidInitialization):
        mstack.fee_vault_implementation.initialize(mallory, 0, sender=mallory)


def test_reserve_records_serve_the_registry_latest_round_and_only_the_registry_writes_them(
    mstack, token, listed, publisher, custodian_key, mallory, chain
):
    records = ape.project.ReserveRecords.at(mstack.reserves.records())
    assert records.REGISTRY() == mstack.reserves.address
    assert records.latestRoundData(token) == mstack.reserves.latestRoundData(token)
    chain.pending_timestamp += 60
    publish_reserves(mstack, publisher, custodian_key.key, token, 7 * SHARE, chain.pending_timestamp - 1)
    assert records.latestRoundData(token) == mstack.reserves.latestRoundData(token) == listed.latestRoundData()
    with ape.reverts(records.OnlyRegistry, caller=mallory.address):
        records.writeLatest(token, 9, SHARE, 1, sender=mallory)
