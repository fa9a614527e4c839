"""Stack settings refuse combinations that would break residency or resilience before anything is declared."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from rat_infra.settings import StackSettings
from rat_infra.stack_files import stack_file


def prod_eea_with(**changes: Any) -> dict[str, Any]:
    settings = dict(stack_file("prod-eea")["config"]["rat:settings"])
    settings.update(changes)
    return settings


def test_the_eea_stack_file_is_valid() -> None:
    assert StackSettings.from_config("prod-eea", prod_eea_with()).data_residency == "eea"


def test_eea_residency_rejects_a_latam_region() -> None:
    with pytest.raises(ValidationError, match="eea"):
        StackSettings.from_config(
            "x", prod_eea_with(region="sa-east-1", availability_zones=["sa-east-1a", "sa-east-1c"])
        )


def test_eea_residency_rejects_zurich_which_is_outside_the_eea() -> None:
    with pytest.raises(ValidationError, match="eu-central-2"):
        StackSettings.from_config(
            "x", prod_eea_with(region="eu-central-2", availability_zones=["eu-central-2a", "eu-central-2b"])
        )


def test_zones_must_belong_to_the_stack_region() -> None:
    with pytest.raises(ValidationError, match="availability zone"):
        StackSettings.from_config("x", prod_eea_with(availability_zones=["eu-west-1a", "eu-west-1b"]))


def test_production_bus_needs_three_servers() -> None:
    bus = {**prod_eea_with()["bus"], "nodes": 1}
    with pytest.raises(ValidationError, match="3 nodes"):
        StackSettings.from_config("x", prod_eea_with(bus=bus))


def test_every_workload_must_be_sized() -> None:
    services = {k: v for k, v in prod_eea_with()["services"].items() if k != "relayer"}
    with pytest.raises(ValidationError, match="relayer"):
        StackSettings.from_config("x", prod_eea_with(services=services))


def test_production_refuses_a_single_relayer_task_without_a_standby() -> None:
    services = {**prod_eea_with()["services"], "relayer": {"cpu": 512, "memory": 1024, "count": 1}}
    with pytest.raises(ValidationError, match="at least two relayer tasks"):
        StackSettings.from_config("x", prod_eea_with(services=services))


def test_production_may_run_several_relayer_tasks_behind_the_work_lease() -> None:
    services = {**prod_eea_with()["services"], "relayer": {"cpu": 512, "memory": 1024, "count": 3}}
    assert StackSettings.from_config("x", prod_eea_with(services=services)).services["relayer"].count == 3
