"""`pulumi up` runs infra/__main__.py: it reads the stack's `rat:settings` and optional Pulumi secrets."""

from __future__ import annotations

import json
import runpy
from typing import Any

import pulumi
from rat_infra.offline import declare_program
from rat_infra.stack_files import INFRA_DIR, stack_file

SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"


def run_entrypoint(stack: str, extra_config: dict[str, str]) -> list:
    config: dict[str, Any] = {"rat:settings": json.dumps(stack_file(stack)["config"]["rat:settings"])}
    pulumi.runtime.set_all_config({**config, **extra_config}, secret_keys=list(extra_config))
    try:
        return declare_program(stack, lambda: runpy.run_path(str(INFRA_DIR / "__main__.py")))
    finally:
        pulumi.runtime.set_all_config({})


def test_entrypoint_declares_the_stack_from_its_settings(declared_stacks) -> None:
    resources = run_entrypoint("staging", {})
    assert sorted(r.name for r in resources) == sorted(r.name for r in declared_stacks["staging"].resources)


def test_a_configured_pulumi_secret_becomes_a_secrets_manager_value() -> None:
    resources = run_entrypoint("staging", {"rat:chain-rpc-url": "https://rpc.invalid/k"})
    assert [r.name for r in resources if r.type == SECRET_VERSION] == ["rat-staging-chain-rpc-url"]


def test_without_configured_secrets_no_secret_value_is_declared() -> None:
    assert [r for r in run_entrypoint("staging", {}) if r.type == SECRET_VERSION] == []
