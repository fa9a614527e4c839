"""An internet-facing Network Load Balancer that forwards TCP 443 to a service's own TLS port without terminating
TLS: the way in for a process that does its own mutual TLS, so the client's certificate reaches it. Two services use
it: the TRP listener (rat_infra/travel_rule.py, open to any VASP) and the custody attestor in the custodian's own
stack (rat_infra/custody_endpoint.py, open to the platform's relayer addresses only).

A load balancer that terminated TLS (an ALB, or an NLB with a TLS listener) would receive the client certificate
itself and hand the process plain bytes, so the process could no longer refuse a client its CA did not issue. A TCP
listener passes the TLS bytes through untouched: the handshake, and with it the certificate check, happens in the
process, and the load balancer never holds the service's key.

Who may connect is decided by the load balancer's security group (`ingress_cidrs` on 443). Client IP preservation
is off, so the tasks see the load balancer's private address, never the client's: the tasks' security group can
therefore only name the load balancer's group (which also covers its health checks), and any address restriction
must sit on the load balancer's group, which NLBs evaluate for client traffic. With preservation on, the tasks'
group would have to admit the client ranges itself, and the load balancer's group would no longer be the one place
that says who gets in.

Two steps, because the tasks' security group must exist when the workloads' shared groups are assembled
(rat_infra/services.py), before the load balancer and the services that register with it are declared. Every
resource keeps the stack as its parent (no component of its own), so moving the TRP listener's resources here
changed none of their URNs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from rat_infra.network import Network, allow_from, security_group
from rat_infra.observability import UNHEALTHY_MINUTES

PUBLIC_PORT = 443  # the clients' port: an https:// URL without a port
# Seconds a stopped task keeps its open connections. One exchange is one request answered synchronously, so the
# 300 s default would only slow every deployment down.
DEREGISTRATION_DELAY = 60
HEALTH_CHECK_INTERVAL = 10  # seconds; three failures in a row take a task out of rotation
HEALTH_CHECK_THRESHOLD = 3
# AWS names a load balancer or a target group in at most 32 characters and Pulumi appends a dash and 7 random
# characters to the resource name, so the resource name may have at most 24.
MAX_NAME = 32 - 8


@dataclass(frozen=True)
class Wording:
    """What the security groups say (a group's description cannot change without replacing the group)."""

    load_balancer_group: str
    load_balancer_rule: str
    targets_group: str
    targets_rule: str


@dataclass(frozen=True)
class PassthroughSecurityGroups:
    load_balancer: aws.ec2.SecurityGroup
    targets: aws.ec2.SecurityGroup  # the service's tasks


@dataclass(frozen=True)
class PassthroughNlb:
    load_balancer: aws.lb.LoadBalancer
    target_group: aws.lb.TargetGroup
    listener: aws.lb.Listener
    alarms: tuple[aws.cloudwatch.MetricAlarm, ...]


def passthrough_security_groups(name: str, targets_name: str, network: Network, target_port: int,
                                ingress_cidrs: Sequence[str], wording: Wording,
                                parent: pulumi.Resource) -> PassthroughSecurityGroups:
    """`<name>-nlb`: 443 from `ingress_cidrs` only into the load balancer; `targets_name`: `target_port` from the load
    balancer's group only into the tasks."""
    if not ingress_cidrs:
        raise ValueError(f"{name}: a passthrough load balancer needs the addresses it admits")
    load_balancer = security_group(
        f"{name}-nlb",
        network.vpc,
        wording.load_balancer_group,
        parent,
        [aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=PUBLIC_PORT, to_port=PUBLIC_PORT,
                                          cidr_blocks=list(ingress_cidrs), description=wording.load_balancer_rule)],
    )
    targets = security_group(targets_name, network.vpc, wording.targets_group, parent,
                             [allow_from(target_port, [load_balancer], wording.targets_rule)])
    return PassthroughSecurityGroups(load_balancer=load_balancer, targets=targets)


def build_passthrough_nlb(name: str, network: Network, groups: PassthroughSecurityGroups, target_port: int,
                          alarm_topic: aws.sns.Topic, production: bool,
                          opts: pulumi.ResourceOptions) -> PassthroughNlb:
    """The NLB in the public subnets, its TCP 443 listener, the target group of the tasks' `target_port` (by IP:
    Fargate) and the alarms on its targets' health. Deletion protection in production."""
    if len(name) > MAX_NAME:
        raise ValueError(f"{name!r} is {len(name)} characters: AWS names a load balancer in at most 32 and Pulumi "
                         f"adds 8, so at most {MAX_NAME} (shorten the stack name)")
    load_balancer = aws.lb.LoadBalancer(
        name,
        load_balancer_type="network",
        internal=False,
        subnets=network.public_subnet_ids,
        security_groups=[groups.load_balancer.id],
        # Each zone's NLB node is in DNS; with a task in only some zones (staging runs one, an attestor always
        # one), a node without a task of its own zone must still forward to the others.
        enable_cross_zone_load_balancing=True,
        enable_deletion_protection=production,
        opts=opts,
    )
    target_group = aws.lb.TargetGroup(
        name,
        port=target_port,
        protocol="TCP",
        target_type="ip",
        vpc_id=network.vpc.id,
        # Off: the tasks then see the load balancer's address, which their security group admits (see above).
        preserve_client_ip="false",
        deregistration_delay=DEREGISTRATION_DELAY,
        # A TCP connect: the process answers only after a mutual-TLS handshake the load balancer cannot make.
        health_check=aws.lb.TargetGroupHealthCheckArgs(
            protocol="TCP", port="traffic-port", interval=HEALTH_CHECK_INTERVAL,
            healthy_threshold=HEALTH_CHECK_THRESHOLD, unhealthy_threshold=HEALTH_CHECK_THRESHOLD,
        ),
        opts=opts,
    )
    listener = aws.lb.Listener(
        f"{name}-tcp",
        load_balancer_arn=load_balancer.arn,
        port=PUBLIC_PORT,
        protocol="TCP",  # not TLS: the load balancer never holds the service's key nor sees its client's certificate
        default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)],
        opts=opts,
    )
    alarms = passthrough_alarms(name, load_balancer, target_group, alarm_topic, opts)
    return PassthroughNlb(load_balancer=load_balancer, target_group=target_group, listener=listener,
                          alarms=alarms)


def passthrough_alarms(name: str, nlb: aws.lb.LoadBalancer, target: aws.lb.TargetGroup, topic: aws.sns.Topic,
                       opts: pulumi.ResourceOptions) -> tuple[aws.cloudwatch.MetricAlarm, ...]:
    """A load balancer passing TLS through sees no HTTP status, so what it can tell is whether its targets answer:
    any target failing its health check, or none healthy at all (the service has no running task), for
    UNHEALTHY_MINUTES minutes."""
    alarms = []
    for suffix, metric, statistic, comparison, threshold, missing in (
        ("unhealthy", "UnHealthyHostCount", "Maximum", "GreaterThanThreshold", 0.0, "notBreaching"),
        # No data about healthy targets is no evidence of a service that answers.
        ("no-healthy-target", "HealthyHostCount", "Minimum", "LessThanThreshold", 1.0, "breaching"),
    ):
        alarms.append(aws.cloudwatch.MetricAlarm(
            f"{name}-{suffix}",
            namespace="AWS/NetworkELB",
            metric_name=metric,
            statistic=statistic,
            period=60,
            evaluation_periods=UNHEALTHY_MINUTES,
            comparison_operator=comparison,
            threshold=threshold,
            treat_missing_data=missing,
            dimensions={"LoadBalancer": nlb.arn_suffix, "TargetGroup": target.arn_suffix},
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            opts=opts,
        ))
    return tuple(alarms)
