"""The attestors run in their own trust domains: each is the only holder of its role's KMS key, its mutual-TLS
port admits the relayer's security group and nothing else, and the custody attestor can live in a separate stack
(the custodian's own account) that declares nothing but that attestor."""

from __future__ import annotations

import json

import pytest
from infra_queries import DeclaredStack, sign_grants
from pydantic import ValidationError
from rat_infra.settings import StackSettings
from rat_infra.stack_files import load_stack_settings
from rat_infra.workloads import ATTESTOR_PORT, SigningRole

SG = "aws:ec2/securityGroup:SecurityGroup"


def group(stack: DeclaredStack, suffix: str):
    return next(g for g in stack.of(SG) if g.name == f"{stack.settings.prefix}-{suffix}")


def service_groups(stack: DeclaredStack, workload: str) -> list[str]:
    service = next(s for s in stack.of("aws:ecs/service:Service") if s.name == f"{stack.settings.prefix}-{workload}")
    return service.inputs["networkConfiguration"]["securityGroups"]


def attestors(stack: DeclaredStack) -> list[str]:
    return [w.name for w in stack.settings.workloads if w.service_port is not None]


def test_every_attestor_port_admits_only_the_relayers_security_group(stack: DeclaredStack) -> None:
    relayer = group(stack, "relayer").id
    assert service_groups(stack, "relayer") == [relayer]
    assert attestors(stack)
    for name in attestors(stack):
        (rule,) = group(stack, name).inputs["ingress"]
        assert (rule["fromPort"], rule["toPort"]) == (ATTESTOR_PORT, ATTESTOR_PORT), name
        assert rule["securityGroups"] == [relayer] and not rule.get("cidrBlocks"), name
        assert service_groups(stack, name) == [group(stack, name).id]


def test_no_other_security_group_admits_an_attestors_port(stack: DeclaredStack) -> None:
    own = {group(stack, name).id for name in attestors(stack)}
    for g in stack.of(SG):
        if g.id in own:
            continue
        for rule in g.inputs.get("ingress", []):
            assert not rule["fromPort"] <= ATTESTOR_PORT <= rule["toPort"] or rule.get("self"), g.name


def test_the_relayer_holds_only_the_submitter_key(stack: DeclaredStack) -> None:
    granted = {stack.by_id(role).name: resources for role, resources in sign_grants(stack)}
    (key,) = granted[f"{stack.settings.prefix}-relayer-task"]
    assert key.endswith(f"{stack.settings.prefix}-{SigningRole.SUBMITTER.value}-signing")


def test_each_attestors_record_survives_its_task_on_a_volume_only_it_reaches(stack: DeclaredStack) -> None:
    for name in attestors(stack):
        task = next(t for t in stack.of("aws:ecs/taskDefinition:TaskDefinition")
                    if t.name == f"{stack.settings.prefix}-{name}")
        (volume,) = [v for v in task.inputs["volumes"] if v.get("efsVolumeConfiguration")]
        assert volume["efsVolumeConfiguration"]["fileSystemId"] == f"{stack.settings.prefix}-{name}-record.FileSystem"
        mounts = json.loads(task.inputs["containerDefinitions"])[0]["mountPoints"]
        assert {"sourceVolume": "record", "containerPath": "/var/lib/rat-attestor"} in mounts
        (rule,) = group(stack, f"{name}-record").inputs["ingress"]
        assert rule["fromPort"] == 2049 and rule["securityGroups"] == [group(stack, name).id], name


def test_attestors_get_no_database_login(stack: DeclaredStack) -> None:
    policies = {p.name for p in stack.of("aws:iam/rolePolicy:RolePolicy")}
    for name in attestors(stack):
        assert f"{stack.settings.prefix}-{name}-db" not in policies


def test_a_stack_can_leave_the_custody_attestor_to_a_separate_stack(eea: DeclaredStack) -> None:
    assert eea.settings.custody_attestor == "separate-stack"
    assert "custody-attestor" not in [w.name for w in eea.settings.workloads]
    assert not [k for k in eea.of("aws:kms/key:Key") if "custody-attestor" in k.name]


def test_the_custodians_stack_declares_only_the_custody_attestor_and_its_key(custody_stack: DeclaredStack) -> None:
    keys = [k.name for k in custody_stack.of("aws:kms/key:Key") if k.inputs["keyUsage"] == "SIGN_VERIFY"]
    assert keys == [f"{custody_stack.settings.prefix}-custody-attestor-signing"]
    services = [s.name for s in custody_stack.of("aws:ecs/service:Service")]
    assert services == [f"{custody_stack.settings.prefix}-custody-attestor"]
    # Its one load balancer is the attestor's own (infra/tests/test_infra_custody_endpoint.py).
    balancers = [lb.name for lb in custody_stack.of("aws:lb/loadBalancer:LoadBalancer")]
    assert balancers == [f"{custody_stack.settings.prefix}-attestor"]
    assert not custody_stack.of("aws:rds/instance:Instance")


def test_the_custodians_attestor_is_told_its_own_signing_key(custody_stack: DeclaredStack) -> None:
    task = next(t for t in custody_stack.of("aws:ecs/taskDefinition:TaskDefinition"))
    env = {e["name"] for e in json.loads(task.inputs["containerDefinitions"])[0]["environment"]}
    assert env >= {SigningRole.CUSTODY_ATTESTOR.env_var}


def test_a_custodians_stack_without_relayer_addresses_is_refused() -> None:
    base = load_stack_settings("prod-eea").model_dump(mode="json")
    base.update(deploys="custody-attestor", services={"custody-attestor": {"cpu": 256, "memory": 512, "count": 1}})
    with pytest.raises(ValidationError, match="relayer_cidrs"):
        StackSettings.model_validate(base)


def test_an_attestor_with_two_tasks_is_refused() -> None:
    base = load_stack_settings("prod").model_dump(mode="json")
    base["services"]["brokerage-attestor"]["count"] = 2
    with pytest.raises(ValidationError, match="second record"):
        StackSettings.model_validate(base)
