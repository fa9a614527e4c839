"""Nothing that holds state or keys is reachable from the internet; only the load balancers are: the API's and
the TRP listener's."""

from __future__ import annotations

from infra_queries import DeclaredStack, internet_routed_subnet_ids, open_to_anywhere
from rat_infra.offline import mock_arn

DB_SUBNETS = "aws:rds/subnetGroup:SubnetGroup"


def test_database_is_not_publicly_accessible(stack: DeclaredStack) -> None:
    assert stack.one("aws:rds/instance:Instance").inputs["publiclyAccessible"] is False


def test_database_subnets_have_no_route_to_an_internet_gateway(stack: DeclaredStack) -> None:
    subnets = set(stack.one(DB_SUBNETS).inputs["subnetIds"])
    assert subnets and not subnets & internet_routed_subnet_ids(stack)


def test_bus_storage_is_mounted_only_in_private_subnets(stack: DeclaredStack) -> None:
    mounts = {m.inputs["subnetId"] for m in stack.of("aws:efs/mountTarget:MountTarget")}
    assert mounts and not mounts & internet_routed_subnet_ids(stack)


def test_every_task_runs_in_private_subnets_without_a_public_ip(stack: DeclaredStack) -> None:
    public = internet_routed_subnet_ids(stack)
    for service in stack.of("aws:ecs/service:Service"):
        network = service.inputs["networkConfiguration"]
        assert network["assignPublicIp"] is False, service.name
        assert not set(network["subnets"]) & public, service.name


def test_only_the_load_balancers_accept_traffic_from_anywhere(stack: DeclaredStack) -> None:
    open_groups = {
        g.id for g in stack.of("aws:ec2/securityGroup:SecurityGroup") if open_to_anywhere(g.inputs)
    }
    lb_groups = {g for lb in stack.of("aws:lb/loadBalancer:LoadBalancer") for g in lb.inputs["securityGroups"]}
    assert open_groups == lb_groups


def application_load_balancer(stack: DeclaredStack):
    (alb,) = [lb for lb in stack.of("aws:lb/loadBalancer:LoadBalancer")
              if lb.inputs["loadBalancerType"] == "application"]
    return alb


def test_the_api_load_balancer_only_listens_on_http_and_https(stack: DeclaredStack) -> None:
    lb_groups = set(application_load_balancer(stack).inputs["securityGroups"])
    ports = {
        (rule["fromPort"], rule["toPort"])
        for g in stack.of("aws:ec2/securityGroup:SecurityGroup")
        if g.id in lb_groups
        for rule in g.inputs["ingress"]
    }
    assert ports == {(80, 80), (443, 443)}


def test_database_and_bus_admit_only_rat_task_security_groups(stack: DeclaredStack) -> None:
    task_groups = {
        sg
        for s in stack.of("aws:ecs/service:Service")
        if not s.inputs.get("serviceRegistries")
        for sg in s.inputs["networkConfiguration"]["securityGroups"]
    }
    db_groups = set(stack.one("aws:rds/instance:Instance").inputs["vpcSecurityGroupIds"])
    bus_groups = {
        sg
        for s in stack.of("aws:ecs/service:Service")
        if s.inputs.get("serviceRegistries")
        for sg in s.inputs["networkConfiguration"]["securityGroups"]
    }
    for group in (stack.by_id(g) for g in db_groups | bus_groups):
        for rule in group.inputs["ingress"]:
            assert not rule.get("cidrBlocks") and not rule.get("ipv6CidrBlocks"), group.name
            assert rule.get("self") or set(rule["securityGroups"]) <= task_groups, group.name


def test_http_is_redirected_to_https(stack: DeclaredStack) -> None:
    alb = application_load_balancer(stack)
    http = next(li for li in stack.of("aws:lb/listener:Listener")
                if li.inputs["port"] == 80 and li.inputs["loadBalancerArn"] == mock_arn(alb.type, alb.name))
    (action,) = http.inputs["defaultActions"]
    assert action["type"] == "redirect" and action["redirect"]["protocol"] == "HTTPS"


def test_all_vpc_traffic_is_recorded_to_a_stack_log_group(stack: DeclaredStack) -> None:
    (flow_log,) = stack.of("aws:ec2/flowLog:FlowLog")
    groups = {
        f"arn:mock:aws:cloudwatch/logGroup:LogGroup:{g.name}"
        for g in stack.of("aws:cloudwatch/logGroup:LogGroup")
    }
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["vpcId"] == stack.one("aws:ec2/vpc:Vpc").id
    assert flow_log.inputs["logDestination"] in groups
