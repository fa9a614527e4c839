"""NATS JetStream, the relayer's event bus, as one Fargate service per server with its own directory on an
encrypted EFS file system. One service per server (not one service with N tasks) gives each server a stable
name, a stable DNS record for cluster routes and a storage directory no other server opens.

Managed alternatives were weighed in docs/decisions/0042: Amazon MQ and MSK would change the relayer's bus
client and semantics, while JetStream's exactly-once dedup window is what the relayer relies on."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from rat_infra.network import Network, allow_from, security_group
from rat_infra.settings import StackSettings
from rat_infra.tagging import personal_data

CLIENT_PORT = 4222
CLUSTER_PORT = 6222
NATS_UID = 1000
DATA_DIR = "/data"


@dataclass(frozen=True)
class Bus:
    security_group: aws.ec2.SecurityGroup
    file_system: aws.efs.FileSystem
    url: str


def server_command(node: int, nodes: int, namespace: str) -> list[str]:
    args = [
        "nats-server",
        "--jetstream",
        "--store_dir",
        DATA_DIR,
        "--server_name",
        f"nats-{node}",
        "--port",
        str(CLIENT_PORT),
    ]
    if nodes > 1:
        routes = ",".join(f"nats://nats-{i}.{namespace}:{CLUSTER_PORT}" for i in range(nodes) if i != node)
        args += ["--cluster_name", "rat", "--cluster", f"nats://0.0.0.0:{CLUSTER_PORT}", "--routes", routes]
    # The token comes from Secrets Manager as an environment variable; ECS does not expand variables in
    # commands, so a shell does, and exec keeps nats-server as PID 1 for signals.
    return ["sh", "-c", f'exec {shlex.join(args)} --auth "$NATS_TOKEN"']


def build_bus(
    settings: StackSettings,
    network: Network,
    clients: list[aws.ec2.SecurityGroup],
    cluster: aws.ecs.Cluster,
    execution_role: aws.iam.Role,
    task_role: aws.iam.Role,
    token_secret: aws.secretsmanager.Secret,
    log_group: aws.cloudwatch.LogGroup,
    data_key: aws.kms.Key,
    parent: pulumi.Resource,
) -> Bus:
    p = settings.prefix
    opts = pulumi.ResourceOptions(parent=parent)
    namespace_name = f"{settings.stack}.rat.internal"

    bus_sg = aws.ec2.SecurityGroup(
        f"{p}-bus",
        vpc_id=network.vpc.id,
        description="NATS: clients from RAT services, routes between servers",
        ingress=[
            allow_from(CLIENT_PORT, clients, "NATS clients"),
            aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp",
                from_port=CLUSTER_PORT,
                to_port=CLUSTER_PORT,
                self=True,
                description="NATS cluster routes",
            ),
        ],
        egress=[
            aws.ec2.SecurityGroupEgressArgs(protocol="-1", from_port=0, to_port=0, cidr_blocks=["0.0.0.0/0"])
        ],
        opts=opts,
    )
    efs_sg = security_group(
        f"{p}-bus-efs",
        network.vpc,
        "NFS from NATS servers only",
        parent,
        [allow_from(2049, [bus_sg], "NFS from NATS")],
    )

    fs = aws.efs.FileSystem(
        f"{p}-bus",
        encrypted=True,
        kms_key_id=data_key.arn,
        throughput_mode="elastic",
        tags=personal_data(True),
        opts=opts,
    )
    mounts = [
        aws.efs.MountTarget(
            f"{p}-bus-{i}", file_system_id=fs.id, subnet_id=subnet, security_groups=[efs_sg.id], opts=opts
        )
        for i, subnet in enumerate(network.private_subnet_ids)
    ]

    namespace = aws.servicediscovery.PrivateDnsNamespace(
        f"{p}-internal", name=namespace_name, vpc=network.vpc.id, opts=opts
    )
    aws.iam.RolePolicy(
        f"{p}-bus-efs",
        role=task_role.id,
        policy=fs.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Resource": arn,
                            "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                        }
                    ],
                }
            )
        ),
        opts=opts,
    )

    for node in range(settings.bus.nodes):
        name = f"{p}-nats-{node}"
        access_point = aws.efs.AccessPoint(
            name,
            file_system_id=fs.id,
            posix_user=aws.efs.AccessPointPosixUserArgs(uid=NATS_UID, gid=NATS_UID),
            root_directory=aws.efs.AccessPointRootDirectoryArgs(
                path=f"/nats-{node}",
                creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                    owner_uid=NATS_UID, owner_gid=NATS_UID, permissions="700"
                ),
            ),
            opts=opts,
        )
        discovery = aws.servicediscovery.Service(
            name,
            name=f"nats-{node}",
            dns_config=aws.servicediscovery.ServiceDnsConfigArgs(
                namespace_id=namespace.id,
                routing_policy="MULTIVALUE",
                dns_records=[aws.servicediscovery.ServiceDnsConfigDnsRecordArgs(ttl=10, type="A")],
            ),
            health_check_custom_config=aws.servicediscovery.ServiceHealthCheckCustomConfigArgs(),
            opts=opts,
        )
        container = pulumi.Output.all(token_secret.arn, log_group.name).apply(
            lambda a, node=node: json.dumps(
                [
                    {
                        "name": "nats",
                        "image": settings.bus.image,
                        "essential": True,
                        "user": f"{NATS_UID}:{NATS_UID}",
                        "command": server_command(node, settings.bus.nodes, namespace_name),
                        "portMappings": [{"containerPort": CLIENT_PORT}, {"containerPort": CLUSTER_PORT}],
                        "secrets": [{"name": "NATS_TOKEN", "valueFrom": a[0]}],
                        "mountPoints": [{"sourceVolume": "jetstream", "containerPath": DATA_DIR}],
                        "readonlyRootFilesystem": True,
                        "logConfiguration": {
                            "logDriver": "awslogs",
                            "options": {
                                "awslogs-group": a[1],
                                "awslogs-region": settings.region,
                                "awslogs-stream-prefix": "nats",
                            },
                        },
                    }
                ]
            )
        )
        task = aws.ecs.TaskDefinition(
            name,
            family=name,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(settings.bus.cpu),
            memory=str(settings.bus.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="ARM64"
            ),
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            container_definitions=container,
            volumes=[
                aws.ecs.TaskDefinitionVolumeArgs(
                    name="jetstream",
                    efs_volume_configuration=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationArgs(
                        file_system_id=fs.id,
                        transit_encryption="ENABLED",
                        authorization_config=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfigArgs(
                            access_point_id=access_point.id, iam="ENABLED"
                        ),
                    ),
                )
            ],
            opts=opts,
        )
        aws.ecs.Service(
            name,
            cluster=cluster.arn,
            task_definition=task.arn,
            desired_count=1,
            launch_type="FARGATE",
            # Never two servers on one storage directory: stop the old task before starting the new one.
            deployment_minimum_healthy_percent=0,
            deployment_maximum_percent=100,
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=network.private_subnet_ids, security_groups=[bus_sg.id], assign_public_ip=False
            ),
            service_registries=aws.ecs.ServiceServiceRegistriesArgs(registry_arn=discovery.arn),
            propagate_tags="SERVICE",
            opts=pulumi.ResourceOptions(parent=parent, depends_on=mounts),
        )

    url = ",".join(f"nats://nats-{i}.{namespace_name}:{CLIENT_PORT}" for i in range(settings.bus.nodes))
    return Bus(security_group=bus_sg, file_system=fs, url=url)
