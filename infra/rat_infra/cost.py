"""Monthly run-rate of a stack, derived from the resources the program actually declares (counted under
Pulumi's mocks) and the stack's stated usage assumptions, priced with rat_infra.prices.

Run `python -m rat_infra.cost` from infra/ to print every stack's breakdown."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rat_infra.offline import Declared, declare, mock_arn
from rat_infra.prices import HOURS_PER_MONTH, Price, Sku, price, rds_instance_hour
from rat_infra.settings import StackSettings

BUDGET_USD_PER_MONTH = 15_000.0

# Declared types with no charge of their own (or priced through another line, e.g. task definitions through
# the services that run them). Anything declared that is neither here nor priced below fails the cost tests.
FREE_OR_PRICED_ELSEWHERE = frozenset(
    {
        "pulumi:providers:aws",
        "rat:infra:Stack",
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:kms/alias:Alias",
        "aws:ecs/cluster:Cluster",
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:lb/targetGroup:TargetGroup",
        "aws:lb/listener:Listener",
        "aws:acm/certificate:Certificate",
        "aws:rds/subnetGroup:SubnetGroup",
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:efs/mountTarget:MountTarget",
        "aws:efs/accessPoint:AccessPoint",
        "aws:servicediscovery/service:Service",  # billed per registered instance, counted from bus services
        "aws:secretsmanager/secretVersion:SecretVersion",
        "aws:sns/topic:Topic",  # alarm notifications stay inside the SNS free tier
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:budgets/budget:Budget",  # one budget per account; the first two per account are free
        "aws:ec2/flowLog:FlowLog",  # billed as log ingestion, inside the stack's log_ingest_gb
        # 30 invocations a month, inside EventBridge Scheduler's 14 million free; the purge task it starts runs a
        # few minutes a day at 0.25 vCPU / 0.5 GB, cents a month, not priced separately.
        "aws:scheduler/schedule:Schedule",
        "pulumi:pulumi:StackReference",  # a standby reading its primary's outputs from the Pulumi backend
    }
)


@dataclass(frozen=True)
class LineItem:
    component: str
    quantity: str
    usd: float
    price: Price


@dataclass(frozen=True)
class CostBreakdown:
    stack: str
    region: str
    items: tuple[LineItem, ...]

    @property
    def total(self) -> float:
        return sum(i.usd for i in self.items)

    def render(self) -> str:
        lines = [f"{self.stack} ({self.region})"]
        lines += [f"  {i.component:<34} {i.quantity:<40} {i.usd:>10,.2f}" for i in self.items]
        lines.append(f"  {'total':<75} {self.total:>10,.2f}")
        return "\n".join(lines)


def _of(resources: Sequence[Declared], typ: str) -> list[Declared]:
    return [r for r in resources if r.type == typ]


class _Pricer:
    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.items: list[LineItem] = []

    def add(self, component: str, quantity: float, unit: str, p: Price) -> None:
        if quantity:
            self.items.append(LineItem(component, f"{quantity:,.2f} {unit} @ {p.usd:g}", quantity * p.usd, p))

    def sku(self, sku: Sku) -> Price:
        return price(self.settings.region, sku)


def _compute(p: _Pricer, resources: Sequence[Declared]) -> None:
    tasks = {mock_arn(r.type, r.name): r for r in _of(resources, "aws:ecs/taskDefinition:TaskDefinition")}
    vcpu_hours = gb_hours = 0.0
    for service in _of(resources, "aws:ecs/service:Service"):
        task = tasks[service.inputs["taskDefinition"]]
        count = service.inputs["desiredCount"]
        vcpu_hours += int(task.inputs["cpu"]) / 1024 * count * HOURS_PER_MONTH
        gb_hours += int(task.inputs["memory"]) / 1024 * count * HOURS_PER_MONTH
    p.add("Fargate vCPU (arm64)", vcpu_hours, "vCPU-h", p.sku(Sku.FARGATE_ARM_VCPU_HOUR))
    p.add("Fargate memory (arm64)", gb_hours, "GB-h", p.sku(Sku.FARGATE_ARM_GB_HOUR))


def _database(p: _Pricer, resources: Sequence[Declared]) -> None:
    region = p.settings.region
    for db in _of(resources, "aws:rds/instance:Instance"):
        copies = 2 if db.inputs.get("multiAz") else 1
        label = "Multi-AZ" if copies == 2 else "single-AZ"
        p.add(
            f"RDS {db.inputs['instanceClass']} {label}",
            copies * HOURS_PER_MONTH,
            "instance-h",
            rds_instance_hour(region, db.inputs["instanceClass"]),
        )
        p.add("RDS gp3 storage", copies * db.inputs["allocatedStorage"], "GB-mo", p.sku(Sku.RDS_GP3_GB_MONTH))
        if db.inputs.get("manageMasterUserPassword"):
            p.add("RDS-managed master secret", 1, "secret", p.sku(Sku.SECRET_MONTH))
    usage = p.settings.usage
    if usage.db_replication_gb and p.settings.standby_of is not None:
        # Billed to the primary's account at its region's rate; both EEA regions list the same figure.
        p.add("RDS replication from the primary", usage.db_replication_gb, "GB",
              p.sku(Sku.INTER_REGION_TRANSFER_GB))
    if _of(resources, "aws:rds/instance:Instance"):  # a custodian's stack has no database, hence no backups
        p.add(
            "RDS backups beyond free",
            p.settings.usage.db_backup_gb_beyond_free,
            "GB-mo",
            p.sku(Sku.RDS_BACKUP_GB_MONTH),
        )


def _network(p: _Pricer, resources: Sequence[Declared]) -> None:
    nats = len(_of(resources, "aws:ec2/natGateway:NatGateway"))
    p.add("NAT gateways", nats * HOURS_PER_MONTH, "gateway-h", p.sku(Sku.NAT_GATEWAY_HOUR))
    if nats:
        p.add("NAT data processed", p.settings.usage.nat_processed_gb, "GB", p.sku(Sku.NAT_GATEWAY_GB))
    lbs = [lb for lb in _of(resources, "aws:lb/loadBalancer:LoadBalancer") if not lb.inputs.get("internal")]
    public_ips = len(_of(resources, "aws:ec2/eip:Eip")) + sum(len(lb.inputs["subnets"]) for lb in lbs)
    p.add("Public IPv4 addresses", public_ips * HOURS_PER_MONTH, "IP-h", p.sku(Sku.PUBLIC_IPV4_HOUR))
    _load_balancers(p, resources)


def _load_balancers(p: _Pricer, resources: Sequence[Declared]) -> None:
    """Hours per load balancer, and the capacity units the stack's usage assumptions state, per kind: the API's
    application load balancer and the TRP listener's network one are billed at different rates."""
    usage = p.settings.usage
    for kind, label, hour, lcu_hour, lcu in (
        ("application", "ALB", Sku.ALB_HOUR, Sku.ALB_LCU_HOUR, usage.alb_lcu),
        ("network", "NLB", Sku.NLB_HOUR, Sku.NLB_LCU_HOUR, usage.nlb_lcu),
    ):
        count = sum(1 for lb in _of(resources, "aws:lb/loadBalancer:LoadBalancer") if _kind(lb) == kind)
        p.add(f"{kind.capitalize()} load balancers", count * HOURS_PER_MONTH, f"{label}-h", p.sku(hour))
        if count:
            p.add(f"{label} capacity units", lcu * HOURS_PER_MONTH, "LCU-h", p.sku(lcu_hour))


def _kind(lb: Declared) -> str:
    kind = lb.inputs.get("loadBalancerType", "application")  # AWS's default
    if kind not in ("application", "network"):
        raise ValueError(f"no price for a {kind} load balancer ({lb.name})")
    return kind


def _keys_and_secrets(p: _Pricer, resources: Sequence[Declared]) -> None:
    # A multi-region replica key is billed as a key of its own.
    keys = _of(resources, "aws:kms/key:Key") + _of(resources, "aws:kms/replicaKey:ReplicaKey")
    p.add("KMS keys", len(keys), "key-mo", p.sku(Sku.KMS_KEY_MONTH))
    rotated = [k for k in keys if k.inputs.get("enableKeyRotation")]
    p.add("KMS rotated key versions (year 1)", len(rotated), "key-mo", p.sku(Sku.KMS_ROTATED_KEY_MONTH))
    # Every request priced at the asymmetric rate: an upper bound that ignores the free tier.
    p.add(
        "KMS requests",
        p.settings.usage.kms_requests / 10_000,
        "10k req",
        p.sku(Sku.KMS_10K_ASYMMETRIC_REQUESTS),
    )
    p.add(
        "Secrets Manager secrets",
        len(_of(resources, "aws:secretsmanager/secret:Secret")),
        "secret",
        p.sku(Sku.SECRET_MONTH),
    )


ATTESTOR_RECORD_GB = 0.1  # one row per request signed: ~1 KB, so 100k requests a month stay under 0.1 GB


def _bus(p: _Pricer, resources: Sequence[Declared]) -> None:
    file_systems = _of(resources, "aws:efs/fileSystem:FileSystem")
    records = [f for f in file_systems if f.name.endswith("-record")]
    if len(file_systems) > len(records):
        p.add("EFS (JetStream storage)", p.settings.usage.bus_storage_gb, "GB-mo", p.sku(Sku.EFS_GB_MONTH))
    if records:
        p.add("EFS (attestor records)", len(records) * ATTESTOR_RECORD_GB, "GB-mo", p.sku(Sku.EFS_GB_MONTH))
    zones = _of(resources, "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace")
    p.add("Private DNS namespace", len(zones), "zone-mo", p.sku(Sku.PRIVATE_HOSTED_ZONE_MONTH))
    registered = [s for s in _of(resources, "aws:ecs/service:Service") if s.inputs.get("serviceRegistries")]
    p.add(
        "Cloud Map registered servers",
        sum(s.inputs["desiredCount"] for s in registered),
        "instance-mo",
        p.sku(Sku.CLOUD_MAP_INSTANCE_MONTH),
    )


def _observability(p: _Pricer, resources: Sequence[Declared]) -> None:
    usage = p.settings.usage
    p.add("CloudWatch Logs ingestion", usage.log_ingest_gb, "GB", p.sku(Sku.LOGS_INGEST_GB))
    # Steady state: a month's ingestion times the months retained (capped at a year), uncompressed.
    retained_months = min(p.settings.log_retention_days, 365) / 30
    p.add(
        "CloudWatch Logs storage",
        usage.log_ingest_gb * retained_months,
        "GB-mo",
        p.sku(Sku.LOGS_STORE_GB_MONTH),
    )
    p.add(
        "CloudWatch alarms",
        len(_of(resources, "aws:cloudwatch/metricAlarm:MetricAlarm")),
        "alarm",
        p.sku(Sku.ALARM_MONTH),
    )
    p.add("X-Ray traces", usage.traces_millions, "M traces", p.sku(Sku.XRAY_MILLION_TRACES))
    if _of(resources, "aws:ecr/repository:Repository"):
        p.add("ECR image storage", usage.image_storage_gb, "GB-mo", p.sku(Sku.ECR_GB_MONTH))


PRICED: dict[str, Callable[[_Pricer, Sequence[Declared]], None]] = {
    "aws:ecs/service:Service": _compute,
    "aws:rds/instance:Instance": _database,
    "aws:ec2/natGateway:NatGateway": _network,
    "aws:ec2/eip:Eip": _network,
    "aws:lb/loadBalancer:LoadBalancer": _network,
    "aws:kms/key:Key": _keys_and_secrets,
    "aws:kms/replicaKey:ReplicaKey": _keys_and_secrets,
    "aws:secretsmanager/secret:Secret": _keys_and_secrets,
    "aws:efs/fileSystem:FileSystem": _bus,
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": _bus,
    "aws:cloudwatch/logGroup:LogGroup": _observability,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _observability,
    "aws:ecr/repository:Repository": _observability,
}


def unpriced_types(resources: Iterable[Declared]) -> set[str]:
    return {r.type for r in resources} - set(PRICED) - FREE_OR_PRICED_ELSEWHERE


def estimate(settings: StackSettings, resources: Sequence[Declared]) -> CostBreakdown:
    unknown = unpriced_types(resources)
    if unknown:
        raise ValueError(f"declared resource types with no price and not known to be free: {sorted(unknown)}")
    pricer = _Pricer(settings)
    for section in dict.fromkeys(PRICED.values()):  # each section once, in table order
        section(pricer, resources)
    return CostBreakdown(settings.stack, settings.region, tuple(pricer.items))


def main() -> None:
    from rat_infra.stack_files import load_stack_settings, stack_names

    breakdowns = []
    for stack in stack_names():
        settings = load_stack_settings(stack)
        breakdowns.append(estimate(settings, declare(settings)))
    for b in breakdowns:
        print(b.render(), end="\n\n")
    total = sum(b.total for b in breakdowns)
    print(f"all stacks: USD {total:,.2f}/month of a USD {BUDGET_USD_PER_MONTH:,.0f} budget")


if __name__ == "__main__":
    main()
