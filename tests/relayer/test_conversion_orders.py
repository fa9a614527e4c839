"""The daemon's conversion orders: an effective mandatory delisting is pushed to every holder through its own
durable sender, once, and a frozen holder is deferred rather than retried on every block (decision 0082)."""

from __future__ import annotations

import pytest
import yaml
from e2e import drive_until, started
from eth_utils import keccak

from rat.conversions import ConversionTerms, deploy_conversion_vault, fund_conversion, grant_conversion_roles, open_conversion
from rat.protocol import AssetStatus

pytestmark = pytest.mark.anyio

SHARE = 10**18
USDC = 10**6


@pytest.fixture
def delisting(deployment, token, admin, stack, kyc, minter, bob, chain, relayer_config):
    """rAAPL halted and delisted for 205 USDC a share, funded; Alice (100) and Bob (40) hold it; the relayer's
    config names the vault."""
    ms, usdc = deployment
    kyc(bob)
    token.mint(bob, 40 * SHARE, sender=minter)
    ms.minter.setAssetStatus(token, int(AssetStatus.HALTED), sender=admin)
    vault = deploy_conversion_vault(admin, ms.minter, stack.registry, treasury=admin)
    grant_conversion_roles(vault, admin, source=token)
    terms = ConversionTerms.cash(usdc, 205 * USDC, keccak(text="CA delisting"), chain.pending_timestamp + 2)
    open_conversion(vault, admin, token, terms)
    owed = vault.fundingRequired(token)
    usdc.mint(admin, owed, sender=admin)
    fund_conversion(vault, admin, token, owed)
    chain.mine(timestamp=terms.effective_at)
    config = yaml.safe_load(relayer_config.read_text())
    config["api"] = {"conversion_vault": vault.address}
    relayer_config.write_text(yaml.safe_dump(config))
    return vault, usdc


async def test_an_effective_mandatory_delisting_converts_every_holder_once(
        delisting, relayer_config, token, alice, bob):
    vault, usdc = delisting
    before = {who.address: usdc.balanceOf(who) for who in (alice, bob)}
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, lambda: token.totalSupply() == 0)
        for _ in range(10):  # more loops: nothing more is sent once everyone is converted
            await daemon.step()
        intents = [i for i in daemon.store.intents() if i.purpose == "conversion"]
    finally:
        await daemon.stop()
    assert usdc.balanceOf(alice) - before[alice.address] == 100 * 205 * USDC
    assert usdc.balanceOf(bob) - before[bob.address] == 40 * 205 * USDC
    assert vault.conversion(token).tokensConverted == 140 * SHARE
    assert len({i.nonce for i in intents}) == 1  # one batch, sent once


async def test_a_frozen_holder_is_deferred_not_retried_on_every_block(
        delisting, relayer_config, token, registry, sanctions_officer, alice, bob, chain):
    vault, usdc = delisting
    registry.freeze([bob], keccak(text="sanctions list"), sender=sanctions_officer)
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, lambda: token.balanceOf(alice) == 0)
        for _ in range(5):
            chain.mine()
            await daemon.step()
        conversions = [e for e in vault.ConversionDeferred.range(0, chain.blocks.head.number + 1)]
    finally:
        await daemon.stop()
    assert token.balanceOf(bob) == 40 * SHARE
    assert len(conversions) == 1  # deferred once, not once per block
