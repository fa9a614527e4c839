"""Every resource that AWS can tag carries who owns it, which stack it belongs to and its data residency."""

from __future__ import annotations

import importlib
import inspect

from infra_queries import DeclaredStack

REQUIRED = ("stack", "owner", "data-residency")


def aws_class(token: str) -> type:
    # "aws:kms/key:Key" -> pulumi_aws.kms.Key
    package, module_path, cls = token.split(":")
    return getattr(importlib.import_module(f"pulumi_{package}.{module_path.split('/')[0]}"), cls)


def taggable(stack: DeclaredStack) -> list:
    return [
        r
        for r in stack.resources
        if r.type.startswith("aws:")
        and "tags" in inspect.signature(aws_class(r.type)._internal_init).parameters
    ]


def test_stores_keys_and_services_are_among_the_taggable_resources(stack: DeclaredStack) -> None:
    kinds = {r.type for r in taggable(stack)}
    assert {"aws:rds/instance:Instance", "aws:kms/key:Key", "aws:ecs/service:Service"} <= kinds


def test_every_taggable_resource_has_stack_owner_and_residency_tags(stack: DeclaredStack) -> None:
    missing = {r.name: [t for t in REQUIRED if not r.tags.get(t)] for r in taggable(stack)}
    assert {name: tags for name, tags in missing.items() if tags} == {}


def test_tags_state_this_stack_and_its_residency(stack: DeclaredStack) -> None:
    values = {(r.tags["stack"], r.tags["owner"], r.tags["data-residency"]) for r in taggable(stack)}
    s = stack.settings
    assert values == {(s.stack, s.owner, s.data_residency.value)}


def test_services_propagate_their_tags_to_running_tasks(stack: DeclaredStack) -> None:
    assert {s.inputs.get("propagateTags") for s in stack.of("aws:ecs/service:Service")} == {"SERVICE"}
