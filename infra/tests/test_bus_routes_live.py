"""The NATS servers' start command (rat_infra/bus.py) run as it is, with real nats-server processes on this machine
and bundles from rat_infra/route_tls.py: servers sharing the stack's bundle form a route and carry messages; a peer
with another CA's certificate, a certificate for other names, or no TLS at all is refused. Skipped where no
nats-server binary is installed (Debian: `apt-get install nats-server`)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nats
import pytest
from rat_infra.bus import BUS_TLS_VARIABLES, ROUTE_TLS_VARIABLES, ServerLayout, server_command
from rat_infra.bus_tls import issue_bus_bundle
from rat_infra.route_tls import issue_bundle

pytestmark = pytest.mark.skipif(shutil.which("nats-server") is None, reason="no nats-server binary installed")

TOKEN = "route-test-token"
ROUTE_UP = "Route connection created"
WAIT_S = 15


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class Cluster:
    """Two servers on this machine, each with its own ports and directories, naming each other `localhost`."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        ports = _free_ports(4)
        self.client_ports, self.cluster_ports = ports[:2], ports[2:]
        self.logs: list[Path] = []
        # Clients reach the servers over TLS (test_bus_client_tls_live.py); here they only carry test messages.
        self.bus_bundle = issue_bus_bundle("localhost")
        (tmp / "bus-ca.pem").write_text(self.bus_bundle["ca"])
        self.client_tls = ssl.create_default_context(cafile=str(tmp / "bus-ca.pem"))

    def layout(self, node: int) -> ServerLayout:
        for name in ("data", "scratch"):
            (self.tmp / f"{name}-{node}").mkdir(exist_ok=True)
        return ServerLayout(
            namespace="unused", client_port=self.client_ports[node], cluster_port=self.cluster_ports[node],
            data_dir=str(self.tmp / f"data-{node}"), scratch_dir=str(self.tmp / f"scratch-{node}"),
            peer_host="localhost", peer_ports=tuple(self.cluster_ports),
        )

    @contextmanager
    def server(self, node: int, bundle: dict[str, str]) -> Iterator[Path]:
        """The production command for `node` of two, with the bundle and token as ECS would pass them."""
        env = {**os.environ, "NATS_TOKEN": TOKEN, **{v: bundle[part] for v, part in ROUTE_TLS_VARIABLES.items()},
               **{v: self.bus_bundle[part] for v, part in BUS_TLS_VARIABLES.items()}}
        yield from self._run(node, server_command(node, 2, self.layout(node)), env)

    @contextmanager
    def plaintext_server(self, node: int) -> Iterator[Path]:
        """A server that dials the cluster's routes without TLS."""
        other = self.cluster_ports[1 - node]
        command = ["nats-server", "--port", str(self.client_ports[node]), "--cluster_name", "rat",
                   "--cluster", f"nats://127.0.0.1:{self.cluster_ports[node]}",
                   "--routes", f"nats-route://localhost:{other}", "--auth", TOKEN]
        yield from self._run(node, command, dict(os.environ))

    def crosses(self, publish: int, subscribe: int) -> bool:
        """Whether a message published on server `publish` reaches a subscriber on server `subscribe`."""
        return asyncio.run(_crosses(self.client_ports[publish], self.client_ports[subscribe], self.client_tls))

    def _run(self, node: int, command: list[str], env: dict[str, str]) -> Iterator[Path]:
        log = self.tmp / f"server-{node}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("w") as out:
            process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_for(lambda: "Listening for route connections" in log.read_text(), f"server {node} to start", log)
            yield log
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_for(condition, what: str, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; log:\n{log.read_text()}")


async def _crosses(publish_port: int, subscribe_port: int, tls: ssl.SSLContext | None) -> bool:
    """Whether a message published on one server reaches a subscriber on the other."""
    sub_conn = await nats.connect(f"tls://localhost:{subscribe_port}", token=TOKEN, tls=tls)
    pub_conn = await nats.connect(f"tls://localhost:{publish_port}", token=TOKEN, tls=tls)
    try:
        sub = await sub_conn.subscribe("route.check")
        await sub_conn.flush()
        await asyncio.sleep(0.5)  # let the interest travel over the route, if there is one
        await pub_conn.publish("route.check", b"over the route")
        await pub_conn.flush()
        try:
            msg = await sub.next_msg(timeout=2)
        except asyncio.TimeoutError:
            return False
        return msg.data == b"over the route"
    finally:
        await pub_conn.close()
        await sub_conn.close()


def _refused(logs: list[Path]) -> bool:
    """A route attempt reached the TLS layer and failed (the servers keep retrying; one failure is enough)."""
    return any("tls" in line.lower() and "[ERR]" in line for log in logs for line in log.read_text().splitlines())


@pytest.fixture
def cluster(tmp_path: Path) -> Cluster:
    return Cluster(tmp_path)


def test_servers_sharing_the_stacks_bundle_form_a_tls_route_and_carry_messages(cluster: Cluster):
    bundle = issue_bundle(["localhost"])
    with cluster.server(0, bundle) as log0, cluster.server(1, bundle) as log1:
        # The log line comes at the TCP accept; messages crossing both ways are the proof.
        _wait_for(lambda: ROUTE_UP in log0.read_text() and ROUTE_UP in log1.read_text(), "the route", log0)
        _wait_for(lambda: cluster.crosses(0, 1), "0 -> 1", log0)
        _wait_for(lambda: cluster.crosses(1, 0), "1 -> 0", log1)
        assert not _refused([log0, log1])


def test_a_peer_with_another_cas_certificate_is_refused(cluster: Cluster):
    with cluster.server(0, issue_bundle(["localhost"])) as log0, \
            cluster.server(1, issue_bundle(["localhost"])) as log1:
        _wait_for(lambda: _refused([log0, log1]), "a refused TLS route", log0)
        assert not cluster.crosses(0, 1)


def test_a_certificate_for_other_names_is_refused_even_from_the_same_ca(cluster: Cluster):
    bundle = issue_bundle(["*.other.rat.internal"])
    with cluster.server(0, bundle) as log0, cluster.server(1, bundle) as log1:
        _wait_for(lambda: _refused([log0, log1]), "a refused TLS route", log0)
        assert not cluster.crosses(0, 1)


def test_a_plaintext_peer_cannot_join(cluster: Cluster):
    with cluster.server(0, issue_bundle(["localhost"])) as log0, cluster.plaintext_server(1) as log1:
        _wait_for(lambda: _refused([log0, log1]), "a refused plaintext route", log0)
        assert not cluster.crosses(1, 0)


def _route_session_survives(port: int, bundle: dict[str, str], tmp: Path, with_certificate: bool) -> bool:
    """Opens the route port as a TLS client trusting the stack's CA, with or without the route certificate: whether
    the server keeps the session (it waits for the route's CONNECT) rather than ending the handshake."""
    (tmp / "ca.pem").write_text(bundle["ca"])
    context = ssl.create_default_context(cafile=str(tmp / "ca.pem"))
    if with_certificate:
        (tmp / "cert.pem").write_text(bundle["cert"])
        (tmp / "key.pem").write_text(bundle["key"])
        context.load_cert_chain(str(tmp / "cert.pem"), str(tmp / "key.pem"))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:  # a TLS route starts with the handshake
            tls.settimeout(1)
            try:
                return tls.recv(1) != b""
            except TimeoutError:
                return True
            except (ssl.SSLError, ConnectionResetError):
                return False


def test_the_route_port_refuses_a_tls_client_that_presents_no_certificate(cluster: Cluster, tmp_path: Path):
    bundle = issue_bundle(["localhost"])
    with cluster.server(0, bundle):
        port = cluster.cluster_ports[0]
        assert _route_session_survives(port, bundle, tmp_path, with_certificate=True)
        assert not _route_session_survives(port, bundle, tmp_path, with_certificate=False)
