"""Schemathesis against the live app on a real chain: no 5xx, and every response (status, content type, headers,
body) matches the OpenAPI document. Bounded examples per operation keep it to well under a minute."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from relayer.api.app import create_app
from relayer.api.context import ApiContext
from relayer.minter import MinterReader
from relayer.rpc import Rpc

SHARE = 10**18


@pytest.fixture(scope="module")
def listed(stack, token, admin, kyc_operator, chain):
    """A Minter with rAAPL listed and one reserve round published, so every public read has data."""
    from eth_account import Account

    from rat.minting import DAY, deploy_minting_stack, grant_minting_roles, list_asset, publish_reserves

    ms = deploy_minting_stack(admin, stack, kyc_operator, settlement=admin.address, now=chain.pending_timestamp)
    grant_minting_roles(ms, admin, submitter=admin, rejecter=admin, publisher=admin)
    custodian = Account.create()
    list_asset(ms, admin, token, custodian.address, 10_000_000 * SHARE, 1_000_000 * SHARE, DAY, 50, 50)
    publish_reserves(ms, admin, custodian.key, token, 1_000 * SHARE, chain.pending_timestamp - 1)
    return ms


@pytest.fixture
def live_app(listed, token, make_ctx, chain):
    base = make_ctx()
    ctx = ApiContext(store=base.store, config=base.config, network="test", assets={token.address: "AAPL"},
                     hours=base.hours, reader=MinterReader(Rpc(chain.provider.uri), listed.minter.address),
                     verifier=base.verifier, kyc=base.kyc, environ=base.environ)
    return create_app(ctx)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(live_app):
    return schemathesis.openapi.from_asgi("/v1/openapi.json", live_app)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_error_and_every_response_matches_the_document(case):
    case.call_and_validate()
