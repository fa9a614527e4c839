"""The TRP listener's way in from the internet: an internet-facing Network Load Balancer forwarding TCP 443 to the
`travel-rule` tasks' TRP port without terminating TLS (decision 0072).

TRP 3 authenticates the counterparty VASP by its client certificate (mutual TLS). A load balancer that terminated
TLS (an ALB, or an NLB with a TLS listener) would receive that certificate itself and hand the process plain HTTP,
so the listener could no longer refuse a client outside `travel_rule.tls_ca`. A TCP listener passes the TLS bytes
through untouched: the handshake, and with it the certificate check, happens in `rat-relayer travel-rule serve`.

Counterparties are other VASPs anywhere on the internet and TRP publishes no address ranges for them, so the load
balancer admits 443 from any address; the certificate is the access control. The tasks admit their port from the
load balancer's security group only, which works because client IP preservation is off (the tasks see the load
balancer's address, not the VASP's)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from rat_infra.network import Network, allow_from, security_group
from rat_infra.settings import StackSettings
from rat_infra.workloads import Workload

TRP_PUBLIC_PORT = 443  # the port of `travel_rule.public_url` (https://, no port)
# Seconds a stopped task keeps its open connections. A TRP exchange is one request answered synchronously
# (travel_rule.timeout is at most 60 s), so the 300 s default would only slow every deployment down.
DEREGISTRATION_DELAY = 60
HEALTH_CHECK_INTERVAL = 10  # seconds; three failures in a row take a task out of rotation
HEALTH_CHECK_THRESHOLD = 3


@dataclass(frozen=True)
class TrpSecurityGroups:
    load_balancer: aws.ec2.SecurityGroup
    listener: aws.ec2.SecurityGroup  # the `travel-rule` tasks


@dataclass(frozen=True)
class TrpEntrypoint:
    load_balancer: aws.lb.LoadBalancer
    target_group: aws.lb.TargetGroup
    listener: aws.lb.Listener


def trp_security_groups(settings: StackSettings, w: Workload, network: Network,
                        parent: pulumi.Resource) -> TrpSecurityGroups:
    """443 from anywhere into the load balancer; `w`'s TRP port from the load balancer only into its tasks."""
    port = _port(w)
    p = settings.prefix
    load_balancer = security_group(
        f"{p}-trp-nlb",
        network.vpc,
        "TRP from any VASP on the internet: the client certificate is the access control",
        parent,
        [aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=TRP_PUBLIC_PORT, to_port=TRP_PUBLIC_PORT,
                                          cidr_blocks=["0.0.0.0/0"], description="TRP over mutual TLS")],
    )
    listener = security_group(
        f"{p}-{w.name}",
        network.vpc,
        f"{w.name}: its TRP port from its network load balancer only",
        parent,
        [allow_from(port, [load_balancer], "TRP passed through by the NLB, and its health checks")],
    )
    return TrpSecurityGroups(load_balancer=load_balancer, listener=listener)


def build_trp_entrypoint(settings: StackSettings, w: Workload, network: Network, groups: TrpSecurityGroups,
                         opts: pulumi.ResourceOptions) -> TrpEntrypoint:
    """The NLB in the public subnets, its TCP 443 listener and the target group of `w`'s tasks (by IP: Fargate)."""
    p = settings.prefix
    load_balancer = aws.lb.LoadBalancer(
        f"{p}-trp",
        load_balancer_type="network",
        internal=False,
        subnets=network.public_subnet_ids,
        security_groups=[groups.load_balancer.id],
        # Each zone's NLB node is in DNS; with a task in only some zones (staging runs one), a node without a
        # task of its own zone must still forward to the others.
        enable_cross_zone_load_balancing=True,
        enable_deletion_protection=settings.is_production,
        opts=opts,
    )
    target_group = aws.lb.TargetGroup(
        f"{p}-trp",
        port=_port(w),
        protocol="TCP",
        target_type="ip",
        vpc_id=network.vpc.id,
        # Off: the tasks then see the load balancer's address, which their security group admits (see above).
        preserve_client_ip="false",
        deregistration_delay=DEREGISTRATION_DELAY,
        # A TCP connect: the listener answers HTTP only after a mutual-TLS handshake the load balancer cannot make.
        health_check=aws.lb.TargetGroupHealthCheckArgs(
            protocol="TCP", port="traffic-port", interval=HEALTH_CHECK_INTERVAL,
            healthy_threshold=HEALTH_CHECK_THRESHOLD, unhealthy_threshold=HEALTH_CHECK_THRESHOLD,
        ),
        opts=opts,
    )
    listener = aws.lb.Listener(
        f"{p}-trp-tcp",
        load_balancer_arn=load_balancer.arn,
        port=TRP_PUBLIC_PORT,
        protocol="TCP",  # not TLS: the load balancer never holds the operator's TRP key
        default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)],
        opts=opts,
    )
    return TrpEntrypoint(load_balancer=load_balancer, target_group=target_group, listener=listener)


def trp_workload(workloads: tuple[Workload, ...]) -> Workload | None:
    """The stack's workload served through the passthrough load balancer, if it runs one (at most one may)."""
    served = [w for w in workloads if w.passthrough_port is not None]
    if len(served) > 1:
        raise ValueError(f"one passthrough load balancer serves one workload, got {[w.name for w in served]}")
    return served[0] if served else None


def _port(w: Workload) -> int:
    if w.passthrough_port is None:
        raise ValueError(f"{w.name} has no passthrough port")
    return w.passthrough_port
