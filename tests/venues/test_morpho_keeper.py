"""The relayer's collateral keeper on the real Morpho Blue with a real RAT as collateral (decision 0102 "Keeper"):
it raises relayer_collateral_overdue_positions when a position stays unhealthy past the grace window with nobody
liquidating it, never because the market merely closed, and liquidates with the company's account only when
configured to and only with an account the token's compliance accepts; a restart neither restarts the window nor
sends a second liquidation."""

from __future__ import annotations


import anyio
import ape
import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector, keccak
from morpho_support import MON_CLOSE, MON_MIDDAY, MON_OPEN, SHARE_PRICE, USDC, open_rat_market, warp
from pydantic import ValidationError

from rat.deploy import role
from relayer.collateral_keeper import CollateralKeeper
from relayer.config import CollateralKeeperConfig, CollateralLiquidationConfig
from relayer.observability import Metrics
from relayer.rpc import Rpc
from relayer.sender import TxSender
from relayer.signers import _KeySigner
from relayer.store import Store

pytestmark = pytest.mark.anyio

SHARE = 10**18
PLEDGED = 100 * SHARE
GRACE = 600
MAX_REPAY = 50_000 * USDC
REF = keccak(text="governance decision: list the rAAPL/USDC Morpho Blue market")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def rat_market(project, chain, admin, pauser, bob, alice, funded, registry):
    """rAAPL/USDC on the real Morpho Blue; Morpho and the gateway registered venues; Bob supplies USDC, Alice
    pledges 100 rAAPL ($100 a share) and authorises the gateway (borrows go through it)."""
    token = funded
    stack, loan, feed, _ = open_rat_market(project, chain, admin, pauser, bob, alice, token, registry, REF, PLEDGED)
    stack.morpho.setAuthorization(stack.gateway.address, True, sender=alice)
    return stack, token, loan, feed


@pytest.fixture
async def rpc(chain):
    client = Rpc(chain.provider.uri)
    yield client
    await client.call("evm_setAutomine", True)
    await client.aclose()


@pytest.fixture
def store(tmp_path):
    s = Store.open(f"sqlite:///{tmp_path / 'keeper.db'}")
    yield s
    s.close()


@pytest.fixture
def keeper_key(accounts, rat_market, admin):
    """A fresh company account with gas money and USDC, the gateway approved; not yet KYC'd."""
    stack, _, loan, _ = rat_market
    key = Account.create()
    accounts[0].transfer(key.address, 10 * 10**18)
    loan.mint(key.address, 100_000 * USDC, sender=admin)
    return key


def _config(rat_market, **liquidation) -> CollateralKeeperConfig:
    stack = rat_market[0]
    return CollateralKeeperConfig(morpho=stack.morpho.address, gateway=stack.gateway.address,
                                  markets=["0x" + stack.params.market_id().hex()], grace_seconds=GRACE,
                                  liquidation=CollateralLiquidationConfig(**liquidation))


def _keeper(rpc, store, rat_market, liquidator: TxSender | None = None, **liquidation) -> CollateralKeeper:
    return CollateralKeeper(rpc, store, _config(rat_market, **liquidation), Metrics(), liquidator)


async def _sender_for(rpc, store, key, rat_market) -> TxSender:
    """The keeper's liquidator sender; approves the gateway for the loan token from the key."""
    sender = TxSender(rpc, store, _KeySigner(bytes(key.key), "liquidator"), 31337)
    stack, _, loan, _ = rat_market
    data = function_signature_to_4byte_selector("approve(address,uint256)") + encode(
        ["address", "uint256"], [stack.gateway.address, 2**256 - 1])
    intent = await sender.submit(loan.address, data, purpose="approve")
    while await sender.tend(intent.nonce) is None:
        pass
    return sender


async def _tick(keeper: CollateralKeeper, chain) -> None:
    head = chain.blocks.head
    await keeper.tick(head.number, head.timestamp)


async def _settled(keeper: CollateralKeeper, chain, rat_market) -> None:
    """Ticks until the keeper has seen its liquidation's receipt (anvil answers a broadcast a moment before the
    block holding it is readable)."""
    for _ in range(50):
        await _tick(keeper, chain)
        if _gauge(keeper, "relayer_collateral_liquidations_total", rat_market, outcome="mined"):
            return
        await anyio.sleep(0.1)


def _gauge(keeper: CollateralKeeper, name: str, rat_market, **labels) -> float:
    market = "0x" + rat_market[0].params.market_id().hex()
    value = keeper.metrics.registry.get_sample_value(name, {"market": market, **labels})
    return 0.0 if value is None else value


def _underwater(rat_market, chain, alice, admin) -> int:
    """Alice borrows 5,900 USDC against $10,000, then the price falls 9% (accepted): unhealthy at 62.5% LLTV.
    Returns the chain time it happened."""
    stack, _, _, feed = rat_market
    params = stack.params.as_tuple()
    warp(chain, MON_MIDDAY)
    feed.setRound(3, SHARE_PRICE, MON_MIDDAY, MON_MIDDAY, 3, sender=admin)
    stack.gateway.borrow(params, 5_900 * USDC, alice.address, sender=alice)
    warp(chain, MON_MIDDAY + 600)
    feed.setRound(4, SHARE_PRICE * 91 // 100, MON_MIDDAY + 600, MON_MIDDAY + 600, 4, sender=admin)
    stack.oracle.update(sender=admin)
    return MON_MIDDAY + 600


def _fund_liquidator(rat_market, who, admin) -> None:
    stack, _, loan, _ = rat_market
    loan.mint(who.address, 100_000 * USDC, sender=admin)
    loan.approve(stack.gateway.address, 2**256 - 1, sender=who)


def _borrow_shares(rat_market, who) -> int:
    stack = rat_market[0]
    return int(stack.morpho.position(stack.params.market_id(), who.address)[1])


async def test_a_position_unhealthy_past_the_grace_window_raises_the_overdue_metric(
        rat_market, rpc, store, chain, alice, admin):
    at = _underwater(rat_market, chain, alice, admin)
    keeper = _keeper(rpc, store, rat_market)
    await _tick(keeper, chain)
    assert _gauge(keeper, "relayer_collateral_unhealthy_positions", rat_market) == 1
    assert _gauge(keeper, "relayer_collateral_overdue_positions", rat_market) == 0  # inside the window
    warp(chain, at + GRACE + 30)
    await _tick(keeper, chain)
    assert _gauge(keeper, "relayer_collateral_overdue_positions", rat_market) == 1
    assert store.collateral_positions(keeper.config.markets[0].lower())[alice.address].alerted


async def test_the_keepers_verdict_matches_morpho_an_overdue_position_is_liquidatable(
        rat_market, rpc, store, chain, alice, bob, admin):
    """Health computed off chain agrees with Morpho's own check: the position the keeper calls unhealthy can be
    liquidated right then."""
    at = _underwater(rat_market, chain, alice, admin)
    keeper = _keeper(rpc, store, rat_market)
    warp(chain, at + 60)
    await _tick(keeper, chain)
    assert _gauge(keeper, "relayer_collateral_unhealthy_positions", rat_market) == 1
    stack, _, loan, _ = rat_market
    _fund_liquidator(rat_market, bob, admin)
    stack.gateway.liquidate(stack.params.as_tuple(), alice.address, SHARE, 0, 2**256 - 1, sender=bob)


async def test_an_eligible_liquidator_acting_inside_the_window_clears_it(
        rat_market, rpc, store, chain, alice, bob, admin):
    at = _underwater(rat_market, chain, alice, admin)
    keeper = _keeper(rpc, store, rat_market)
    await _tick(keeper, chain)
    stack, _, loan, _ = rat_market
    _fund_liquidator(rat_market, bob, admin)
    stack.gateway.liquidate(stack.params.as_tuple(), alice.address, 0, _borrow_shares(rat_market, alice),
                            2**256 - 1, sender=bob)
    warp(chain, at + GRACE + 30)
    await _tick(keeper, chain)
    assert _gauge(keeper, "relayer_collateral_unhealthy_positions", rat_market) == 0
    assert _gauge(keeper, "relayer_collateral_overdue_positions", rat_market) == 0


async def test_a_partial_liquidation_by_anyone_restarts_the_window(rat_market, rpc, store, chain, alice, bob, admin):
    at = _underwater(rat_market, chain, alice, admin)
    keeper = _keeper(rpc, store, rat_market)
    await _tick(keeper, chain)
    stack, _, loan, _ = rat_market
    _fund_liquidator(rat_market, bob, admin)
    warp(chain, at + GRACE // 2)
    stack.gateway.liquidate(stack.params.as_tuple(), alice.address, SHARE, 0, 2**256 - 1, sender=bob)
    warp(chain, at + GRACE + 30)
    await _tick(keeper, chain)
    assert _gauge(keeper, "relayer_collateral_unhealthy_positions", rat_market) == 1  # still under water
    assert _gauge(keeper, "relayer_collateral_overdue_positions", rat_market) == 0  # but someone is acting


async def test_a_market_that_merely_closed_raises_no_alert(rat_market, rpc, store, chain, alice, bob, admin):
    """Alice borrows 6,200 USDC just before Monday's close: healthy at the close ($100), unhealthy at the closed
    market's borrow price (2% haircut). The keeper prices as a liquidation does - no haircut - and stays quiet,
    and Morpho agrees: nobody can liquidate her."""
    stack, _, loan, feed = rat_market
    warp(chain, MON_CLOSE - 120)
    feed.setRound(3, SHARE_PRICE, MON_CLOSE - 120, MON_CLOSE - 120, 3, sender=admin)
    stack.oracle.update(sender=admin)
    stack.gateway.borrow(stack.params.as_tuple(), 6_200 * USDC, alice.address, sender=alice)
    keeper = _keeper(rpc, store, rat_market)
    warp(chain, MON_CLOSE + 3_600)
    await _tick(keeper, chain)
    warp(chain, MON_CLOSE + 3_600 + GRACE + 1)
    await _tick(keeper, chain)
    assert _gauge(keeper, "relayer_collateral_oracle_state", rat_market, state="CLOSED") == 1
    assert _gauge(keeper, "relayer_collateral_unhealthy_positions", rat_market) == 0
    assert _gauge(keeper, "relayer_collateral_overdue_positions", rat_market) == 0
    _fund_liquidator(rat_market, bob, admin)
    with ape.reverts("position is healthy"):
        stack.gateway.liquidate(stack.params.as_tuple(), alice.address, SHARE, 0, 2**256 - 1, sender=bob)


async def test_the_keeper_does_not_liquidate_unless_configured(rat_market, rpc, store, chain, alice, admin):
    at = _underwater(rat_market, chain, alice, admin)
    keeper = _keeper(rpc, store, rat_market)
    shares = _borrow_shares(rat_market, alice)
    await _tick(keeper, chain)
    warp(chain, at + GRACE + 30)
    await _tick(keeper, chain)
    assert _gauge(keeper, "relayer_collateral_overdue_positions", rat_market) == 1
    assert _borrow_shares(rat_market, alice) == shares
    assert store.intents() == []


async def test_the_keeper_liquidates_past_the_window_with_its_eligible_account(
        rat_market, rpc, store, chain, alice, admin, kyc, keeper_key):
    kyc(keeper_key.address)
    stack, token, _, _ = rat_market
    liquidator = await _sender_for(rpc, store, keeper_key, rat_market)
    at = _underwater(rat_market, chain, alice, admin)
    keeper = _keeper(rpc, store, rat_market, liquidator, enabled=True, max_repay=MAX_REPAY,
                     signer={"type": "keystore", "path": "unused.json", "passphrase_env": "UNUSED"})
    assert await keeper.check() == []
    await _tick(keeper, chain)
    assert _borrow_shares(rat_market, alice) > 0  # inside the window: left to others
    warp(chain, at + GRACE + 30)
    await _tick(keeper, chain)
    await _settled(keeper, chain, rat_market)
    assert _borrow_shares(rat_market, alice) == 0
    assert token.balanceOf(keeper_key.address) > 0
    assert _gauge(keeper, "relayer_collateral_liquidations_total", rat_market, outcome="mined") == 1


async def test_an_ineligible_liquidator_account_is_refused_with_the_reason(rat_market, rpc, store, keeper_key):
    liquidator = await _sender_for(rpc, store, keeper_key, rat_market)
    keeper = _keeper(rpc, store, rat_market, liquidator, enabled=True, max_repay=MAX_REPAY,
                     signer={"type": "keystore", "path": "unused.json", "passphrase_env": "UNUSED"})
    [problem] = await keeper.check()
    assert f"{keeper_key.address} is not eligible to receive {rat_market[1].address}" in problem
    assert "TransferStatus 3" in problem  # RECIPIENT_NOT_ELIGIBLE


def test_liquidation_enabled_without_an_account_and_a_max_repay_is_a_config_error():
    with pytest.raises(ValidationError, match="needs a signer"):
        CollateralLiquidationConfig(enabled=True, max_repay=MAX_REPAY)
    with pytest.raises(ValidationError, match="max_repay > 0"):
        CollateralLiquidationConfig(enabled=True,
                                    signer={"type": "keystore", "path": "k.json", "passphrase_env": "X"})


async def test_a_restart_keeps_the_window_and_sends_no_second_liquidation(
        rat_market, rpc, store, chain, alice, admin, kyc, keeper_key):
    kyc(keeper_key.address)
    liquidator = await _sender_for(rpc, store, keeper_key, rat_market)
    at = _underwater(rat_market, chain, alice, admin)
    options = {"enabled": True, "max_repay": MAX_REPAY,
               "signer": {"type": "keystore", "path": "unused.json", "passphrase_env": "UNUSED"}}
    first = _keeper(rpc, store, rat_market, liquidator, **options)
    await _tick(first, chain)
    # A restart after the window passed: the new keeper remembers since when Alice is unhealthy.
    warp(chain, at + GRACE + 30)
    await rpc.call("evm_setAutomine", False)  # the liquidation stays in the pool across the next restart
    restarted = _keeper(rpc, store, rat_market,
                        TxSender(rpc, store, _KeySigner(bytes(keeper_key.key), "liquidator"), 31337), **options)
    await _tick(restarted, chain)
    assert _gauge(restarted, "relayer_collateral_overdue_positions", rat_market) == 1
    assert _gauge(restarted, "relayer_collateral_liquidations_total", rat_market, outcome="submitted") == 1
    again = _keeper(rpc, store, rat_market,
                    TxSender(rpc, store, _KeySigner(bytes(keeper_key.key), "liquidator"), 31337), **options)
    await _tick(again, chain)  # the liquidation is unmined: tended, not sent twice
    assert _gauge(again, "relayer_collateral_liquidations_total", rat_market, outcome="submitted") == 0
    await rpc.call("evm_setAutomine", True)
    await rpc.call("evm_mine")
    await _settled(again, chain, rat_market)
    liquidations = [i for i in store.intents() if i.purpose == "collateral-liquidation"]
    assert len({i.nonce for i in liquidations}) == 1
    assert _borrow_shares(rat_market, alice) == 0


def _relayer_config(rat_market, tmp_path, keeper_key, monkeypatch):
    from relayer.config import RelayerConfig
    from relayer.signers import KeystoreSigner

    KeystoreSigner.create(tmp_path / "liquidator.json", "pass", private_key=bytes(keeper_key.key), scrypt_n=2**10)
    monkeypatch.setenv("RAT_TEST_LIQUIDATOR_PASS", "pass")
    stack = rat_market[0]
    zero = "0x" + "00" * 20
    return RelayerConfig.model_validate({
        "rpc_url": "http://unused", "minter": zero, "assets": {}, "brokerage": {"adapter": "x"},
        "custody": {"adapter": "x"},
        "signers": {"sender": {"type": "keystore", "path": "unused.json", "passphrase_env": "UNUSED"}},
        "collateral": {"morpho": stack.morpho.address, "gateway": stack.gateway.address,
                       "markets": ["0x" + stack.params.market_id().hex()],
                       "liquidation": {"enabled": True, "max_repay": MAX_REPAY, "signer": {
                           "type": "keystore", "path": str(tmp_path / "liquidator.json"),
                           "passphrase_env": "RAT_TEST_LIQUIDATOR_PASS"}}}})


async def test_the_daemon_refuses_to_start_with_an_ineligible_liquidator(
        rat_market, rpc, store, keeper_key, tmp_path, monkeypatch):
    from relayer.daemon import Daemon
    from relayer.errors import ConfigError

    await _sender_for(rpc, store, keeper_key, rat_market)
    daemon = Daemon(_relayer_config(rat_market, tmp_path, keeper_key, monkeypatch))
    daemon.rpc, daemon.store = rpc, store
    with pytest.raises(ConfigError, match=f"{keeper_key.address} is not eligible"):
        await daemon._build_collateral_keeper(31337, "0x" + "11" * 20)


async def test_doctor_names_an_ineligible_liquidator_and_passes_an_eligible_one(
        rat_market, rpc, store, keeper_key, tmp_path, monkeypatch, kyc):
    from relayer.checkup import Checkup
    from relayer.doctor import _collateral_checks

    await _sender_for(rpc, store, keeper_key, rat_market)
    config = _relayer_config(rat_market, tmp_path, keeper_key, monkeypatch)
    lines: list[str] = []
    report = Checkup(lines.append)
    await _collateral_checks(config, rpc, report.ok, report.bad)
    assert report.problems == 1 and "not eligible" in "\n".join(lines)
    kyc(keeper_key.address)
    lines.clear()
    report = Checkup(lines.append)
    await _collateral_checks(config, rpc, report.ok, report.bad)
    assert report.problems == 0 and f"liquidation by {keeper_key.address}" in lines[-1]


async def test_doctor_prints_the_oracle_each_market_prices_its_collateral_with(
        rat_market, rpc, keeper_key, tmp_path, monkeypatch):
    from relayer.checkup import Checkup
    from relayer.doctor import _collateral_checks

    stack, token = rat_market[0], rat_market[1]
    config = _relayer_config(rat_market, tmp_path, keeper_key, monkeypatch)
    config.collateral.liquidation = CollateralLiquidationConfig()  # alerts only: the oracle line is the subject
    lines: list[str] = []
    report = Checkup(lines.append)
    await _collateral_checks(config, rpc, report.ok, report.bad)
    market_id = "0x" + stack.params.market_id().hex()
    assert report.problems == 0
    assert f"collateral market {market_id}: {token.address} priced by oracle {stack.oracle.address}" in lines[-2]


async def test_a_crash_before_the_keeper_recorded_its_liquidation_sends_no_second_one(
        rat_market, rpc, store, chain, alice, admin, kyc, keeper_key):
    """The sender has the signed intent, but the keeper's row never got its nonce: the intent's request id finds it."""
    kyc(keeper_key.address)
    await _sender_for(rpc, store, keeper_key, rat_market)
    at = _underwater(rat_market, chain, alice, admin)
    options = {"enabled": True, "max_repay": MAX_REPAY,
               "signer": {"type": "keystore", "path": "unused.json", "passphrase_env": "UNUSED"}}
    first = _keeper(rpc, store, rat_market,
                    TxSender(rpc, store, _KeySigner(bytes(keeper_key.key), "liquidator"), 31337), **options)
    await _tick(first, chain)
    warp(chain, at + GRACE + 30)
    await rpc.call("evm_setAutomine", False)
    await _tick(first, chain)
    market = first.config.markets[0].lower()
    row = store.collateral_positions(market)[alice.address]
    assert row.liquidation_nonce is not None
    store.save_collateral_position(market, alice.address, row.unhealthy_since, row.alerted, None)  # the lost write
    restarted = _keeper(rpc, store, rat_market,
                        TxSender(rpc, store, _KeySigner(bytes(keeper_key.key), "liquidator"), 31337), **options)
    await _tick(restarted, chain)
    assert _gauge(restarted, "relayer_collateral_liquidations_total", rat_market, outcome="submitted") == 0
    assert store.collateral_positions(market)[alice.address].liquidation_nonce == row.liquidation_nonce
    await rpc.call("evm_setAutomine", True)
    await rpc.call("evm_mine")
    await _settled(restarted, chain, rat_market)
    assert len({i.nonce for i in store.intents() if i.purpose == "collateral-liquidation"}) == 1
    assert _borrow_shares(rat_market, alice) == 0


async def test_interest_accrued_since_morphos_last_update_counts_in_the_keepers_health(
        rat_market, rpc, store, chain, alice, bob, admin):
    """Alice borrows 0.0001 USDC under her limit; a minute later only the interest Morpho has not booked yet puts
    her over it. The keeper accrues it as Morpho's liquidate would (the stored totals alone say healthy), and
    Morpho agrees: she can be liquidated."""
    from relayer.collateral_keeper import is_healthy

    stack, _, _, feed = rat_market
    warp(chain, MON_MIDDAY)
    feed.setRound(3, SHARE_PRICE, MON_MIDDAY, MON_MIDDAY, 3, sender=admin)
    limit = PLEDGED * 10**26 // 10**36 * stack.params.lltv // 10**18
    stack.gateway.borrow(stack.params.as_tuple(), limit - 100, alice.address, sender=alice)
    market = stack.morpho.market(stack.params.market_id())
    assert is_healthy(PLEDGED, _borrow_shares(rat_market, alice), 10**26, stack.params.lltv, market[2], market[3])
    warp(chain, MON_MIDDAY + 60)
    keeper = _keeper(rpc, store, rat_market)
    await _tick(keeper, chain)
    assert _gauge(keeper, "relayer_collateral_unhealthy_positions", rat_market) == 1
    _fund_liquidator(rat_market, bob, admin)
    stack.gateway.liquidate(stack.params.as_tuple(), alice.address, SHARE, 0, 2**256 - 1, sender=bob)
