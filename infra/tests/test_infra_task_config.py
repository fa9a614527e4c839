"""Each workload's task definition hands its container what its service reads (rat_infra/task_env.py): its YAML
config from its own `config/<workload>` secret through `--config-env RAT_CONFIG_YAML`, the RPC URL, and — except
for the attestors, which keep to their own record — the bus URL and token and its database host and user; a
mutual-TLS workload gets its bundle as files, a vendor-calling one its credentials, and the execution role may read
every secret a container names."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_queries import DeclaredStack, as_list, statements
from rat_infra.offline import mock_arn
from rat_infra.secrets import workload_secrets
from rat_infra.services import db_user
from rat_infra.task_env import (
    CONFIG,
    DB_HOST,
    DB_USER,
    NATS_CA,
    NATS_CA_FILE,
    NATS_TOKEN,
    NATS_URL,
    RPC_URL,
    TLS_DIR,
    TLS_VARIABLES,
    tls_file,
)
from rat_infra.workloads import Workload

SECRET = "aws:secretsmanager/secret:Secret"
TEMPLATES = Path(__file__).resolve().parents[1] / "config"
TASK = "aws:ecs/taskDefinition:TaskDefinition"


def secret_arn(stack: DeclaredStack, name: str) -> str:
    return mock_arn(SECRET, f"{stack.settings.prefix}-{name.replace('/', '-')}")


def container(stack: DeclaredStack, family: str) -> dict[str, Any]:
    task = next(t for t in stack.of(TASK) if t.inputs["family"] == f"{stack.settings.prefix}-{family}")
    return json.loads(task.inputs["containerDefinitions"])[0]


def secrets_of(c: dict[str, Any]) -> dict[str, str]:
    return {s["name"]: s["valueFrom"] for s in c["secrets"]}


def env_of(c: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in c["environment"]}


def started(c: dict[str, Any]) -> str:
    """The command the container runs, as one string (a TLS workload's is the last line of its start script)."""
    command = c["command"]
    return command[-1].splitlines()[-1] if command[0] == "sh" else " ".join(command)


def workloads(stack: DeclaredStack) -> tuple[Workload, ...]:
    return stack.settings.workloads


def test_every_workload_reads_its_config_from_its_own_secret_through_config_env(stack: DeclaredStack):
    for w in workloads(stack):
        c = container(stack, w.name)
        assert f"--config-env {CONFIG}" in started(c), w.name
        assert secrets_of(c)[CONFIG] == secret_arn(stack, f"config/{w.name}"), w.name


def test_every_workloads_config_secret_is_declared_under_the_stack_prefix(stack: DeclaredStack):
    names = {s.inputs["name"] for s in stack.of(SECRET)}
    assert {f"{stack.settings.prefix}/config/{w.name}" for w in workloads(stack)} <= names


def test_every_workload_gets_the_rpc_url_from_the_chain_rpc_url_secret(stack: DeclaredStack):
    for w in workloads(stack):
        assert secrets_of(container(stack, w.name))[RPC_URL] == secret_arn(stack, "chain-rpc-url"), w.name


def test_outbox_publishing_workloads_get_the_bus_url_and_token(stack: DeclaredStack):
    bus = ",".join(f"tls://nats-{i}.{stack.settings.stack}.rat.internal:4222" for i in range(stack.settings.bus.nodes))
    publishers = [w for w in workloads(stack) if w.bus]
    assert {w.command[:2] for w in publishers} <= {("rat-relayer", "api")}
    for w in publishers:
        c = container(stack, w.name)
        assert env_of(c)[NATS_URL] == bus and secrets_of(c)[NATS_TOKEN] == secret_arn(stack, "nats-token"), w.name


def test_database_workloads_get_the_database_host_and_their_own_database_user(stack: DeclaredStack):
    db = f"{stack.settings.prefix}-db.db.internal"  # the mock RDS address
    for w in (w for w in workloads(stack) if w.database):
        env = env_of(container(stack, w.name))
        assert (env[DB_HOST], env[DB_USER]) == (db, db_user(w)), w.name


def test_workloads_without_the_bus_get_neither_its_url_nor_its_token(stack: DeclaredStack):
    for w in (w for w in workloads(stack) if not w.bus):
        c = container(stack, w.name)
        assert NATS_URL not in env_of(c) and NATS_TOKEN not in secrets_of(c), w.name


def test_the_attestors_get_neither_the_bus_nor_the_database(stack: DeclaredStack):
    attestors = [w for w in workloads(stack) if w.service_port is not None]
    assert attestors
    for w in attestors:
        c = container(stack, w.name)
        assert not {NATS_URL, DB_HOST, DB_USER} & set(env_of(c)) and NATS_TOKEN not in secrets_of(c), w.name


def speaks_trp(w: Workload) -> bool:
    """Its config template has a `travel_rule` section: it is a TRP client (the API) or the listener."""
    return "travel_rule" in yaml.safe_load((TEMPLATES / f"{w.name}.yaml").read_text())


def test_mutual_tls_workloads_get_each_part_of_their_bundle_and_write_it_before_the_service_starts(
        stack: DeclaredStack):
    tls = [w for w in workloads(stack) if w.tls]
    assert {w.name for w in tls} == {w.name for w in workloads(stack)
                                     if w.name == "relayer" or w.service_port or speaks_trp(w)}
    for w in tls:
        c = container(stack, w.name)
        arn = secret_arn(stack, f"tls/{w.name}")
        assert all(secrets_of(c)[v] == f"{arn}:{part}::" for v, part in TLS_VARIABLES.items()), w.name
        script = c["command"][-1]
        assert all(f'"${v}" > {tls_file(part)}' in script for v, part in TLS_VARIABLES.items()), w.name
        assert script.index("umask 077") < script.index(f"> {tls_file('key')}") < script.index("exec "), w.name


def test_the_tls_bundle_lands_on_task_scratch_storage(stack: DeclaredStack):
    for w in (w for w in workloads(stack) if w.tls):
        c = container(stack, w.name)
        assert c["readonlyRootFilesystem"] is True
        assert any(TLS_DIR.startswith(m["containerPath"] + "/") and m["sourceVolume"] == "scratch"
                   for m in c["mountPoints"]), w.name


def test_workloads_without_mutual_tls_get_no_bundle(stack: DeclaredStack):
    for w in (w for w in workloads(stack) if not w.tls):
        c = container(stack, w.name)
        assert not set(TLS_VARIABLES) & set(secrets_of(c)), w.name
        assert not any(f"> {tls_file(part)}" in " ".join(c["command"]) for part in TLS_VARIABLES.values()), w.name


def test_bus_clients_get_only_the_ca_of_the_bus_tls_secret_and_write_it_before_the_service_starts(
        stack: DeclaredStack):
    arn = secret_arn(stack, "nats-client-tls")
    for w in (w for w in workloads(stack) if w.bus):
        c = container(stack, w.name)
        assert secrets_of(c)[NATS_CA] == f"{arn}:ca::", w.name
        assert not any(v.startswith(f"{arn}:") for k, v in secrets_of(c).items() if k != NATS_CA), w.name
        script = c["command"][-1]
        assert script.index("umask 077") < script.index(f'"${NATS_CA}" > {NATS_CA_FILE}') < script.index("exec "), \
            w.name


def test_workloads_without_the_bus_get_no_bus_ca(stack: DeclaredStack):
    for w in (w for w in workloads(stack) if not w.bus):
        c = container(stack, w.name)
        assert NATS_CA not in secrets_of(c) and NATS_CA_FILE not in " ".join(c["command"]), w.name


def test_vendor_calling_workloads_get_each_credential_from_their_credentials_secret(stack: DeclaredStack):
    for w in (w for w in workloads(stack) if w.credentials):
        arn = secret_arn(stack, f"credentials/{w.name}")
        secrets = secrets_of(container(stack, w.name))
        assert all(secrets[v] == f"{arn}:{v}::" for v in w.credentials), w.name


def test_workloads_that_speak_trp_get_the_sumsub_credentials_their_travel_rule_section_names(stack: DeclaredStack):
    trp = [w for w in workloads(stack) if speaks_trp(w)]
    assert {w.name for w in trp} == {"api", "travel-rule"}
    for w in trp:
        section = yaml.safe_load((TEMPLATES / f"{w.name}.yaml").read_text())["travel_rule"]
        secrets = secrets_of(container(stack, w.name))
        arn = secret_arn(stack, f"credentials/{w.name}")
        for variable in (section["sumsub_app_token_env"], section["sumsub_secret_key_env"]):
            assert secrets[variable] == f"{arn}:{variable}::", (w.name, variable)


def test_the_daily_purge_reads_the_relayers_config_and_no_tls_bundle_or_credentials(stack: DeclaredStack):
    c = container(stack, "relayer-purge")
    assert secrets_of(c)[CONFIG] == secret_arn(stack, "config/relayer")
    assert set(secrets_of(c)) == {CONFIG, RPC_URL}


def test_the_execution_role_may_read_every_secret_a_workload_container_names(stack: DeclaredStack):
    readable = {
        resource
        for policy in stack.of("aws:iam/rolePolicy:RolePolicy")
        if policy.name == f"{stack.settings.prefix}-execution-secrets"
        for st in statements(policy.inputs["policy"]) if st["Action"] == "secretsmanager:GetSecretValue"
        for resource in as_list(st["Resource"])
    }
    for w in workloads(stack):
        for value in secrets_of(container(stack, w.name)).values():
            # `<arn>:<json-key>::` names one key of a JSON secret; the role needs the secret itself
            arn = value.removesuffix("::").rsplit(":", 1)[0] if value.endswith("::") else value
            assert arn in readable, (w.name, value)


def test_workload_secrets_are_named_for_their_workload():
    from rat_infra.stack_files import load_stack_settings

    names = workload_secrets(load_stack_settings("prod"))
    assert {"config/relayer", "tls/relayer", "credentials/relayer", "config/api", "tls/brokerage-attestor",
            "config/travel-rule", "tls/travel-rule", "credentials/travel-rule"} <= set(names)
    assert "tls/kyc-operator" not in names


def test_every_attestor_of_a_platform_stack_is_found_by_its_name_in_the_stacks_namespace(stack: DeclaredStack):
    if stack.settings.deploys != "platform":
        pytest.skip("the custodian's stack has no namespace")
    (namespace,) = stack.of("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace")
    assert namespace.inputs["name"] == f"{stack.settings.stack}.rat.internal"
    registries = {s.name: s for s in stack.of("aws:servicediscovery/service:Service")}
    for w in (w for w in workloads(stack) if w.service_port is not None):
        registry = registries[f"{stack.settings.prefix}-{w.name}"]
        assert registry.inputs["name"] == w.name
        assert registry.inputs["dnsConfig"]["namespaceId"] == namespace.id
        service = next(s for s in stack.of("aws:ecs/service:Service") if s.name == f"{stack.settings.prefix}-{w.name}")
        assert service.inputs["serviceRegistries"]["registryArn"] == mock_arn(
            "aws:servicediscovery/service:Service", f"{stack.settings.prefix}-{w.name}")


def test_the_relayer_template_reaches_the_attestors_by_their_registered_names():
    import yaml
    from rat_infra.workloads import ATTESTOR_PORT

    template = yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "relayer.yaml").read_text())
    for role in ("brokerage", "custody"):
        assert re.fullmatch(rf"https://{role}-attestor\.[a-z-]+\.rat\.internal:{ATTESTOR_PORT}",
                            template["attestors"][role]["url"])
