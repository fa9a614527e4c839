"""Tags every taggable AWS resource in one place, so a resource added later cannot be forgotten."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from functools import cache

import pulumi

from rat_infra.settings import StackSettings

# Stores that may hold personal data (KYC references, wallet-to-person links, IP addresses in logs).
# The EEA residency test keys on this tag.
PERSONAL_DATA_TAG = "personal-data"


def base_tags(settings: StackSettings) -> dict[str, str]:
    return {
        "project": "rat",
        "stack": settings.stack,
        "owner": settings.owner,
        "data-residency": settings.data_residency.value,
        "environment": settings.environment,
    }


def personal_data(holds: bool) -> dict[str, str]:
    return {PERSONAL_DATA_TAG: "true" if holds else "false"}


@cache
def accepts_tags(resource_type: type) -> bool:
    init = getattr(resource_type, "_internal_init", None)
    return init is not None and "tags" in inspect.signature(init).parameters


def tagging_transformation(tags: Mapping[str, str]) -> pulumi.ResourceTransformation:
    def add_tags(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if not accepts_tags(type(args.resource)):
            return None
        # Resource-specific tags (e.g. personal-data) win over the stack-wide ones.
        merged = pulumi.Output.from_input(args.props.get("tags") or {}).apply(lambda own: {**tags, **own})
        return pulumi.ResourceTransformationResult(props={**args.props, "tags": merged}, opts=args.opts)

    return add_tags
