"""On-demand AWS list prices (USD) per region for what RAT declares.

Prices are as of the date on each row and will drift; they were transcribed from the AWS pricing pages
named in `source` (region selector set to the row's region). This machine cannot reach AWS, so they were
NOT re-fetched when the code was written: refresh them with the AWS Price List API before a budget
sign-off. Where a regional figure could not be confirmed, the row carries the us-east-1 list price times a
stated regional uplift rounded up, and `basis` says so; an uncertain price is always rounded up, never down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

HOURS_PER_MONTH = 730  # AWS's own convention on its pricing pages and calculator


class Sku(StrEnum):
    FARGATE_ARM_VCPU_HOUR = "fargate-arm64-vcpu-hour"
    FARGATE_ARM_GB_HOUR = "fargate-arm64-gb-hour"
    RDS_INSTANCE_HOUR = "rds-postgres-instance-hour"  # per instance class, see RdsPrice
    RDS_GP3_GB_MONTH = "rds-gp3-gb-month"
    RDS_BACKUP_GB_MONTH = "rds-backup-gb-month"
    NAT_GATEWAY_HOUR = "nat-gateway-hour"
    NAT_GATEWAY_GB = "nat-gateway-gb-processed"
    PUBLIC_IPV4_HOUR = "public-ipv4-hour"
    ALB_HOUR = "alb-hour"
    ALB_LCU_HOUR = "alb-lcu-hour"
    NLB_HOUR = "nlb-hour"
    NLB_LCU_HOUR = "nlb-lcu-hour"  # NLCU: TCP new connections, active connections or bytes, whichever is highest
    KMS_KEY_MONTH = "kms-key-month"
    KMS_ROTATED_KEY_MONTH = "kms-rotated-key-version-month"
    KMS_10K_ASYMMETRIC_REQUESTS = "kms-10k-asymmetric-requests"
    SECRET_MONTH = "secrets-manager-secret-month"
    EFS_GB_MONTH = "efs-standard-gb-month"
    LOGS_INGEST_GB = "cloudwatch-logs-ingest-gb"
    LOGS_STORE_GB_MONTH = "cloudwatch-logs-store-gb-month"
    ALARM_MONTH = "cloudwatch-standard-alarm-month"
    XRAY_MILLION_TRACES = "xray-million-traces-recorded"
    ECR_GB_MONTH = "ecr-storage-gb-month"
    PRIVATE_HOSTED_ZONE_MONTH = "route53-hosted-zone-month"
    CLOUD_MAP_INSTANCE_MONTH = "cloud-map-registered-instance-month"
    INTER_REGION_TRANSFER_GB = "data-transfer-to-another-region-gb"  # e.g. a cross-region read replica's stream


@dataclass(frozen=True)
class Price:
    usd: float
    source: str
    as_of: str  # ISO date of the price reading
    basis: str = "regional list price"


FARGATE = "https://aws.amazon.com/fargate/pricing/"
RDS = "https://aws.amazon.com/rds/postgresql/pricing/"
VPC = "https://aws.amazon.com/vpc/pricing/"
ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/"
KMS = "https://aws.amazon.com/kms/pricing/"
SECRETS = "https://aws.amazon.com/secrets-manager/pricing/"
EFS = "https://aws.amazon.com/efs/pricing/"
CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/"
XRAY = "https://aws.amazon.com/xray/pricing/"
ECR = "https://aws.amazon.com/ecr/pricing/"
ROUTE53 = "https://aws.amazon.com/route53/pricing/"
CLOUD_MAP = "https://aws.amazon.com/cloud-map/pricing/"

AS_OF = "2026-06-01"


def _uplift(us_east_1: float, factor: float, source: str) -> Price:
    return Price(
        round(us_east_1 * factor, 6),
        source,
        AS_OF,
        f"us-east-1 list {us_east_1} x {factor} regional uplift (regional figure not confirmed)",
    )


# Global prices: the same in every commercial region.
_GLOBAL: Mapping[Sku, Price] = {
    Sku.PUBLIC_IPV4_HOUR: Price(0.005, VPC, AS_OF, "global list price"),
    Sku.KMS_KEY_MONTH: Price(1.00, KMS, AS_OF, "global list price"),
    Sku.KMS_ROTATED_KEY_MONTH: Price(1.00, KMS, AS_OF, "global list price (first two rotations billed)"),
    Sku.KMS_10K_ASYMMETRIC_REQUESTS: Price(0.15, KMS, AS_OF, "list price for ECC Sign/Verify requests"),
    Sku.SECRET_MONTH: Price(0.40, SECRETS, AS_OF, "global list price"),
    Sku.PRIVATE_HOSTED_ZONE_MONTH: Price(0.50, ROUTE53, AS_OF, "global list price"),
    Sku.CLOUD_MAP_INSTANCE_MONTH: Price(0.10, CLOUD_MAP, AS_OF, "global list price"),
    Sku.ECR_GB_MONTH: Price(0.10, ECR, AS_OF, "global list price"),
}

# São Paulo runs well above us-east-1; 1.8 is the rounded-up ratio seen on the prices that were confirmed
# (Fargate x86 0.0696 / 0.04048 = 1.72, NAT 0.093 / 0.045 = 2.07 is handled as its own confirmed row).
SA_EAST_1_UPLIFT = 1.8
# Frankfurt: Fargate 0.04656 / 0.04048 = 1.15, rounded up.
EU_CENTRAL_1_UPLIFT = 1.2
# Ireland lists most services at or a few per cent above us-east-1 (Fargate and NAT exactly so); 1.1 rounds up.
EU_WEST_1_UPLIFT = 1.1
# The RDS pricing page lists the cross-region transfer of a read replica's stream under "Data transfer".

PRICES: Mapping[str, Mapping[Sku, Price]] = {
    "sa-east-1": {
        **_GLOBAL,
        # Graviton Fargate is 20% below x86; sa-east-1 x86 is 0.0696 vCPU-h and 0.0076 GB-h.
        Sku.FARGATE_ARM_VCPU_HOUR: Price(
            0.05568, FARGATE, AS_OF, "sa-east-1 x86 list 0.0696 x 0.8 (Graviton)"
        ),
        Sku.FARGATE_ARM_GB_HOUR: Price(0.00608, FARGATE, AS_OF, "sa-east-1 x86 list 0.0076 x 0.8 (Graviton)"),
        Sku.RDS_GP3_GB_MONTH: _uplift(0.115, SA_EAST_1_UPLIFT, RDS),
        Sku.RDS_BACKUP_GB_MONTH: _uplift(0.095, SA_EAST_1_UPLIFT, RDS),
        Sku.NAT_GATEWAY_HOUR: Price(0.093, VPC, AS_OF),
        Sku.NAT_GATEWAY_GB: Price(0.093, VPC, AS_OF),
        Sku.ALB_HOUR: _uplift(0.0225, SA_EAST_1_UPLIFT, ELB),
        Sku.ALB_LCU_HOUR: _uplift(0.008, SA_EAST_1_UPLIFT, ELB),
        Sku.NLB_HOUR: _uplift(0.0225, SA_EAST_1_UPLIFT, ELB),
        Sku.NLB_LCU_HOUR: _uplift(0.006, SA_EAST_1_UPLIFT, ELB),
        Sku.EFS_GB_MONTH: _uplift(0.30, SA_EAST_1_UPLIFT, EFS),
        Sku.LOGS_INGEST_GB: _uplift(0.50, SA_EAST_1_UPLIFT, CLOUDWATCH),
        Sku.LOGS_STORE_GB_MONTH: _uplift(0.03, SA_EAST_1_UPLIFT, CLOUDWATCH),
        Sku.ALARM_MONTH: _uplift(0.10, SA_EAST_1_UPLIFT, CLOUDWATCH),
        Sku.XRAY_MILLION_TRACES: _uplift(5.00, SA_EAST_1_UPLIFT, XRAY),
    },
    "eu-central-1": {
        **_GLOBAL,
        Sku.FARGATE_ARM_VCPU_HOUR: Price(
            0.03725, FARGATE, AS_OF, "eu-central-1 x86 list 0.04656 x 0.8 (Graviton)"
        ),
        Sku.FARGATE_ARM_GB_HOUR: Price(
            0.00409, FARGATE, AS_OF, "eu-central-1 x86 list 0.00511 x 0.8 (Graviton)"
        ),
        Sku.RDS_GP3_GB_MONTH: _uplift(0.115, EU_CENTRAL_1_UPLIFT, RDS),
        Sku.RDS_BACKUP_GB_MONTH: _uplift(0.095, EU_CENTRAL_1_UPLIFT, RDS),
        Sku.NAT_GATEWAY_HOUR: Price(0.052, VPC, AS_OF),
        Sku.NAT_GATEWAY_GB: Price(0.052, VPC, AS_OF),
        Sku.ALB_HOUR: _uplift(0.0225, EU_CENTRAL_1_UPLIFT, ELB),
        Sku.ALB_LCU_HOUR: _uplift(0.008, EU_CENTRAL_1_UPLIFT, ELB),
        Sku.NLB_HOUR: _uplift(0.0225, EU_CENTRAL_1_UPLIFT, ELB),
        Sku.NLB_LCU_HOUR: _uplift(0.006, EU_CENTRAL_1_UPLIFT, ELB),
        Sku.EFS_GB_MONTH: _uplift(0.30, EU_CENTRAL_1_UPLIFT, EFS),
        Sku.LOGS_INGEST_GB: _uplift(0.50, EU_CENTRAL_1_UPLIFT, CLOUDWATCH),
        Sku.LOGS_STORE_GB_MONTH: _uplift(0.03, EU_CENTRAL_1_UPLIFT, CLOUDWATCH),
        Sku.ALARM_MONTH: _uplift(0.10, EU_CENTRAL_1_UPLIFT, CLOUDWATCH),
        Sku.XRAY_MILLION_TRACES: _uplift(5.00, EU_CENTRAL_1_UPLIFT, XRAY),
        Sku.INTER_REGION_TRANSFER_GB: Price(0.02, RDS, AS_OF, "eu-central-1 to another AWS region"),
    },
    # prod-eea's warm standby (decision 0073).
    "eu-west-1": {
        **_GLOBAL,
        Sku.FARGATE_ARM_VCPU_HOUR: Price(0.032384, FARGATE, AS_OF, "eu-west-1 x86 list 0.04048 x 0.8 (Graviton)"),
        Sku.FARGATE_ARM_GB_HOUR: Price(0.003556, FARGATE, AS_OF, "eu-west-1 x86 list 0.004445 x 0.8 (Graviton)"),
        Sku.RDS_GP3_GB_MONTH: _uplift(0.115, EU_WEST_1_UPLIFT, RDS),
        Sku.RDS_BACKUP_GB_MONTH: _uplift(0.095, EU_WEST_1_UPLIFT, RDS),
        Sku.NAT_GATEWAY_HOUR: Price(0.048, VPC, AS_OF),
        Sku.NAT_GATEWAY_GB: Price(0.048, VPC, AS_OF),
        Sku.ALB_HOUR: _uplift(0.0225, EU_WEST_1_UPLIFT, ELB),
        Sku.ALB_LCU_HOUR: _uplift(0.008, EU_WEST_1_UPLIFT, ELB),
        Sku.NLB_HOUR: _uplift(0.0225, EU_WEST_1_UPLIFT, ELB),
        Sku.NLB_LCU_HOUR: _uplift(0.006, EU_WEST_1_UPLIFT, ELB),
        Sku.EFS_GB_MONTH: _uplift(0.30, EU_WEST_1_UPLIFT, EFS),
        Sku.LOGS_INGEST_GB: _uplift(0.50, EU_WEST_1_UPLIFT, CLOUDWATCH),
        Sku.LOGS_STORE_GB_MONTH: _uplift(0.03, EU_WEST_1_UPLIFT, CLOUDWATCH),
        Sku.ALARM_MONTH: _uplift(0.10, EU_WEST_1_UPLIFT, CLOUDWATCH),
        Sku.XRAY_MILLION_TRACES: _uplift(5.00, EU_WEST_1_UPLIFT, XRAY),
        Sku.INTER_REGION_TRANSFER_GB: Price(0.02, RDS, AS_OF, "eu-west-1 to another AWS region"),
    },
}

# RDS for PostgreSQL single-AZ on-demand instance-hours (us-east-1 list), uplifted per region.
# Multi-AZ (one standby) bills exactly twice the single-AZ rate.
RDS_US_EAST_1_HOURLY: Mapping[str, float] = {
    "db.t4g.micro": 0.016,
    "db.t4g.small": 0.032,
    "db.t4g.medium": 0.065,
    "db.t4g.large": 0.129,
    "db.m6g.large": 0.152,
    "db.m6g.xlarge": 0.304,
}
RDS_UPLIFT: Mapping[str, float] = {
    "sa-east-1": SA_EAST_1_UPLIFT, "eu-central-1": EU_CENTRAL_1_UPLIFT, "eu-west-1": EU_WEST_1_UPLIFT}


def rds_instance_hour(region: str, instance_class: str) -> Price:
    try:
        us = RDS_US_EAST_1_HOURLY[instance_class]
    except KeyError:
        raise KeyError(f"no RDS price for {instance_class}; add it to RDS_US_EAST_1_HOURLY") from None
    return _uplift(us, RDS_UPLIFT[region], RDS)


def price(region: str, sku: Sku) -> Price:
    try:
        return PRICES[region][sku]
    except KeyError:
        raise KeyError(f"no {sku.value} price for {region}; add it to rat_infra.prices") from None
