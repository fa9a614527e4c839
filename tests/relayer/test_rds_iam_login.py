"""RDS IAM authentication: every new database connection logs in with a fresh token from boto3's
`generate_db_auth_token` for the configured host, port, user and region, handed to the driver as the password; TLS
is required (a server without it is refused, never used in clear). The PostgreSQL tests use the local server
(trust authentication accepts any password, so the token is seen arriving, not checked) and are skipped when it is
not reachable."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import yaml
from sqlalchemy import text

from relayer.config import EXAMPLE, RelayerConfig
from relayer.config_source import ConfigSource
from relayer.errors import StoreError
from relayer.rds_iam import RdsIamToken
from relayer.store import Store

HOST = "rat-staging-db.abc.sa-east-1.rds.amazonaws.com"


def fake_rds(region: str = "sa-east-1"):
    """A real boto3 `rds` client with made-up static credentials: the token is signed locally, no AWS call."""
    return boto3.client("rds", region_name=region, aws_access_key_id="AKIATESTTESTTESTTEST",
                        aws_secret_access_key="test-secret")


class Tokens:
    """A password maker that counts its calls, each answer distinct."""

    def __init__(self) -> None:
        self.issued: list[str] = []

    def __call__(self) -> str:
        self.issued.append(f"token-{len(self.issued) + 1}")
        return self.issued[-1]


def test_the_token_is_a_presigned_rds_connect_for_the_host_port_user_and_region():
    token = RdsIamToken(HOST, 5432, "relayer", "sa-east-1", client=fake_rds())()
    where, _, query = token.partition("/?")
    params = parse_qs(query)
    assert where == f"{HOST}:5432"
    assert params["Action"] == ["connect"] and params["DBUser"] == ["relayer"]
    assert "/sa-east-1/rds-db/aws4_request" in params["X-Amz-Credential"][0]


def test_a_task_without_aws_credentials_gets_a_store_error_naming_the_user_and_host(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(StoreError, match=f"RDS IAM login token for relayer@{HOST}:5432"):
        RdsIamToken(HOST, 5432, "relayer", "sa-east-1")()


def test_a_sqlite_store_refuses_a_login_password(tmp_path):
    with pytest.raises(StoreError, match="SQLite database takes no login password"):
        Store.open(f"sqlite:///{tmp_path / 'r.db'}", password=Tokens())


@pytest.mark.postgres
def test_each_new_connection_logs_in_with_a_fresh_token_as_its_password(pg_url):
    tokens = Tokens()
    store = Store.open(pg_url, password=tokens)
    try:
        with store.engine.connect() as first, store.engine.connect() as second:
            seen = {c.connection.dbapi_connection.info.password for c in (first, second)}
        assert len(tokens.issued) >= 2 and seen <= set(tokens.issued) and len(seen) == 2
        store.engine.dispose()  # the pool forgets its connections: the next one logs in anew
        before = len(tokens.issued)
        with store.engine.connect() as conn:
            assert conn.execute(text("select 1")).scalar() == 1
            assert conn.connection.dbapi_connection.info.password == tokens.issued[-1]
        assert len(tokens.issued) == before + 1
    finally:
        store.close()


def iam_config(host: str, port: int, user: str, dbname: str, **tls: str) -> RelayerConfig:
    data = yaml.safe_load(EXAMPLE)
    data.pop("database_url")
    data["database_iam"] = {"host_env": "RAT_DB_HOST", "user_env": "RAT_DB_USER", "port": port, "dbname": dbname,
                            **tls}
    for key in ("client_cert", "client_key", "server_ca"):
        data["attestors"][key] = f"/tmp/tls/{key}.pem"
    data["signers"]["sender"]["path"] = "/keys/sender.json"
    environ = {"RAT_CONFIG_YAML": yaml.safe_dump(data), "RAT_DB_HOST": host, "RAT_DB_USER": user,
               "AWS_REGION": "sa-east-1"}
    return RelayerConfig.load(ConfigSource(env="RAT_CONFIG_YAML"), environ)


def test_the_iam_database_url_requires_tls_and_carries_no_password():
    url = urlsplit(iam_config(HOST, 5432, "relayer", "rat").database_url)
    assert url.password is None and parse_qs(url.query)["sslmode"] == ["require"]


@pytest.mark.postgres
def test_a_configured_iam_store_refuses_a_server_without_tls(pg_url, monkeypatch):
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(pg_url)
    with psycopg.connect(host=server.host, port=server.port, user=server.username, dbname=server.database) as conn:
        if conn.execute("show ssl").fetchone()[0] == "on":
            pytest.skip("the local server offers TLS: the refusal of a plaintext server cannot be shown with it")
    config = iam_config(server.host, server.port or 5432, server.username, server.database)
    monkeypatch.setattr(RdsIamToken, "_rds", lambda self: fake_rds())
    with pytest.raises(StoreError, match="SSL"):
        config.open_store()


class _Captured(Exception):
    """Stops a connection attempt once the driver's parameters are known."""


def test_a_verify_full_store_hands_libpq_the_ca_bundle_and_the_token(monkeypatch):
    """What psycopg turns into the libpq connection string: the IAM token as password, sslmode verify-full and
    the bundle as sslrootcert (libpq itself parses the string, so a keyword it ignored would fail here)."""
    import inspect

    import psycopg
    from sqlalchemy import event

    bundle = "/opt/rat/share/rds/global-bundle.pem"
    config = iam_config(HOST, 5432, "relayer", "rat", sslmode="verify-full", sslrootcert=bundle)
    monkeypatch.setattr(RdsIamToken, "_rds", lambda self: fake_rds())
    store = config.open_store(migrate_schema=False)
    handed: dict[str, object] = {}

    def capture(_dialect, _record, _cargs, cparams):
        handed.update(cparams)
        raise _Captured

    event.listen(store.engine, "do_connect", capture)
    try:
        with pytest.raises(_Captured):
            store.engine.connect()
    finally:
        store.close()
    # psycopg.connect's own arguments (context, autocommit, ...) stay in Python; the rest is the libpq string.
    python_side = inspect.signature(psycopg.Connection.connect).parameters
    libpq = {k: v for k, v in handed.items() if k not in python_side}
    conninfo = psycopg.conninfo.conninfo_to_dict(psycopg.conninfo.make_conninfo("", **libpq))
    assert (conninfo["host"], conninfo["user"], conninfo["dbname"]) == (HOST, "relayer", "rat")
    assert (conninfo["sslmode"], conninfo["sslrootcert"]) == ("verify-full", bundle)
    assert str(conninfo["password"]).startswith(f"{HOST}:5432/?Action=connect")
