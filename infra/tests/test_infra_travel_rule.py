"""The TRP listener (`rat-relayer travel-rule serve`, decision 0072) is a service of every platform stack: its own
Fargate task behind an internet-facing network load balancer whose TCP listener passes the counterparty's mutual TLS
through to the process, a security group admitting only its port from that load balancer, alarms on its targets'
health, and a line of its own in the cost model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from infra_queries import DeclaredStack, internet_routed_subnet_ids, sign_grants, statements
from pydantic import ValidationError
from rat_infra.cost import estimate
from rat_infra.offline import declare, mock_arn
from rat_infra.prices import HOURS_PER_MONTH, Sku, price
from rat_infra.settings import StackSettings
from rat_infra.stack_files import load_stack_settings, stack_file
from rat_infra.task_env import CONFIG, DB_HOST, DB_USER, RPC_URL, SUMSUB_APP_TOKEN, SUMSUB_SECRET_KEY, tls_file
from rat_infra.travel_rule import TRP_PUBLIC_PORT, trp_workload
from rat_infra.workloads import TRAVEL_RULE, TRP_PORT, Workload

LB = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
SG = "aws:ec2/securityGroup:SecurityGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TEMPLATES = Path(__file__).resolve().parents[1] / "config"


def named(stack: DeclaredStack, typ: str, suffix: str):
    return next(r for r in stack.of(typ) if r.name == f"{stack.settings.prefix}-{suffix}")


def arn(resource) -> str:
    return mock_arn(resource.type, resource.name)


def trp_service(stack: DeclaredStack):
    return named(stack, "aws:ecs/service:Service", TRAVEL_RULE)


def trp_container(stack: DeclaredStack) -> dict[str, Any]:
    task = named(stack, "aws:ecs/taskDefinition:TaskDefinition", TRAVEL_RULE)
    return json.loads(task.inputs["containerDefinitions"])[0]


def trp_listeners(stack: DeclaredStack) -> list:
    nlb = named(stack, LB, "trp")
    return [li for li in stack.of(LISTENER) if li.inputs["loadBalancerArn"] == arn(nlb)]


def test_every_stack_file_sizes_the_listener_and_every_stack_runs_it(stack: DeclaredStack) -> None:
    assert TRAVEL_RULE in stack_file(stack.settings.stack)["config"]["rat:settings"]["services"]
    assert stack.settings.services[TRAVEL_RULE].count >= 1
    # A warm standby declares it at no task until failover (decision 0073).
    assert trp_service(stack).inputs["desiredCount"] == stack.settings.desired_count(TRAVEL_RULE)


def test_the_load_balancer_forwards_tcp_443_to_the_trp_port_without_terminating_tls(stack: DeclaredStack) -> None:
    (listener,) = trp_listeners(stack)
    target = named(stack, TARGET_GROUP, "trp")
    assert (listener.inputs["port"], listener.inputs["protocol"]) == (TRP_PUBLIC_PORT, "TCP")
    # A TLS listener would need a certificate and a policy: there is neither, the bytes go through untouched.
    assert "certificateArn" not in listener.inputs and "sslPolicy" not in listener.inputs
    (action,) = listener.inputs["defaultActions"]
    assert (action["type"], action["targetGroupArn"]) == ("forward", arn(target))
    assert (target.inputs["protocol"], target.inputs["port"], target.inputs["targetType"]) == ("TCP", TRP_PORT, "ip")


def test_the_load_balancer_is_an_internet_facing_network_one_across_zones(stack: DeclaredStack) -> None:
    nlb = named(stack, LB, "trp")
    assert (nlb.inputs["loadBalancerType"], nlb.inputs["internal"]) == ("network", False)
    assert set(nlb.inputs["subnets"]) <= internet_routed_subnet_ids(stack)
    assert len(nlb.inputs["subnets"]) == len(stack.settings.availability_zones)
    assert nlb.inputs["enableCrossZoneLoadBalancing"] is True


def test_the_targets_are_checked_by_a_tcp_connect_and_see_the_load_balancers_address(stack: DeclaredStack) -> None:
    target = named(stack, TARGET_GROUP, "trp")
    assert target.inputs["healthCheck"]["protocol"] == "TCP"
    assert target.inputs["healthCheck"]["port"] == "traffic-port"
    # Off, so the listener's security group, which names the load balancer's group, admits the traffic.
    assert target.inputs["preserveClientIp"] == "false"


def test_the_service_registers_its_tasks_in_the_trp_target_group_on_the_trp_port(stack: DeclaredStack) -> None:
    (registration,) = trp_service(stack).inputs["loadBalancers"]
    assert registration == {"targetGroupArn": arn(named(stack, TARGET_GROUP, "trp")),
                            "containerName": TRAVEL_RULE, "containerPort": TRP_PORT}
    assert trp_container(stack)["portMappings"] == [{"containerPort": TRP_PORT}]


def test_the_task_runs_travel_rule_serve_with_its_config_after_writing_its_tls_bundle(stack: DeclaredStack) -> None:
    script = trp_container(stack)["command"][-1].splitlines()
    assert script[-1] == f"exec rat-relayer travel-rule serve --config-env {CONFIG}"
    assert any(line.endswith(f"> {tls_file('key')}") for line in script[:-1])


def test_the_listeners_security_group_opens_only_the_trp_port_and_only_to_its_load_balancer(
        stack: DeclaredStack) -> None:
    own = named(stack, SG, TRAVEL_RULE)
    nlb_group = named(stack, SG, "trp-nlb")
    assert trp_service(stack).inputs["networkConfiguration"]["securityGroups"] == [own.id]
    (rule,) = own.inputs["ingress"]
    assert (rule["protocol"], rule["fromPort"], rule["toPort"]) == ("tcp", TRP_PORT, TRP_PORT)
    assert rule["securityGroups"] == [nlb_group.id] and not rule.get("cidrBlocks")


def test_the_load_balancers_security_group_admits_443_from_anywhere_and_nothing_else(stack: DeclaredStack) -> None:
    nlb_group = named(stack, SG, "trp-nlb")
    assert named(stack, LB, "trp").inputs["securityGroups"] == [nlb_group.id]
    (rule,) = nlb_group.inputs["ingress"]
    assert (rule["protocol"], rule["fromPort"], rule["toPort"]) == ("tcp", TRP_PUBLIC_PORT, TRP_PUBLIC_PORT)
    assert rule["cidrBlocks"] == ["0.0.0.0/0"]


def test_the_listener_reaches_the_database_but_not_the_bus(stack: DeclaredStack) -> None:
    own = named(stack, SG, TRAVEL_RULE).id
    db_groups = stack.one("aws:rds/instance:Instance").inputs["vpcSecurityGroupIds"]
    db_sources = {g for group in db_groups for rule in stack.by_id(group).inputs["ingress"]
                  for g in rule.get("securityGroups", [])}
    bus_sources = {g for group in stack.of(SG) if group.name.startswith(f"{stack.settings.prefix}-nats")
                   for rule in group.inputs["ingress"] for g in rule.get("securityGroups", [])}
    assert own in db_sources and own not in bus_sources


def test_the_listener_logs_in_to_the_database_as_its_own_user(stack: DeclaredStack) -> None:
    env = {e["name"]: e["value"] for e in trp_container(stack)["environment"]}
    assert env[DB_USER] == "travel_rule" and DB_HOST in env
    policy = named(stack, "aws:iam/rolePolicy:RolePolicy", f"{TRAVEL_RULE}-db")
    (st,) = statements(policy.inputs["policy"])
    assert st["Action"] == "rds-db:connect" and st["Resource"].endswith("/travel_rule")


def test_the_listener_holds_no_signing_key(stack: DeclaredStack) -> None:
    granted = {stack.by_id(role).name for role, _ in sign_grants(stack)}
    assert f"{stack.settings.prefix}-{TRAVEL_RULE}-task" not in granted
    assert not any(e["name"].startswith("RAT_KMS_KEY_") for e in trp_container(stack)["environment"])


def test_the_listener_gets_the_sumsub_credentials_from_its_own_secret(stack: DeclaredStack) -> None:
    secrets = {s["name"]: s["valueFrom"] for s in trp_container(stack)["secrets"]}
    credentials = mock_arn("aws:secretsmanager/secret:Secret", f"{stack.settings.prefix}-credentials-{TRAVEL_RULE}")
    assert {secrets[v] for v in (SUMSUB_APP_TOKEN, SUMSUB_SECRET_KEY)} == {
        f"{credentials}:{SUMSUB_APP_TOKEN}::", f"{credentials}:{SUMSUB_SECRET_KEY}::"}


def trp_alarm(stack: DeclaredStack, metric: str):
    (alarm,) = [a for a in stack.of(ALARM)
                if a.inputs["namespace"] == "AWS/NetworkELB" and a.inputs["metricName"] == metric]
    return alarm


def test_an_unhealthy_target_for_five_minutes_alarms_to_the_stacks_alarm_topic(stack: DeclaredStack) -> None:
    alarm = trp_alarm(stack, "UnHealthyHostCount")
    topic = f"arn:mock:aws:sns/topic:Topic:{stack.settings.prefix}-alarms"
    assert (alarm.inputs["comparisonOperator"], alarm.inputs["threshold"]) == ("GreaterThanThreshold", 0.0)
    assert alarm.inputs["period"] * alarm.inputs["evaluationPeriods"] == 5 * 60
    assert alarm.inputs["alarmActions"] == [topic] and alarm.inputs["okActions"] == [topic]
    assert alarm.inputs["dimensions"] == {"LoadBalancer": f"{stack.settings.prefix}-trp/mock-suffix",
                                          "TargetGroup": f"{stack.settings.prefix}-trp/mock-suffix"}


def test_no_healthy_target_alarms_too_and_missing_data_counts_as_down(stack: DeclaredStack) -> None:
    alarm = trp_alarm(stack, "HealthyHostCount")
    assert (alarm.inputs["comparisonOperator"], alarm.inputs["threshold"]) == ("LessThanThreshold", 1.0)
    assert alarm.inputs["treatMissingData"] == "breaching"
    assert alarm.inputs["alarmActions"] == [f"arn:mock:aws:sns/topic:Topic:{stack.settings.prefix}-alarms"]


def test_the_cost_model_prices_the_network_load_balancers_hours_and_capacity_units(stack: DeclaredStack) -> None:
    items = {i.component: i for i in estimate(stack.settings, stack.resources).items}
    region = stack.settings.region
    assert items["Network load balancers"].usd == pytest.approx(HOURS_PER_MONTH * price(region, Sku.NLB_HOUR).usd)
    assert items["NLB capacity units"].usd == pytest.approx(
        stack.settings.usage.nlb_lcu * HOURS_PER_MONTH * price(region, Sku.NLB_LCU_HOUR).usd)
    # Not billed as a second application load balancer.
    assert items["Application load balancers"].usd == pytest.approx(
        HOURS_PER_MONTH * price(region, Sku.ALB_HOUR).usd)


def test_more_network_capacity_units_cost_more(staging: DeclaredStack) -> None:
    busier = staging.settings.model_copy(
        update={"usage": staging.settings.usage.model_copy(update={"nlb_lcu": staging.settings.usage.nlb_lcu + 1})})

    def total(settings: StackSettings) -> float:
        return estimate(settings, staging.resources).total

    assert total(busier) - total(staging.settings) == pytest.approx(
        HOURS_PER_MONTH * price(staging.settings.region, Sku.NLB_LCU_HOUR).usd)


def test_the_custodians_stack_runs_no_listener() -> None:
    base = load_stack_settings("prod-eea").model_dump(mode="json")
    base.update(deploys="custody-attestor", relayer_cidrs=["203.0.113.10/32"],
                services={"custody-attestor": {"cpu": 256, "memory": 512, "count": 1}})
    settings = StackSettings.model_validate(base)
    assert trp_workload(settings.workloads) is None
    assert not [r for r in declare(settings) if r.name.endswith(("-trp", TRAVEL_RULE))]


def prod_settings(**changes: Any) -> dict[str, Any]:
    return {**stack_file("prod")["config"]["rat:settings"], **changes}


def test_production_refuses_a_single_listener_task() -> None:
    services = {**prod_settings()["services"], TRAVEL_RULE: {"cpu": 256, "memory": 512, "count": 1}}
    with pytest.raises(ValidationError, match="at least two travel-rule tasks"):
        StackSettings.from_config("prod", prod_settings(services=services))


def test_a_stack_that_does_not_size_the_listener_is_refused() -> None:
    services = {k: v for k, v in prod_settings()["services"].items() if k != TRAVEL_RULE}
    with pytest.raises(ValidationError, match="services must size exactly"):
        StackSettings.from_config("prod", prod_settings(services=services))


@pytest.mark.parametrize("nlb_lcu", [-1, "many", None])
def test_a_bad_network_capacity_assumption_is_refused(nlb_lcu: Any) -> None:
    usage = {**prod_settings()["usage"], "nlb_lcu": nlb_lcu}
    with pytest.raises(ValidationError, match="nlb_lcu"):
        StackSettings.from_config("prod", prod_settings(usage=usage))


def test_an_unknown_usage_key_is_refused() -> None:
    usage = {**prod_settings()["usage"], "nlb_lcus": 1}
    with pytest.raises(ValidationError, match="nlb_lcus"):
        StackSettings.from_config("prod", prod_settings(usage=usage))


def test_two_workloads_behind_the_one_passthrough_load_balancer_are_refused() -> None:
    listener = Workload("a", ("rat-relayer", "travel-rule", "serve"), passthrough_port=TRP_PORT)
    with pytest.raises(ValueError, match="one passthrough load balancer"):
        trp_workload((listener, Workload("b", ("x",), passthrough_port=9443)))


# The config templates, through the relayer's own model (which refuses unknown keys).
relayer_config = pytest.importorskip("relayer.config", reason="the services are not installed (infra-only venv)")
from relayer.config_source import ConfigSource  # noqa: E402
from relayer.errors import ConfigError  # noqa: E402


def template(name: str) -> str:
    return (TEMPLATES / f"{name}.yaml").read_text()


def load(text: str, stack: DeclaredStack):
    """`text` loaded as the listener's task would load it, with the environment its task definition names."""
    c = trp_container(stack)
    env = {e["name"]: e["value"] for e in c["environment"]}
    env.update({s["name"]: f"fake-{s['name']}" for s in c["secrets"]})
    env.update({CONFIG: text, RPC_URL: "https://rpc.example.com/KEY"})
    return relayer_config.RelayerConfig.load(ConfigSource(env=CONFIG), env)


def test_the_listeners_template_loads_with_the_listener_on_the_trp_port_and_its_tls_files(
        staging: DeclaredStack) -> None:
    section = load(template(TRAVEL_RULE), staging).travel_rule
    assert section is not None
    assert (section.host, section.port) == ("0.0.0.0", TRP_PORT)
    assert (str(section.tls_cert), str(section.tls_key), str(section.tls_ca)) == (
        tls_file("cert"), tls_file("key"), tls_file("ca"))
    assert (section.sumsub_app_token_env, section.sumsub_secret_key_env) == (SUMSUB_APP_TOKEN, SUMSUB_SECRET_KEY)
    assert section.public_url.startswith("https://") and ":" not in section.public_url.removeprefix("https://")


def test_the_api_and_the_listener_templates_describe_the_same_vasp() -> None:
    api, listener = (yaml.safe_load(template(n))["travel_rule"] for n in ("api", TRAVEL_RULE))
    same = ("legal_name", "lei", "country", "public_url", "registry", "assets")
    assert {k: api[k] for k in same} == {k: listener[k] for k in same}


def test_an_unknown_key_in_the_travel_rule_section_is_refused(staging: DeclaredStack) -> None:
    raw = yaml.safe_load(template(TRAVEL_RULE))
    raw["travel_rule"]["listen_port"] = TRP_PORT
    with pytest.raises(ConfigError, match="listen_port"):
        load(yaml.safe_dump(raw), staging)


def test_a_bad_lei_in_the_template_is_refused(staging: DeclaredStack) -> None:
    raw = yaml.safe_load(template(TRAVEL_RULE))
    raw["travel_rule"]["lei"] = raw["travel_rule"]["lei"][:-1] + "3"  # wrong check digits
    with pytest.raises(ConfigError, match="check digits"):
        load(yaml.safe_dump(raw), staging)
