"""Every privileged function refuses a caller without its role, naming the missing role."""

import ape
import pytest
from eth_utils import keccak

from rat.deploy import jurisdiction, role

SHARE = 10**18
REF = keccak(text="ref")
FAR = 2**39


def _registry_calls(registry, token, victim):
    return {
        "setInvestor": ("KYC_OPERATOR_ROLE", lambda s: registry.setInvestor(victim, 1, b"BR", FAR, REF, sender=s)),
        "setInvestors": ("KYC_OPERATOR_ROLE", lambda s: registry.setInvestors([(victim, 1, b"BR", FAR, REF)], sender=s)),
        "revokeInvestor": ("KYC_OPERATOR_ROLE", lambda s: registry.revokeInvestor(victim, REF, sender=s)),
        "revokeInvestors": ("KYC_OPERATOR_ROLE", lambda s: registry.revokeInvestors([victim], [REF], sender=s)),
        "freeze": ("SANCTIONS_OFFICER_ROLE", lambda s: registry.freeze([victim], REF, sender=s)),
        "unfreeze": ("SANCTIONS_OFFICER_ROLE", lambda s: registry.unfreeze([victim], REF, sender=s)),
        "registerAsset": ("ASSET_POLICY_ROLE", lambda s: registry.registerAsset(victim, 1, 0, sender=s)),
        "setAssetPolicy": ("ASSET_POLICY_ROLE", lambda s: registry.setAssetPolicy(token, 2, 0, sender=s)),
        "setJurisdictionsBlocked": (
            "ASSET_POLICY_ROLE",
            lambda s: registry.setJurisdictionsBlocked(token, [jurisdiction("US")], True, sender=s),
        ),
        "registerVenue": ("VENUE_LISTING_ROLE", lambda s: registry.registerVenue(token, registry, REF, sender=s)),
        "removeVenue": ("VENUE_LISTING_ROLE", lambda s: registry.removeVenue(token, registry, REF, sender=s)),
        "suspendVenue": ("VENUE_GUARDIAN_ROLE", lambda s: registry.suspendVenue(token, registry, REF, sender=s)),
        "resumeVenue": ("VENUE_LISTING_ROLE", lambda s: registry.resumeVenue(token, registry, REF, sender=s)),
        "setVenueExit": ("VENUE_LISTING_ROLE",
                         lambda s: registry.setVenueExit(token, registry, victim, REF, sender=s)),
        "upgradeToAndCall": ("UPGRADER_ROLE", lambda s: registry.upgradeToAndCall(victim, b"", sender=s)),
        "grantRole": ("DEFAULT_ADMIN_ROLE", lambda s: registry.grantRole(role("KYC_OPERATOR_ROLE"), s, sender=s)),
    }


def _token_calls(token, victim):
    return {
        "mint": ("MINTER_ROLE", lambda s: token.mint(victim, SHARE, sender=s)),
        "burn": ("MINTER_ROLE", lambda s: token.burn(SHARE, sender=s)),
        "pause": ("PAUSER_ROLE", lambda s: token.pause(sender=s)),
        "unpause": ("UNPAUSER_ROLE", lambda s: token.unpause(sender=s)),
        "forcedTransfer": ("FORCED_TRANSFER_ROLE", lambda s: token.forcedTransfer(victim, s, SHARE, REF, sender=s)),
        "forcedBurn": ("FORCED_TRANSFER_ROLE", lambda s: token.forcedBurn(victim, SHARE, REF, sender=s)),
        "setLegalTerms": ("DEFAULT_ADMIN_ROLE", lambda s: token.setLegalTerms("ipfs://x", REF, sender=s)),
        "grantRole": ("DEFAULT_ADMIN_ROLE", lambda s: token.grantRole(role("MINTER_ROLE"), s, sender=s)),
    }


REGISTRY_FUNCTIONS = list(_registry_calls(None, None, None))
TOKEN_FUNCTIONS = list(_token_calls(None, None))


def _role_id(name: str) -> bytes:
    return b"\x00" * 32 if name == "DEFAULT_ADMIN_ROLE" else role(name)


@pytest.mark.parametrize("function", REGISTRY_FUNCTIONS)
def test_registry_function_refuses_a_caller_without_the_role(function, registry, funded, alice, mallory):
    needed, call = _registry_calls(registry, funded, alice)[function]
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=mallory.address, neededRole=_role_id(needed)):
        call(mallory)


@pytest.mark.parametrize("function", TOKEN_FUNCTIONS)
def test_token_function_refuses_a_caller_without_the_role(function, funded, alice, mallory):
    needed, call = _token_calls(funded, alice)[function]
    with ape.reverts(funded.AccessControlUnauthorizedAccount, account=mallory.address, neededRole=_role_id(needed)):
        call(mallory)


def test_only_a_registered_asset_can_set_its_own_pause_flag(registry, mallory):
    with ape.reverts(registry.AssetNotRegistered, asset=mallory.address):
        registry.setAssetPaused(True, sender=mallory)


def test_beacon_upgrade_refuses_anyone_but_its_owner(stack, mallory):
    with ape.reverts(stack.beacon.OwnableUnauthorizedAccount, account=mallory.address):
        stack.beacon.upgradeTo(stack.token_implementation.address, sender=mallory)


def test_pause_role_alone_cannot_unpause(funded, admin, alice):
    funded.grantRole(role("PAUSER_ROLE"), alice, sender=admin)
    funded.pause(sender=alice)
    with ape.reverts(funded.AccessControlUnauthorizedAccount, account=alice.address, neededRole=role("UNPAUSER_ROLE")):
        funded.unpause(sender=alice)
