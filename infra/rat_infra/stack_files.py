"""Reads the Pulumi.<stack>.yaml files directly, so tests and the cost model see the same settings that
`pulumi up` would, without the Pulumi CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rat_infra.settings import StackSettings, check_standby_pair

INFRA_DIR = Path(__file__).resolve().parent.parent


def stack_names() -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in INFRA_DIR.glob("Pulumi.*.yaml")
    )


def stack_file(stack: str) -> dict[str, Any]:
    return yaml.safe_load((INFRA_DIR / f"Pulumi.{stack}.yaml").read_text())


def _settings(stack: str) -> StackSettings:
    return StackSettings.from_config(stack, stack_file(stack)["config"]["rat:settings"])


def check_standby_pairs(settings: StackSettings) -> None:
    """Checks `settings` against the stack file of its primary, or of each stack that names it as primary: a
    `pulumi up` of either side is refused while the pair is inconsistent or both are active."""
    if settings.standby_of is not None:
        if settings.standby_of not in stack_names():
            raise ValueError(f"standby {settings.stack!r} names primary {settings.standby_of!r}, which has no stack "
                             f"file Pulumi.{settings.standby_of}.yaml")
        check_standby_pair(_settings(settings.standby_of), settings)
    standbys = [s for s in (_settings(n) for n in stack_names() if n != settings.stack)
                if s.standby_of == settings.stack]
    for standby in standbys:
        check_standby_pair(settings, standby)
    if settings.standby_region is not None and not standbys:
        raise ValueError(f"{settings.stack!r} has standby_region {settings.standby_region!r} but no stack file names "
                         "it in standby_of")


def load_stack_settings(stack: str) -> StackSettings:
    settings = _settings(stack)
    check_standby_pairs(settings)
    return settings
