"""Logs, metrics and traces on managed services: each container logs to CloudWatch Logs through awslogs, and
an AWS Distro for OpenTelemetry sidecar receives OTLP from the app and exports traces to X-Ray and metrics
to CloudWatch (embedded metric format) in a log group this program owns, so it is encrypted with the stack key
instead of being created implicitly by the collector."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from rat_infra.settings import StackSettings
from rat_infra.tagging import personal_data

ADOT_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
OTLP_GRPC_PORT = 4317
# The services export traces over OTLP/HTTP (relayer/tracing.py; config `tracing.otlp_endpoint:
# http://127.0.0.1:4318/v1/traces`), which the collector takes on the task's loopback only.
OTLP_HTTP_PORT = 4318


@dataclass(frozen=True)
class Observability:
    log_groups: dict[str, aws.cloudwatch.LogGroup]
    metrics_log_group: aws.cloudwatch.LogGroup
    alarm_topic: aws.sns.Topic


def collector_config(metrics_log_group: str, namespace: str, prometheus_port: int | None = None) -> str:
    """OTLP in for traces and metrics; when the app serves Prometheus /metrics, scrape that too."""
    receivers: dict[str, Any] = {"otlp": {"protocols": {"grpc": {"endpoint": f"0.0.0.0:{OTLP_GRPC_PORT}"},
                                                        "http": {"endpoint": f"127.0.0.1:{OTLP_HTTP_PORT}"}}}}
    metric_receivers = ["otlp"]
    if prometheus_port is not None:
        receivers["prometheus"] = {
            "config": {
                "scrape_configs": [
                    {
                        "job_name": "app",
                        "scrape_interval": "30s",
                        "static_configs": [{"targets": [f"localhost:{prometheus_port}"]}],
                    }
                ]
            }
        }
        metric_receivers.append("prometheus")
    return json.dumps(
        {
            "receivers": receivers,
            "processors": {"batch": {}},
            "exporters": {
                "awsxray": {},
                "awsemf": {"log_group_name": metrics_log_group, "namespace": namespace},
            },
            "service": {
                "pipelines": {
                    "traces": {"receivers": ["otlp"], "processors": ["batch"], "exporters": ["awsxray"]},
                    "metrics": {
                        "receivers": metric_receivers,
                        "processors": ["batch"],
                        "exporters": ["awsemf"],
                    },
                }
            },
        }
    )


def telemetry_policy(metrics_log_group_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Resource": "*",
                    "Action": [
                        "xray:PutTraceSegments",
                        "xray:PutTelemetryRecords",
                        "xray:GetSamplingRules",
                        "xray:GetSamplingTargets",
                    ],
                },
                {
                    "Effect": "Allow",
                    "Resource": [metrics_log_group_arn, f"{metrics_log_group_arn}:*"],
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                },
            ],
        }
    )


def sidecar(
    settings: StackSettings, metrics_log_group: str, app_log_group: str, prometheus_port: int | None = None
) -> dict[str, Any]:
    return {
        "name": "otel-collector",
        "image": ADOT_IMAGE,
        "essential": False,
        "environment": [
            {
                "name": "AOT_CONFIG_CONTENT",
                "value": collector_config(metrics_log_group, f"RAT/{settings.stack}", prometheus_port),
            }
        ],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": app_log_group,
                "awslogs-region": settings.region,
                "awslogs-stream-prefix": "otel",
            },
        },
    }


def build_observability(
    settings: StackSettings, log_sources: list[str], data_key: aws.kms.Key, parent: pulumi.Resource
) -> Observability:
    p = settings.prefix
    opts = pulumi.ResourceOptions(parent=parent)

    def log_group(name: str, holds_personal_data: bool) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{p}-{name}",
            name=f"/rat/{settings.stack}/{name}",
            retention_in_days=settings.log_retention_days,
            kms_key_id=data_key.arn,
            tags=personal_data(holds_personal_data),
            opts=opts,
        )

    # Application logs can carry wallet addresses next to request IPs: treat them as personal data.
    groups = {source: log_group(source, True) for source in log_sources}
    metrics = log_group("metrics", False)
    topic = aws.sns.Topic(f"{p}-alarms", kms_master_key_id=data_key.id, opts=opts)
    return Observability(log_groups=groups, metrics_log_group=metrics, alarm_topic=topic)


REPLICA_LAG_ALARM_SECONDS = 60.0


def database_alarms(
    settings: StackSettings, db: aws.rds.Instance, topic: aws.sns.Topic, parent: pulumi.Resource
) -> None:
    opts = pulumi.ResourceOptions(parent=parent)
    free_storage_floor = settings.database.allocated_storage_gb * 0.1 * 1024**3
    for name, metric, comparison, threshold in (
        ("db-cpu", "CPUUtilization", "GreaterThanThreshold", 80.0),
        ("db-free-storage", "FreeStorageSpace", "LessThanThreshold", free_storage_floor),
    ):
        aws.cloudwatch.MetricAlarm(
            f"{settings.prefix}-{name}",
            namespace="AWS/RDS",
            metric_name=metric,
            statistic="Average",
            period=300,
            evaluation_periods=3,
            comparison_operator=comparison,
            threshold=threshold,
            dimensions={"DBInstanceIdentifier": db.identifier},
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            opts=opts,
        )
    if settings.is_standby and not settings.active:
        # The replica's lag is the failover's RPO (decision 0073); a replica that reports nothing is not replicating.
        aws.cloudwatch.MetricAlarm(
            f"{settings.prefix}-db-replica-lag",
            namespace="AWS/RDS",
            metric_name="ReplicaLag",
            statistic="Maximum",
            period=300,
            evaluation_periods=3,
            comparison_operator="GreaterThanThreshold",
            threshold=REPLICA_LAG_ALARM_SECONDS,
            treat_missing_data="breaching",
            dimensions={"DBInstanceIdentifier": db.identifier},
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            opts=opts,
        )


def load_balancer_alarms(
    settings: StackSettings,
    alb: aws.lb.LoadBalancer,
    target: aws.lb.TargetGroup,
    topic: aws.sns.Topic,
    parent: pulumi.Resource,
) -> None:
    opts = pulumi.ResourceOptions(parent=parent)
    for name, metric, threshold in (
        ("api-5xx", "HTTPCode_Target_5XX_Count", 10.0),
        ("api-unhealthy", "UnHealthyHostCount", 0.0),
    ):
        aws.cloudwatch.MetricAlarm(
            f"{settings.prefix}-{name}",
            namespace="AWS/ApplicationELB",
            metric_name=metric,
            statistic="Maximum" if metric == "UnHealthyHostCount" else "Sum",
            period=60,
            evaluation_periods=5,
            comparison_operator="GreaterThanThreshold",
            threshold=threshold,
            # No requests means no 5xx: silence is healthy, not an alarm.
            treat_missing_data="notBreaching",
            dimensions={"LoadBalancer": alb.arn_suffix, "TargetGroup": target.arn_suffix},
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            opts=opts,
        )


def vpc_flow_logs(
    settings: StackSettings,
    vpc: aws.ec2.Vpc,
    log_group: aws.cloudwatch.LogGroup,
    account_id: pulumi.Output[str],
    parent: pulumi.Resource,
) -> aws.ec2.FlowLog:
    """Network audit trail: every accepted and rejected flow in the VPC, kept as long as application logs."""
    opts = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        f"{settings.prefix}-flow-logs",
        assume_role_policy=account_id.apply(
            lambda a: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"aws:SourceAccount": a}},
                        }
                    ],
                }
            )
        ),
        opts=opts,
    )
    aws.iam.RolePolicy(
        f"{settings.prefix}-flow-logs",
        role=role.id,
        policy=log_group.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": [
                                "logs:CreateLogStream",
                                "logs:PutLogEvents",
                                "logs:DescribeLogStreams",
                            ],
                            "Resource": [arn, f"{arn}:*"],
                        }
                    ],
                }
            )
        ),
        opts=opts,
    )
    return aws.ec2.FlowLog(
        f"{settings.prefix}-vpc",
        vpc_id=vpc.id,
        traffic_type="ALL",
        log_destination_type="cloud-watch-logs",
        log_destination=log_group.arn,
        iam_role_arn=role.arn,
        opts=opts,
    )


UNHEALTHY_MINUTES = 5  # as the API's: a rolling deployment's replaced task is not an outage
