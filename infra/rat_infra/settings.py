"""Typed stack settings. Every stack's `rat:settings` config object is validated here, so a stack that puts
personal data in the wrong jurisdiction fails before any resource is declared."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rat_infra.workloads import Deploys, Placement, SigningRole, Workload, workloads_for


class DataResidency(StrEnum):
    LATAM = "latam"
    EEA = "eea"


AML_MINIMUM_DAYS = 5 * 365  # FATF Recommendation 11; relayer/store/retention.py refuses less
EEA_AML_DAYS = 10 * 365  # Liechtenstein Sorgfaltspflichtgesetz art. 20 (docs/data/lifecycle.md)


# Regions whose data centres sit inside the jurisdiction. Zurich (eu-central-2) and London (eu-west-2) are
# deliberately absent: Switzerland and the UK are outside the EEA, which the Liechtenstein entity answers to.
RESIDENCY_REGIONS: Mapping[DataResidency, frozenset[str]] = {
    DataResidency.LATAM: frozenset({"sa-east-1", "mx-central-1"}),
    DataResidency.EEA: frozenset(
        {"eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2"}
    ),
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TaskSize(_Frozen):
    """Fargate task size; cpu in CPU units (1024 = 1 vCPU), memory in MiB, as ECS spells them."""

    cpu: int = Field(ge=256)
    memory: int = Field(ge=512)
    count: int = Field(ge=1)


class DatabaseSettings(_Frozen):
    instance_class: str
    allocated_storage_gb: int = Field(ge=20)
    engine_version: str = "16"


class BusSettings(_Frozen):
    """NATS JetStream nodes; an odd count of at least three tolerates one node loss in production."""

    nodes: int = Field(ge=1)
    cpu: int = Field(ge=256)
    memory: int = Field(ge=512)
    image: str = "nats:2.10.22-alpine"


class UsageAssumptions(_Frozen):
    """Monthly volumes the cost model needs and no resource declaration states."""

    log_ingest_gb: float = Field(ge=0)
    nat_processed_gb: float = Field(ge=0)
    alb_lcu: float = Field(ge=0, description="average load-balancer capacity units over the month")
    nlb_lcu: float = Field(ge=0, description="average network load-balancer capacity units over the month (the TRP "
                                             "listener's passthrough load balancer)")
    kms_requests: int = Field(ge=0, description="Sign/GetPublicKey plus envelope-encryption calls")
    bus_storage_gb: float = Field(ge=0)
    traces_millions: float = Field(ge=0)
    image_storage_gb: float = Field(ge=0)
    db_backup_gb_beyond_free: float = Field(ge=0)
    db_replication_gb: float = Field(
        default=0, ge=0, description="a standby: the primary's write-ahead log shipped to its read replica each month, "
                                     "billed as transfer out of the primary's region")


class StackSettings(_Frozen):
    stack: str
    environment: Literal["staging", "production"]
    region: str
    data_residency: DataResidency
    owner: str
    availability_zones: tuple[str, ...] = Field(min_length=2)
    vpc_cidr: str
    api_domain: str
    log_retention_days: int
    aml_record_days: int = Field(
        default=AML_MINIMUM_DAYS, ge=AML_MINIMUM_DAYS,
        description="AML record-keeping period the scheduled `rat-relayer purge` applies (FATF R.11: five years; "
                    "ten for the Liechtenstein entity, SPG art. 20)")
    monthly_budget_usd: float = Field(gt=0, description="this stack's share of RAT's monthly cloud budget")
    services: Mapping[str, TaskSize]
    custody_attestor: Placement = Field(
        default="this-stack", description="separate-stack: the custody attestor runs in the custodian's own stack "
                                          "and account (a stack with deploys: custody-attestor)")
    deploys: Deploys = Field(default="platform", description="custody-attestor: this stack is that attestor alone")
    relayer_cidrs: tuple[str, ...] = Field(
        default=(), description="custody-attestor stacks: where the platform's relayer connects from (its NAT "
                                "gateways' public addresses); the attestor's load balancer admits these only")
    database: DatabaseSettings
    bus: BusSettings
    usage: UsageAssumptions
    active: bool = Field(
        default=True, description="false: every service runs no task and the daily purge is disabled; a warm standby "
                                  "waits so, and a primary is frozen so before its standby takes over "
                                  "(docs/decisions/0073-warm-standby-in-jurisdiction.md)")
    standby_region: str | None = Field(
        default=None, description="a primary with a warm standby: the standby's region. The signing keys become "
                                  "multi-region keys that may be replicated to that region only")
    standby_of: str | None = Field(
        default=None, description="a warm standby: the primary stack it takes over from (its database is a "
                                  "read replica of the primary's, its signing keys replicas of the primary's)")

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_platform(self) -> bool:
        """The platform's own stack, as opposed to a custodian's (`deploys: custody-attestor`)."""
        return self.deploys == "platform"

    @property
    def prefix(self) -> str:
        return f"rat-{self.stack}"

    @property
    def is_standby(self) -> bool:
        return self.standby_of is not None

    def desired_count(self, workload: str) -> int:
        """Tasks the stack runs of a workload: its size's count, none while the stack is not active."""
        return self.services[workload].count if self.active else 0

    @model_validator(mode="after")
    def _region_matches_residency(self) -> StackSettings:
        allowed = RESIDENCY_REGIONS[self.data_residency]
        if self.region not in allowed:
            raise ValueError(
                f"data_residency {self.data_residency.value!r} allows regions {sorted(allowed)}, "
                f"not {self.region!r}"
            )
        for zone in self.availability_zones:
            if not zone.startswith(self.region):
                raise ValueError(f"availability zone {zone!r} is not in region {self.region!r}")
        return self

    @property
    def workloads(self) -> tuple[Workload, ...]:
        return workloads_for(self.deploys, self.custody_attestor)

    @model_validator(mode="after")
    def _eea_keeps_aml_records_ten_years(self) -> StackSettings:
        if self.data_residency == DataResidency.EEA and self.aml_record_days < EEA_AML_DAYS:
            raise ValueError(f"an EEA stack serves the Liechtenstein entity: aml_record_days must be at least "
                             f"{EEA_AML_DAYS} (SPG art. 20), got {self.aml_record_days}")
        return self

    @model_validator(mode="after")
    def _attestor_stack_has_its_relayer(self) -> StackSettings:
        if self.deploys == "custody-attestor" and not self.relayer_cidrs:
            raise ValueError("a custody-attestor stack needs relayer_cidrs: the only addresses that may reach it")
        for cidr in self.relayer_cidrs:
            # Its load balancer admits exactly these (rat_infra/custody_endpoint.py): a typo must not widen that.
            try:
                network = ipaddress.ip_network(cidr)
            except ValueError as e:
                raise ValueError(f"relayer_cidrs: {cidr!r} is not an address range like 203.0.113.10/32 "
                                 f"(the platform's NAT addresses): {e}") from None
            if network.prefixlen == 0:
                raise ValueError(f"relayer_cidrs: {cidr!r} would open the custody attestor to the whole internet; "
                                 "name the platform's NAT addresses")
            if network.version != 4 or "/" not in cidr:
                raise ValueError(f"relayer_cidrs: {cidr!r} must be an IPv4 range in CIDR notation, like "
                                 "203.0.113.10/32 (the platform's NAT gateways have IPv4 addresses)")
        return self

    @model_validator(mode="after")
    def _every_workload_sized(self) -> StackSettings:
        expected = {w.name for w in self.workloads}
        if set(self.services) != expected:
            raise ValueError(f"services must size exactly {sorted(expected)}, got {sorted(self.services)}")
        return self

    @model_validator(mode="after")
    def _submitter_has_a_standby_in_production(self) -> StackSettings:
        # Several relayer tasks are safe: only the holder of the work lease (a row in the shared PostgreSQL,
        # relayer/daemon.py) follows the chain and sends transactions, so no two tasks race for one nonce; the
        # others are hot standbys that take over within lease_ttl (docs/decisions/0046-relayer-failover-and-observability.md).
        for w in self.workloads:
            if SigningRole.SUBMITTER in w.signing_roles and self.is_production and self.services[w.name].count < 2:
                raise ValueError(f"production runs at least two {w.name} tasks: a leader and a standby that "
                                 "takes over when its host is lost")
        return self

    @model_validator(mode="after")
    def _trp_listener_survives_a_zone_loss_in_production(self) -> StackSettings:
        # A counterparty VASP holding a withdrawal for our investor gets no answer while no listener runs; tasks
        # share nothing but PostgreSQL (every state change a conditional update), so a second one is only cost.
        for w in self.workloads:
            if w.passthrough_port is not None and self.is_production and self.services[w.name].count < 2:
                raise ValueError(f"production runs at least two {w.name} tasks: other VASPs must reach the TRP "
                                 "listener when one zone is lost")
        return self

    @model_validator(mode="after")
    def _one_task_per_attestor(self) -> StackSettings:
        for w in self.workloads:
            if w.service_port is not None and self.services[w.name].count != 1:
                raise ValueError(f"{w.name} must run exactly one task: a second would keep a second record of what "
                                 "was signed and could sign a different fill for the same request")
        return self

    @model_validator(mode="after")
    def _production_survives_a_zone_loss(self) -> StackSettings:
        if self.is_production and self.bus.nodes < 3:
            raise ValueError("production JetStream needs at least 3 nodes to keep quorum when one is lost")
        return self

    @model_validator(mode="after")
    def _standby_stays_in_the_jurisdiction(self) -> StackSettings:
        allowed = RESIDENCY_REGIONS[self.data_residency]
        if self.standby_region is not None:
            if self.standby_region == self.region:
                raise ValueError(f"standby_region {self.standby_region!r} is this stack's own region: a standby "
                                 "in the same region does not survive the loss of that region")
            if self.standby_region not in allowed:
                raise ValueError(f"standby_region {self.standby_region!r} is outside data_residency "
                                 f"{self.data_residency.value!r}, which allows {sorted(allowed)}")
        if self.standby_of is not None:
            if self.standby_of == self.stack:
                raise ValueError(f"stack {self.stack!r} cannot be its own standby")
            if self.standby_region is not None:
                raise ValueError("a standby has no standby of its own (standby_of and standby_region both set)")
            if not self.is_platform:
                raise ValueError("only a platform stack has a standby: the custody attestor's stack is the "
                                 "custodian's")
        return self

    @classmethod
    def from_config(cls, stack: str, settings: Mapping[str, Any]) -> StackSettings:
        """Builds settings from the `rat:settings` object of Pulumi.<stack>.yaml (or pulumi.Config)."""
        return cls.model_validate({**settings, "stack": stack})


def check_standby_pair(primary: StackSettings, standby: StackSettings) -> None:
    """Refuses a primary/standby pair that would move personal data out of the jurisdiction, not survive the loss
    of the primary's region, or run two value-moving stacks at once (split brain: two relayers signing with the
    same keys would send orders twice)."""
    if standby.standby_of != primary.stack:
        raise ValueError(f"{standby.stack!r} is not a standby of {primary.stack!r}")
    if primary.is_standby:
        raise ValueError(f"{standby.stack!r} names {primary.stack!r} as its primary, which is itself a standby")
    if standby.data_residency != primary.data_residency:
        raise ValueError(f"standby {standby.stack!r} has data_residency {standby.data_residency.value!r}, its "
                         f"primary {primary.stack!r} {primary.data_residency.value!r}: the replica would carry "
                         "personal data out of the jurisdiction")
    if standby.region == primary.region:
        raise ValueError(f"standby {standby.stack!r} is in its primary's region {primary.region!r}: it would be "
                         "lost with it")
    if primary.standby_region != standby.region:
        raise ValueError(f"primary {primary.stack!r} has standby_region {primary.standby_region!r}, its standby "
                         f"{standby.stack!r} runs in {standby.region!r}: the signing keys could not be replicated "
                         "there")
    if standby.environment != primary.environment:
        raise ValueError(f"standby {standby.stack!r} is {standby.environment}, its primary {primary.environment}")
    if primary.active and standby.active:
        raise ValueError(f"{primary.stack!r} and its standby {standby.stack!r} are both active: two relayers would "
                         "sign and send the same orders. Freeze the primary (active: false) before the standby "
                         "takes over, and the standby before the primary takes back (docs/release/failover.md)")
