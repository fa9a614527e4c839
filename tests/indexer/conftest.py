"""Fixtures for the indexer: a small RAT protocol history on the session's anvil (compliance, Minter, reserves,
fees, a split), mirrors on SQLite and, when the local server answers, on a throw-away PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from eth_account import Account

from mirrorkit import SHARE, USDC, Protocol
from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role
from rat.minting import (
    DAY, deploy_minting_stack, deploy_test_stablecoin, fulfill, grant_minting_roles, list_asset,
    list_payment_token, publish_reserves, request_burn, request_mint, set_attestors, set_tier_limits,
)

PG_ADMIN = os.environ.get("RAT_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=2")


@pytest.fixture(scope="module")
def protocol(accounts, chain) -> Protocol:
    deployer, relayer, publisher, alice, bob = (accounts[i] for i in (0, 1, 2, 6, 7))
    start = chain.blocks.head.number + 1
    broker, custody, custodian = (Account.create() for _ in range(3))
    stack = deploy_compliance_stack(deployer)
    for name in ("KYC_OPERATOR_ROLE", "ASSET_POLICY_ROLE"):
        stack.registry.grantRole(role(name), deployer, sender=deployer)
    ms = deploy_minting_stack(deployer, stack, kyc_operator=deployer, settlement=relayer.address,
                              now=chain.pending_timestamp)
    token = list_equity(deployer, stack, AssetTerms.example(), deployer)
    now = chain.pending_timestamp
    approve_investor(stack, deployer, alice.address, tier=1, country="BR", now=now)
    approve_investor(stack, deployer, bob.address, tier=2, country="AR", now=now)
    grant_minting_roles(ms, deployer, submitter=relayer, rejecter=relayer, publisher=publisher)
    set_attestors(ms, deployer, brokerage=[broker.address], custody=[custody.address])
    usdc = deploy_test_stablecoin(deployer)
    list_payment_token(ms, deployer, usdc)
    set_tier_limits(ms, deployer)
    list_asset(ms, deployer, token, custodian=custodian.address, mint_cap=1_000_000 * SHARE,
               mint_rate_per_day=10_000 * SHARE, mint_fee_bps=30, burn_fee_bps=30)
    usdc.mint(alice, 10_000 * USDC, sender=deployer)
    usdc.mint(relayer, 100_000 * USDC, sender=deployer)
    usdc.approve(ms.minter.address, 2**256 - 1, sender=relayer)
    publish_reserves(ms, publisher, custodian.key, token, shares=10 * SHARE, as_of=chain.pending_timestamp - 1)
    deadline = chain.pending_timestamp + DAY
    request = request_mint(ms, alice, token, usdc, 2_000 * USDC, 200 * USDC, deadline)
    fulfill(ms, relayer, request, 19 * SHARE // 2, 190 * USDC, [broker.key, custody.key], deadline)
    token.transfer(bob, 3 * SHARE, sender=alice)
    request = request_burn(ms, bob, token, usdc, SHARE, 180 * USDC, chain.pending_timestamp + DAY)
    fulfill(ms, relayer, request, SHARE, 191 * USDC, [broker.key, custody.key], chain.pending_timestamp + DAY)
    ms.fee_vault.book(usdc, sender=deployer)
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), deployer, sender=deployer)
    token.scheduleSplit(2, 1, chain.pending_timestamp + DAY + 60, token.multiplierState()[1], b"\x01" * 32,
                        sender=deployer)
    chain.mine(1, timestamp=chain.pending_timestamp + DAY + 120)  # the split is in force from here on
    token.transfer(bob, SHARE, sender=alice)
    return Protocol(chain.chain_id, chain.provider.uri, start, token, stack, ms, usdc, alice, bob, deployer)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'mirror.sqlite'}"


def _pg_unreachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN):
            return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN!r}: {exc.__class__.__name__}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database on the shared server (other helpers use it too), dropped afterwards."""
    reason = _pg_unreachable()
    if reason:
        pytest.skip(reason)
    import psycopg

    name = f"rat_indexer_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    params = dict(p.split("=", 1) for p in PG_ADMIN.split())
    try:
        yield f"postgresql://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:" \
              f"{params.get('port', '5432')}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def mirror_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mirror.sqlite'}"
    return request.getfixturevalue("pg_url")
