"""prod-eea-dr is a warm standby of prod-eea inside the EEA (decision 0073): its database is an encrypted read
replica of the primary's, its signing keys replicas of the primary's multi-region keys, every value-moving service
waits at no task, and the pair is refused whenever it could leave the jurisdiction or run two relayers at once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from infra_queries import DeclaredStack, as_list, provider_region, statements
from pydantic import ValidationError
from rat_infra.cost import estimate
from rat_infra.offline import declare, mock_arn
from rat_infra.settings import RESIDENCY_REGIONS, DataResidency, StackSettings, check_standby_pair
from rat_infra.stack_files import check_standby_pairs, load_stack_settings, stack_file
from rat_infra.workloads import signer_of

DB = "aws:rds/instance:Instance"
KEY = "aws:kms/key:Key"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
SERVICE = "aws:ecs/service:Service"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def settings_of(stack: str, **changes: Any) -> dict[str, Any]:
    return {**stack_file(stack)["config"]["rat:settings"], **changes}


def standby(**changes: Any) -> StackSettings:
    return StackSettings.from_config("prod-eea-dr", settings_of("prod-eea-dr", **changes))


def primary(**changes: Any) -> StackSettings:
    return StackSettings.from_config("prod-eea", settings_of("prod-eea", **changes))


def env(task_definition: Any) -> dict[str, str]:
    container = json.loads(task_definition.inputs["containerDefinitions"])[0]
    return {e["name"]: e["value"] for e in container["environment"]}


# --- the stack files and their validation ----------------------------------------------------------------------

def test_the_eea_standby_is_prod_eea_in_another_eea_region() -> None:
    dr, main = load_stack_settings("prod-eea-dr"), load_stack_settings("prod-eea")
    assert dr.standby_of == "prod-eea" and main.standby_region == dr.region == "eu-west-1"
    assert dr.data_residency == main.data_residency == DataResidency.EEA and dr.region != main.region


def test_the_standby_stack_file_starts_inactive() -> None:
    assert load_stack_settings("prod-eea-dr").active is False


def test_a_standby_region_outside_the_jurisdiction_is_refused() -> None:
    with pytest.raises(ValidationError, match="outside data_residency 'eea'"):
        primary(standby_region="eu-west-2")  # London: not in the EEA


def test_a_standby_region_equal_to_the_stacks_own_is_refused() -> None:
    with pytest.raises(ValidationError, match="this stack's own region"):
        primary(standby_region="eu-central-1")


def test_a_standby_of_itself_is_refused() -> None:
    with pytest.raises(ValidationError, match="cannot be its own standby"):
        standby(standby_of="prod-eea-dr")


def test_a_standby_with_a_standby_of_its_own_is_refused() -> None:
    with pytest.raises(ValidationError, match="no standby of its own"):
        standby(standby_region="eu-west-3")


def test_a_standby_in_another_jurisdiction_is_refused() -> None:
    latam = StackSettings.from_config("prod-dr", settings_of(
        "prod", standby_of="prod-eea", active=False, region="mx-central-1",
        availability_zones=["mx-central-1a", "mx-central-1b"]))
    with pytest.raises(ValueError, match="out of the jurisdiction"):
        check_standby_pair(primary(), latam)


def test_a_standby_in_its_primarys_region_is_refused() -> None:
    same = standby(region="eu-central-1", availability_zones=["eu-central-1a", "eu-central-1b"])
    with pytest.raises(ValueError, match="lost with it"):
        check_standby_pair(primary(), same)


def test_a_standby_where_the_primarys_keys_may_not_be_replicated_is_refused() -> None:
    paris = standby(region="eu-west-3", availability_zones=["eu-west-3a", "eu-west-3b"])
    with pytest.raises(ValueError, match="could not be replicated there"):
        check_standby_pair(primary(), paris)


def test_a_standby_of_a_standby_is_refused() -> None:
    second = StackSettings.from_config("prod-eea-dr2", settings_of("prod-eea-dr", standby_of="prod-eea-dr"))
    with pytest.raises(ValueError, match="itself a standby"):
        check_standby_pair(standby(), second)


def test_an_active_standby_is_refused_while_its_primary_is_active() -> None:
    with pytest.raises(ValueError, match="both active"):
        check_standby_pair(primary(active=True), standby(active=True))


def test_an_active_standby_is_accepted_once_its_primary_is_frozen() -> None:
    check_standby_pair(primary(active=False), standby(active=True))


def test_pulumi_up_of_an_active_standby_is_refused_while_its_primarys_stack_file_is_active() -> None:
    # infra/__main__.py runs this check before declaring anything.
    with pytest.raises(ValueError, match="both active"):
        check_standby_pairs(standby(active=True))


def test_a_standby_region_no_stack_file_takes_up_is_refused() -> None:
    latam = StackSettings.from_config("prod", settings_of("prod", standby_region="mx-central-1"))
    with pytest.raises(ValueError, match="no stack file names it"):
        check_standby_pairs(latam)


# --- what the standby declares -----------------------------------------------------------------------------------

def test_the_standby_database_is_an_encrypted_read_replica_of_the_primarys(
    eea: DeclaredStack, eea_dr: DeclaredStack
) -> None:
    replica = eea_dr.one(DB)
    assert replica.inputs["replicateSourceDb"] == mock_arn(DB, eea.one(DB).name)
    assert replica.inputs["storageEncrypted"] is True
    assert replica.inputs["kmsKeyId"] == mock_arn(KEY, f"{eea_dr.settings.prefix}-data")


def test_the_replica_declares_nothing_only_the_primary_may_set(eea_dr: DeclaredStack) -> None:
    inputs = eea_dr.one(DB).inputs
    assert not {"engine", "dbName", "username", "manageMasterUserPassword", "backupRetentionPeriod"} & set(inputs)


def test_the_primarys_signing_keys_are_multi_region_and_replicable_to_the_standby_region_only(
    eea: DeclaredStack,
) -> None:
    keys = [k for k in eea.of(KEY) if k.inputs["keyUsage"] == "SIGN_VERIFY"]
    assert keys and all(k.inputs["multiRegion"] is True for k in keys)
    for key in keys:
        (replicate,) = [s for s in statements(key.inputs["policy"]) if "kms:ReplicateKey" in as_list(s["Action"])]
        assert replicate["Condition"] == {"StringEquals": {"kms:ReplicaRegion": "eu-west-1"}}


def test_a_stack_without_a_standby_keeps_single_region_keys_that_cannot_be_replicated(prod: DeclaredStack) -> None:
    for key in prod.of(KEY):
        assert not key.inputs.get("multiRegion")
        assert not any("kms:ReplicateKey" in as_list(s["Action"]) for s in statements(key.inputs["policy"]))


def test_each_standby_signing_key_replicates_the_primarys_key_of_the_same_role(
    eea: DeclaredStack, eea_dr: DeclaredStack
) -> None:
    replicas = {k.name: k.inputs["primaryKeyArn"] for k in eea_dr.of(REPLICA_KEY)}
    roles = signer_of(eea_dr.settings.workloads)
    assert replicas == {f"{eea_dr.settings.prefix}-{r.value}-signing":
                        mock_arn(KEY, f"{eea.settings.prefix}-{r.value}-signing") for r in roles}
    assert {mock_arn(KEY, k.name) for k in eea.of(KEY)} >= set(replicas.values())


def test_the_standby_declares_no_signing_key_of_its_own(eea_dr: DeclaredStack) -> None:
    assert [k.name for k in eea_dr.of(KEY)] == [f"{eea_dr.settings.prefix}-data"]


def test_every_standby_service_that_moves_value_starts_at_no_task(eea_dr: DeclaredStack) -> None:
    prefix = eea_dr.settings.prefix
    workloads = {f"{prefix}-{w.name}": w for w in eea_dr.settings.workloads}
    counts = {s.name: s.inputs["desiredCount"] for s in eea_dr.of(SERVICE) if s.name in workloads}
    assert set(counts) == set(workloads) and set(counts.values()) == {0}


def test_the_standby_runs_its_bus_so_it_is_warm(eea_dr: DeclaredStack) -> None:
    bus = [s for s in eea_dr.of(SERVICE) if "-nats-" in s.name]
    assert len(bus) == eea_dr.settings.bus.nodes and all(s.inputs["desiredCount"] == 1 for s in bus)


def test_the_standby_relayer_store_is_the_read_replica(eea_dr: DeclaredStack) -> None:
    # Until promotion the replica is read-only: a relayer started by hand cannot take the work lease nor write an
    # intent, so it cannot send.
    relayer = next(t for t in eea_dr.of("aws:ecs/taskDefinition:TaskDefinition")
                   if t.name == f"{eea_dr.settings.prefix}-relayer")
    assert env(relayer)["RAT_DB_HOST"] == f"{eea_dr.one(DB).name}.db.internal"


def test_the_standby_alarms_when_the_replica_lags_a_minute_or_stops_reporting(eea_dr: DeclaredStack) -> None:
    (lag,) = [a for a in eea_dr.of("aws:cloudwatch/metricAlarm:MetricAlarm") if a.inputs["metricName"] == "ReplicaLag"]
    assert (lag.inputs["threshold"], lag.inputs["treatMissingData"]) == (60.0, "breaching")


def test_the_standby_does_not_purge_the_replica(eea_dr: DeclaredStack) -> None:
    assert eea_dr.one("aws:scheduler/schedule:Schedule").inputs["state"] == "DISABLED"


def test_an_inactive_standby_does_not_fence_the_primary(eea_dr: DeclaredStack) -> None:
    assert not [p for p in eea_dr.of(ROLE_POLICY) if "-fence-" in p.name]


def test_the_standby_is_reached_through_its_primarys_outputs_only(eea_dr: DeclaredStack) -> None:
    (ref,) = eea_dr.of("pulumi:pulumi:StackReference")
    assert ref.inputs["name"] == "organization/rat/prod-eea"


def test_nothing_of_the_standby_is_created_outside_its_eea_region(eea_dr: DeclaredStack) -> None:
    regions = {provider_region(eea_dr, r.provider) for r in eea_dr.resources if r.type.startswith("aws:")}
    assert regions == {"eu-west-1"} and regions <= RESIDENCY_REGIONS[DataResidency.EEA]


# --- failover: the standby made active ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def failed_over() -> DeclaredStack:
    settings = standby(active=True)
    return DeclaredStack(settings, declare(settings))


def test_an_active_standby_runs_every_service_at_its_size(failed_over: DeclaredStack) -> None:
    prefix = failed_over.settings.prefix
    counts = {s.name: s.inputs["desiredCount"] for s in failed_over.of(SERVICE)}
    for w in failed_over.settings.workloads:
        assert counts[f"{prefix}-{w.name}"] == failed_over.settings.services[w.name].count > 0


def test_an_active_standby_declares_its_database_promoted_with_a_primarys_protection(
    failed_over: DeclaredStack,
) -> None:
    db = failed_over.one(DB).inputs
    assert "replicateSourceDb" not in db
    assert db["multiAz"] is True and db["backupRetentionPeriod"] == 14 and db["manageMasterUserPassword"] is True


def test_an_active_standby_denies_signing_to_every_signer_role_of_its_primary(failed_over: DeclaredStack) -> None:
    fences = {p.inputs["role"]: statements(p.inputs["policy"]) for p in failed_over.of(ROLE_POLICY)
              if "-fence-" in p.name}
    primary_roles = {f"rat-prod-eea-{w.name}-task" for w in signer_of(failed_over.settings.workloads).values()}
    assert set(fences) == primary_roles
    assert all(st == [{"Sid": "FencedByTheActiveStandby", "Effect": "Deny", "Action": "kms:Sign", "Resource": "*"}]
               for st in fences.values())


def test_a_promoted_standby_no_longer_watches_replica_lag(failed_over: DeclaredStack) -> None:
    alarms = failed_over.of("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert alarms and not [a for a in alarms if a.inputs["metricName"] == "ReplicaLag"]


def test_an_active_standby_purges_again(failed_over: DeclaredStack) -> None:
    assert failed_over.one("aws:scheduler/schedule:Schedule").inputs["state"] == "ENABLED"


# --- cost -------------------------------------------------------------------------------------------------------

def test_the_standby_is_priced_with_its_replica_replica_keys_idle_services_and_secrets(eea_dr: DeclaredStack) -> None:
    items = {i.component: i for i in estimate(eea_dr.settings, eea_dr.resources).items}
    assert items["RDS db.t4g.large single-AZ"].usd > 0
    assert items["RDS replication from the primary"].usd > 0
    # the data key and one replica per signing role
    assert items["KMS keys"].quantity.startswith(f"{1 + len(eea_dr.of(REPLICA_KEY)):,.2f} ")
    assert items["Secrets Manager secrets"].usd > 0
    assert "RDS-managed master secret" not in items and "RDS backups beyond free" not in items


def test_the_standby_costs_less_than_its_primary(eea: DeclaredStack, eea_dr: DeclaredStack) -> None:
    assert estimate(eea_dr.settings, eea_dr.resources).total < estimate(eea.settings, eea.resources).total / 2


def test_an_active_standby_costs_more_than_an_idle_one(eea_dr: DeclaredStack, failed_over: DeclaredStack) -> None:
    assert (estimate(failed_over.settings, failed_over.resources).total
            > estimate(eea_dr.settings, eea_dr.resources).total)
