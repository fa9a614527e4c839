"""Fixtures for the relayer tests: a state store on every supported backend, and the simulated vendors.

PostgreSQL tests run in a throw-away schema of the local server's `test` database and are skipped, with the
reason, when no server answers on 127.0.0.1:5432."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from relayer.store import Store

PG_DSN = os.environ.get("RAT_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=2")


def _pg_unreachable_reason() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    try:
        with psycopg.connect(PG_DSN):
            return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_DSN!r}: {exc.__class__.__name__}"


@pytest.fixture(scope="session")
def pg_available() -> str | None:
    return _pg_unreachable_reason()


@pytest.fixture
def pg_url(pg_available) -> Iterator[str]:
    """A SQLAlchemy URL whose search_path is a fresh schema, dropped afterwards."""
    if pg_available:
        pytest.skip(pg_available)
    import psycopg

    schema = f"relayer_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    params = dict(part.split("=", 1) for part in PG_DSN.split())
    yield (
        f"postgresql+psycopg://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:"
        f"{params.get('port', '5432')}/{params.get('dbname', 'test')}?options=-csearch_path%3D{schema}"
    )
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'relayer.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url) -> Iterator[Store]:
    s = Store.open(store_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'relayer.db'}")
    yield s
    s.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def rpc_url(chain) -> str:
    """The JSON-RPC URL of the anvil node Ape's test plugin started."""
    return chain.provider.uri


@pytest.fixture
def funded_key(accounts):
    """A fresh relayer key holding 10 ether, so no test shares a nonce sequence with another."""
    from eth_account import Account

    account = Account.create()
    accounts[0].transfer(account.address, 10 * 10**18)
    return account
