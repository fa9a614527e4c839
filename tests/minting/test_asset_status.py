"""`Minter.assetStatus(asset)`: the one-slot read of an asset's lifecycle status that the Uniswap v4 venue's hook
gates trading on (ADR 0100, "Gas"). It reports exactly the status `assetConfig` reports, for every status, and the
packed neighbours of the status in its storage slot (id, decimals, flags, fee rates) never leak into it."""

from __future__ import annotations

import pytest

from rat.protocol import AssetStatus


def test_an_asset_the_minter_never_listed_reports_unlisted(mstack, mallory):
    assert mstack.minter.assetStatus(mallory.address) == AssetStatus.UNLISTED


def test_a_listed_asset_reports_active(mstack, token, listed):
    assert mstack.minter.assetStatus(token.address) == AssetStatus.ACTIVE


@pytest.mark.parametrize("status", [AssetStatus.REDEEM_ONLY, AssetStatus.HALTED])
def test_the_status_the_asset_manager_sets_is_reported(mstack, token, listed, admin, status):
    mstack.minter.setAssetStatus(token.address, status, sender=admin)
    assert mstack.minter.assetStatus(token.address) == status


def test_an_asset_reopened_after_a_halt_reports_active(mstack, token, listed, admin):
    mstack.minter.setAssetStatus(token.address, AssetStatus.HALTED, sender=admin)
    mstack.minter.setAssetStatus(token.address, AssetStatus.ACTIVE, sender=admin)
    assert mstack.minter.assetStatus(token.address) == AssetStatus.ACTIVE


@pytest.mark.parametrize("status", [AssetStatus.ACTIVE, AssetStatus.REDEEM_ONLY, AssetStatus.HALTED])
def test_it_agrees_with_the_status_in_asset_config(mstack, token, listed, admin, status):
    """The listed asset has fees and reserve decimals set, so its status byte sits among non-zero neighbours."""
    if status != AssetStatus.ACTIVE:
        mstack.minter.setAssetStatus(token.address, status, sender=admin)
    assert mstack.minter.assetStatus(token.address) == mstack.minter.assetConfig(token.address).status == status


def test_halting_one_asset_leaves_the_other_assets_status_alone(mstack, token, token2, listed, admin):
    mstack.minter.setAssetStatus(token.address, AssetStatus.HALTED, sender=admin)
    assert mstack.minter.assetStatus(token2.address) == AssetStatus.ACTIVE
