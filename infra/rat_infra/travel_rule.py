"""The TRP listener's way in from the internet: a passthrough network load balancer (rat_infra/passthrough_nlb.py)
forwarding TCP 443 to the `travel-rule` tasks' TRP port without terminating TLS (decision 0072).

TRP 3 authenticates the counterparty VASP by its client certificate (mutual TLS), so the handshake must end in
`rat-relayer travel-rule serve`, never at the load balancer. Counterparties are other VASPs anywhere on the internet
and TRP publishes no address ranges for them, so the load balancer admits 443 from any address; the certificate is
the access control. The tasks admit their port from the load balancer's security group only."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from rat_infra.network import Network
from rat_infra.passthrough_nlb import (
    PUBLIC_PORT,
    PassthroughNlb,
    PassthroughSecurityGroups,
    Wording,
    build_passthrough_nlb,
    passthrough_security_groups,
)
from rat_infra.settings import StackSettings
from rat_infra.workloads import Workload

TRP_PUBLIC_PORT = PUBLIC_PORT  # the port of `travel_rule.public_url` (https://, no port)
ANYWHERE = ("0.0.0.0/0",)


def trp_security_groups(settings: StackSettings, w: Workload, network: Network,
                        parent: pulumi.Resource) -> PassthroughSecurityGroups:
    """443 from anywhere into the load balancer (`<prefix>-trp-nlb`); `w`'s TRP port from the load balancer only
    into its tasks (`<prefix>-travel-rule`)."""
    wording = Wording(
        load_balancer_group="TRP from any VASP on the internet: the client certificate is the access control",
        load_balancer_rule="TRP over mutual TLS",
        targets_group=f"{w.name}: its TRP port from its network load balancer only",
        targets_rule="TRP passed through by the NLB, and its health checks",
    )
    return passthrough_security_groups(f"{settings.prefix}-trp", f"{settings.prefix}-{w.name}", network, _port(w),
                                       ANYWHERE, wording, parent)


def build_trp_entrypoint(settings: StackSettings, w: Workload, network: Network, groups: PassthroughSecurityGroups,
                         alarm_topic: aws.sns.Topic, opts: pulumi.ResourceOptions) -> PassthroughNlb:
    """`<prefix>-trp`: the NLB, its TCP 443 listener, the target group of `w`'s tasks and their alarms."""
    return build_passthrough_nlb(f"{settings.prefix}-trp", network, groups, _port(w), alarm_topic,
                                 settings.is_production, opts)


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
