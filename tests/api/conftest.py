"""Fixtures for the service API: a SQLite state store, an API app over it, an authorization server of our own
(an EC key generated per session, published as a JWKS file) that issues operator tokens, and Sumsub signing."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from starlette.testclient import TestClient

from relayer.api.app import create_app
from relayer.api.auth import TokenVerifier
from relayer.api.context import ApiContext
from relayer.config import ApiConfig, JwtConfig, KycConfig, RateLimitConfig
from relayer.market_hours import market_hours
from relayer.store import SagaRecord, Store

# The values tests import live in api_values.py, a module of its own name: `from conftest import ...` resolves to
# whichever conftest was imported first, so a run of tests/api beside another folder failed to collect.
from api_values import ALICE, ALL_SCOPES, ASSET, WEBHOOK_SECRET, bearer  # noqa: F401

ISSUER = "https://auth.test.invalid/"
AUDIENCE = "rat-relayer-api"


@pytest.fixture(scope="session")
def signing_key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "test-" + uuid.uuid4().hex[:8]}, private=True)


@pytest.fixture(scope="session")
def jwks_file(tmp_path_factory, signing_key):
    path = tmp_path_factory.mktemp("auth") / "jwks.json"
    path.write_text(json.dumps(KeySet([signing_key]).as_dict(private=False)))
    return path


@pytest.fixture(scope="session")
def issue(signing_key):
    """issue(scope=..., **claims) -> a signed access token; claims override the defaults."""

    def make(scope: str = ALL_SCOPES, key: ECKey | None = None, header: dict | None = None, **claims) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300, "client_id": "ops-console",
                "scope": scope, "jti": uuid.uuid4().hex, **claims}
        body = {k: v for k, v in body.items() if v is not None}
        used = key or signing_key
        return jwt.encode({"alg": "ES256", "typ": "at+jwt", "kid": used.kid, **(header or {})}, body, used)

    return make

@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(signing_key, jwks_file, issue) -> None:
    """This folder's session fixtures, before any module deploys: see `_named_accounts` in tests/conftest.py."""



@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'relayer.db'}")
    yield s
    s.close()


KYC_POLICY = {"registry": "0x" + "11" * 20,
              "signer": {"type": "keystore", "path": "unused.json", "passphrase_env": "UNUSED"},
              "levels": {"rat-retail-br": {"tier": 1, "jurisdiction": "BR"},
                         "rat-professional-ar": {"tier": 2, "jurisdiction": "AR", "valid_days": 180}}}


@pytest.fixture
def make_ctx(store, jwks_file):
    def make(per_ip: int = 10_000, per_client: int = 10_000, kyc: dict | None = KYC_POLICY,
             max_body_bytes: int = 65536, **extra) -> ApiContext:
        config = ApiConfig(
            auth=JwtConfig(issuer=ISSUER, audience=AUDIENCE, jwks_file=jwks_file),
            rate_limit=RateLimitConfig(per_ip=per_ip, per_client=per_client, window=60),
            max_body_bytes=max_body_bytes, stream_poll_interval=0.05,
        )
        return ApiContext(store=store, config=config, network="test", assets={ASSET: "AAPL"},
                          hours=market_hours("always-open"), verifier=TokenVerifier(config.auth),
                          kyc=KycConfig.model_validate(kyc) if kyc else None,
                          environ={"RAT_SUMSUB_WEBHOOK_SECRET": WEBHOOK_SECRET}, **extra)

    return make


@pytest.fixture
def client(make_ctx) -> Iterator[TestClient]:
    with TestClient(create_app(make_ctx()), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def saga(store):
    """saga(request_id=None, account=ALICE, block=1, steps=("validated",)) inserts a mint saga and moves it."""

    def make(request_id: str | None = None, account: str = ALICE, block: int = 1, log_index: int = 0,
             steps: tuple[str, ...] = ()) -> str:
        rid = request_id or "0x" + uuid.uuid4().hex * 2
        record = SagaRecord(request_id=rid, kind="mint", trace_id=uuid.uuid4().hex, step="received", status="active",
                            payload={"account": account, "asset": ASSET, "payment_token": "0x" + "22" * 20,
                                     "amount": "1000000000", "limit_price": "200000000", "deadline": 2**40,
                                     "request_tx": "0x" + "33" * 32, "seen_at": time.time()},
                            block_number=block, block_hash="0x" + "44" * 32, log_index=log_index)
        assert store.insert_saga(record)
        current = "received"
        for step in steps:
            status = "done" if step == "done" else "active"
            assert store.advance(rid, current, step, status=status, payload={"note": step})
            current = step
        return rid

    return make


PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=2"


@pytest.fixture
def pg_store() -> Iterator[Store]:
    """A store in a throw-away schema of the local PostgreSQL `test` database; skipped when none answers."""
    import os

    psycopg = pytest.importorskip("psycopg")
    dsn = os.environ.get("RAT_TEST_PG_DSN", PG_DSN)
    try:
        with psycopg.connect(dsn):
            pass
    except Exception as exc:  # noqa: BLE001  (any connection failure means: no server here)
        pytest.skip(f"PostgreSQL not reachable at {dsn!r}: {exc.__class__.__name__}")
    schema = f"api_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    params = dict(part.split("=", 1) for part in dsn.split())
    s = Store.open(f"postgresql+psycopg://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:"
                   f"{params.get('port', '5432')}/{params.get('dbname', 'test')}?options=-csearch_path%3D{schema}")
    yield s
    s.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
