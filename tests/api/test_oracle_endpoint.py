"""GET /v1/assets/{asset}/oracle reads the asset's RatEquityOracle on a real chain (ADR 0102): its state with the
reason, the price per token and per share, the multiplier, the haircut and the age; an asset the relayer does not
serve or that has no configured oracle is a 404 problem, an unreachable or misconfigured oracle a 503, never a 5xx
server error."""

from __future__ import annotations

import pytest
from ape import project
from eth_utils import keccak
from starlette.testclient import TestClient

from rat.deploy import AssetTerms, list_equity, role
from rat.venues.calendar import publish_sessions, sessions_for_days
from rat.venues.collateral import OracleParams, deploy_calendar
from relayer.api.app import create_app
from relayer.api.context import ApiContext
from relayer.config import ApiConfig
from relayer.minter import MinterReader
from relayer.rpc import Rpc

FEED_DECIMALS = 8
HEARTBEAT = 600
DAY = 86_400
UNKNOWN = "0x000000000000000000000000000000000000dEaD"


@pytest.fixture(scope="module")
def minting(stack, admin, kyc_operator, chain):
    from rat.minting import deploy_minting_stack

    return deploy_minting_stack(admin, stack, kyc_operator, settlement=admin.address, now=chain.pending_timestamp)


@pytest.fixture(scope="module")
def bare(stack, admin):
    """A second served asset that has no oracle."""
    return list_equity(admin, stack, AssetTerms.example("rMSFT", "RAT Microsoft Corp.", "US5949181045"), admin)


@pytest.fixture(scope="module")
def feed(admin):
    return admin.deploy(project.MockV3Aggregator, FEED_DECIMALS, 190 * 10**FEED_DECIMALS)


@pytest.fixture(scope="module")
def oracle(token, admin, pauser, feed, chain):
    """rAAPL's oracle on an always-open calendar (the relayer's test hours), USDC (6 decimals) as the loan token."""
    usdc = admin.deploy(project.TestStablecoin, "USD Coin", "USDC", 6, admin.address)
    reserves = admin.deploy(project.MockReserveRoundSource)
    calendar = deploy_calendar(admin, pauser)
    publish_sessions(calendar, sessions_for_days("always-open", chain.pending_timestamp // 86_400, 60), pauser)
    return admin.deploy(project.RatEquityOracle, feed, token, usdc, reserves, calendar, admin.address,
                        OracleParams(heartbeat=HEARTBEAT).as_tuple())


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


def _context(make_ctx, chain, minting, assets: dict[str, str], oracles: dict[str, str]) -> ApiContext:
    base = make_ctx()
    config = ApiConfig(**{**base.config.model_dump(), "collateral_oracles": oracles})
    return ApiContext(store=base.store, config=config, network="test", assets=assets, hours=base.hours,
                      reader=MinterReader(Rpc(chain.provider.uri), minting.minter.address),
                      verifier=base.verifier, kyc=base.kyc, environ=base.environ)


@pytest.fixture
def client(make_ctx, chain, minting, token, bare, oracle):
    ctx = _context(make_ctx, chain, minting, {token.address: "AAPL", bare.address: "MSFT"},
                   {token.address: oracle.address})
    return TestClient(create_app(ctx))


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


def test_a_served_asset_without_an_oracle_is_a_404_problem(client, bare):
    answer = client.get(f"/v1/assets/{bare.address}/oracle")
    assert answer.status_code == 404 and answer.json()["type"].endswith("no-oracle")
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_an_oracle_address_that_is_not_a_rat_equity_oracle_answers_503_not_500(make_ctx, chain, minting, token,
                                                                                  admin):
    ctx = _context(make_ctx, chain, minting, {token.address: "AAPL"}, {token.address: admin.address})
    answer = TestClient(create_app(ctx)).get(f"/v1/assets/{token.address}/oracle")
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_an_api_without_a_chain_connection_answers_503_not_500(make_ctx, token, oracle):
    base = make_ctx()
    config = ApiConfig(**{**base.config.model_dump(), "collateral_oracles": {token.address: oracle.address}})
    ctx = ApiContext(store=base.store, config=config, network="test", assets={token.address: "AAPL"},
                     hours=base.hours, reader=None, verifier=base.verifier, kyc=base.kyc, environ=base.environ)
    answer = TestClient(create_app(ctx)).get(f"/v1/assets/{token.address}/oracle")
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/problem+json")


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
