"""Personal data stays in the stack's jurisdiction: for the Liechtenstein entity, an EU region."""

from __future__ import annotations

import json

from infra_queries import DeclaredStack, provider_region
from rat_infra.settings import RESIDENCY_REGIONS, DataResidency
from rat_infra.tagging import PERSONAL_DATA_TAG

STORES = (
    "aws:rds/instance:Instance",
    "aws:efs/fileSystem:FileSystem",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:secretsmanager/secret:Secret",
    "aws:ecr/repository:Repository",
    "aws:sns/topic:Topic",
)


def personal_data_stores(stack: DeclaredStack) -> list:
    return [r for r in stack.resources if r.tags.get(PERSONAL_DATA_TAG) == "true"]


def test_the_relayer_database_is_marked_as_personal_data(stack: DeclaredStack) -> None:
    assert stack.one("aws:rds/instance:Instance").tags[PERSONAL_DATA_TAG] == "true"


def test_application_logs_are_marked_as_personal_data(stack: DeclaredStack) -> None:
    api_logs = next(g for g in stack.of("aws:cloudwatch/logGroup:LogGroup") if g.name.endswith("-api"))
    assert api_logs.tags[PERSONAL_DATA_TAG] == "true"


def test_eea_stack_keeps_every_personal_data_store_in_an_eu_region(eea: DeclaredStack) -> None:
    regions = {provider_region(eea, r.provider) for r in personal_data_stores(eea)}
    assert regions and regions <= RESIDENCY_REGIONS[DataResidency.EEA]


def test_eea_stack_declares_no_store_outside_the_eu(eea: DeclaredStack) -> None:
    regions = {provider_region(eea, r.provider) for r in eea.resources if r.type in STORES}
    assert regions and regions <= RESIDENCY_REGIONS[DataResidency.EEA]


def test_every_resource_is_created_through_the_stack_region_provider(stack: DeclaredStack) -> None:
    regions = {provider_region(stack, r.provider) for r in stack.resources if r.type.startswith("aws:")}
    assert regions == {stack.settings.region}


def test_no_resource_overrides_the_provider_region(stack: DeclaredStack) -> None:
    overrides = {r.name for r in stack.resources if r.type.startswith("aws:") and r.inputs.get("region")}
    assert overrides == set()


def test_eea_standby_declares_no_store_outside_the_eu(eea_dr: DeclaredStack) -> None:
    # The warm standby holds a replica of prod-eea's database, its secrets and logs: in an EU region too.
    regions = {provider_region(eea_dr, r.provider) for r in eea_dr.resources if r.type in STORES}
    assert regions and regions <= RESIDENCY_REGIONS[DataResidency.EEA]


def test_eea_signing_keys_may_be_replicated_to_an_eu_region_only(eea: DeclaredStack) -> None:
    replica_regions = {
        st["Condition"]["StringEquals"]["kms:ReplicaRegion"]
        for key in eea.of("aws:kms/key:Key") if key.inputs.get("multiRegion")
        for st in json.loads(key.inputs["policy"])["Statement"] if st["Action"] == "kms:ReplicateKey"
    }
    assert replica_regions and replica_regions <= RESIDENCY_REGIONS[DataResidency.EEA]
