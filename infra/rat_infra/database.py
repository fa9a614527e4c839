"""The relayer's state store: PostgreSQL on RDS, private subnets only, encrypted with the stack's data key.
Production adds a synchronous standby in a second zone, deletion protection and two weeks of point-in-time
recovery; staging keeps one day of backups so restores can be rehearsed cheaply. A warm standby's database is an
encrypted cross-region read replica of its primary's until failover promotes it (decision 0073)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from rat_infra.network import Network
from rat_infra.settings import StackSettings
from rat_infra.tagging import personal_data

PROD_BACKUP_RETENTION_DAYS = 14
STAGING_BACKUP_RETENTION_DAYS = 1
# The CA that signs the instance's server certificate, named rather than left to the RDS default of the day: the
# tasks verify the certificate (sslmode verify-full) against the image's bundle (rat_infra/rds_ca.py), which must
# hold this CA's root for the stack's region ("Amazon RDS <region> Root CA RSA2048 G1").
SERVER_CA = "rds-ca-rsa2048-g1"


def build_database(
    settings: StackSettings,
    network: Network,
    security_group: aws.ec2.SecurityGroup,
    data_key: aws.kms.Key,
    parent: pulumi.Resource,
    replicate_from: pulumi.Input[str] | None = None,
) -> aws.rds.Instance:
    """`replicate_from`: the primary instance's ARN, for a standby that is not active. The replica is encrypted
    with this stack's data key (a key of the standby's region: RDS re-encrypts what it ships across regions);
    engine, version, database name and master user are the primary's. Once the standby is active the instance is
    declared without it, which promotes the replica if `aws rds promote-read-replica` has not already, and gets
    what a primary has: Multi-AZ, point-in-time recovery, an RDS-managed master secret in this region."""
    p = settings.prefix
    prod = settings.is_production
    opts = pulumi.ResourceOptions(parent=parent)
    subnets = aws.rds.SubnetGroup(f"{p}-db", subnet_ids=network.private_subnet_ids, opts=opts)
    params = aws.rds.ParameterGroup(
        f"{p}-db",
        family=f"postgres{settings.database.engine_version}",
        parameters=[
            aws.rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1"),
            aws.rds.ParameterGroupParameterArgs(name="log_min_duration_statement", value="500"),
        ],
        opts=opts,
    )
    replica = replicate_from is not None
    primary_only = {} if replica else dict(
        manage_master_user_password=True,
        master_user_secret_kms_key_id=data_key.arn,
        backup_retention_period=PROD_BACKUP_RETENTION_DAYS if prod else STAGING_BACKUP_RETENTION_DAYS,
    )
    own_primary = {} if replica or settings.is_standby else dict(
        engine="postgres",
        engine_version=settings.database.engine_version,
        db_name="rat",
        username="rat_admin",
    )
    return aws.rds.Instance(
        f"{p}-db",
        replicate_source_db=replicate_from,
        **own_primary,
        **primary_only,
        instance_class=settings.database.instance_class,
        allocated_storage=settings.database.allocated_storage_gb,
        storage_type="gp3",
        storage_encrypted=True,
        kms_key_id=data_key.arn,
        iam_database_authentication_enabled=True,
        ca_cert_identifier=SERVER_CA,
        db_subnet_group_name=subnets.name,
        vpc_security_group_ids=[security_group.id],
        parameter_group_name=params.name,
        publicly_accessible=False,
        # A replica in one zone: it only has to keep up; promotion brings the second zone.
        multi_az=prod and not replica,
        deletion_protection=prod,
        copy_tags_to_snapshot=True,
        skip_final_snapshot=not prod,
        final_snapshot_identifier=f"{p}-db-final" if prod else None,
        enabled_cloudwatch_logs_exports=["postgresql"],
        auto_minor_version_upgrade=True,
        tags=personal_data(True),
        opts=pulumi.ResourceOptions(parent=parent, protect=prod),
    )
