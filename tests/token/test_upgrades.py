"""Upgrades through the beacon keep state; initializers cannot be called again; storage is namespaced."""

import ape
from eth_utils import keccak

from rat.deploy import AssetTerms, role

SHARE = 10**18


def _erc7201(namespace: str) -> int:
    return int.from_bytes(keccak((int.from_bytes(keccak(text=namespace), "big") - 1).to_bytes(32, "big")), "big") & ~0xFF


def test_one_beacon_upgrade_upgrades_every_equity_and_keeps_balances_and_roles(stack, funded, admin, minter, alice, bob):
    second = ape.project.RealAssetToken.at(
        admin.deploy(
            ape.project.EquityProxy,
            stack.beacon.address,
            stack.token_implementation.initialize.encode_input(
                AssetTerms.example("rMSFT", "RAT Microsoft", "US5949181045").as_tuple(), admin.address
            ),
        ).address
    )
    funded.transfer(bob, 3 * SHARE, sender=alice)
    v2 = admin.deploy(ape.project.RealAssetTokenV2Mock, stack.registry.address)
    stack.beacon.upgradeTo(v2.address, sender=admin)

    for token in (funded, second):
        assert ape.project.RealAssetTokenV2Mock.at(token.address).implementationVersion() == 2
    assert funded.balanceOf(alice) == 97 * SHARE
    assert funded.balanceOf(bob) == 3 * SHARE
    assert funded.totalSupply() == 100 * SHARE
    assert funded.holderCount() == 2
    assert funded.hasRole(role("MINTER_ROLE"), minter)
    assert funded.isin() == "US0378331005"
    assert second.symbol() == "rMSFT"


def test_token_proxy_cannot_be_initialized_twice(funded, admin, mallory):
    with ape.reverts(funded.InvalidInitialization):
        funded.initialize(AssetTerms.example().as_tuple(), mallory.address, sender=mallory)


def test_token_implementation_cannot_be_initialized(stack, mallory):
    with ape.reverts(stack.token_implementation.InvalidInitialization):
        stack.token_implementation.initialize(AssetTerms.example().as_tuple(), mallory.address, sender=mallory)


def test_registry_proxy_cannot_be_initialized_twice(registry, mallory):
    with ape.reverts(registry.InvalidInitialization):
        registry.initialize(mallory.address, sender=mallory)


def test_registry_implementation_cannot_be_initialized(stack, mallory):
    with ape.reverts(stack.registry_implementation.InvalidInitialization):
        stack.registry_implementation.initialize(mallory.address, sender=mallory)


def test_registry_upgrade_keeps_investor_records(stack, registry, admin, kyc, alice):
    kyc(alice, tier=2, country="CL")
    new_impl = admin.deploy(ape.project.ComplianceRegistry)
    registry.upgradeToAndCall(new_impl.address, b"", sender=admin)
    record = registry.investor(alice)
    assert (record.tier, bytes(record.jurisdiction)) == (2, b"CL")


def test_token_state_lives_in_its_erc7201_namespace(funded, chain):
    slot = _erc7201("rat.storage.RealAssetToken")
    word = chain.provider.web3.eth.get_storage_at(funded.address, slot).rjust(32, b"\0")
    # Packed low to high: isin (12 bytes), mic (4 bytes), holderCount (16 bytes).
    assert word[-12:] == b"US0378331005"
    assert word[-16:-12] == b"XNAS"
    assert int.from_bytes(word[:16], "big") == funded.holderCount() == 1


def test_registry_keeps_its_record_store_in_its_erc7201_namespace(stack, chain):
    slot = _erc7201("rat.storage.ComplianceRegistry")
    word = chain.provider.web3.eth.get_storage_at(stack.registry.address, slot).rjust(32, b"\0")
    assert word[-20:] == bytes.fromhex(stack.records.address[2:])


def test_investor_record_is_packed_into_one_slot_of_the_store(stack, kyc, alice, chain):
    kyc(alice, tier=3, country="AR")
    slot = int.from_bytes(keccak(bytes(12) + bytes.fromhex(alice.address[2:]) + (0).to_bytes(32, "big")), "big")
    word = chain.provider.web3.eth.get_storage_at(stack.records.address, slot).rjust(32, b"\0")
    record = stack.registry.investor(alice)
    # Packed low to high: tier (1 byte), jurisdiction (2), expiry (5), frozen (1).
    assert word[-1] == 3
    assert word[-3:-1] == b"AR"
    assert int.from_bytes(word[-8:-3], "big") == record.expiry


def test_record_store_accepts_writes_only_from_the_registry(stack, mallory):
    with ape.reverts(stack.records.OnlyRegistry, caller=mallory.address):
        stack.records.writeFrozen(mallory, False, sender=mallory)


def test_record_store_was_created_by_the_registry_proxy(stack):
    assert stack.records.REGISTRY() == stack.registry.address


def _mapping_slot(key: str, slot: int) -> int:
    return int.from_bytes(keccak(bytes(12) + bytes.fromhex(key[2:]) + slot.to_bytes(32, "big")), "big")


def test_a_venue_class_lives_in_the_holder_class_byte_of_the_investor_slot(stack, funded, admin, chain):
    """VENUE = 2 in bits 72-79 of the account's one packed slot, where ComplianceRules reads it (ADR 0101)."""
    venue = admin.deploy(ape.project.ERC1271WalletMock, admin.address)
    stack.registry.grantRole(role("VENUE_LISTING_ROLE"), admin, sender=admin)
    stack.registry.registerVenue(funded, venue, keccak(text="list"), sender=admin)
    word = chain.provider.web3.eth.get_storage_at(stack.records.address, _mapping_slot(venue.address, 0))
    assert int.from_bytes(word, "big") == 2 << 72


def test_a_venue_standing_lives_in_the_fourth_mapping_of_the_store(stack, funded, admin, chain):
    """_venues[asset][venue] comes after _investors, _policies and _blocked: slot 3 (ADR 0101)."""
    venue = admin.deploy(ape.project.ERC1271WalletMock, admin.address)
    stack.registry.grantRole(role("VENUE_LISTING_ROLE"), admin, sender=admin)
    stack.registry.registerVenue(funded, venue, keccak(text="list"), sender=admin)
    inner = _mapping_slot(funded.address, 3)
    word = chain.provider.web3.eth.get_storage_at(stack.records.address, _mapping_slot(venue.address, inner))
    assert int.from_bytes(word, "big") == 1  # VenueStatus.ACTIVE


def test_a_venue_exit_lives_above_the_standing_byte_of_the_same_slot(stack, funded, admin, chain):
    """_venues[asset][venue]: status in bits 0-7, exit in bits 8-167, where ComplianceRecords.transferFacts reads both
    with one load (ADR 0101 "Venue exits")."""
    venue, exit_ = (admin.deploy(ape.project.ERC1271WalletMock, admin.address) for _ in range(2))
    stack.registry.grantRole(role("VENUE_LISTING_ROLE"), admin, sender=admin)
    for listed in (venue, exit_):
        stack.registry.registerVenue(funded, listed, keccak(text="list"), sender=admin)
    stack.registry.setVenueExit(funded, venue, exit_, keccak(text="exit"), sender=admin)
    inner = _mapping_slot(funded.address, 3)
    word = chain.provider.web3.eth.get_storage_at(stack.records.address, _mapping_slot(venue.address, inner))
    assert int.from_bytes(word, "big") == (int(exit_.address, 16) << 8) | 1


def test_the_registry_keeps_its_venue_lists_after_the_record_store_in_its_namespace(stack, funded, admin, chain):
    """The per-asset venue set is appended to the registry's ERC-7201 struct (slot + 1), so an upgrade keeps
    `records` where it was."""
    venue = admin.deploy(ape.project.ERC1271WalletMock, admin.address)
    stack.registry.grantRole(role("VENUE_LISTING_ROLE"), admin, sender=admin)
    stack.registry.registerVenue(funded, venue, keccak(text="list"), sender=admin)
    values = _mapping_slot(funded.address, _erc7201("rat.storage.ComplianceRegistry") + 1)  # AddressSet._values
    length = chain.provider.web3.eth.get_storage_at(stack.registry.address, values)
    first = chain.provider.web3.eth.get_storage_at(
        stack.registry.address, int.from_bytes(keccak(values.to_bytes(32, "big")), "big"))
    assert int.from_bytes(length, "big") == 1
    assert first.rjust(32, b"\0")[-20:] == bytes.fromhex(venue.address[2:])


def test_a_registry_upgrade_keeps_venues(stack, registry, funded, admin):
    venue = admin.deploy(ape.project.ERC1271WalletMock, admin.address)
    registry.grantRole(role("VENUE_LISTING_ROLE"), admin, sender=admin)
    registry.registerVenue(funded, venue, keccak(text="list"), sender=admin)
    registry.upgradeToAndCall(admin.deploy(ape.project.ComplianceRegistry).address, b"", sender=admin)
    assert registry.venues(funded) == [venue.address] and registry.venueStatus(funded, venue) == 1
