"""GET /v1/assets/{asset}/venues reads the ComplianceRegistry on a real chain: the venues registered for the asset
with their standing (ADR 0101); an asset the relayer does not serve is a 404 problem, never a server error."""

from __future__ import annotations

import pytest
from ape import project
from eth_utils import keccak
from starlette.testclient import TestClient

from rat.deploy import AssetTerms, list_equity, role
from relayer.api.app import create_app
from relayer.api.context import ApiContext
from relayer.minter import MinterReader
from relayer.rpc import Rpc

SHARE = 10**18
REF = keccak(text="list the pool")
UNKNOWN = "0x000000000000000000000000000000000000dEaD"


@pytest.fixture(scope="module")
def minting(stack, token, admin, kyc_operator, chain):
    from rat.minting import deploy_minting_stack

    stack.registry.grantRole(role("VENUE_LISTING_ROLE"), admin, sender=admin)
    return deploy_minting_stack(admin, stack, kyc_operator, settlement=admin.address, now=chain.pending_timestamp)


@pytest.fixture(scope="module")
def pools(stack, token, admin, minting):
    """Two venues registered for the token."""
    venues = [admin.deploy(project.ERC1271WalletMock, admin.address) for _ in range(2)]
    for venue in venues:
        stack.registry.registerVenue(token, venue, REF, sender=admin)
    return venues


@pytest.fixture(scope="module")
def bare(stack, admin):
    """A second served asset that has no venue."""
    return list_equity(admin, stack, AssetTerms.example("rMSFT", "RAT Microsoft Corp.", "US5949181045"), admin)


@pytest.fixture
def client(minting, token, bare, make_ctx, chain):
    base = make_ctx()
    ctx = ApiContext(store=base.store, config=base.config, network="test",
                     assets={token.address: "AAPL", bare.address: "MSFT"},
                     hours=base.hours, reader=MinterReader(Rpc(chain.provider.uri), minting.minter.address),
                     verifier=base.verifier, kyc=base.kyc, environ=base.environ)
    return TestClient(create_app(ctx))


def test_the_venues_of_an_asset_are_listed_as_active(client, token, pools):
    answer = client.get(f"/v1/assets/{token.address}/venues")
    assert answer.status_code == 200
    assert answer.json() == {"asset": token.address,
                             "items": [{"address": v.address, "status": "ACTIVE"} for v in pools]}


def test_a_suspended_venue_is_listed_as_suspended(client, stack, token, admin, pools):
    stack.registry.suspendVenue(token, pools[1], REF, sender=admin)
    items = client.get(f"/v1/assets/{token.address}/venues").json()["items"]
    assert {"address": pools[1].address, "status": "SUSPENDED"} in items


def test_a_removed_venue_is_not_listed(client, stack, token, admin, pools):
    stack.registry.removeVenue(token, pools[0], REF, sender=admin)
    items = client.get(f"/v1/assets/{token.address}/venues").json()["items"]
    assert [item["address"] for item in items] == [pools[1].address]


def test_an_asset_without_venues_answers_an_empty_list(client, bare, pools):
    answer = client.get(f"/v1/assets/{bare.address}/venues")
    assert answer.status_code == 200 and answer.json() == {"asset": bare.address, "items": []}


def test_the_asset_address_may_be_given_in_lower_case(client, token, pools):
    answer = client.get(f"/v1/assets/{token.address.lower()}/venues")
    assert answer.status_code == 200 and answer.json()["asset"] == token.address


def test_an_asset_the_relayer_does_not_serve_is_a_404_problem(client, minting):
    answer = client.get(f"/v1/assets/{UNKNOWN}/venues")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["status"] == 404


def test_a_malformed_asset_address_is_refused_with_422(client, minting):
    answer = client.get("/v1/assets/0x1234/venues")
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_an_api_without_a_chain_connection_answers_503_not_500(make_ctx, token):
    base = make_ctx()
    ctx = ApiContext(store=base.store, config=base.config, network="test", assets={token.address: "AAPL"},
                     hours=base.hours, reader=None, verifier=base.verifier, kyc=base.kyc, environ=base.environ)
    answer = TestClient(create_app(ctx)).get(f"/v1/assets/{token.address}/venues")
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/problem+json")
