"""The daemon runs the collateral keeper when its config has a `collateral` section (decision 0102 "Keeper"): on
the real Morpho Blue with rAAPL collateral, a position left unhealthy past the grace window shows on /metrics as
overdue and, with liquidation configured and an eligible account, the daemon liquidates it through the gateway."""

from __future__ import annotations

import pytest
import yaml
from e2e import started
from eth_utils import keccak
from prometheus_client import generate_latest

from rat.deploy import role
from rat.venues.calendar import publish_sessions, sessions_for_days
from rat.venues.collateral import deploy_calendar, deploy_collateral_stack, list_collateral_venues
from rat.venues.morpho import deploy_morpho
from relayer.signers import KeystoreSigner

pytestmark = pytest.mark.anyio

SHARE = 10**18
USDC = 10**6
SHARE_PRICE = 100 * 10**8
GRACE = 600
REF = keccak(text="governance decision: list the rAAPL/USDC Morpho Blue market")


@pytest.fixture(scope="module")
def market(project, chain, admin, pauser, alice, bob, deployment, token, registry):
    """rAAPL/USDC on the real Morpho Blue; Alice (100 rAAPL) borrows 5,900 USDC, then the price falls 9%. The
    calendar is open around the clock (market hours are the oracle tests' subject), so times are relative to now.
    Returns the stack, the loan token and the chain time Alice became unhealthy."""
    morpho = deploy_morpho(admin)
    loan = admin.deploy(project.TestStablecoin, "USD Coin", "USDC", 6, admin.address)
    feed = admin.deploy(project.MockV3Aggregator, 8, SHARE_PRICE)
    reserves = admin.deploy(project.MockReserveRoundSource)
    calendar = deploy_calendar(admin, pauser)
    start = chain.pending_timestamp + 60
    publish_sessions(calendar, sessions_for_days("always-open", start // 86_400, 30), pauser)
    stack = deploy_collateral_stack(morpho, admin, calendar=calendar, feed=feed, collateral_token=token,
                                    multiplier_source=token, loan_token=loan, reserves=reserves)
    registry.grantRole(role("VENUE_LISTING_ROLE"), admin, sender=admin)
    list_collateral_venues(registry, token, morpho, stack.gateway, REF, admin)
    chain.mine(1, timestamp=start)
    feed.setRound(2, SHARE_PRICE, start, start, 2, sender=admin)
    stack.oracle.acceptReviewedPrice(sender=admin)
    params = stack.params.as_tuple()
    loan.mint(bob.address, 1_000_000 * USDC, sender=admin)
    loan.approve(morpho.address, 2**256 - 1, sender=bob)
    morpho.supply(params, 1_000_000 * USDC, 0, bob.address, b"", sender=bob)
    token.approve(morpho.address, 2**256 - 1, sender=alice)
    morpho.supplyCollateral(params, 100 * SHARE, alice.address, b"", sender=alice)
    borrowed_at = start + 600
    chain.mine(1, timestamp=borrowed_at)
    feed.setRound(3, SHARE_PRICE, borrowed_at, borrowed_at, 3, sender=admin)
    morpho.setAuthorization(stack.gateway.address, True, sender=alice)  # borrows go through the gateway
    stack.gateway.borrow(params, 5_900 * USDC, alice.address, sender=alice)
    fell_at = borrowed_at + 600
    chain.mine(1, timestamp=fell_at)
    feed.setRound(4, SHARE_PRICE * 91 // 100, fell_at, fell_at, 4, sender=admin)
    stack.oracle.update(sender=admin)
    return stack, loan, fell_at


def _borrow_shares(stack, who) -> int:
    return int(stack.morpho.position(stack.params.market_id(), who.address)[1])


def _with_keeper(relayer_config, stack, **liquidation) -> None:
    config = yaml.safe_load(relayer_config.read_text())
    config["collateral"] = {"morpho": stack.morpho.address, "gateway": stack.gateway.address,
                            "markets": ["0x" + stack.params.market_id().hex()], "grace_seconds": GRACE,
                            "interval": 0.1, "liquidation": liquidation}
    relayer_config.write_text(yaml.safe_dump(config))


async def test_the_daemon_does_not_start_with_an_ineligible_liquidator(
        market, relayer_config, carol, tmp_path, monkeypatch):
    from relayer.config import RelayerConfig
    from relayer.daemon import Daemon
    from relayer.errors import ConfigError

    stack, _, _ = market
    KeystoreSigner.create(tmp_path / "liquidator.json", "liq-pass", private_key=bytes.fromhex(
        carol.private_key.removeprefix("0x")), scrypt_n=2**10)
    monkeypatch.setenv("RAT_TEST_LIQUIDATOR_PASS", "liq-pass")
    _with_keeper(relayer_config, stack, enabled=True, max_repay=50_000 * USDC, signer={
        "type": "keystore", "path": str(tmp_path / "liquidator.json"), "passphrase_env": "RAT_TEST_LIQUIDATOR_PASS"})
    daemon = Daemon(RelayerConfig.load(relayer_config))
    try:
        with pytest.raises(ConfigError, match=f"{carol.address} is not eligible"):
            await daemon.start()
    finally:
        await daemon.stop()


async def test_the_daemon_reports_an_overdue_position_and_liquidates_it_with_its_eligible_account(
        market, relayer_config, chain, alice, carol, kyc, admin, tmp_path, monkeypatch):
    stack, loan, _ = market
    kyc(carol)
    loan.mint(carol.address, 100_000 * USDC, sender=admin)
    loan.approve(stack.gateway.address, 2**256 - 1, sender=carol)
    KeystoreSigner.create(tmp_path / "liquidator.json", "liq-pass", private_key=bytes.fromhex(
        carol.private_key.removeprefix("0x")), scrypt_n=2**10)
    monkeypatch.setenv("RAT_TEST_LIQUIDATOR_PASS", "liq-pass")
    _with_keeper(relayer_config, stack, enabled=True, max_repay=50_000 * USDC, signer={
        "type": "keystore", "path": str(tmp_path / "liquidator.json"), "passphrase_env": "RAT_TEST_LIQUIDATOR_PASS"})
    daemon = await started(relayer_config)
    try:
        await daemon.step()
        assert _borrow_shares(stack, alice) > 0  # inside the window: left to the market's liquidators
        # The window counts from the head the keeper first saw unhealthy (a few blocks after the price fell).
        chain.mine(1, timestamp=chain.blocks.head.timestamp + GRACE + 1)
        for _ in range(40):
            await daemon.step()
            if _borrow_shares(stack, alice) == 0:
                break
        exported = generate_latest(daemon.metrics.registry).decode()
    finally:
        await daemon.stop()
    assert _borrow_shares(stack, alice) == 0
    assert stack.morpho.position(stack.params.market_id(), alice.address)[2] < 100 * SHARE
    assert "relayer_collateral_overdue_positions{" in exported
    assert 'outcome="submitted"} 1.0' in exported
