"""A custody attestor in the custodian's own stack (`deploys: custody-attestor`) has an address the platform's
relayer can reach: an internet-facing network load balancer whose TCP listener passes the relayer's mutual TLS
through to the attestor, admitting the platform's NAT addresses only, with alarms on its target, deletion
protection in production, a price in the cost model and its DNS name exported. In a platform stack the attestors
stay private."""

from __future__ import annotations

import json
import runpy
from typing import Any

import pulumi
import pytest
from custody_stack import PLATFORM_NAT_CIDRS, custody_settings
from infra_queries import DeclaredStack, internet_routed_subnet_ids, open_to_anywhere
from pydantic import ValidationError
from rat_infra.cost import estimate
from rat_infra.offline import declare, declare_program, mock_arn
from rat_infra.passthrough_nlb import PUBLIC_PORT
from rat_infra.prices import HOURS_PER_MONTH, Sku, price
from rat_infra.settings import StackSettings
from rat_infra.stack_files import INFRA_DIR
from rat_infra.workloads import ATTESTOR_PORT, CUSTODY_ATTESTOR

LB = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
SG = "aws:ec2/securityGroup:SecurityGroup"
SERVICE = "aws:ecs/service:Service"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def named(stack: DeclaredStack, typ: str, suffix: str):
    (resource,) = [r for r in stack.of(typ) if r.name == f"{stack.settings.prefix}-{suffix}"]
    return resource


def arn(resource) -> str:
    return mock_arn(resource.type, resource.name)


def attestor_container(stack: DeclaredStack) -> dict[str, Any]:
    task = named(stack, "aws:ecs/taskDefinition:TaskDefinition", CUSTODY_ATTESTOR)
    return json.loads(task.inputs["containerDefinitions"])[0]


def test_the_custodians_stack_has_an_internet_facing_network_load_balancer_in_its_public_subnets(
        custody_stack: DeclaredStack) -> None:
    nlb = named(custody_stack, LB, "attestor")
    assert (nlb.inputs["loadBalancerType"], nlb.inputs["internal"]) == ("network", False)
    assert set(nlb.inputs["subnets"]) <= internet_routed_subnet_ids(custody_stack)
    assert len(nlb.inputs["subnets"]) == len(custody_stack.settings.availability_zones)
    assert nlb.inputs["enableCrossZoneLoadBalancing"] is True


def test_its_listener_forwards_tcp_443_to_the_attestors_mtls_port_without_terminating_tls(
        custody_stack: DeclaredStack) -> None:
    nlb = named(custody_stack, LB, "attestor")
    (listener,) = [li for li in custody_stack.of(LISTENER) if li.inputs["loadBalancerArn"] == arn(nlb)]
    target = named(custody_stack, TARGET_GROUP, "attestor")
    assert (listener.inputs["port"], listener.inputs["protocol"]) == (PUBLIC_PORT, "TCP")
    # A TLS listener needs a certificate and a policy: there is neither, so the relayer's handshake (and its client
    # certificate) reaches the attestor process.
    assert "certificateArn" not in listener.inputs and "sslPolicy" not in listener.inputs
    (action,) = listener.inputs["defaultActions"]
    assert (action["type"], action["targetGroupArn"]) == ("forward", arn(target))
    assert (target.inputs["protocol"], target.inputs["port"], target.inputs["targetType"]) == (
        "TCP", ATTESTOR_PORT, "ip")


def test_its_target_is_checked_by_a_tcp_connect_and_sees_the_load_balancers_address(
        custody_stack: DeclaredStack) -> None:
    target = named(custody_stack, TARGET_GROUP, "attestor")
    assert (target.inputs["healthCheck"]["protocol"], target.inputs["healthCheck"]["port"]) == ("TCP", "traffic-port")
    # Off: the address restriction is then the load balancer's group's, and the task's group names that group.
    assert target.inputs["preserveClientIp"] == "false"


def test_the_attestor_registers_its_task_in_the_target_group_on_its_mtls_port(custody_stack: DeclaredStack) -> None:
    service = named(custody_stack, SERVICE, CUSTODY_ATTESTOR)
    (registration,) = service.inputs["loadBalancers"]
    assert registration == {"targetGroupArn": arn(named(custody_stack, TARGET_GROUP, "attestor")),
                            "containerName": CUSTODY_ATTESTOR, "containerPort": ATTESTOR_PORT}
    assert attestor_container(custody_stack)["portMappings"] == [{"containerPort": ATTESTOR_PORT}]
    assert service.inputs["networkConfiguration"]["assignPublicIp"] is False


def test_the_load_balancers_group_admits_443_from_the_platforms_nat_addresses_only(
        custody_stack: DeclaredStack) -> None:
    nlb_group = named(custody_stack, SG, "attestor-nlb")
    assert named(custody_stack, LB, "attestor").inputs["securityGroups"] == [nlb_group.id]
    (rule,) = nlb_group.inputs["ingress"]
    assert (rule["protocol"], rule["fromPort"], rule["toPort"]) == ("tcp", PUBLIC_PORT, PUBLIC_PORT)
    assert rule["cidrBlocks"] == list(PLATFORM_NAT_CIDRS) and not rule.get("securityGroups")
    assert not open_to_anywhere(nlb_group.inputs)


def test_the_attestors_group_admits_its_mtls_port_from_the_load_balancers_group_only(
        custody_stack: DeclaredStack) -> None:
    own = named(custody_stack, SG, CUSTODY_ATTESTOR)
    assert named(custody_stack, SERVICE, CUSTODY_ATTESTOR).inputs["networkConfiguration"]["securityGroups"] == [own.id]
    (rule,) = own.inputs["ingress"]
    assert (rule["protocol"], rule["fromPort"], rule["toPort"]) == ("tcp", ATTESTOR_PORT, ATTESTOR_PORT)
    assert rule["securityGroups"] == [named(custody_stack, SG, "attestor-nlb").id] and not rule.get("cidrBlocks")


def groups_in_use(stack: DeclaredStack) -> set[str]:
    """Security groups attached to something: a load balancer, an ECS service's tasks, an EFS mount target."""
    return ({g for lb in stack.of(LB) for g in lb.inputs["securityGroups"]}
            | {g for s in stack.of(SERVICE) for g in s.inputs["networkConfiguration"]["securityGroups"]}
            | {g for m in stack.of("aws:efs/mountTarget:MountTarget") for g in m.inputs["securityGroups"]})


def test_no_other_group_in_the_custodians_stack_admits_an_address_from_outside_the_vpc(
        custody_stack: DeclaredStack) -> None:
    from_addresses = [g.name for g in custody_stack.of(SG) if any(
        rule.get("cidrBlocks") or rule.get("ipv6CidrBlocks") for rule in g.inputs.get("ingress", []))]
    assert from_addresses == [named(custody_stack, SG, "attestor-nlb").name]


def test_every_group_in_the_custodians_stack_is_attached_to_something(custody_stack: DeclaredStack) -> None:
    # A platform stack's API, worker and relayer groups have no workload here; declared anyway, the API load
    # balancer's would open 80 and 443 to the internet in the custodian's account, attached or not.
    unattached = [g.name for g in custody_stack.of(SG) if g.id not in groups_in_use(custody_stack)]
    assert unattached == []


def attestor_alarm(stack: DeclaredStack, metric: str):
    (alarm,) = [a for a in stack.of(ALARM)
                if a.inputs["namespace"] == "AWS/NetworkELB" and a.inputs["metricName"] == metric]
    return alarm


@pytest.mark.parametrize(("metric", "comparison", "threshold"), [
    ("UnHealthyHostCount", "GreaterThanThreshold", 0.0),
    ("HealthyHostCount", "LessThanThreshold", 1.0),
])
def test_an_unhealthy_or_missing_attestor_target_alarms_to_the_stacks_alarm_topic(
        custody_stack: DeclaredStack, metric: str, comparison: str, threshold: float) -> None:
    alarm = attestor_alarm(custody_stack, metric)
    p = custody_stack.settings.prefix
    topic = f"arn:mock:aws:sns/topic:Topic:{p}-alarms"
    assert (alarm.inputs["comparisonOperator"], alarm.inputs["threshold"]) == (comparison, threshold)
    assert alarm.inputs["period"] * alarm.inputs["evaluationPeriods"] == 5 * 60
    assert alarm.inputs["alarmActions"] == [topic] and alarm.inputs["okActions"] == [topic]
    assert alarm.inputs["dimensions"] == {"LoadBalancer": f"{p}-attestor/mock-suffix",
                                          "TargetGroup": f"{p}-attestor/mock-suffix"}


@pytest.mark.parametrize(("environment", "protected"), [("production", True), ("staging", False)])
def test_the_load_balancer_is_protected_from_deletion_in_production_only(environment: str, protected: bool) -> None:
    settings = custody_settings(environment=environment)
    stack = DeclaredStack(settings, declare(settings))
    assert named(stack, LB, "attestor").inputs["enableDeletionProtection"] is protected


def exported(settings: StackSettings, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What infra/__main__.py exports for `settings`, resolved under mocks."""
    exports: dict[str, Any] = {}
    resolved: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exports.__setitem__(name, value))
    pulumi.runtime.set_all_config({"rat:settings": json.dumps(settings.model_dump(mode="json", exclude={"stack"}))})

    def program() -> pulumi.Output[Any]:
        runpy.run_path(str(INFRA_DIR / "__main__.py"))
        return pulumi.Output.all(**exports).apply(resolved.update)

    try:
        declare_program(settings.stack, program)
    finally:
        pulumi.runtime.set_all_config({})
    return resolved


def test_the_custodians_stack_exports_the_attestors_dns_name(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = custody_settings()
    outputs = exported(settings, monkeypatch)
    assert outputs["custody_attestor_hostname"] == f"{settings.prefix}-attestor.elb.mock"
    assert outputs["trp_hostname"] == "" and outputs["api_hostname"] == ""


def test_a_platform_stack_exports_no_custody_attestor_name(monkeypatch: pytest.MonkeyPatch,
                                                            eea: DeclaredStack) -> None:
    assert exported(eea.settings, monkeypatch)["custody_attestor_hostname"] == ""


def test_a_platform_stack_gives_its_attestors_no_load_balancer(stack: DeclaredStack) -> None:
    p = stack.settings.prefix
    assert {lb.name for lb in stack.of(LB)} == {f"{p}-api", f"{p}-trp"}
    for w in (w for w in stack.settings.workloads if w.service_port is not None):
        service = named(stack, SERVICE, w.name)
        assert not service.inputs.get("loadBalancers"), w.name
        assert service.inputs["networkConfiguration"]["assignPublicIp"] is False
        (rule,) = named(stack, SG, w.name).inputs["ingress"]
        assert rule["securityGroups"] == [named(stack, SG, "relayer").id] and not rule.get("cidrBlocks"), w.name


def test_the_cost_model_prices_the_custodians_load_balancer(custody_stack: DeclaredStack) -> None:
    settings = custody_stack.settings
    items = {i.component: i for i in estimate(settings, custody_stack.resources).items}
    assert items["Network load balancers"].usd == pytest.approx(HOURS_PER_MONTH * price(settings.region,
                                                                                          Sku.NLB_HOUR).usd)
    assert items["NLB capacity units"].usd == pytest.approx(
        settings.usage.nlb_lcu * HOURS_PER_MONTH * price(settings.region, Sku.NLB_LCU_HOUR).usd)
    assert "Application load balancers" not in items


def test_the_custodians_cost_has_no_database_backups_as_its_stack_has_no_database(
        custody_stack: DeclaredStack) -> None:
    items = {i.component for i in estimate(custody_stack.settings, custody_stack.resources).items}
    assert not custody_stack.of("aws:rds/instance:Instance")
    assert "RDS backups beyond free" not in items


def test_the_custodians_load_balancer_adds_a_public_address_per_zone_to_the_cost(
        custody_stack: DeclaredStack) -> None:
    settings = custody_stack.settings
    items = {i.component: i for i in estimate(settings, custody_stack.resources).items}
    addresses = len(custody_stack.of("aws:ec2/eip:Eip")) + len(settings.availability_zones)
    assert items["Public IPv4 addresses"].usd == pytest.approx(
        addresses * HOURS_PER_MONTH * price(settings.region, Sku.PUBLIC_IPV4_HOUR).usd)


def test_a_stack_name_too_long_for_the_load_balancers_aws_name_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 24"):
        declare(custody_settings(stack="custodian-eea"))


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0"])
def test_a_custodians_stack_open_to_the_whole_internet_is_refused(cidr: str) -> None:
    with pytest.raises(ValidationError, match="whole internet"):
        custody_settings(relayer_cidrs=[cidr])


@pytest.mark.parametrize("cidr", ["203.0.113.10", "203.0.113.10/24", "nat-gateway", "2001:db8::1/128"])
def test_a_relayer_address_that_is_not_an_ipv4_range_in_cidr_notation_is_refused(cidr: str) -> None:
    with pytest.raises(ValidationError, match="relayer_cidrs"):
        custody_settings(relayer_cidrs=[cidr])
