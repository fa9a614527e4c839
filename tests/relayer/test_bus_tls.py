"""TLS to the bus from the relayer's side (relayer/events/bus_tls.py): `events.nats_tls_ca` is resolved like the
config's other paths and a missing or unusable CA file is a ConfigError naming it; the TLS context trusts that CA
alone and checks host names; the token is never written to a server that did not upgrade to TLS; config-check
says how the bus is protected. The live half (a real nats-server with the stack's command) is
infra/tests/test_bus_client_tls_live.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import ssl
from pathlib import Path

import pytest
import yaml

import relayer.store  # noqa: F401  (imported before the outbox, which it imports back)
from relayer.config import EXAMPLE, EventsConfig, RelayerConfig
from relayer.config_report import bus_transport
from relayer.config_source import ConfigSource
from relayer.errors import ConfigError
from relayer.events.bus_tls import bus_tls_context, wants_tls
from relayer.events.publisher import JetStreamPublisher, connect_bus

CONFIG = "RAT_CONFIG_YAML"
TOKEN = "token-that-must-stay-encrypted"


@pytest.fixture(scope="module")
def ca_pem() -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test bus CA")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _load_file_config(tmp_path: Path, events: dict) -> RelayerConfig:
    data = yaml.safe_load(EXAMPLE)
    data["events"] = events
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    return RelayerConfig.load(path, {})


def test_a_relative_ca_path_is_resolved_against_the_config_files_folder(tmp_path: Path):
    config = _load_file_config(tmp_path, {"nats_url": "tls://bus:4222", "nats_tls_ca": "bus-ca.pem"})
    assert config.events.nats_tls_ca == tmp_path / "bus-ca.pem"


def test_a_relative_ca_path_in_a_config_from_the_environment_is_refused():
    data = yaml.safe_load(EXAMPLE)
    data["events"] = {"nats_url": "tls://bus:4222", "nats_tls_ca": "bus-ca.pem"}
    for key in ("client_cert", "client_key", "server_ca"):  # every other path absolute, as a cloud config has them
        data["attestors"][key] = f"/tmp/tls/{key}.pem"
    data["signers"]["sender"]["path"] = "/keys/sender.json"
    with pytest.raises(ConfigError, match="events.nats_tls_ca"):
        RelayerConfig.load(ConfigSource(env=CONFIG), {CONFIG: yaml.safe_dump(data)})


def test_a_ca_without_a_bus_is_refused(tmp_path: Path):
    with pytest.raises(ConfigError, match="nats_tls_ca is set but no bus is"):
        _load_file_config(tmp_path, {"nats_tls_ca": "/tmp/bus-ca.pem"})


def test_a_missing_ca_file_is_a_config_error_naming_it(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"events.nats_tls_ca: .*missing.pem does not exist"):
        bus_tls_context("tls://bus:4222", tmp_path / "missing.pem")


def test_a_ca_file_without_a_certificate_is_a_config_error_naming_it(tmp_path: Path):
    (tmp_path / "bus-ca.pem").write_text("not a certificate\n")
    with pytest.raises(ConfigError, match=r"events.nats_tls_ca: .*bus-ca.pem holds no PEM CA certificate"):
        bus_tls_context("tls://bus:4222", tmp_path / "bus-ca.pem")


def test_an_unreadable_ca_file_is_a_config_error_naming_it(tmp_path: Path, ca_pem: str):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = tmp_path / "bus-ca.pem"
    path.write_text(ca_pem)
    path.chmod(0)
    with pytest.raises(ConfigError, match=r"events.nats_tls_ca: .*bus-ca.pem is not readable"):
        bus_tls_context("tls://bus:4222", path)


def test_the_publisher_built_from_config_reports_a_missing_ca_before_connecting(tmp_path: Path):
    events = EventsConfig(nats_url="tls://bus:4222", nats_tls_ca=tmp_path / "missing.pem")
    with pytest.raises(ConfigError, match="events.nats_tls_ca"):
        JetStreamPublisher.from_config(events, "testnet")


def test_the_context_trusts_only_the_named_ca_and_checks_host_names(tmp_path: Path, ca_pem: str):
    (tmp_path / "bus-ca.pem").write_text(ca_pem)
    context = bus_tls_context("tls://bus:4222", tmp_path / "bus-ca.pem")
    assert context is not None
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "test bus CA"),),)]
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2


def test_a_tls_url_without_a_ca_verifies_against_the_system_store():
    context = bus_tls_context("nats://a:4222,tls://b:4222", None)
    assert context is not None and context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_a_plain_url_without_a_ca_stays_plaintext():
    assert bus_tls_context("nats://127.0.0.1:4222", None) is None
    assert not wants_tls("nats://127.0.0.1:4222", None)


def test_config_check_says_how_the_bus_is_protected():
    assert bus_transport("tls://b:4222", Path("/tmp/tls/bus-ca.pem")) == (
        "TLS verified against the bus CA /tmp/tls/bus-ca.pem")
    assert bus_transport("tls://b:4222", None) == "TLS verified against the system trust store"
    assert bus_transport("nats://b:4222", None).startswith("plaintext")


def test_the_token_is_not_sent_to_a_server_that_does_not_upgrade_to_tls(ca_pem: str, tmp_path: Path):
    """An impostor on the bus's address answers in clear (INFO without tls_required): nats-py would skip the TLS
    upgrade and write CONNECT with the token; the token callback refuses instead, so the token never leaves."""
    received = bytearray()

    async def impostor(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        info = {"server_id": "x", "version": "2.9.10", "proto": 1, "max_payload": 1048576, "auth_required": True}
        writer.write(f"INFO {json.dumps(info)}\r\n".encode())
        await writer.drain()
        try:
            while chunk := await asyncio.wait_for(reader.read(4096), 2):
                received.extend(chunk)
        except (asyncio.TimeoutError, ConnectionError):
            pass
        writer.close()

    async def attempt() -> None:
        server = await asyncio.start_server(impostor, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        (tmp_path / "bus-ca.pem").write_text(ca_pem)
        context = bus_tls_context(f"tls://127.0.0.1:{port}", tmp_path / "bus-ca.pem")
        try:
            with pytest.raises(Exception):  # noqa: B017, PT011  (nats-py wraps the refusal variously)
                nc = await connect_bus(f"tls://127.0.0.1:{port}", TOKEN, context, 2)
                await nc.close()
            await asyncio.sleep(0.2)
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(attempt())
    assert TOKEN.encode() not in received
