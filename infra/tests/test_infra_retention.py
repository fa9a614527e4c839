"""The daily `rat-relayer purge` is scheduled by the Pulumi program, with each stack's AML record period
(docs/data/lifecycle.md, "Retention and purge")."""

from __future__ import annotations

import json

import pytest
from infra_queries import DeclaredStack, statements
from pydantic import ValidationError
from rat_infra.offline import MOCK_ACCOUNT_ID, mock_arn
from rat_infra.services import PURGE_SCHEDULE
from rat_infra.settings import StackSettings
from rat_infra.stack_files import load_stack_settings

SCHEDULE = "aws:scheduler/schedule:Schedule"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
ROLE = "aws:iam/role:Role"


def purge_schedule(stack: DeclaredStack):
    (schedule,) = [s for s in stack.of(SCHEDULE) if s.name == f"{stack.settings.prefix}-relayer-purge"]
    return schedule


def purge_container(stack: DeclaredStack) -> dict:
    task = next(t for t in stack.of(TASK) if t.name == f"{stack.settings.prefix}-relayer-purge")
    return json.loads(task.inputs["containerDefinitions"])[0]


def test_every_stack_runs_the_relayer_purge_daily_as_a_fargate_task_in_its_private_subnets(stack: DeclaredStack):
    schedule = purge_schedule(stack)
    assert schedule.inputs["scheduleExpression"] == PURGE_SCHEDULE == "cron(30 3 * * ? *)"
    ecs = schedule.inputs["target"]["ecsParameters"]
    assert ecs["taskDefinitionArn"] == mock_arn(TASK, f"{stack.settings.prefix}-relayer-purge")
    assert ecs["launchType"] == "FARGATE" and ecs["networkConfiguration"]["assignPublicIp"] is False
    assert purge_container(stack)["command"][:2] == ["rat-relayer", "purge"]


@pytest.mark.parametrize(("stack_name", "days"), [("staging", "1825"), ("prod", "1825"), ("prod-eea", "3650")])
def test_the_purge_uses_the_stacks_aml_record_period(declared_stacks, stack_name: str, days: str):
    assert purge_container(declared_stacks[stack_name])["command"] == [
        "rat-relayer", "purge", "--config-env", "RAT_CONFIG_YAML", "--aml-record-days", days]


def test_the_purge_runs_as_the_relayer_database_user_without_a_signing_key(stack: DeclaredStack):
    env = {e["name"]: e["value"] for e in purge_container(stack)["environment"]}
    assert env["RAT_DB_USER"] == "relayer"
    assert not [name for name in env if name.startswith("RAT_KMS_KEY_")]


def test_the_scheduler_may_start_only_the_purge_task_as_the_relayer(stack: DeclaredStack):
    p = stack.settings.prefix
    (policy,) = [r for r in stack.of("aws:iam/rolePolicy:RolePolicy") if r.name == f"{p}-relayer-purge-scheduler"]
    allowed = {s["Action"]: s["Resource"] for s in statements(policy.inputs["policy"])}
    assert allowed == {
        "ecs:RunTask": f"arn:aws:ecs:{stack.settings.region}:{MOCK_ACCOUNT_ID}:task-definition/{p}-relayer-purge:*",
        "iam:PassRole": [mock_arn(ROLE, f"{p}-execution"), mock_arn(ROLE, f"{p}-relayer-task")],
    }


def test_an_eea_stack_refuses_an_aml_period_under_ten_years():
    settings = load_stack_settings("prod-eea").model_dump()
    with pytest.raises(ValidationError, match="at least 3650"):
        StackSettings.model_validate({**settings, "aml_record_days": 1825})
