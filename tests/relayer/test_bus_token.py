"""The bus publisher presents the token named by `events.nats_token_env` to a real nats-server started with
`--auth TOKEN` (as the stack's servers are, rat_infra/bus.py): with it events reach the stream; without it, or with
another, the server refuses the connection and `rat-relayer doctor` says which token was refused. Skipped where no
nats-server binary is installed (Debian: `apt-get install nats-server`)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import relayer.store  # noqa: F401  (imported before the outbox, which it imports back)
from relayer.config import EXAMPLE, RelayerConfig
from relayer.config_source import ConfigSource
from relayer.events.outbox import OutboxEvent
from relayer.events.publisher import JetStreamPublisher, subject_for

pytestmark = pytest.mark.skipif(shutil.which("nats-server") is None, reason="no nats-server binary installed")

TOKEN = "bus-token-under-test"
CONFIG = "RAT_CONFIG_YAML"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def bus_url(tmp_path: Path) -> Iterator[str]:
    """A JetStream server of this test's own that requires TOKEN."""
    port = _free_port()
    log = tmp_path / "nats.log"
    with log.open("w") as out:
        process = subprocess.Popen(["nats-server", "--jetstream", "--store_dir", str(tmp_path / "js"), "--addr",
                                    "127.0.0.1", "--port", str(port), "--auth", TOKEN], stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while "Server is ready" not in log.read_text():
            if time.monotonic() > deadline or process.poll() is not None:
                raise AssertionError(f"nats-server did not start:\n{log.read_text()}")
            time.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def config(bus_url: str, token: str | None) -> RelayerConfig:
    """A config that names the bus and its token by variable, loaded as a cloud task loads it."""
    data = yaml.safe_load(EXAMPLE)
    data["events"] = {"nats_url_env": "RAT_NATS_URL", **({"nats_token_env": "RAT_NATS_TOKEN"} if token else {})}
    for key in ("client_cert", "client_key", "server_ca"):
        data["attestors"][key] = f"/tmp/tls/{key}.pem"
    data["signers"]["sender"]["path"] = "/keys/sender.json"
    environ = {CONFIG: yaml.safe_dump(data), "RAT_NATS_URL": bus_url, **({"RAT_NATS_TOKEN": token} if token else {})}
    return RelayerConfig.load(ConfigSource(env=CONFIG), environ)


def event() -> OutboxEvent:
    return OutboxEvent(cursor=1, event_id="evt-token-1", topic="requests.created", trace_id="t" * 32,
                       request_id=None, payload={"n": 1}, created_at=time.time())


async def _publish_and_read(publisher: JetStreamPublisher, bus_url: str) -> bytes:
    import nats

    await publisher.publish(event())
    await publisher.close()
    reader = await nats.connect(bus_url, token=TOKEN)
    try:
        message = await reader.jetstream().get_last_msg(publisher.stream, subject_for("local", "requests.created"))
        return message.data
    finally:
        await reader.close()


def test_the_publisher_presents_the_token_from_the_variable_the_config_names(bus_url: str):
    publisher = JetStreamPublisher.from_config(config(bus_url, TOKEN).events, "local")
    assert b'"id":"evt-token-1"' in asyncio.run(_publish_and_read(publisher, bus_url))


def test_a_publisher_without_the_token_is_refused_by_the_server(bus_url: str):
    publisher = JetStreamPublisher.from_config(config(bus_url, None).events, "local")
    with pytest.raises(Exception, match="Authorization Violation"):
        asyncio.run(publisher.connect())


def test_a_publisher_with_another_token_is_refused_by_the_server(bus_url: str):
    publisher = JetStreamPublisher.from_config(config(bus_url, "not-the-token").events, "local")
    with pytest.raises(Exception, match="Authorization Violation"):
        asyncio.run(publisher.connect())


def test_doctor_says_the_bus_refused_the_token_and_which_variable_held_it(bus_url: str):
    from relayer.doctor import _bus_checks

    problems: list[tuple[str, str]] = []
    asyncio.run(_bus_checks(config(bus_url, "not-the-token"), lambda _: None, lambda m, h: problems.append((m, h))))
    ((message, hint),) = problems
    assert "refuses the token in $RAT_NATS_TOKEN" in message and "--auth token" in hint


def test_doctor_reaches_the_bus_with_the_right_token(bus_url: str):
    from relayer.doctor import _bus_checks

    problems: list[str] = []
    passed: list[str] = []
    asyncio.run(_bus_checks(config(bus_url, TOKEN), passed.append, lambda m, h: problems.append(m)))
    assert problems == [] and passed and "JetStream" in passed[0]
