"""Composes one RAT stack: a region-pinned AWS provider and a component whose children are all tagged."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from rat_infra.budget import build_budget
from rat_infra.bus import build_bus
from rat_infra.database import build_database
from rat_infra.keys import (
    build_data_key,
    build_replica_signing_keys,
    build_signing_keys,
    fence_primary_signers,
    task_role,
)
from rat_infra.network import allow_from, build_network, security_group
from rat_infra.observability import (
    build_observability,
    database_alarms,
    load_balancer_alarms,
    telemetry_policy,
    vpc_flow_logs,
)
from rat_infra.secrets import build_secrets, workload_secrets
from rat_infra.services import (
    WorkloadInputs,
    build_app_security_groups,
    build_platform,
    build_task_roles,
    build_workloads,
)
from rat_infra.settings import StackSettings
from rat_infra.tagging import base_tags, tagging_transformation
from rat_infra.workloads import signer_of

POSTGRES_PORT = 5432


def primary_reference(settings: StackSettings, parent: pulumi.Resource) -> pulumi.StackReference:
    """A standby reads its primary's outputs (`db_arn`, `signing_key_arns`, `signer_role_names`) from the primary's
    state in the Pulumi backend, not from the primary's region: it resolves while that region is down."""
    return pulumi.StackReference(f"organization/rat/{settings.standby_of}",
                                 opts=pulumi.ResourceOptions(parent=parent))


def _by_role(output: pulumi.Output, roles) -> dict:
    return {role: output.apply(lambda values, r=role: values[r.value]) for role in roles}


class RatStack(pulumi.ComponentResource):
    def __init__(
        self,
        settings: StackSettings,
        secret_values: Mapping[str, pulumi.Input[str]] | None = None,
        image_tag: str = "bootstrap",
    ) -> None:
        # Every resource goes through this provider, so nothing can land in another region by default.
        provider = aws.Provider(f"aws-{settings.region}", region=settings.region)
        super().__init__(
            "rat:infra:Stack",
            settings.prefix,
            None,
            pulumi.ResourceOptions(
                providers={"aws": provider}, transformations=[tagging_transformation(base_tags(settings))]
            ),
        )
        account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(provider=provider)).account_id

        data_key = build_data_key(settings, account_id, self)
        task_roles = build_task_roles(settings, account_id, self)
        signers = {role: task_roles[w.name] for role, w in signer_of(settings.workloads).items()}
        primary = primary_reference(settings, self) if settings.is_standby else None
        fences: list[pulumi.Resource] = []
        if primary is None:
            signing = build_signing_keys(settings, account_id, signers, self)
        else:
            signing = build_replica_signing_keys(
                settings, account_id, signers, _by_role(primary.get_output("signing_key_arns"), signers), self)
            if settings.active:
                fences = fence_primary_signers(
                    settings, _by_role(primary.get_output("signer_role_names"), signers), self)
        network = build_network(settings, self)
        secrets = build_secrets(settings, data_key, self, secret_values or {})
        observability = build_observability(
            settings, [w.name for w in settings.workloads] + (["bus"] if settings.is_platform else []) + ["vpc-flow"],
            data_key, self,
        )
        vpc_flow_logs(settings, network.vpc, observability.log_groups["vpc-flow"], account_id, self)

        app_sgs = build_app_security_groups(settings, network, self)
        db = None
        if settings.is_platform:
            db_sg = security_group(
                f"{settings.prefix}-db",
                network.vpc,
                "PostgreSQL from RAT tasks only",
                self,
                [allow_from(POSTGRES_PORT, app_sgs.database_clients, "PostgreSQL from tasks")],
            )
            replicate_from = primary.get_output("db_arn") if primary is not None and not settings.active else None
            db = build_database(settings, network, db_sg, data_key, self, replicate_from)
            database_alarms(settings, db, observability.alarm_topic, self)
        build_budget(settings, observability.alarm_topic, account_id, self)

        platform = build_platform(
            settings,
            data_key,
            app_sgs,
            list(secrets.values()),
            db.master_user_secrets.apply(lambda s: s[0].secret_arn if s else "") if db is not None else None,
            account_id,
            self,
        )
        bus_url = ""
        namespace = None
        if settings.is_platform:
            bus = build_bus(
                settings,
                network,
                app_sgs.tasks,
                platform.cluster,
                platform.execution_role,
                task_role(f"{settings.prefix}-nats-task", account_id, self),
                secrets["nats-token"],
                secrets["nats-route-tls"],
                secrets["nats-client-tls"],
                observability.log_groups["bus"],
                data_key,
                self,
            )
            bus_url = bus.url
            namespace = bus.namespace

        nothing = pulumi.Output.from_input("")
        inputs = WorkloadInputs(
            image=platform.repository.repository_url.apply(lambda url: f"{url}:{image_tag}"),
            bus_url=bus_url,
            db_endpoint=db.address if db is not None else nothing,
            db_resource_id=db.resource_id if db is not None else nothing,
            nats_token_arn=secrets["nats-token"].arn,
            nats_tls_arn=secrets["nats-client-tls"].arn,
            rpc_url_arn=secrets["chain-rpc-url"].arn,
            telemetry_policy=observability.metrics_log_group.arn.apply(telemetry_policy),
            signing_key_arns={role: key.arn for role, key in signing.items()},
            workload_secret_arns={name: secrets[name].arn for name in workload_secrets(settings)},
            namespace_id=namespace.id if namespace is not None else None,
            data_key_arn=data_key.arn,
            start_after=fences,
        )
        entrypoints = build_workloads(
            settings,
            network,
            platform,
            inputs,
            task_roles,
            observability.log_groups,
            observability.metrics_log_group,
            observability.alarm_topic,
            account_id,
            self,
        )
        # The passthrough load balancers (TRP listener, custodian's attestor) declare their alarms themselves.
        api, trp, custody = entrypoints.api, entrypoints.trp, entrypoints.custody_attestor
        if api is not None:
            load_balancer_alarms(settings, api.load_balancer, api.target_group, observability.alarm_topic, self)

        self.api_hostname = api.load_balancer.dns_name if api is not None else nothing
        # Where the DNS name of `travel_rule.public_url` must point (a CNAME, or an alias record in Route 53).
        self.trp_hostname = trp.load_balancer.dns_name if trp is not None else nothing
        # The custodian's stack: the name the platform's relayer reaches the custody attestor by (its
        # `attestors.custody.url` is https://<this name>, or the custodian's CNAME of it, and the attestor's server
        # certificate must name that host).
        self.custody_attestor_hostname = custody.load_balancer.dns_name if custody is not None else nothing
        self.db_endpoint = db.address if db is not None else nothing
        self.repository_url = platform.repository.repository_url
        self.signing_key_ids = {role.value: key.key_id for role, key in signing.items()}
        # What a standby reads from its primary (primary_reference).
        self.db_arn = db.arn if db is not None else nothing
        self.signing_key_arns = {role.value: key.arn for role, key in signing.items()}
        self.signer_role_names = {role.value: role_.name for role, role_ in signers.items()}
        self.register_outputs(
            {
                "api_hostname": self.api_hostname,
                "trp_hostname": self.trp_hostname,
                "custody_attestor_hostname": self.custody_attestor_hostname,
                "db_endpoint": self.db_endpoint,
                "repository_url": platform.repository.repository_url,
            }
        )
