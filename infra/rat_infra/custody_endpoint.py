"""The custody attestor's address when it runs in the custodian's own stack (`deploys: custody-attestor`, decision
0048): a passthrough network load balancer (rat_infra/passthrough_nlb.py) forwarding TCP 443 to the attestor's
mutual-TLS port, admitting the platform's relayer addresses (`relayer_cidrs`, its NAT gateways' public IPs) only.

The platform's relayer is in another account and VPC, so neither the platform's private namespace nor a security
group reference reaches the task; the attestor's tasks have no public IP. The load balancer gives it one DNS name
(the stack output `custody_attestor_hostname`) that the relayer's `attestors.custody.url` names. It does not
terminate TLS: the attestor verifies the relayer's client certificate itself (`tls.client_ca`,
`allowed_clients`) and presents its own server certificate, which must name that DNS name (or the custodian's
CNAME of it). In a platform stack the attestor has no load balancer: it stays private, reachable from the
relayer's security group only."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from rat_infra.network import Network
from rat_infra.passthrough_nlb import (
    PassthroughNlb,
    PassthroughSecurityGroups,
    Wording,
    build_passthrough_nlb,
    passthrough_security_groups,
)
from rat_infra.settings import StackSettings
from rat_infra.workloads import CUSTODY_ATTESTOR, Workload

ENDPOINT = "attestor"  # `<prefix>-attestor`: the load balancer, its target group and alarms; `-attestor-nlb` its group


def custody_endpoint_workload(settings: StackSettings) -> Workload | None:
    """The custody attestor, in the custodian's stack; None in a platform stack (its attestors stay private)."""
    if settings.deploys != "custody-attestor":
        return None
    return next(w for w in settings.workloads if w.name == CUSTODY_ATTESTOR)


def custody_endpoint_security_groups(settings: StackSettings, w: Workload, network: Network,
                                     parent: pulumi.Resource) -> PassthroughSecurityGroups:
    """443 from the platform's relayer addresses only into the load balancer; the attestor's mutual-TLS port from
    the load balancer only into its task (`<prefix>-custody-attestor`)."""
    wording = Wording(
        load_balancer_group="The custody attestor from the platform's relayer addresses only",
        load_balancer_rule="mutual TLS from the platform's relayer (its NAT addresses)",
        targets_group=f"{w.name}: its mTLS port from its network load balancer only",
        targets_rule="mutual TLS passed through by the NLB, and its health checks",
    )
    return passthrough_security_groups(_name(settings), f"{settings.prefix}-{w.name}", network, _port(w),
                                       settings.relayer_cidrs, wording, parent)


def build_custody_endpoint(settings: StackSettings, w: Workload, network: Network,
                           groups: PassthroughSecurityGroups, alarm_topic: aws.sns.Topic,
                           opts: pulumi.ResourceOptions) -> PassthroughNlb:
    """`<prefix>-attestor`: the NLB, its TCP 443 listener, the target group of the attestor's task and its alarms."""
    return build_passthrough_nlb(_name(settings), network, groups, _port(w), alarm_topic, settings.is_production,
                                 opts)


def _name(settings: StackSettings) -> str:
    return f"{settings.prefix}-{ENDPOINT}"


def _port(w: Workload) -> int:
    if w.service_port is None:
        raise ValueError(f"{w.name} has no mutual-TLS port")
    return w.service_port
