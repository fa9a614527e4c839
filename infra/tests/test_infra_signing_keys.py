"""Each attestor role signs with its own secp256k1 key in KMS, and only that role's task can use it."""

from __future__ import annotations

import json

from infra_queries import DeclaredStack, as_list, sign_grants, statements
from rat_infra.workloads import WORKLOADS, SigningRole

KEY = "aws:kms/key:Key"


def signing_keys(stack: DeclaredStack) -> list:
    return [k for k in stack.of(KEY) if k.inputs["keyUsage"] == "SIGN_VERIFY"]


def principals_allowed_to_sign(key_policy: str) -> set[str]:
    return {
        p
        for st in statements(key_policy)
        if st["Effect"] == "Allow" and any(a in ("kms:Sign", "kms:*") for a in as_list(st["Action"]))
        for p in as_list(st["Principal"].get("AWS", []))
    }


def test_there_is_one_signing_key_per_role(stack: DeclaredStack) -> None:
    names = sorted(k.name for k in signing_keys(stack))
    assert names == sorted(f"{stack.settings.prefix}-{role.value}-signing" for role in SigningRole)


def test_every_signing_key_is_secp256k1(stack: DeclaredStack) -> None:
    specs = {k.inputs["customerMasterKeySpec"] for k in signing_keys(stack)}
    assert specs == {"ECC_SECG_P256K1"}


def test_key_policy_lets_exactly_one_principal_sign(stack: DeclaredStack) -> None:
    for key in signing_keys(stack):
        assert len(principals_allowed_to_sign(key.inputs["policy"])) == 1, key.name


def test_no_two_signing_keys_share_a_signer(stack: DeclaredStack) -> None:
    signers = [principals_allowed_to_sign(k.inputs["policy"]) for k in signing_keys(stack)]
    assert len(set().union(*signers)) == len(signers)


def test_key_policy_denies_signing_to_every_other_principal(stack: DeclaredStack) -> None:
    for key in signing_keys(stack):
        (signer,) = principals_allowed_to_sign(key.inputs["policy"])
        denies = [
            st
            for st in statements(key.inputs["policy"])
            if st["Effect"] == "Deny" and "kms:Sign" in as_list(st["Action"])
        ]
        assert [d["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] for d in denies] == [signer], key.name


def test_each_iam_sign_grant_names_one_signing_key(stack: DeclaredStack) -> None:
    key_arns = {f"arn:mock:{KEY}:{k.name}" for k in signing_keys(stack)}
    grants = sign_grants(stack)
    assert len(grants) == len(key_arns)
    assert sorted(resource for _, resources in grants for resource in resources) == sorted(key_arns)


def test_the_role_a_key_trusts_is_the_role_iam_lets_sign_with_it(stack: DeclaredStack) -> None:
    granted = {resources[0]: stack.by_id(role_id) for role_id, resources in sign_grants(stack)}
    for key in signing_keys(stack):
        (signer,) = principals_allowed_to_sign(key.inputs["policy"])
        role = granted[f"arn:mock:{KEY}:{key.name}"]
        assert signer == f"arn:mock:aws:iam/role:Role:{role.name}"


def test_sign_grants_only_allow_ethereum_digest_signing(stack: DeclaredStack) -> None:
    for policy in stack.of("aws:iam/rolePolicy:RolePolicy"):
        for st in statements(policy.inputs["policy"]):
            if "kms:Sign" in as_list(st["Action"]):
                assert st["Condition"]["StringEquals"] == {
                    "kms:SigningAlgorithm": "ECDSA_SHA_256",
                    "kms:MessageType": "DIGEST",
                }


def test_workloads_without_a_signing_role_cannot_sign(stack: DeclaredStack) -> None:
    unsigned = {f"{stack.settings.prefix}-{w.name}-task" for w in WORKLOADS if w.signing_role is None}
    unsigned |= {f"{stack.settings.prefix}-nats-task", f"{stack.settings.prefix}-execution"}
    signing_role_names = {stack.by_id(role_id).name for role_id, _ in sign_grants(stack)}
    assert unsigned and not unsigned & signing_role_names


def test_each_signer_container_is_told_its_own_key(stack: DeclaredStack) -> None:
    for w in (w for w in WORKLOADS if w.signing_role):
        task = next(
            t
            for t in stack.of("aws:ecs/taskDefinition:TaskDefinition")
            if t.name == f"{stack.settings.prefix}-{w.name}"
        )
        env = {
            e["name"]: e["value"] for e in json.loads(task.inputs["containerDefinitions"])[0]["environment"]
        }
        assert (
            env["RAT_SIGNER_KMS_KEY_ID"]
            == f"arn:mock:{KEY}:{stack.settings.prefix}-{w.signing_role.value}-signing"
        )
