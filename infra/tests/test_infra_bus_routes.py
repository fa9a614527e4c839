"""NATS cluster routes are TLS with both ends verified against the stack's own route CA (ADR 0042): what the declared
stacks hand each server. tests/ops/test_nats_route_tls.py runs the same command against real nats-server processes."""

from __future__ import annotations

import json
from typing import Any

from infra_queries import DeclaredStack, readable_secrets
from rat_infra.bus import ROUTE_TLS_VARIABLES, SCRATCH_DIR
from rat_infra.offline import mock_arn


def _nats_containers(stack: DeclaredStack) -> list[dict[str, Any]]:
    """The NATS servers' containers in node order (family `<prefix>-nats-<node>`)."""
    tasks = {
        int(t.inputs["family"].rsplit("-", 1)[1]): t
        for t in stack.of("aws:ecs/taskDefinition:TaskDefinition")
        if "-nats-" in t.inputs["family"]
    }
    assert sorted(tasks) == list(range(stack.settings.bus.nodes))
    return [json.loads(tasks[node].inputs["containerDefinitions"])[0] for node in sorted(tasks)]


def _route_secret_arn(stack: DeclaredStack) -> str:
    return mock_arn("aws:secretsmanager/secret:Secret", f"{stack.settings.prefix}-nats-route-tls")


def test_every_clustered_server_reads_each_part_of_the_route_bundle_from_the_stacks_secret(prod: DeclaredStack):
    arn = _route_secret_arn(prod)
    for container in _nats_containers(prod):
        secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
        for variable, part in ROUTE_TLS_VARIABLES.items():
            assert secrets[variable] == f"{arn}:{part}::"


def test_every_clustered_server_verifies_its_peers_on_routes_named_by_cloud_map(prod: DeclaredStack):
    namespace = f"{prod.settings.stack}.rat.internal"
    for node, container in enumerate(_nats_containers(prod)):
        script = container["command"][-1]
        assert "verify: true" in script
        assert "--config /run/nats/nats.conf" in script
        peers = [f"nats-route://nats-{i}.{namespace}:6222" for i in range(prod.settings.bus.nodes) if i != node]
        assert all(peer in script for peer in peers)


def test_the_route_key_is_written_to_task_scratch_storage_not_to_the_jetstream_store(prod: DeclaredStack):
    for task in (t for t in prod.of("aws:ecs/taskDefinition:TaskDefinition") if "-nats-" in t.inputs["family"]):
        (container,) = json.loads(task.inputs["containerDefinitions"])
        assert container["readonlyRootFilesystem"] is True
        mounts = {m["containerPath"]: m["sourceVolume"] for m in container["mountPoints"]}
        (scratch,) = [v for v in task.inputs["volumes"] if v["name"] == mounts[SCRATCH_DIR]]
        assert "efsVolumeConfiguration" not in scratch and "hostPath" not in scratch
        assert f"> {SCRATCH_DIR}/route-key.pem" in container["command"][-1]


def test_a_single_server_opens_no_route_and_needs_no_route_bundle(staging: DeclaredStack):
    assert staging.settings.bus.nodes == 1
    (container,) = _nats_containers(staging)
    assert not set(ROUTE_TLS_VARIABLES) & {s["name"] for s in container["secrets"]}
    assert "cluster" not in container["command"][-1]


def test_the_servers_may_read_the_route_bundle_secret(prod: DeclaredStack):
    arn = _route_secret_arn(prod)
    assert arn in readable_secrets(prod)
