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

from rat_infra.network import Network, allow_from, private_dns_name, security_group
from rat_infra.settings import StackSettings
from rat_infra.tagging import personal_data

CLIENT_PORT = 4222
CLUSTER_PORT = 6222
NATS_UID = 1000
DATA_DIR = "/data"
# Task-local scratch (Fargate ephemeral storage, encrypted by the platform), the only writable path besides the
# JetStream store: the route certificate and key are written here at start, never to the EFS store.
SCRATCH_DIR = "/run/nats"
# ECS hands each part of the `nats-route-tls` secret (rat_infra/route_tls.py) to the server as one variable.
ROUTE_TLS_VARIABLES = {"NATS_ROUTE_CA": "ca", "NATS_ROUTE_CERT": "cert", "NATS_ROUTE_KEY": "key"}
# The server's half of the `nats-client-tls` secret (rat_infra/bus_tls.py): the client port's certificate and key.
# The `ca` part goes to the bus clients instead (task_env.NATS_CA); the server verifies no client certificate, the
# token authenticates clients.
BUS_TLS_VARIABLES = {"NATS_BUS_CERT": "cert", "NATS_BUS_KEY": "key"}


@dataclass(frozen=True)
class Bus:
    security_group: aws.ec2.SecurityGroup
    file_system: aws.efs.FileSystem
    url: str
    namespace: aws.servicediscovery.PrivateDnsNamespace  # `<stack>.rat.internal`, also where the attestors are found


@dataclass(frozen=True)
class ServerLayout:
    """Where a server listens and keeps its files, and how it names its peers. The defaults are the Fargate
    task's; tests run the same command on one machine with other ports and directories."""

    namespace: str
    client_port: int = CLIENT_PORT
    cluster_port: int = CLUSTER_PORT
    data_dir: str = DATA_DIR
    scratch_dir: str = SCRATCH_DIR
    peer_host: str = "nats-{node}.{namespace}"  # each server's Cloud Map name, which the route certificate covers
    peer_ports: tuple[int, ...] = ()  # one cluster port per node when peers share a host; else all cluster_port

    def peer(self, node: int) -> str:
        port = self.peer_ports[node] if self.peer_ports else self.cluster_port
        return f"{self.peer_host.format(node=node, namespace=self.namespace)}:{port}"


def route_config(node: int, nodes: int, layout: ServerLayout) -> str:
    """The `cluster` block: routes to every other server over TLS, verified both ways against the stack's route
    CA (a peer without a certificate that CA signed, or with a name the certificate does not cover, is refused)."""
    routes = ", ".join(f'"nats-route://{layout.peer(i)}"' for i in range(nodes) if i != node)
    scratch = layout.scratch_dir
    return (
        "cluster {\n"
        "  name: rat\n"
        f'  listen: "0.0.0.0:{layout.cluster_port}"\n'
        f"  routes: [{routes}]\n"
        "  tls {\n"
        f'    ca_file: "{scratch}/route-ca.pem"\n'
        f'    cert_file: "{scratch}/route-cert.pem"\n'
        f'    key_file: "{scratch}/route-key.pem"\n'
        "    verify: true\n"
        "    timeout: 2\n"
        "  }\n"
        "}\n"
    )


def client_tls_args(layout: ServerLayout) -> list[str]:
    """Clients on the client port over TLS only: with a certificate configured, nats-server refuses a client that
    does not upgrade (no `allow_non_tls`), so the token never crosses the VPC in clear."""
    scratch = layout.scratch_dir
    return ["--tls", "--tlscert", f"{scratch}/bus-cert.pem", "--tlskey", f"{scratch}/bus-key.pem"]


def server_command(node: int, nodes: int, layout: ServerLayout) -> list[str]:
    args = [
        "nats-server",
        "--jetstream",
        "--store_dir",
        layout.data_dir,
        "--server_name",
        f"nats-{node}",
        "--port",
        str(layout.client_port),
        *client_tls_args(layout),
    ]
    # The token and the TLS bundles come from Secrets Manager as environment variables; ECS does not expand
    # variables in commands, so a shell does, and exec keeps nats-server as PID 1 for signals.
    scratch = layout.scratch_dir
    script = [
        "set -eu",
        "umask 077",
        *(f'printf "%s\\n" "${variable}" > {scratch}/bus-{part}.pem' for variable, part in BUS_TLS_VARIABLES.items()),
    ]
    if nodes > 1:
        script += [
            *(f'printf "%s\\n" "${variable}" > {scratch}/route-{part}.pem'
              for variable, part in ROUTE_TLS_VARIABLES.items()),
            f"printf %s {shlex.quote(route_config(node, nodes, layout))} > {scratch}/nats.conf",
        ]
        args += ["--config", f"{scratch}/nats.conf"]
    script.append(f'exec {shlex.join(args)} --auth "$NATS_TOKEN"')
    return ["sh", "-c", "\n".join(script)]


def bus_tls_secrets(secret_arn: str) -> list[dict[str, str]]:
    """ECS secrets handing the client port's certificate and key (parts of a JSON secret) to every server."""
    return [{"name": variable, "valueFrom": f"{secret_arn}:{part}::"} for variable, part in BUS_TLS_VARIABLES.items()]


def route_tls_secrets(secret_arn: str, clustered: bool) -> list[dict[str, str]]:
    """ECS secrets handing each part of the route TLS bundle (a JSON secret) to the server; none for one server."""
    if not clustered:
        return []
    return [{"name": variable, "valueFrom": f"{secret_arn}:{part}::"} for variable, part in ROUTE_TLS_VARIABLES.items()]


def build_bus(
    settings: StackSettings,
    network: Network,
    clients: list[aws.ec2.SecurityGroup],
    cluster: aws.ecs.Cluster,
    execution_role: aws.iam.Role,
    task_role: aws.iam.Role,
    token_secret: aws.secretsmanager.Secret,
    route_tls_secret: aws.secretsmanager.Secret,
    client_tls_secret: aws.secretsmanager.Secret,
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

    clustered = settings.bus.nodes > 1
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
        discovery = private_dns_name(name, f"nats-{node}", namespace.id, opts)
        container = pulumi.Output.all(
            token_secret.arn, log_group.name, route_tls_secret.arn, client_tls_secret.arn
        ).apply(
            lambda a, node=node: json.dumps(
                [
                    {
                        "name": "nats",
                        "image": settings.bus.image,
                        "essential": True,
                        "user": f"{NATS_UID}:{NATS_UID}",
                        "command": server_command(node, settings.bus.nodes, ServerLayout(namespace_name)),
                        "portMappings": [{"containerPort": CLIENT_PORT}, {"containerPort": CLUSTER_PORT}],
                        "secrets": [{"name": "NATS_TOKEN", "valueFrom": a[0]}]
                        + bus_tls_secrets(a[3])
                        + route_tls_secrets(a[2], clustered),
                        "mountPoints": [
                            {"sourceVolume": "jetstream", "containerPath": DATA_DIR},
                            {"sourceVolume": "scratch", "containerPath": SCRATCH_DIR},
                        ],
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
                ),
                # No host path and no EFS: a bind mount on the task's own ephemeral storage.
                aws.ecs.TaskDefinitionVolumeArgs(name="scratch"),
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

    # tls://: the clients' configs name the bus CA (task_env.NATS_CA_FILE) and verify each server's name against it.
    url = ",".join(f"tls://nats-{i}.{namespace_name}:{CLIENT_PORT}" for i in range(settings.bus.nodes))
    return Bus(security_group=bus_sg, file_system=fs, url=url, namespace=namespace)
