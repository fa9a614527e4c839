"""GET /v1/assets/{asset}/oracle reads the asset's RatEquityOracle on a real chain (ADR 0102): its state with the
reason, the price per token and per share, the multiplier, the haircut and the age. The oracle is the one of the
Morpho Blue market (the real Morpho Blue) that takes the asset as collateral among the relayer's
`collateral.markets`, as Morpho's idToMarketParams names it. An asset the relayer does not serve or that no
configured market takes is a 404 problem; an unreachable chain, a market that does not exist, two markets pricing
one asset with different oracles or an address that is no RatEquityOracle a 503, never a 5xx server error."""

from __future__ import annotations

import asyncio

import pytest
from ape import project
from eth_utils import keccak
from starlette.testclient import TestClient

from rat.deploy import AssetTerms, list_equity, role
from rat.venues.calendar import publish_sessions, sessions_for_days
from rat.venues.collateral import CollateralStack, OracleParams, deploy_calendar, deploy_collateral_stack
from rat.venues.morpho import deploy_morpho
from relayer.api.app import create_app
from relayer.api.context import ApiContext
from relayer.checkup import Checkup
from relayer.config import CollateralKeeperConfig
from relayer.minter import MinterReader
from relayer.rpc import Rpc

FEED_DECIMALS = 8
HEARTBEAT = 600
DAY = 86_400
UNKNOWN = "0x000000000000000000000000000000000000dEaD"
NO_MARKET = "0x" + "ab" * 32


@pytest.fixture(scope="module")
def minting(stack, admin, kyc_operator, chain):
    from rat.minting import deploy_minting_stack

    return deploy_minting_stack(admin, stack, kyc_operator, settlement=admin.address, now=chain.pending_timestamp)


@pytest.fixture(scope="module")
def bare(stack, admin):
    """A second served asset that no market takes as collateral."""
    return list_equity(admin, stack, AssetTerms.example("rMSFT", "RAT Microsoft Corp.", "US5949181045"), admin)


@pytest.fixture(scope="module")
def feed(admin):
    return admin.deploy(project.MockV3Aggregator, FEED_DECIMALS, 190 * 10**FEED_DECIMALS)


@pytest.fixture(scope="module")
def market(token, admin, pauser, feed, chain) -> CollateralStack:
    """rAAPL/USDC (6 decimals) on the real Morpho Blue, its oracle on an always-open calendar (the relayer's test
    hours)."""
    usdc = admin.deploy(project.TestStablecoin, "USD Coin", "USDC", 6, admin.address)
    calendar = deploy_calendar(admin, pauser)
    publish_sessions(calendar, sessions_for_days("always-open", chain.pending_timestamp // 86_400, 60), pauser)
    return deploy_collateral_stack(
        deploy_morpho(admin), admin, calendar=calendar, feed=feed, collateral_token=token, multiplier_source=token,
        loan_token=usdc, reserves=admin.deploy(project.MockReserveRoundSource),
        oracle_params=OracleParams(heartbeat=HEARTBEAT))


@pytest.fixture(scope="module")
def oracle(market):
    return market.oracle


def _market_id(stack: CollateralStack) -> str:
    return "0x" + stack.params.market_id().hex()


def _collateral(stack: CollateralStack, *market_ids: str) -> CollateralKeeperConfig:
    """The config's `collateral:` section: the one place the markets, and so the oracles, are named."""
    return CollateralKeeperConfig(morpho=stack.morpho.address, gateway=stack.gateway.address,
                                  markets=list(market_ids) or [_market_id(stack)])


@pytest.fixture
def second_market(market, token, admin, feed):
    """rAAPL/USDT on the same Morpho: the same collateral, priced by another RatEquityOracle."""
    usdt = admin.deploy(project.TestStablecoin, "Tether USD", "USDT", 6, admin.address)
    return deploy_collateral_stack(
        market.morpho, admin, calendar=market.calendar, feed=feed, collateral_token=token, multiplier_source=token,
        loan_token=usdt, reserves=admin.deploy(project.MockReserveRoundSource), irm=market.irm,
        gateway=market.gateway, oracle_params=OracleParams(heartbeat=HEARTBEAT))


def _publish(feed, chain, admin, per_share: int) -> int:
    """A feed round answered at a new second (anvil may mine blocks of the same second)."""
    now = chain.pending_timestamp + 1
    chain.mine(1, timestamp=now)
    round_id = feed.latestRound() + 1
    feed.setRound(round_id, per_share * 10**FEED_DECIMALS, now, now, round_id, sender=admin)
    return now


@pytest.fixture
def fresh(oracle, feed, chain, admin) -> int:
    """A price of 190 USDC per share published and accepted now; returns its feed time."""
    at = _publish(feed, chain, admin, 190)
    oracle.acceptReviewedPrice(sender=admin)
    return at


def _context(make_ctx, rpc: Rpc | None, minting, assets: dict[str, str],
             collateral: CollateralKeeperConfig | None) -> ApiContext:
    base = make_ctx()
    return ApiContext(store=base.store, config=base.config, network="test", assets=assets, hours=base.hours,
                      reader=MinterReader(rpc, minting.minter.address) if rpc is not None else None,
                      verifier=base.verifier, kyc=base.kyc, collateral=collateral, environ=base.environ)


@pytest.fixture
def client(make_ctx, chain, minting, token, bare, market):
    ctx = _context(make_ctx, Rpc(chain.provider.uri), minting, {token.address: "AAPL", bare.address: "MSFT"},
                   _collateral(market))
    return TestClient(create_app(ctx))


def _problem(answer, status: int, slug: str) -> dict:
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["type"] == f"urn:rat:problem:{slug}"
    return body


def test_a_fresh_price_in_session_is_open_with_price_per_token_and_per_share(client, token, oracle, fresh, chain):
    answer = client.get(f"/v1/assets/{token.address}/oracle")
    assert answer.status_code == 200
    body = answer.json()
    assert body["asset"] == token.address and body["oracle"] == oracle.address
    assert (body["state"], body["reason"]) == ("OPEN", "NONE")
    assert body["price_per_share"] == "190" and body["multiplier"] == "1" and body["price_per_token"] == "190"
    assert body["haircut_bps"] == 0 and body["borrow_price_per_token"] == "190"
    assert body["price_time"] == fresh and 0 <= body["age_seconds"] <= chain.pending_timestamp - fresh


def test_a_newer_round_within_the_bound_is_priced_before_the_keeper_accepts_it(client, token, oracle, feed, fresh,
                                                                              chain, admin):
    _publish(feed, chain, admin, 200)  # +5 %, within the default 10 % bound
    body = client.get(f"/v1/assets/{token.address}/oracle").json()
    assert body["state"] == "OPEN" and body["price_per_share"] == "200" and body["price_per_token"] == "200"
    assert body["accepted_price_per_share"] == "190"


def test_a_move_beyond_the_deviation_bound_is_stale_without_a_price(client, token, feed, fresh, chain, admin):
    _publish(feed, chain, admin, 90)  # -53 %, beyond the bound
    body = client.get(f"/v1/assets/{token.address}/oracle").json()
    assert (body["state"], body["reason"]) == ("STALE", "DEVIATION_TOO_LARGE")
    assert body["price_per_token"] is None and body["borrow_price_per_token"] is None
    assert body["accepted_price_per_share"] == "190" and "acceptReviewedPrice" in body["explanation"]


def test_a_feed_silent_past_the_heartbeat_is_stale_and_refuses_borrows(client, token, fresh, chain):
    chain.mine(1, timestamp=chain.pending_timestamp + HEARTBEAT + 1)
    body = client.get(f"/v1/assets/{token.address}/oracle").json()
    assert (body["state"], body["reason"]) == ("STALE", "HEARTBEAT_MISSED")
    assert body["borrow_price_per_token"] is None and body["accepted_at"] == fresh


def test_an_asset_the_relayer_does_not_serve_is_a_404_problem(client):
    answer = client.get(f"/v1/assets/{UNKNOWN}/oracle")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_the_oracle_shown_is_the_one_morpho_names_for_the_market_configured_under_collateral(client, token,
                                                                                               market, fresh):
    (_, collateral, named_oracle, _, _) = market.morpho.idToMarketParams(market.params.market_id())
    assert collateral == token.address
    body = client.get(f"/v1/assets/{token.address}/oracle").json()
    assert body["oracle"] == named_oracle == market.oracle.address and body["state"] == "OPEN"


def test_the_markets_are_read_once_per_process_not_on_every_request(make_ctx, chain, minting, token, market,
                                                                     fresh):
    rpc = Rpc(chain.provider.uri)
    client = TestClient(create_app(_context(make_ctx, rpc, minting, {token.address: "AAPL"}, _collateral(market))))
    assert client.get(f"/v1/assets/{token.address}/oracle").status_code == 200
    first, rpc.calls = rpc.calls, 0
    assert client.get(f"/v1/assets/{token.address}/oracle").status_code == 200
    assert first - rpc.calls == 1  # the one idToMarketParams read


def test_a_served_asset_no_configured_market_takes_is_a_404_problem(client, bare):
    _problem(client.get(f"/v1/assets/{bare.address}/oracle"), 404, "no-oracle")


def test_a_relayer_without_a_collateral_section_answers_404_for_every_asset(make_ctx, chain, minting, token):
    ctx = _context(make_ctx, Rpc(chain.provider.uri), minting, {token.address: "AAPL"}, None)
    _problem(TestClient(create_app(ctx)).get(f"/v1/assets/{token.address}/oracle"), 404, "no-oracle")


def test_two_markets_pricing_one_asset_with_different_oracles_are_a_503_problem_naming_both(
        make_ctx, chain, minting, token, market, second_market):
    first, second = _market_id(market), _market_id(second_market)
    ctx = _context(make_ctx, Rpc(chain.provider.uri), minting, {token.address: "AAPL"},
                   _collateral(market, first, second))
    body = _problem(TestClient(create_app(ctx)).get(f"/v1/assets/{token.address}/oracle"), 503, "oracle-ambiguous")
    assert first in body["detail"] and second in body["detail"]
    assert market.oracle.address in body["detail"] and second_market.oracle.address in body["detail"]


def test_doctor_fails_two_markets_pricing_one_asset_with_different_oracles(chain, market, second_market):
    from relayer.config import RelayerConfig
    from relayer.doctor import _collateral_checks

    first, second = _market_id(market), _market_id(second_market)
    zero = "0x" + "00" * 20
    config = RelayerConfig.model_validate({
        "rpc_url": "http://unused", "minter": zero, "assets": {}, "brokerage": {"adapter": "x"},
        "custody": {"adapter": "x"},
        "signers": {"sender": {"type": "keystore", "path": "unused.json", "passphrase_env": "UNUSED"}},
        "collateral": _collateral(market, first, second).model_dump()})
    lines: list[str] = []
    report = Checkup(lines.append)

    async def check() -> None:
        rpc = Rpc(chain.provider.uri)
        try:
            await _collateral_checks(config, rpc, report.ok, report.bad)
        finally:
            await rpc.aclose()

    asyncio.run(check())
    assert report.problems == 1 and "different oracles" in "\n".join(lines) and second in "\n".join(lines)


def test_a_market_id_that_is_no_market_of_the_morpho_answers_503_not_500(make_ctx, chain, minting, token, market):
    ctx = _context(make_ctx, Rpc(chain.provider.uri), minting, {token.address: "AAPL"},
                   _collateral(market, NO_MARKET))
    body = _problem(TestClient(create_app(ctx)).get(f"/v1/assets/{token.address}/oracle"), 503,
                    "collateral-misconfigured")
    assert NO_MARKET in body["detail"]


def test_a_market_whose_oracle_is_not_a_rat_equity_oracle_answers_503_not_500(make_ctx, chain, minting, token,
                                                                                 market, admin):
    params = market.params
    impostor = type(params)(params.loan_token, params.collateral_token, admin.address, params.irm, params.lltv)
    market.morpho.createMarket(impostor.as_tuple(), sender=admin)
    ctx = _context(make_ctx, Rpc(chain.provider.uri), minting, {token.address: "AAPL"},
                   _collateral(market, "0x" + impostor.market_id().hex()))
    _problem(TestClient(create_app(ctx)).get(f"/v1/assets/{token.address}/oracle"), 503, "oracle-unreadable")


def test_an_api_without_a_chain_connection_answers_503_not_500(make_ctx, minting, token, market):
    ctx = _context(make_ctx, None, minting, {token.address: "AAPL"}, _collateral(market))
    _problem(TestClient(create_app(ctx)).get(f"/v1/assets/{token.address}/oracle"), 503, "no-chain")


def test_an_unreachable_rpc_answers_503_not_500(make_ctx, minting, token, market):
    ctx = _context(make_ctx, Rpc("http://127.0.0.1:9", timeout=2), minting, {token.address: "AAPL"},
                   _collateral(market))
    _problem(TestClient(create_app(ctx)).get(f"/v1/assets/{token.address}/oracle"), 503, "chain-unavailable")


def test_around_a_split_there_is_no_price_then_the_price_per_token_is_the_price_per_share_times_the_multiplier(
        client, token, oracle, feed, fresh, chain, admin):
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)
    activates = chain.pending_timestamp + DAY + 60
    token.scheduleSplit(2, 1, activates, token.multiplierState()[1], keccak(text="CA-2027-0007 2-for-1"),
                        sender=admin)
    chain.mine(1, timestamp=chain.pending_timestamp + 120)  # within the oracle's one-day split guard
    pending = client.get(f"/v1/assets/{token.address}/oracle").json()
    assert (pending["state"], pending["reason"], pending["price_per_token"]) == ("SPLIT_WINDOW", "SPLIT_PENDING", None)
    chain.mine(1, timestamp=activates + 1)
    _publish(feed, chain, admin, 95)  # the feed's post-split price per share
    project.MockReserveRoundSource.at(oracle.RESERVES()).setAsOf(token, chain.pending_timestamp, sender=admin)
    oracle.acceptReviewedPrice(sender=admin)
    body = client.get(f"/v1/assets/{token.address}/oracle").json()
    assert (body["state"], body["multiplier"]) == ("OPEN", "2")
    assert body["price_per_share"] == "95" and body["price_per_token"] == "190"
