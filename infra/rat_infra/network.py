"""VPC with public subnets for the load balancer and NAT only, and private subnets for everything that holds
state or keys. Production gets one NAT gateway per zone so losing a zone does not cut the others' egress."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from rat_infra.settings import StackSettings


@dataclass(frozen=True)
class Network:
    vpc: aws.ec2.Vpc
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]


def _subnet_cidrs(vpc_cidr: str, count: int) -> tuple[list[str], list[str]]:
    # /20s: the first `count` public, the next `count` private; leaves room for more zones later.
    blocks = [str(b) for b in ipaddress.ip_network(vpc_cidr).subnets(new_prefix=20)]
    return blocks[:count], blocks[count : 2 * count]


def build_network(settings: StackSettings, parent: pulumi.Resource) -> Network:
    p = settings.prefix
    opts = pulumi.ResourceOptions(parent=parent)
    vpc = aws.ec2.Vpc(
        f"{p}-vpc",
        cidr_block=settings.vpc_cidr,
        enable_dns_hostnames=True,
        enable_dns_support=True,
        opts=opts,
    )
    igw = aws.ec2.InternetGateway(f"{p}-igw", vpc_id=vpc.id, opts=opts)
    public_rt = aws.ec2.RouteTable(
        f"{p}-public-rt",
        vpc_id=vpc.id,
        routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
        opts=opts,
    )

    public_cidrs, private_cidrs = _subnet_cidrs(settings.vpc_cidr, len(settings.availability_zones))
    public_ids: list[pulumi.Output[str]] = []
    private_ids: list[pulumi.Output[str]] = []
    nat_ids: list[pulumi.Output[str]] = []
    nat_count = len(settings.availability_zones) if settings.is_production else 1
    for i, zone in enumerate(settings.availability_zones):
        public = aws.ec2.Subnet(
            f"{p}-public-{zone}",
            vpc_id=vpc.id,
            cidr_block=public_cidrs[i],
            availability_zone=zone,
            map_public_ip_on_launch=False,
            opts=opts,
        )
        aws.ec2.RouteTableAssociation(
            f"{p}-public-{zone}", subnet_id=public.id, route_table_id=public_rt.id, opts=opts
        )
        public_ids.append(public.id)
        if i < nat_count:
            eip = aws.ec2.Eip(f"{p}-nat-{zone}", domain="vpc", opts=opts)
            nat = aws.ec2.NatGateway(
                f"{p}-nat-{zone}",
                subnet_id=public.id,
                allocation_id=eip.id,
                opts=pulumi.ResourceOptions(parent=parent, depends_on=[igw]),
            )
            nat_ids.append(nat.id)

        private = aws.ec2.Subnet(
            f"{p}-private-{zone}",
            vpc_id=vpc.id,
            cidr_block=private_cidrs[i],
            availability_zone=zone,
            map_public_ip_on_launch=False,
            opts=opts,
        )
        private_rt = aws.ec2.RouteTable(
            f"{p}-private-rt-{zone}",
            vpc_id=vpc.id,
            routes=[
                aws.ec2.RouteTableRouteArgs(
                    cidr_block="0.0.0.0/0", nat_gateway_id=nat_ids[min(i, nat_count - 1)]
                )
            ],
            opts=opts,
        )
        aws.ec2.RouteTableAssociation(
            f"{p}-private-{zone}", subnet_id=private.id, route_table_id=private_rt.id, opts=opts
        )
        private_ids.append(private.id)
    return Network(vpc=vpc, public_subnet_ids=public_ids, private_subnet_ids=private_ids)


def security_group(
    name: str,
    vpc: aws.ec2.Vpc,
    description: str,
    parent: pulumi.Resource,
    ingress: list[aws.ec2.SecurityGroupIngressArgs] | None = None,
) -> aws.ec2.SecurityGroup:
    """Inline rules only, so the whole reachability of a group is visible in one declaration."""
    return aws.ec2.SecurityGroup(
        name,
        vpc_id=vpc.id,
        description=description,
        ingress=ingress or [],
        egress=[
            aws.ec2.SecurityGroupEgressArgs(protocol="-1", from_port=0, to_port=0, cidr_blocks=["0.0.0.0/0"])
        ],
        opts=pulumi.ResourceOptions(parent=parent),
    )


def allow_from(
    port: int, sources: list[aws.ec2.SecurityGroup], description: str
) -> aws.ec2.SecurityGroupIngressArgs:
    return aws.ec2.SecurityGroupIngressArgs(
        protocol="tcp",
        from_port=port,
        to_port=port,
        security_groups=[s.id for s in sources],
        description=description,
    )


def private_dns_name(resource_name: str, name: str, namespace_id: pulumi.Input[str],
                     opts: pulumi.ResourceOptions) -> aws.servicediscovery.Service:
    """`name.<namespace>` in a private Cloud Map namespace: one A record per running task of the ECS service that
    registers it (ECS adds and removes them with the tasks; a 10 s TTL so a replaced task is found quickly)."""
    return aws.servicediscovery.Service(
        resource_name,
        name=name,
        dns_config=aws.servicediscovery.ServiceDnsConfigArgs(
            namespace_id=namespace_id,
            routing_policy="MULTIVALUE",
            dns_records=[aws.servicediscovery.ServiceDnsConfigDnsRecordArgs(ttl=10, type="A")],
        ),
        health_check_custom_config=aws.servicediscovery.ServiceHealthCheckCustomConfigArgs(),
        opts=opts,
    )
