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


# ---------------------------------------------------------------------------------------------- end to end
# A full deployment (compliance stack, Minter, FeeVault, reserves, a stablecoin), three keys in encrypted keystores
# (the relayer's submitter and one per attestor service), the simulated broker and custodian and the two attestors
# as child processes, and a config pointing the daemon at them.

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).parent))

SHARE = 10**18
USDC = 10**6
PASSPHRASES = {"sender": "sender-pass", "brokerage": "brokerage-pass", "custody": "custody-pass"}


@pytest.fixture(scope="module")
def relayer_keys(tmp_path_factory):
    from relayer.signers import KeystoreSigner

    folder = tmp_path_factory.mktemp("keys")
    addresses = {}
    for role, passphrase in PASSPHRASES.items():
        addresses[role] = KeystoreSigner.create(folder / f"{role}.json", passphrase, scrypt_n=2**10)
    return folder, addresses


@pytest.fixture(autouse=True)
def _keystore_passphrases(monkeypatch):
    for role, passphrase in PASSPHRASES.items():
        monkeypatch.setenv(f"RAT_TEST_{role.upper()}_PASS", passphrase)


@pytest.fixture(scope="module")
def deployment(stack, token, funded, admin, kyc_operator, alice, accounts, chain, relayer_keys):
    """Minter wired for the relayer's keys; Alice holds 100 rAAPL and 100,000 USDC; reserves of 1,000,000."""
    from eth_account import Account

    from rat.minting import (
        DAY, deploy_minting_stack, deploy_test_stablecoin, grant_minting_roles, list_asset, list_payment_token,
        publish_reserves, set_attestors, set_tier_limits,
    )

    _, keys = relayer_keys
    accounts[0].transfer(keys["sender"], 100 * SHARE)
    ms = deploy_minting_stack(admin, stack, kyc_operator, settlement=admin.address, now=chain.pending_timestamp)
    grant_minting_roles(ms, admin, submitter=keys["sender"], rejecter=keys["sender"], publisher=admin)
    set_attestors(ms, admin, brokerage=[keys["brokerage"]], custody=[keys["custody"]], quorum=2)
    usdc = deploy_test_stablecoin(admin)
    list_payment_token(ms, admin, usdc)
    set_tier_limits(ms, admin)
    custodian = Account.create()
    list_asset(ms, admin, token, custodian.address, 10_000_000 * SHARE, 1_000_000 * SHARE, DAY, 50, 50)
    publish_reserves(ms, admin, custodian.key, token, 1_000_000 * SHARE, chain.pending_timestamp - 1)
    usdc.mint(alice, 100_000 * USDC, sender=admin)
    usdc.mint(admin, 1_000_000 * USDC, sender=admin)
    usdc.approve(ms.minter.address, 2**256 - 1, sender=admin)
    return ms, usdc


@pytest.fixture
def fresh_sims(token):
    """A simulated broker and custodian of their own (request ids repeat across tests because Ape reverts the
    chain between them), the custodian holding exactly the on-chain supply."""
    from simproc import sim_service

    held = str(token.totalSupply() / SHARE)
    with sim_service("broker", "--price", "AAPL=190", "--order-ttl", "1") as broker, \
            sim_service("custodian", "--position", f"AAPL={held}") as custodian:
        yield broker, custodian


@pytest.fixture(scope="session")
def attestor_pki(tmp_path_factory):
    """A local CA, a server certificate per attestor and the relayer's client certificate."""
    from attestor.local import issue_local_pki

    return issue_local_pki(tmp_path_factory.mktemp("pki"))

@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(pg_available, rpc_url, attestor_pki) -> None:
    """This folder's session fixtures, before any module deploys: see `_named_accounts` in tests/conftest.py."""



def launch_attestors(folder, sims, minter: str, keys_folder, rpc_url: str, chain_id: int, token: str, pki,
                     **overrides) -> dict:
    """Starts the brokerage and custody attestors as processes (`rat-attestor run`) in `folder`, each with its
    own keystore, its own SQLite record and its own vendor (`sims`: broker URL, custodian URL); `overrides`
    change a role's config, e.g. custody={"confirmations": 3} or brokerage={"limits": {"max_daily_shares": 8}}."""
    import yaml

    from attestor.local import AttestorProcess, write_attestor_config

    procs = {}
    for role, vendor in zip(("brokerage", "custody"), sims):
        path = write_attestor_config(
            folder / f"{role}-attestor.yaml", role=role, rpc_url=rpc_url, chain_id=chain_id, minter=minter,
            keystore=keys_folder / f"{role}.json", passphrase_env=f"RAT_TEST_{role.upper()}_PASS",
            vendor_url=vendor, assets={token: "AAPL"}, pki=pki, database=folder / f"{role}-attestor.db")
        data = yaml.safe_load(path.read_text())
        for key, value in overrides.get(role, {}).items():
            if key == "limits":
                data["assets"][token].update(value)
            else:
                data[key] = value
        path.write_text(yaml.safe_dump(data))
        env = {f"RAT_TEST_{role.upper()}_PASS": PASSPHRASES[role], "APCA_API_KEY_ID": "sim",
               "APCA_API_SECRET_KEY": "sim"}
        procs[role] = AttestorProcess(path, env, folder / f"{role}-attestor.log")
        procs[role].spawn()
    try:
        for proc in procs.values():
            proc.ready()
    except Exception:
        for proc in procs.values():
            proc.stop()
        raise
    return procs


@pytest.fixture(scope="module")
def module_sims(token):
    """A simulated broker and custodian shared by a module whose tests reset them (`/_sim/reset`)."""
    from simproc import sim_service

    with sim_service("broker", "--price", "AAPL=190") as broker, sim_service("custodian") as custodian:
        yield broker, custodian


@pytest.fixture(scope="module")
def module_attestor_launcher(tmp_path_factory, deployment, module_sims, relayer_keys, rpc_url, token, chain,
                             attestor_pki):
    """`launch(**overrides)`: a pair of attestor processes on the module's simulated vendors (the caller stops
    them)."""
    ms, _ = deployment

    def launch(**overrides) -> dict:
        return launch_attestors(tmp_path_factory.mktemp("attestors"), module_sims, ms.minter.address,
                                relayer_keys[0], rpc_url, chain.chain_id, token.address, attestor_pki, **overrides)

    return launch


@pytest.fixture(scope="module")
def module_attestors(module_attestor_launcher):
    """One pair of attestor processes for a module (starting processes dominates such a module's run time)."""
    procs = module_attestor_launcher()
    yield procs
    for proc in procs.values():
        proc.stop()


@pytest.fixture
def start_attestors(tmp_path_factory, deployment, fresh_sims, relayer_keys, rpc_url, token, chain, attestor_pki):
    """`start(**overrides)` launches a pair of attestors on this test's simulated vendors; stopped afterwards."""
    ms, _ = deployment
    folder, _ = relayer_keys
    started: list = []

    def start(**overrides) -> dict:
        procs = launch_attestors(tmp_path_factory.mktemp("attestors"), fresh_sims, ms.minter.address, folder,
                                 rpc_url, chain.chain_id, token.address, attestor_pki, **overrides)
        started.extend(procs.values())
        return procs

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def attestors(start_attestors) -> dict:
    return start_attestors()


@pytest.fixture
def relayer_config(tmp_path, deployment, fresh_sims, relayer_keys, rpc_url, token, chain, attestors,
                   attestor_pki):
    """A daemon config on a fresh SQLite database, reading from the current block on; the relayer holds only the
    submitter key and asks the attestor processes for signatures over mutual TLS."""
    import yaml

    ms, _ = deployment
    folder, keys = relayer_keys
    broker, custodian = fresh_sims
    config = {
        "network": "anvil",
        "rpc_url": rpc_url,
        "chain_id": chain.chain_id,
        "minter": ms.minter.address,
        "database_url": f"sqlite:///{tmp_path / 'relayer.db'}",
        "market_calendar": "always-open",
        "assets": {token.address: {"symbol": "AAPL"}},
        "signers": {"sender": {"type": "keystore", "path": str(folder / "sender.json"),
                               "passphrase_env": "RAT_TEST_SENDER_PASS"}},
        "attestors": {
            **{role: {"url": attestors[role].url, "address": keys[role]} for role in ("brokerage", "custody")},
            "client_cert": str(attestor_pki.relayer.cert), "client_key": str(attestor_pki.relayer.key),
            "server_ca": str(attestor_pki.ca),
        },
        "brokerage": {"adapter": "alpaca", "options": {"base_url": broker}},
        "custody": {"adapter": "sim-custodian", "options": {"base_url": custodian}},
        "watcher": {"confirmations": 0, "start_block": chain.blocks.head.number},
        "sender": {"rebroadcast_after": 2, "replace_after": 6},
        "saga": {"poll_interval": 0.1, "min_backoff": 0.1, "max_backoff": 1.0},
        "http": {"port": 0},
        "poll_interval": 0.1,
        "lease_ttl": 5,
    }
    path = tmp_path / "relayer.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(autouse=True)
def _alpaca_env(monkeypatch):
    monkeypatch.setenv("APCA_API_KEY_ID", "sim")
    monkeypatch.setenv("APCA_API_SECRET_KEY", "sim")
