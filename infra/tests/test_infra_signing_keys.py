"""Each signing role has its own secp256k1 key in KMS, and only the task role of the workload holding that
role can sign with it."""

from __future__ import annotations

import json

from infra_queries import DeclaredStack, as_list, sign_grants, statements
from rat_infra.workloads import SigningRole, signer_of

KEY = "aws:kms/key:Key"
REPLICA = "aws:kms/replicaKey:ReplicaKey"  # a warm standby's signing keys: replicas of its primary's (decision 0073)


def signing_keys(stack: DeclaredStack) -> list:
    return [k for k in stack.of(KEY) if k.inputs["keyUsage"] == "SIGN_VERIFY"] + stack.of(REPLICA)


def key_arn(stack: DeclaredStack, role: SigningRole) -> str:
    return f"arn:mock:{REPLICA if stack.settings.is_standby else KEY}:{stack.settings.prefix}-{role.value}-signing"


def task_role_arn(stack: DeclaredStack, workload: str) -> str:
    return f"arn:mock:aws:iam/role:Role:{stack.settings.prefix}-{workload}-task"


def principals_allowed_to_sign(key_policy: str) -> set[str]:
    return {
        p
        for st in statements(key_policy)
        if st["Effect"] == "Allow" and any(a in ("kms:Sign", "kms:*") for a in as_list(st["Action"]))
        for p in as_list(st["Principal"].get("AWS", []))
    }


def test_there_is_one_signing_key_per_role(stack: DeclaredStack) -> None:
    names = sorted(k.name for k in signing_keys(stack))
    held = signer_of(stack.settings.workloads)
    assert names == sorted(f"{stack.settings.prefix}-{role.value}-signing" for role in held)
    # A stack that leaves the custody attestor to the custodian's own stack holds every other role's key.
    expected = set(SigningRole) - ({SigningRole.CUSTODY_ATTESTOR} if stack.settings.custody_attestor == "separate-stack"
                                   else set())
    assert set(held) == expected


def test_every_signing_key_is_secp256k1(stack: DeclaredStack, declared_stacks: dict[str, DeclaredStack]) -> None:
    # A replica key has the key spec of its primary key, in the primary stack.
    primaries = {f"arn:mock:{KEY}:{k.name}": k for s in declared_stacks.values() for k in s.of(KEY)}
    keys = [primaries[k.inputs["primaryKeyArn"]] if k.type == REPLICA else k for k in signing_keys(stack)]
    assert {k.inputs["customerMasterKeySpec"] for k in keys} == {"ECC_SECG_P256K1"}


def test_key_policy_lets_exactly_one_principal_sign(stack: DeclaredStack) -> None:
    for key in signing_keys(stack):
        assert len(principals_allowed_to_sign(key.inputs["policy"])) == 1, key.name


def test_key_policy_admits_only_the_task_role_of_the_workload_holding_the_role(stack: DeclaredStack) -> None:
    keys = {k.name: k for k in signing_keys(stack)}
    for role, workload in signer_of(stack.settings.workloads).items():
        key = keys[f"{stack.settings.prefix}-{role.value}-signing"]
        assert principals_allowed_to_sign(key.inputs["policy"]) == {task_role_arn(stack, workload.name)}


def test_key_policy_denies_signing_to_every_other_principal(stack: DeclaredStack) -> None:
    for key in signing_keys(stack):
        (signer,) = principals_allowed_to_sign(key.inputs["policy"])
        denies = [
            st
            for st in statements(key.inputs["policy"])
            if st["Effect"] == "Deny" and "kms:Sign" in as_list(st["Action"])
        ]
        assert [d["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] for d in denies] == [signer], key.name


def test_each_iam_sign_grant_names_exactly_one_key(stack: DeclaredStack) -> None:
    grants = sign_grants(stack)
    assert grants and all(len(resources) == 1 for _, resources in grants)


def test_each_workload_can_sign_only_with_the_keys_of_its_own_roles(stack: DeclaredStack) -> None:
    granted: dict[str, set[str]] = {}
    for role_id, resources in sign_grants(stack):
        granted.setdefault(stack.by_id(role_id).name, set()).update(resources)
    expected = {
        f"{stack.settings.prefix}-{w.name}-task": {key_arn(stack, r) for r in w.signing_roles}
        for w in stack.settings.workloads
        if w.signing_roles
    }
    assert granted == expected


def test_workloads_without_a_signing_role_cannot_sign(stack: DeclaredStack) -> None:
    unsigned = {f"{stack.settings.prefix}-{w.name}-task" for w in stack.settings.workloads if not w.signing_roles}
    unsigned |= {f"{stack.settings.prefix}-nats-task", f"{stack.settings.prefix}-execution"}
    signing_role_names = {stack.by_id(role_id).name for role_id, _ in sign_grants(stack)}
    assert unsigned and not unsigned & signing_role_names


def test_sign_grants_only_allow_ethereum_digest_signing(stack: DeclaredStack) -> None:
    for policy in stack.of("aws:iam/rolePolicy:RolePolicy"):
        for st in statements(policy.inputs["policy"]):
            if "kms:Sign" in as_list(st["Action"]):
                assert st["Condition"]["StringEquals"] == {
                    "kms:SigningAlgorithm": "ECDSA_SHA_256",
                    "kms:MessageType": "DIGEST",
                }


def test_each_workload_is_told_the_key_of_every_role_it_holds_and_no_other(stack: DeclaredStack) -> None:
    for w in stack.settings.workloads:
        task = next(
            t
            for t in stack.of("aws:ecs/taskDefinition:TaskDefinition")
            if t.name == f"{stack.settings.prefix}-{w.name}"
        )
        env = {
            e["name"]: e["value"] for e in json.loads(task.inputs["containerDefinitions"])[0]["environment"]
        }
        told = {k: v for k, v in env.items() if k.startswith("RAT_KMS_KEY_")}
        assert told == {r.env_var: key_arn(stack, r) for r in w.signing_roles}, w.name
