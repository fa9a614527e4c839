"""GET /v1/assets/{asset}/supply reads a CCIP-bridged asset on every chain configured for it (ADR 0106): each chain's
total supply, multiplier, its pool's net bridged-out amount and quarantine escrow, with the block read and a stale
flag; the sum is what the proof of reserve must cover. Both sides of the lane live on Ape's anvil under two CCIP
selectors (the bridge tests' single-chain mode), each with its own registry, token, Router and pool, and are named
as two chains with the same records `rat-reserves verify --chain` takes."""

from __future__ import annotations

import pytest
from eth_utils import keccak
from starlette.testclient import TestClient

from rat.bridge.ccip import (
    CHAIN_A_SELECTOR,
    CHAIN_B_SELECTOR,
    LanePairLimits,
    deploy_harness_lane,
    encode_address,
)
from rat.bridge.corporate_actions import corporate_actions
from rat.bridge.supply import ChainToken
from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role
from relayer.api.app import create_app
from relayer.api.context import ApiContext
from relayer.config import ApiConfig

ONE = 10**18
MINTED = 1_000 * ONE
SENT = 100 * ONE
HELD = 10 * ONE  # the second send, quarantined on chain B
UNKNOWN = "0x000000000000000000000000000000000000dEaD"
DEAD_RPC = "http://127.0.0.1:9"  # discard port: nothing answers


@pytest.fixture(scope="module")
def bridged(stack, token, admin, kyc_operator, sanctions_officer, minter, alice, bob, chain):
    """Alice had MINTED on chain A; SENT reached Bob on chain B, then HELD was quarantined there (Bob frozen on B)."""
    stack_b = deploy_compliance_stack(admin)
    for name, holder in (("KYC_OPERATOR_ROLE", kyc_operator), ("SANCTIONS_OFFICER_ROLE", sanctions_officer),
                         ("ASSET_POLICY_ROLE", admin)):
        stack_b.registry.grantRole(role(name), holder, sender=admin)
    token_b = list_equity(admin, stack_b, AssetTerms.example(), admin)
    lane = deploy_harness_lane(admin, (token, stack.registry), (token_b, stack_b.registry),
                               LanePairLimits.symmetric(MINTED, MINTED))
    pool_a, pool_b, ramp_a, ramp_b = lane.a.pool, lane.b.pool, lane.ramp_a, lane.ramp_b
    for s in (stack, stack_b):
        for who in (alice, bob):
            approve_investor(s, kyc_operator, who.address, 1, "BR", 365 * 24 * 3600, now=chain.pending_timestamp)
    token.mint(alice, MINTED, sender=minter)
    token.approve(ramp_a, 2**256 - 1, sender=alice)
    data = corporate_actions(token).pool_data()
    for amount in (SENT, HELD):
        if amount == HELD:
            stack_b.registry.freeze([bob], keccak(text="order-1"), sender=sanctions_officer)
        ramp_a.send(pool_a, CHAIN_B_SELECTOR, bob, amount, sender=alice)
        ramp_b.deliver(pool_b, CHAIN_A_SELECTOR, encode_address(pool_a.address), alice, bob, amount, data,
                       sender=alice)
    assert pool_b.quarantinedTotal() == HELD
    uri = chain.provider.uri
    return {"a": ChainToken(name="chain-a", rpc_url=uri, token=token.address, pool=pool_a.address),
            "b": ChainToken(name="chain-b", rpc_url=uri, token=token_b.address, pool=pool_b.address),
            "token_b": token_b}


def _client(make_ctx, token, bridged_assets: dict, clock=None) -> TestClient:
    base = make_ctx()
    config = ApiConfig(**{**base.config.model_dump(), "bridged_assets": bridged_assets})
    extra = {"clock": clock} if clock else {}
    ctx = ApiContext(store=base.store, config=config, network="test", assets={token.address: "AAPL"},
                     hours=base.hours, verifier=base.verifier, kyc=base.kyc, environ=base.environ, **extra)
    return TestClient(create_app(ctx), raise_server_exceptions=False)


def _chains(answer) -> dict:
    return {c["chain"]: c for c in answer.json()["chains"]}


def test_each_chain_reports_its_supply_and_the_pools_bridged_and_quarantined_amounts(make_ctx, token, bridged):
    answer = _client(make_ctx, token, {token.address: [bridged["a"], bridged["b"]]}).get(
        f"/v1/assets/{token.address}/supply")
    assert answer.status_code == 200
    chains = _chains(answer)
    a, b = chains["chain-a"], chains["chain-b"]
    assert (a["total_supply"], a["net_bridged_out"], a["quarantined"]) == (str(MINTED - SENT - HELD),
                                                                         str(SENT + HELD), "0")
    assert (b["total_supply"], b["net_bridged_out"], b["quarantined"]) == (str(SENT + HELD), "0", str(HELD))
    assert (a["token"], b["token"], b["pool"]) == (token.address, bridged["token_b"].address, bridged["b"].pool)


def test_the_sum_over_chains_is_the_supply_before_the_transfers(make_ctx, token, bridged):
    body = _client(make_ctx, token, {token.address: [bridged["a"], bridged["b"]]}).get(
        f"/v1/assets/{token.address}/supply").json()
    assert (body["total_supply"], body["shares"]) == (str(MINTED), str(MINTED))


def test_every_chain_names_its_chain_id_and_the_block_it_was_read_at(make_ctx, token, bridged, chain):
    # The clock is pinned to the last second the head is still fresh: the wall clock would flag the chain stale
    # whenever the module's fixture ran more than chain_max_age ago (a loaded machine, isolation reverting the head).
    last_fresh = chain.blocks.head.timestamp + ApiConfig().chain_max_age
    body = _client(make_ctx, token, {token.address: [bridged["a"], bridged["b"]]}, clock=lambda: last_fresh).get(
        f"/v1/assets/{token.address}/supply").json()
    for entry in body["chains"]:
        assert entry["chain_id"] == chain.chain_id
        assert entry["block_number"] == chain.blocks.head.number
        assert entry["stale"] is False


def test_a_chain_whose_latest_block_is_older_than_the_limit_is_flagged_stale(make_ctx, token, bridged, chain):
    later = chain.blocks.head.timestamp + ApiConfig().chain_max_age + 60
    body = _client(make_ctx, token, {token.address: [bridged["a"]]}, clock=lambda: later).get(
        f"/v1/assets/{token.address}/supply").json()
    assert body["stale"] is True and body["chains"][0]["stale"] is True
    assert body["chains"][0]["read_at"] == later


def test_a_chain_without_a_pool_reports_supply_and_no_bridge_figures(make_ctx, token, bridged):
    bare = ChainToken(name="chain-a", rpc_url=bridged["a"].rpc_url, token=token.address)
    entry = _client(make_ctx, token, {token.address: [bare]}).get(f"/v1/assets/{token.address}/supply").json()[
        "chains"][0]
    assert (entry["pool"], entry["net_bridged_out"], entry["quarantined"]) == (None, None, None)
    assert entry["total_supply"] == str(MINTED - SENT - HELD)


def test_an_asset_not_served_is_a_404_problem(make_ctx, token, bridged):
    answer = _client(make_ctx, token, {token.address: [bridged["a"]]}).get(f"/v1/assets/{UNKNOWN}/supply")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"].endswith("unknown-asset")


def test_a_served_asset_without_configured_chains_is_a_404_problem(make_ctx, token, bridged):
    answer = _client(make_ctx, token, {}).get(f"/v1/assets/{token.address}/supply")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"].endswith("not-bridged")


def test_a_chain_that_cannot_be_read_makes_the_answer_a_503_naming_it(make_ctx, token, bridged):
    down = ChainToken(name="chain-down", rpc_url=DEAD_RPC, token=bridged["token_b"].address)
    answer = _client(make_ctx, token, {token.address: [bridged["a"], down]}).get(
        f"/v1/assets/{token.address}/supply")
    assert answer.status_code == 503
    assert answer.json()["type"].endswith("chain-unavailable")
    assert "chain-down" in answer.json()["detail"]


def test_the_config_refuses_a_chain_named_twice_for_one_asset(token, bridged):
    with pytest.raises(ValueError, match="each name once"):
        ApiConfig(bridged_assets={token.address: [bridged["a"], bridged["a"]]})


def test_the_config_refuses_an_unknown_key_in_a_chain_record(token):
    with pytest.raises(ValueError, match="extra"):
        ApiConfig(bridged_assets={token.address: [{"name": "chain-a", "rpc_url": "http://x", "token": token.address,
                                                   "bridge": "0x" + "11" * 20}]})
