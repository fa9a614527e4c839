"""Bus clients reach NATS over TLS only (ADR 0042): what the declared stacks hand each server (the client port's
certificate from the `nats-client-tls` secret, TLS required) and the URL the clients are given.
infra/tests/test_bus_client_tls_live.py runs the same command against a real nats-server."""

from __future__ import annotations

import json
import shlex
from typing import Any

from infra_queries import DeclaredStack, readable_secrets
from rat_infra.bus import BUS_TLS_VARIABLES, SCRATCH_DIR
from rat_infra.offline import mock_arn


def _nats_containers(stack: DeclaredStack) -> list[dict[str, Any]]:
    return [json.loads(t.inputs["containerDefinitions"])[0]
            for t in stack.of("aws:ecs/taskDefinition:TaskDefinition") if "-nats-" in t.inputs["family"]]


def _client_tls_arn(stack: DeclaredStack) -> str:
    return mock_arn("aws:secretsmanager/secret:Secret", f"{stack.settings.prefix}-nats-client-tls")


def test_every_server_reads_the_client_port_certificate_and_key_but_not_the_ca(stack: DeclaredStack):
    arn = _client_tls_arn(stack)
    containers = _nats_containers(stack)
    assert len(containers) == stack.settings.bus.nodes
    for container in containers:
        secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
        assert {v: secrets[v] for v in BUS_TLS_VARIABLES} == {v: f"{arn}:{p}::" for v, p in BUS_TLS_VARIABLES.items()}
        assert f"{arn}:ca::" not in secrets.values()


def test_every_server_serves_clients_with_that_certificate_from_task_scratch(stack: DeclaredStack):
    for container in _nats_containers(stack):
        script = container["command"][-1]
        start = shlex.split(script.splitlines()[-1])
        assert start[start.index("--tlscert") + 1] == f"{SCRATCH_DIR}/bus-cert.pem"
        assert start[start.index("--tlskey") + 1] == f"{SCRATCH_DIR}/bus-key.pem"
        assert script.index("umask 077") < script.index(f"> {SCRATCH_DIR}/bus-key.pem") < script.index("exec ")


def test_no_server_lets_a_client_skip_tls(stack: DeclaredStack):
    for container in _nats_containers(stack):
        assert "allow_non_tls" not in container["command"][-1]
        assert "--tlsverify" not in container["command"][-1]  # clients authenticate with the token, not certificates


def test_the_bus_tls_secret_is_declared_under_the_stack_prefix(stack: DeclaredStack):
    names = {s.inputs["name"] for s in stack.of("aws:secretsmanager/secret:Secret")}
    assert f"{stack.settings.prefix}/nats-client-tls" in names


def test_the_servers_and_clients_may_read_the_bus_tls_secret(prod: DeclaredStack):
    arn = _client_tls_arn(prod)
    assert arn in readable_secrets(prod)
