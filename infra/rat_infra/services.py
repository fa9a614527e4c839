"""The RAT containers on ECS Fargate (Graviton), in private subnets without public IPs. Two workloads of a platform
stack are reachable from outside, each through its own load balancer in the public subnets: the API through an
HTTPS one, the `travel-rule` TRP listener through one that passes its mutual TLS through (rat_infra/travel_rule.py).
In the custodian's stack the custody attestor is, through one that passes its mutual TLS through and admits the
platform's relayer addresses only (rat_infra/custody_endpoint.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial

import pulumi
import pulumi_aws as aws

from rat_infra.keys import task_role
from rat_infra.network import Network, allow_from, private_dns_name, security_group
from rat_infra.observability import OTLP_GRPC_PORT, sidecar
from rat_infra.settings import StackSettings
from rat_infra.tagging import personal_data
from rat_infra.task_env import (
    CONFIG,
    DB_HOST,
    DB_USER,
    NATS_CA,
    NATS_TOKEN,
    NATS_URL,
    RPC_URL,
    TLS_VARIABLES,
    with_tls_files,
)
from rat_infra.custody_endpoint import (
    build_custody_endpoint,
    custody_endpoint_security_groups,
    custody_endpoint_workload,
)
from rat_infra.passthrough_nlb import PassthroughNlb, PassthroughSecurityGroups
from rat_infra.travel_rule import build_trp_entrypoint, trp_security_groups, trp_workload
from rat_infra.workloads import API_PORT, CONFIG_FROM_ENV, SigningRole, Workload

TASK_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
SCRATCH_VOLUME = "scratch"
# Daily at 03:30 UTC: night in São Paulo and Frankfurt, outside both markets' trading days.
PURGE_SCHEDULE = "cron(30 3 * * ? *)"
PURGE_CPU, PURGE_MEMORY = 256, 512


@dataclass(frozen=True)
class AppSecurityGroups:
    # A platform stack's four; the custodian's stack runs none of those workloads and declares none of them (a
    # group opening 443 to the internet that nothing uses is still a finding in the custodian's account).
    alb: aws.ec2.SecurityGroup | None
    api: aws.ec2.SecurityGroup | None
    workers: aws.ec2.SecurityGroup | None
    relayer: aws.ec2.SecurityGroup | None
    private_services: Mapping[str, aws.ec2.SecurityGroup]  # workload name -> its own group (the attestors)
    trp: PassthroughSecurityGroups | None = None  # the `travel-rule` listener's tasks and its load balancer
    # The custodian's stack: the custody attestor's task (also in `private_services`) and its load balancer.
    custody_endpoint: PassthroughSecurityGroups | None = None

    @property
    def tasks(self) -> list[aws.ec2.SecurityGroup]:
        """The bus clients' groups (and the database's, with `database_clients`)."""
        return [g for g in (self.api, self.workers, self.relayer) if g is not None]

    @property
    def database_clients(self) -> list[aws.ec2.SecurityGroup]:
        # The TRP listener keeps its messages in PostgreSQL but publishes nothing, so it is kept off the bus.
        return self.tasks + ([self.trp.targets] if self.trp is not None else [])

    def of(self, w: Workload) -> aws.ec2.SecurityGroup:
        if w.passthrough_port is not None and self.trp is not None:
            return self.trp.targets
        if w.name in self.private_services:
            return self.private_services[w.name]
        group = self.api if w.port is not None else self.relayer if w.name == "relayer" else self.workers
        if group is None:
            raise ValueError(f"workload {w.name!r} runs only in a platform stack, which declares its security group")
        return group


def build_task_roles(
    settings: StackSettings, account_id: pulumi.Output[str], parent: pulumi.Resource
) -> dict[str, aws.iam.Role]:
    """One task role per workload: the identity its signing keys and database user are bound to."""
    return {w.name: task_role(f"{settings.prefix}-{w.name}-task", account_id, parent) for w in settings.workloads}


def build_app_security_groups(
    settings: StackSettings, network: Network, parent: pulumi.Resource
) -> AppSecurityGroups:
    p = settings.prefix
    alb = api = workers = relayer = None
    if settings.is_platform:
        alb = security_group(
            f"{p}-alb",
            network.vpc,
            "HTTPS from the internet to the API load balancer",
            parent,
            [
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidr_blocks=["0.0.0.0/0"],
                    description=f"public {port}",
                )
                for port in (80, 443)
            ],
        )
        api = security_group(
            f"{p}-api",
            network.vpc,
            "API tasks: from the load balancer only",
            parent,
            [allow_from(API_PORT, [alb], "from ALB")],
        )
        workers = security_group(f"{p}-workers", network.vpc, "Background workers: no inbound traffic", parent)
        relayer = security_group(f"{p}-relayer", network.vpc, "Relayer daemon: no inbound traffic", parent)
    by_name = {"relayer": relayer} if relayer is not None else {}
    private: dict[str, aws.ec2.SecurityGroup] = {}
    # The custodian's own account: the platform's relayer arrives from its NAT addresses at the attestor's load
    # balancer, and the attestor admits that load balancer only.
    custody = custody_endpoint_workload(settings)
    custody_groups = (custody_endpoint_security_groups(settings, custody, network, parent)
                      if custody is not None else None)
    for w in settings.workloads:
        if w.service_port is None:
            continue
        if custody_groups is not None and w == custody:
            private[w.name] = custody_groups.targets
            continue
        rules = [allow_from(w.service_port, [by_name[r] for r in w.reachable_from], "mutual TLS from the relayer")]
        private[w.name] = security_group(f"{p}-{w.name}", network.vpc, f"{w.name}: its mTLS port from the relayer only",
                                         parent, rules)
    trp = trp_workload(settings.workloads)
    return AppSecurityGroups(alb=alb, api=api, workers=workers, relayer=relayer, private_services=private,
                             trp=trp_security_groups(settings, trp, network, parent) if trp is not None else None,
                             custody_endpoint=custody_groups)


@dataclass(frozen=True)
class Platform:
    """What every workload's task shares: where it runs, who pulls its image and reads its secrets."""

    cluster: aws.ecs.Cluster
    repository: aws.ecr.Repository
    execution_role: aws.iam.Role
    security_groups: AppSecurityGroups


def build_platform(
    settings: StackSettings,
    data_key: aws.kms.Key,
    security_groups: AppSecurityGroups,
    secrets: list[aws.secretsmanager.Secret],
    db_secret_arn: pulumi.Output[str] | None,
    account_id: pulumi.Output[str],
    parent: pulumi.Resource,
) -> Platform:
    p = settings.prefix
    opts = pulumi.ResourceOptions(parent=parent)
    cluster = aws.ecs.Cluster(
        f"{p}-cluster",
        # Container Insights bills per metric; the OTEL sidecar already exports what RAT alerts on.
        settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="disabled")],
        opts=opts,
    )
    aws.ecs.ClusterCapacityProviders(
        f"{p}-cluster", cluster_name=cluster.name, capacity_providers=["FARGATE"], opts=opts
    )
    repository = aws.ecr.Repository(
        f"{p}-relayer",
        image_tag_mutability="IMMUTABLE",
        image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
        encryption_configurations=[
            aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=data_key.arn)
        ],
        opts=opts,
    )

    execution_role = task_role(f"{p}-execution", account_id, parent)
    aws.iam.RolePolicyAttachment(
        f"{p}-execution", role=execution_role.name, policy_arn=TASK_EXECUTION_POLICY, opts=opts
    )
    readable = [s.arn for s in secrets] + ([db_secret_arn] if db_secret_arn is not None else [])
    aws.iam.RolePolicy(
        f"{p}-execution-secrets",
        role=execution_role.id,
        policy=pulumi.Output.all(data_key.arn, *readable).apply(
            lambda a: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": a[1:]},
                        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": a[0]},
                    ],
                }
            )
        ),
        opts=opts,
    )
    return Platform(
        cluster=cluster, repository=repository, execution_role=execution_role, security_groups=security_groups
    )


def _health_check(port: int) -> dict[str, object]:
    # The slim Python image has no curl; the interpreter it already has can make the request.
    probe = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}/healthz', timeout=3)"
    return {
        "command": ["CMD", "python", "-c", probe],
        "interval": 30,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 60,
    }


def _container_definitions(
    settings: StackSettings,
    w: Workload,
    image: str,
    log_group: str,
    metrics_log_group: str,
    secrets: dict[str, str],
    env: dict[str, str],
) -> str:
    app = {
        "name": w.name,
        "image": image,
        "essential": True,
        # The bus clients get the bus CA as a file too (events.nats_tls_ca in their configs).
        "command": with_tls_files(w.command, bundle=w.tls, bus_ca=w.bus) if w.tls or w.bus else list(w.command),
        "readonlyRootFilesystem": True,
        # The one writable path: task-local scratch space for libraries that need a temp directory.
        "mountPoints": [{"sourceVolume": SCRATCH_VOLUME, "containerPath": "/tmp"}]
        + ([{"sourceVolume": RECORD_VOLUME, "containerPath": RECORD_PATH}] if w.service_port is not None else []),
        "environment": [{"name": k, "value": v} for k, v in sorted(env.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": settings.region,
                "awslogs-stream-prefix": w.name,
            },
        },
    }
    published = _published_port(settings, w)
    if published is not None:
        app["portMappings"] = [{"containerPort": published}]
    if w.metrics_port is not None:
        app["healthCheck"] = _health_check(w.metrics_port)
    return json.dumps([app, sidecar(settings, metrics_log_group, log_group, w.metrics_port)])


def _published_port(settings: StackSettings, w: Workload) -> int | None:
    """The container port a load balancer forwards to: the API's, the TRP listener's, or in the custodian's stack the
    custody attestor's mutual-TLS port (ECS registers only a mapped port in a target group)."""
    if w.port is not None:
        return w.port
    if w.passthrough_port is not None:
        return w.passthrough_port
    if custody_endpoint_workload(settings) == w:
        return w.service_port
    return None


def db_user(w: Workload) -> str:
    return w.name.replace("-", "_")


def _db_connect_policy(region: str, user: str, ids: list[str]) -> str:
    account_id, db_resource_id = ids
    arn = f"arn:aws:rds-db:{region}:{account_id}:dbuser:{db_resource_id}/{user}"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "rds-db:connect", "Resource": arn}],
        }
    )


@dataclass(frozen=True)
class WorkloadInputs:  # noqa: D101 (fields say it)
    """Per-stack values every workload container is started with."""

    image: pulumi.Output[str]
    bus_url: str
    db_endpoint: pulumi.Output[str]
    db_resource_id: pulumi.Output[str]
    nats_token_arn: pulumi.Output[str]
    nats_tls_arn: pulumi.Output[str]  # `nats-client-tls`: its `ca` verifies the bus servers (rat_infra/bus_tls.py)
    rpc_url_arn: pulumi.Output[str]
    telemetry_policy: pulumi.Output[str]
    signing_key_arns: Mapping[SigningRole, pulumi.Output[str]]
    # secret name (`config/<workload>`, `tls/<workload>`) -> its ARN: rat_infra.secrets.workload_secrets
    workload_secret_arns: Mapping[str, pulumi.Output[str]]
    data_key_arn: pulumi.Output[str] | None = None  # encrypts the attestors' record volumes
    # The platform's private DNS namespace (`<stack>.rat.internal`, rat_infra/bus.py): each attestor registers
    # there as `<workload>.<stack>.rat.internal`, the name the relayer's `attestors.*.url` and the attestor's server
    # certificate use. None in the custodian's stack, which has no namespace.
    namespace_id: pulumi.Output[str] | None = None
    # What must exist before any service may start: an active standby's deny on its primary's signers (decision 0073).
    start_after: Sequence[pulumi.Resource] = ()


@dataclass(frozen=True)
class PublicApi:
    load_balancer: aws.lb.LoadBalancer
    target_group: aws.lb.TargetGroup


@dataclass(frozen=True)
class Entrypoints:
    """The stack's load balancers, for its alarms and outputs; None where the stack runs no such workload."""

    api: PublicApi | None
    trp: PassthroughNlb | None
    custody_attestor: PassthroughNlb | None = None  # the custodian's stack only


def build_workloads(
    settings: StackSettings,
    network: Network,
    platform: Platform,
    inputs: WorkloadInputs,
    task_roles: Mapping[str, aws.iam.Role],
    log_groups: dict[str, aws.cloudwatch.LogGroup],
    metrics_log_group: aws.cloudwatch.LogGroup,
    alarm_topic: aws.sns.Topic,
    account_id: pulumi.Output[str],
    parent: pulumi.Resource,
) -> Entrypoints:
    opts = pulumi.ResourceOptions(parent=parent)
    public_api = _public_api(settings, network, platform, opts) if any(w.port for w in settings.workloads) else None
    trp = _trp_entrypoint(settings, network, platform, alarm_topic, opts)
    entrypoints = Entrypoints(api=public_api, trp=trp,
                              custody_attestor=_custody_entrypoint(settings, network, platform, alarm_topic, opts))
    for w in settings.workloads:
        _workload(settings, w, network, platform, inputs, task_roles, log_groups, metrics_log_group, account_id,
                  entrypoints, opts, parent)
    _relayer_purge_schedule(settings, network, platform, inputs, task_roles, log_groups, metrics_log_group,
                            account_id, opts)
    return entrypoints


def _trp_entrypoint(settings: StackSettings, network: Network, platform: Platform, alarm_topic: aws.sns.Topic,
                    opts: pulumi.ResourceOptions) -> PassthroughNlb | None:
    """The passthrough load balancer of the `travel-rule` workload, in a stack that runs it."""
    w = trp_workload(settings.workloads)
    groups = platform.security_groups.trp
    if w is None or groups is None:
        return None
    return build_trp_entrypoint(settings, w, network, groups, alarm_topic, opts)


def _custody_entrypoint(settings: StackSettings, network: Network, platform: Platform, alarm_topic: aws.sns.Topic,
                        opts: pulumi.ResourceOptions) -> PassthroughNlb | None:
    """The passthrough load balancer of the custody attestor, in the custodian's stack."""
    w = custody_endpoint_workload(settings)
    groups = platform.security_groups.custody_endpoint
    if w is None or groups is None:
        return None
    return build_custody_endpoint(settings, w, network, groups, alarm_topic, opts)


RECORD_VOLUME = "record"
RECORD_PATH = "/var/lib/rat-attestor"  # attestor config `database: /var/lib/rat-attestor/record.db`
APP_UID = 10001  # the image's `rat` user (infra/docker/relayer.Dockerfile)
NFS_PORT = 2049


def _attestor_record(settings: StackSettings, w: Workload, network: Network, platform: Platform,
                     inputs: WorkloadInputs, role: aws.iam.Role, parent: pulumi.Resource) -> aws.ecs.TaskDefinitionVolumeArgs:
    """An encrypted EFS file system of the attestor's own for its record of what it signed: a replaced task finds
    the record where the last one left it. Only the attestor's security group reaches it, only its task role
    mounts it."""
    name = f"{settings.prefix}-{w.name}-record"
    opts = pulumi.ResourceOptions(parent=parent)
    nfs = security_group(name, network.vpc, f"NFS from {w.name} only", parent,
                         [allow_from(NFS_PORT, [platform.security_groups.of(w)], f"NFS from {w.name}")])
    fs = aws.efs.FileSystem(name, encrypted=True, kms_key_id=inputs.data_key_arn, throughput_mode="elastic",
                            tags=personal_data(False), opts=opts)
    for i, subnet in enumerate(network.private_subnet_ids):
        aws.efs.MountTarget(f"{name}-{i}", file_system_id=fs.id, subnet_id=subnet, security_groups=[nfs.id], opts=opts)
    access_point = aws.efs.AccessPoint(
        name, file_system_id=fs.id, posix_user=aws.efs.AccessPointPosixUserArgs(uid=APP_UID, gid=APP_UID),
        root_directory=aws.efs.AccessPointRootDirectoryArgs(
            path="/record", creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                owner_uid=APP_UID, owner_gid=APP_UID, permissions="700")),
        opts=opts,
    )
    aws.iam.RolePolicy(name, role=role.id, policy=fs.arn.apply(lambda arn: json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Resource": arn,
                       "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]}],
    })), opts=opts)
    return aws.ecs.TaskDefinitionVolumeArgs(
        name=RECORD_VOLUME,
        efs_volume_configuration=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationArgs(
            file_system_id=fs.id, transit_encryption="ENABLED",
            authorization_config=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfigArgs(
                access_point_id=access_point.id, iam="ENABLED"),
        ),
    )


def _public_api(settings: StackSettings, network: Network, platform: Platform,
                opts: pulumi.ResourceOptions) -> PublicApi:
    p = settings.prefix
    group = platform.security_groups.alb
    if group is None:
        raise ValueError("the public API is served from a platform stack only (`deploys: platform`)")
    alb = aws.lb.LoadBalancer(
        f"{p}-api",
        load_balancer_type="application",
        internal=False,
        subnets=network.public_subnet_ids,
        security_groups=[group.id],
        drop_invalid_header_fields=True,
        enable_deletion_protection=settings.is_production,
        opts=opts,
    )
    target = aws.lb.TargetGroup(
        f"{p}-api",
        port=API_PORT,
        protocol="HTTP",
        target_type="ip",
        vpc_id=network.vpc.id,
        health_check=aws.lb.TargetGroupHealthCheckArgs(path="/healthz"),
        opts=opts,
    )
    certificate = aws.acm.Certificate(
        f"{p}-api", domain_name=settings.api_domain, validation_method="DNS", opts=opts
    )
    aws.lb.Listener(
        f"{p}-api-https",
        load_balancer_arn=alb.arn,
        port=443,
        protocol="HTTPS",
        ssl_policy=TLS_POLICY,
        certificate_arn=certificate.arn,
        default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target.arn)],
        opts=opts,
    )
    aws.lb.Listener(
        f"{p}-api-http",
        load_balancer_arn=alb.arn,
        port=80,
        protocol="HTTP",
        default_actions=[
            aws.lb.ListenerDefaultActionArgs(
                type="redirect",
                redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                    port="443", protocol="HTTPS", status_code="HTTP_301"
                ),
            )
        ],
        opts=opts,
    )
    return PublicApi(load_balancer=alb, target_group=target)


def _workload(settings: StackSettings, w: Workload, network: Network, platform: Platform, inputs: WorkloadInputs,
              task_roles: Mapping[str, aws.iam.Role], log_groups: dict[str, aws.cloudwatch.LogGroup],
              metrics_log_group: aws.cloudwatch.LogGroup, account_id: pulumi.Output[str],
              entrypoints: Entrypoints, opts: pulumi.ResourceOptions, parent: pulumi.Resource) -> None:
    p = settings.prefix
    name = f"{p}-{w.name}"
    size = settings.services[w.name]
    role = task_roles[w.name]
    aws.iam.RolePolicy(f"{name}-telemetry", role=role.id, policy=inputs.telemetry_policy, opts=opts)
    if w.database:
        # IAM database authentication: each workload logs in as its own database user, no shared password. The
        # attestors keep their record to themselves (SQLite) and get no database user.
        aws.iam.RolePolicy(
            f"{name}-db",
            role=role.id,
            policy=pulumi.Output.all(account_id, inputs.db_resource_id).apply(
                partial(_db_connect_policy, settings.region, db_user(w))
            ),
            opts=opts,
        )
    volumes = ([_attestor_record(settings, w, network, platform, inputs, role, parent)]
               if w.service_port is not None else [])
    task = _task_definition(settings, w, name, size.cpu, size.memory, platform, inputs, role, log_groups,
                            metrics_log_group, volumes, opts)
    registry = _attestor_name(w, name, inputs, opts) if w.service_port is not None else None
    load_balancers, listeners = _load_balancing(settings, w, entrypoints)
    aws.ecs.Service(
        name,
        cluster=platform.cluster.arn,
        task_definition=task.arn,
        desired_count=settings.desired_count(w.name),  # none while the stack is not active (a standby, a frozen primary)
        launch_type="FARGATE",
        propagate_tags="SERVICE",
        deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
            enable=True, rollback=True
        ),
        network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
            subnets=network.private_subnet_ids,
            security_groups=[platform.security_groups.of(w).id],
            assign_public_ip=False,
        ),
        load_balancers=load_balancers or None,
        service_registries=aws.ecs.ServiceServiceRegistriesArgs(registry_arn=registry.arn) if registry else None,
        # ECS refuses a target group no listener forwards to yet.
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[*listeners,
                                                                                  *inputs.start_after])),
    )


def _load_balancing(settings: StackSettings, w: Workload,
                    entrypoints: Entrypoints) -> tuple[list[aws.ecs.ServiceLoadBalancerArgs], list[pulumi.Resource]]:
    """The target group `w`'s tasks register in (the API's, the TRP listener's or the custodian's attestor's), and
    the listener forwarding to it when the service must wait for one."""
    if w.port is not None and entrypoints.api is not None:
        return [aws.ecs.ServiceLoadBalancerArgs(target_group_arn=entrypoints.api.target_group.arn,
                                                container_name=w.name, container_port=w.port)], []
    port = _published_port(settings, w)
    for nlb, served in ((entrypoints.trp, w.passthrough_port is not None),
                        (entrypoints.custody_attestor, custody_endpoint_workload(settings) == w)):
        if nlb is not None and served and port is not None:
            target = aws.ecs.ServiceLoadBalancerArgs(target_group_arn=nlb.target_group.arn, container_name=w.name,
                                                     container_port=port)
            return [target], [nlb.listener]
    return [], []


def _attestor_name(w: Workload, name: str, inputs: WorkloadInputs,
                   opts: pulumi.ResourceOptions) -> aws.servicediscovery.Service | None:
    """`<workload>.<stack>.rat.internal` in the platform's namespace: an A record for the attestor's task address,
    replaced with the task (ECS registers and deregisters it)."""
    if inputs.namespace_id is None:
        return None
    return private_dns_name(name, w.name, inputs.namespace_id, opts)


def _task_secrets(w: Workload, config_arn: str, rpc_url_arn: str, nats_token_arn: str, tls_arn: str,
                  credentials_arn: str, nats_tls_arn: str = "") -> dict[str, str]:
    """The variables ECS fills from Secrets Manager for `w` (the execution role reads them, the task never can)."""
    secrets = {CONFIG: config_arn, RPC_URL: rpc_url_arn}
    if w.bus:
        secrets[NATS_TOKEN] = nats_token_arn
        # Only the CA: a bus client never sees the servers' key.
        secrets[NATS_CA] = f"{nats_tls_arn}:ca::"
    if w.tls:
        # One variable per part of the JSON bundle: `<arn>:<json-key>::` (latest version).
        secrets.update({variable: f"{tls_arn}:{part}::" for variable, part in TLS_VARIABLES.items()})
    secrets.update({variable: f"{credentials_arn}:{variable}::" for variable in w.credentials})
    return secrets


def _task_definition(settings: StackSettings, w: Workload, name: str, cpu: int, memory: int, platform: Platform,
                     inputs: WorkloadInputs, role: aws.iam.Role, log_groups: dict[str, aws.cloudwatch.LogGroup],
                     metrics_log_group: aws.cloudwatch.LogGroup,
                     volumes: list[aws.ecs.TaskDefinitionVolumeArgs],
                     opts: pulumi.ResourceOptions) -> aws.ecs.TaskDefinition:
    """`w`'s container (and its telemetry sidecar) with what its config names (rat_infra/task_env.py): its config
    text, the RPC URL, its KMS key ARNs and, as the workload needs them, the bus URL and token, its database host
    and user, its TLS bundle and vendor credentials."""
    env = {
        "RAT_STACK": settings.stack,
        "AWS_REGION": settings.region,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://localhost:{OTLP_GRPC_PORT}",
        "OTEL_SERVICE_NAME": w.name,
    }
    if w.bus:
        env[NATS_URL] = inputs.bus_url
    key_env = {r.env_var: inputs.signing_key_arns[r] for r in w.signing_roles}
    key_arns = pulumi.Output.all(**key_env) if key_env else pulumi.Output.from_input({})
    definitions = pulumi.Output.all(
        inputs.image,
        log_groups[w.name].name,
        metrics_log_group.name,
        inputs.nats_token_arn,
        inputs.rpc_url_arn,
        inputs.db_endpoint,
        key_arns,
        inputs.workload_secret_arns[w.config_secret],
        inputs.workload_secret_arns[w.tls_secret] if w.tls_secret is not None else "",
        inputs.workload_secret_arns[w.credentials_secret] if w.credentials_secret is not None else "",
        inputs.nats_tls_arn,
    ).apply(
        lambda a, w=w, env=env: _container_definitions(
            settings,
            w,
            a[0],
            a[1],
            a[2],
            _task_secrets(w, config_arn=a[7], rpc_url_arn=a[4], nats_token_arn=a[3], tls_arn=a[8],
                          credentials_arn=a[9], nats_tls_arn=a[10]),
            {**env, **({DB_HOST: a[5], DB_USER: db_user(w)} if w.database else {}), **a[6]},
        )
    )
    return aws.ecs.TaskDefinition(
        name,
        family=name,
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu=str(cpu),
        memory=str(memory),
        runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
            operating_system_family="LINUX", cpu_architecture="ARM64"
        ),
        execution_role_arn=platform.execution_role.arn,
        task_role_arn=role.arn,
        container_definitions=definitions,
        volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=SCRATCH_VOLUME)] + volumes,
        opts=opts,
    )


def purge_command(settings: StackSettings) -> tuple[str, ...]:
    """`rat-relayer purge` with the stack's AML record period (docs/data/lifecycle.md, "Retention and purge")."""
    return ("rat-relayer", "purge", *CONFIG_FROM_ENV, "--aml-record-days", str(settings.aml_record_days))


def _scheduler_trust(account_id: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}}]})


def _run_task_policy(region: str, family: str, arns: list[str]) -> str:
    account_id, *passed_roles = arns
    return json.dumps({"Version": "2012-10-17", "Statement": [
        # Any revision of the purge's own task family, nothing else.
        {"Effect": "Allow", "Action": "ecs:RunTask",
         "Resource": f"arn:aws:ecs:{region}:{account_id}:task-definition/{family}:*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": passed_roles},
    ]})


def _relayer_purge_schedule(settings: StackSettings, network: Network, platform: Platform, inputs: WorkloadInputs,
                            task_roles: Mapping[str, aws.iam.Role],
                            log_groups: dict[str, aws.cloudwatch.LogGroup],
                            metrics_log_group: aws.cloudwatch.LogGroup, account_id: pulumi.Output[str],
                            opts: pulumi.ResourceOptions) -> aws.scheduler.Schedule | None:
    """EventBridge Scheduler runs `rat-relayer purge` once a day as a one-off Fargate task: the relayer's image,
    config, task role and database user (the rows it purges are the relayer's), no signing key, its security
    group and private subnets. A stack without the relayer (the custodian's attestor stack) has nothing to purge."""
    relayer = next((w for w in settings.workloads if w.name == "relayer"), None)
    if relayer is None:
        return None
    # The relayer's config secret; no TLS bundle nor vendor credentials (the purge asks no attestor, no vendor).
    job = replace(relayer, command=purge_command(settings), signing_roles=(), metrics_port=None, tls=False,
                  credentials=())
    name = f"{settings.prefix}-relayer-purge"
    role = task_roles[relayer.name]
    task = _task_definition(settings, job, name, PURGE_CPU, PURGE_MEMORY, platform, inputs, role, log_groups,
                            metrics_log_group, [], opts)
    scheduler_role = aws.iam.Role(f"{name}-scheduler", assume_role_policy=account_id.apply(_scheduler_trust),
                                  opts=opts)
    aws.iam.RolePolicy(
        f"{name}-scheduler",
        role=scheduler_role.id,
        policy=pulumi.Output.all(account_id, platform.execution_role.arn, role.arn).apply(
            partial(_run_task_policy, settings.region, name)),
        opts=opts,
    )
    return aws.scheduler.Schedule(
        name,
        description=f"daily rat-relayer purge, AML record period {settings.aml_record_days} days",
        schedule_expression=PURGE_SCHEDULE,
        # A standby's database is a read-only replica until failover; a frozen primary leaves it to the standby.
        state="ENABLED" if settings.active else "DISABLED",
        schedule_expression_timezone="UTC",
        flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
        target=aws.scheduler.ScheduleTargetArgs(
            arn=platform.cluster.arn,
            role_arn=scheduler_role.arn,
            ecs_parameters=aws.scheduler.ScheduleTargetEcsParametersArgs(
                task_definition_arn=task.arn,
                launch_type="FARGATE",
                task_count=1,
                network_configuration=aws.scheduler.ScheduleTargetEcsParametersNetworkConfigurationArgs(
                    subnets=network.private_subnet_ids,
                    security_groups=[platform.security_groups.of(relayer).id],
                    assign_public_ip=False,
                ),
            ),
            retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(maximum_retry_attempts=3),
        ),
        opts=opts,
    )
