"""The custodian's stack (`deploys: custody-attestor`) has no stack file here: it is deployed in the custodian's
account from settings the custodian keeps. The tests declare one from the EEA production stack's settings turned
into it, with three platform NAT addresses."""

from __future__ import annotations

from typing import Any

from rat_infra.settings import StackSettings
from rat_infra.stack_files import load_stack_settings

CUSTODY_STACK = "custody-eea"  # `rat-custody-eea-attestor`: the longest load balancer name AWS accepts (24 + 8)
PLATFORM_NAT_CIDRS = ("203.0.113.10/32", "203.0.113.11/32", "203.0.113.12/32")


def custody_settings(**changes: Any) -> StackSettings:
    base = load_stack_settings("prod-eea").model_dump(mode="json")
    base.update(stack=CUSTODY_STACK, deploys="custody-attestor", relayer_cidrs=list(PLATFORM_NAT_CIDRS),
                services={"custody-attestor": {"cpu": 256, "memory": 512, "count": 1}},
                standby_region=None)  # prod-eea's standby pairing is the platform's, not the custodian's
    base.update(changes)
    return StackSettings.model_validate(base)
