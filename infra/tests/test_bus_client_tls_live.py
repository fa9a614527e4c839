"""The NATS server's start command (rat_infra/bus.py) run as it is, with a real nats-server process and a bundle from
rat_infra/bus_tls.py, and the relayer's own publisher as the client: the publisher reaches it over TLS with the
token and the stack's bus CA and publishes; a plaintext client is refused; a publisher trusting another CA refuses
the server, and so does one that reaches the server under a name its certificate does not cover; `rat-relayer
doctor` says which of the two it found. Skipped where no
nats-server binary is installed (Debian: `apt-get install nats-server`)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rat_infra.bus import BUS_TLS_VARIABLES, ServerLayout, server_command
from rat_infra.bus_tls import issue_bus_bundle

# relayer.config first: importing the publisher alone runs into the store's import of the outbox.
pytest.importorskip("relayer.config", reason="the services are not installed (infra-only venv)")

from relayer.config import EventsConfig  # noqa: E402
from relayer.events.outbox import OutboxEvent  # noqa: E402
from relayer.events.publisher import JetStreamPublisher  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("nats-server") is None, reason="no nats-server binary installed")

TOKEN = "client-tls-test-token"
WAIT_S = 15


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def bundle() -> dict[str, str]:
    return issue_bus_bundle("localhost")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, bundle: dict[str, str]) -> Iterator[int]:
    """One server started with the stack's command (one node: no routes), the bundle and token as ECS passes them;
    yields its client port."""
    tmp = tmp_path_factory.mktemp("bus")
    for name in ("data", "scratch"):
        (tmp / name).mkdir()
    port = _free_port()
    layout = ServerLayout(namespace="unused", client_port=port, data_dir=str(tmp / "data"),
                          scratch_dir=str(tmp / "scratch"))
    env = {**os.environ, "NATS_TOKEN": TOKEN, **{v: bundle[part] for v, part in BUS_TLS_VARIABLES.items()}}
    log = tmp / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(server_command(0, 1, layout), env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + WAIT_S
        while "Server is ready" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _ca_file(tmp: Path, pem: str) -> Path:
    path = tmp / "bus-ca.pem"
    path.write_text(pem)
    return path


def _publisher(url: str, ca: Path | None, tmp: Path) -> JetStreamPublisher:
    """Built as `rat-relayer api` builds it, from an `events` config section."""
    events = EventsConfig.model_validate(
        {"nats_url": url, "nats_token_env": "BUS_TOKEN", **({"nats_tls_ca": str(ca)} if ca else {})},
        context={"environ": {"BUS_TOKEN": TOKEN}})
    return JetStreamPublisher.from_config(events, "testnet")


def _event() -> OutboxEvent:
    return OutboxEvent(cursor=1, event_id="evt-1", topic="kyc.approved", trace_id="trace-1", request_id=None,
                       created_at=0.0, payload={"k": "v"})


async def _publish(publisher: JetStreamPublisher) -> None:
    try:
        await publisher.publish(_event())
    finally:
        await publisher.close()


def test_the_publisher_reaches_the_bus_over_tls_with_the_token_and_the_stacks_ca(server: int, bundle, tmp_path):
    publisher = _publisher(f"tls://localhost:{server}", _ca_file(tmp_path, bundle["ca"]), tmp_path)
    asyncio.run(_publish(publisher))


def test_the_bus_refuses_a_plaintext_client(server: int):
    # nats-py would upgrade, since the server asks for TLS; a client that does not (a raw socket speaking the
    # protocol in clear, token included) gets no PONG: the server closes the connection instead.
    with socket.create_connection(("127.0.0.1", server), timeout=5) as raw:
        info = raw.recv(4096)
        assert b'"tls_required":true' in info
        raw.sendall(f'CONNECT {{"auth_token":"{TOKEN}","verbose":false}}\r\nPING\r\n'.encode())
        raw.settimeout(5)
        answer = b""
        try:
            while chunk := raw.recv(4096):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
        assert b"PONG" not in answer


def test_the_publisher_refuses_a_server_whose_certificate_another_ca_signed(server: int, tmp_path):
    other_ca = issue_bus_bundle("localhost")["ca"]
    publisher = _publisher(f"tls://localhost:{server}", _ca_file(tmp_path, other_ca), tmp_path)
    with pytest.raises(Exception) as refused:
        asyncio.run(_publish(publisher))
    assert "CERTIFICATE_VERIFY_FAILED" in repr(refused.value) or "certificate verify failed" in str(refused.value)


def test_the_publisher_refuses_a_server_reached_under_a_name_its_certificate_does_not_cover(server: int, bundle,
                                                                                             tmp_path):
    publisher = _publisher(f"tls://127.0.0.1:{server}", _ca_file(tmp_path, bundle["ca"]), tmp_path)
    with pytest.raises(Exception) as refused:
        asyncio.run(_publish(publisher))
    assert "CERTIFICATE_VERIFY_FAILED" in repr(refused.value) or "mismatch" in str(refused.value)


def _doctor(url: str, ca: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """`rat-relayer doctor`'s bus checks for an `events` section naming `url`, the token and `ca`."""
    from types import SimpleNamespace

    from relayer.doctor import _bus_checks

    events = EventsConfig.model_validate({"nats_url": url, "nats_token_env": "BUS_TOKEN", "nats_tls_ca": str(ca)},
                                         context={"environ": {"BUS_TOKEN": TOKEN}})
    passed: list[str] = []
    problems: list[tuple[str, str]] = []
    asyncio.run(_bus_checks(SimpleNamespace(events=events, network="testnet"), passed.append,
                            lambda m, h: problems.append((m, h))))
    return passed, problems


def test_doctor_says_the_bus_is_tls_verified_against_the_bus_ca(server: int, bundle, tmp_path):
    ca = _ca_file(tmp_path, bundle["ca"])
    passed, problems = _doctor(f"tls://localhost:{server}", ca)
    assert problems == []
    assert f"TLS, the server's certificate and name verified against the bus CA {ca}" in passed[0]


def test_doctor_says_the_bus_certificate_does_not_verify_against_another_ca(server: int, tmp_path):
    ca = _ca_file(tmp_path, issue_bus_bundle("localhost")["ca"])
    _, problems = _doctor(f"tls://localhost:{server}", ca)
    ((message, hint),) = problems
    assert f"presents a certificate the bus CA {ca} does not verify" in message and "nats_tls_ca" in hint
