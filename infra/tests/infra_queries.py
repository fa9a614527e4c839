"""Questions the tests ask of a declared stack, answered from the recorded resource inputs only."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rat_infra.offline import Declared
from rat_infra.settings import StackSettings

ANYWHERE = {"0.0.0.0/0", "::/0"}


@dataclass(frozen=True)
class DeclaredStack:
    settings: StackSettings
    resources: list[Declared]

    def of(self, typ: str) -> list[Declared]:
        return [r for r in self.resources if r.type == typ]

    def one(self, typ: str) -> Declared:
        (only,) = self.of(typ)
        return only

    def by_id(self, resource_id: str) -> Declared:
        return next(r for r in self.resources if r.id == resource_id)


def statements(policy: str) -> list[dict[str, Any]]:
    parsed = json.loads(policy)["Statement"]
    return parsed if isinstance(parsed, list) else [parsed]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def readable_secrets(stack: DeclaredStack) -> set[str]:
    """Every resource some role policy of the stack allows `secretsmanager:GetSecretValue` on."""
    return {
        resource
        for policy in stack.of("aws:iam/rolePolicy:RolePolicy")
        for st in statements(policy.inputs["policy"]) if st["Action"] == "secretsmanager:GetSecretValue"
        for resource in as_list(st["Resource"])
    }


def internet_routed_subnet_ids(stack: DeclaredStack) -> set[str]:
    """Subnets whose route table sends traffic straight to an internet gateway."""
    gateways = {g.id for g in stack.of("aws:ec2/internetGateway:InternetGateway")}
    public_tables = {
        t.id
        for t in stack.of("aws:ec2/routeTable:RouteTable")
        if any(r.get("gatewayId") in gateways for r in t.inputs.get("routes", []))
    }
    return {
        a.inputs["subnetId"]
        for a in stack.of("aws:ec2/routeTableAssociation:RouteTableAssociation")
        if a.inputs["routeTableId"] in public_tables
    }


def open_to_anywhere(group_inputs: dict[str, Any]) -> bool:
    return any(
        set(rule.get("cidrBlocks", []) + rule.get("ipv6CidrBlocks", [])) & ANYWHERE
        for rule in group_inputs.get("ingress", [])
    )


def sign_grants(stack: DeclaredStack) -> list[tuple[str, list[str]]]:
    """(role id, key ARNs) for every inline IAM policy that allows kms:Sign."""
    grants = []
    for policy in stack.of("aws:iam/rolePolicy:RolePolicy"):
        for st in statements(policy.inputs["policy"]):
            actions = as_list(st["Action"])
            if st["Effect"] == "Allow" and any(a in ("kms:Sign", "kms:*", "*") for a in actions):
                grants.append((policy.inputs["role"], as_list(st["Resource"])))
    return grants


def provider_region(stack: DeclaredStack, provider_ref: str | None) -> str | None:
    if not provider_ref:
        return None
    provider_id = provider_ref.rsplit("::", 1)[-1]
    return stack.by_id(provider_id).inputs.get("region")


def ids(resources: Iterable[Any]) -> set[str]:
    return {r.id for r in resources}
