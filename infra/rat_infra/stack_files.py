"""Reads the Pulumi.<stack>.yaml files directly, so tests and the cost model see the same settings that
`pulumi up` would, without the Pulumi CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rat_infra.settings import StackSettings

INFRA_DIR = Path(__file__).resolve().parent.parent


def stack_names() -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in INFRA_DIR.glob("Pulumi.*.yaml")
    )


def stack_file(stack: str) -> dict[str, Any]:
    return yaml.safe_load((INFRA_DIR / f"Pulumi.{stack}.yaml").read_text())


def load_stack_settings(stack: str) -> StackSettings:
    return StackSettings.from_config(stack, stack_file(stack)["config"]["rat:settings"])
