"""KMS keys: one symmetric key for data at rest and one secp256k1 signing key per attestor role.

AWS KMS keys live in FIPS 140-3 Level 3 validated HSMs. A CloudHSM custom key store would not help here:
custom key stores hold symmetric keys only, and secp256k1 signing needs an asymmetric KMS key."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from rat_infra.settings import StackSettings
from rat_infra.workloads import SigningRole

SECP256K1 = "ECC_SECG_P256K1"
SIGN_ACTIONS = ["kms:Sign", "kms:GetPublicKey"]
# Everything a key administrator needs except using the key; signing is granted to one task role only.
ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
]


def _ecs_task_trust(account_id: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


def task_role(name: str, account_id: pulumi.Output[str], parent: pulumi.Resource) -> aws.iam.Role:
    return aws.iam.Role(
        name, assume_role_policy=account_id.apply(_ecs_task_trust), opts=pulumi.ResourceOptions(parent=parent)
    )


def signing_key_policy(account_id: str, signer_arn: str, replica_region: str | None = None) -> str:
    """`replica_region`: a multi-region key may be replicated to that region (the stack's standby) and no other, so
    the key material never leaves the jurisdiction (ADMIN_ACTIONS grant no kms:ReplicateKey)."""
    root = f"arn:aws:iam::{account_id}:root"
    statements: list[dict[str, Any]] = [
        {
            "Sid": "KeyAdministration",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": ADMIN_ACTIONS,
            "Resource": "*",
        },
        {
            "Sid": "SignWithThisRoleOnly",
            "Effect": "Allow",
            "Principal": {"AWS": signer_arn},
            "Action": SIGN_ACTIONS,
            "Resource": "*",
        },
        # Defence in depth: even an administrator who edits IAM policies cannot sign with this key.
        {
            "Sid": "DenySignToEveryoneElse",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "kms:Sign",
            "Resource": "*",
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": signer_arn}},
        },
    ]
    if replica_region is not None:
        statements.insert(1, {
            "Sid": "ReplicateToTheStandbyRegionOnly",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:ReplicateKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ReplicaRegion": replica_region}},
        })
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def sign_only_policy(key_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": SIGN_ACTIONS,
                    "Resource": key_arn,
                    # Ethereum signatures are ECDSA over a Keccak digest the service computes itself.
                    "Condition": {
                        "StringEquals": {"kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "DIGEST"}
                    },
                }
            ],
        }
    )


def build_signing_keys(
    settings: StackSettings,
    account_id: pulumi.Output[str],
    signers: Mapping[SigningRole, aws.iam.Role],
    parent: pulumi.Resource,
) -> dict[SigningRole, aws.kms.Key]:
    """One key per role; `signers` names the single task role allowed to sign with each. A stack with a standby
    makes them multi-region keys (`mrk-` ids) its standby replicates: the same key material, so the same address
    signs after failover (decision 0073). Whether a key is multi-region is fixed when it is created."""
    keys: dict[SigningRole, aws.kms.Key] = {}
    replica_region = settings.standby_region
    for role in signers:
        name = f"{settings.prefix}-{role.value}"
        opts = pulumi.ResourceOptions(parent=parent)
        signer = signers[role]
        key = aws.kms.Key(
            f"{name}-signing",
            description=f"RAT {role.value} secp256k1 signing key ({settings.stack})",
            customer_master_key_spec=SECP256K1,
            key_usage="SIGN_VERIFY",
            deletion_window_in_days=30,
            multi_region=replica_region is not None,
            policy=pulumi.Output.all(account_id, signer.arn).apply(
                lambda a: signing_key_policy(a[0], a[1], replica_region)),
            opts=opts,
        )
        _name_and_grant(name, key, signer, opts)
        keys[role] = key
    return keys


def build_replica_signing_keys(
    settings: StackSettings,
    account_id: pulumi.Output[str],
    signers: Mapping[SigningRole, aws.iam.Role],
    primary_key_arns: Mapping[SigningRole, pulumi.Input[str]],
    parent: pulumi.Resource,
) -> dict[SigningRole, aws.kms.ReplicaKey]:
    """A standby's signing keys: a replica, in the standby's region, of each of its primary's multi-region keys.
    Each replica has its own key policy, naming the standby's task role as the only signer, as `build_signing_keys`
    does for the primary's."""
    missing = set(signers) - set(primary_key_arns)
    if missing:
        raise ValueError(f"the primary {settings.standby_of!r} has no signing key for {sorted(missing)}")
    keys: dict[SigningRole, aws.kms.ReplicaKey] = {}
    for role in signers:
        name = f"{settings.prefix}-{role.value}"
        opts = pulumi.ResourceOptions(parent=parent)
        signer = signers[role]
        key = aws.kms.ReplicaKey(
            f"{name}-signing",
            description=f"RAT {role.value} secp256k1 signing key ({settings.stack}: replica of {settings.standby_of})",
            primary_key_arn=primary_key_arns[role],
            deletion_window_in_days=30,
            policy=pulumi.Output.all(account_id, signer.arn).apply(lambda a: signing_key_policy(a[0], a[1])),
            opts=opts,
        )
        _name_and_grant(name, key, signer, opts)
        keys[role] = key
    return keys


def _name_and_grant(name: str, key: aws.kms.Key | aws.kms.ReplicaKey, signer: aws.iam.Role,
                    opts: pulumi.ResourceOptions) -> None:
    """The key's alias, and its signer's grant: one inline policy per key, so each grant names exactly one key."""
    aws.kms.Alias(f"{name}-signing", name=f"alias/{name}-signing", target_key_id=key.key_id, opts=opts)
    aws.iam.RolePolicy(f"{name}-sign", role=signer.id, policy=key.arn.apply(sign_only_policy), opts=opts)


def data_key_policy(account_id: str, region: str) -> str:
    root = f"arn:aws:iam::{account_id}:root"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministersAndDelegatesViaIam",
                    "Effect": "Allow",
                    "Principal": {"AWS": root},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                # CloudWatch Logs uses this key only when the key policy names the service.
                {
                    "Sid": "CloudWatchLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                    "Action": [
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ],
                    "Resource": "*",
                    "Condition": {
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:*"
                        }
                    },
                },
                # Alarms and budget alerts publish to the encrypted SNS topic, which needs this key.
                {
                    "Sid": "CloudWatchAlarmsToEncryptedTopic",
                    "Effect": "Allow",
                    "Principal": {"Service": ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                },
            ],
        }
    )


def build_data_key(
    settings: StackSettings, account_id: pulumi.Output[str], parent: pulumi.Resource
) -> aws.kms.Key:
    opts = pulumi.ResourceOptions(parent=parent)
    key = aws.kms.Key(
        f"{settings.prefix}-data",
        description=f"RAT data at rest ({settings.stack})",
        key_usage="ENCRYPT_DECRYPT",
        customer_master_key_spec="SYMMETRIC_DEFAULT",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=account_id.apply(lambda a: data_key_policy(a, settings.region)),
        opts=opts,
    )
    aws.kms.Alias(
        f"{settings.prefix}-data", name=f"alias/{settings.prefix}-data", target_key_id=key.key_id, opts=opts
    )
    return key


def deny_sign_policy() -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "FencedByTheActiveStandby", "Effect": "Deny", "Action": "kms:Sign", "Resource": "*"}]})


def fence_primary_signers(
    settings: StackSettings, primary_signer_roles: Mapping[SigningRole, pulumi.Input[str]], parent: pulumi.Resource
) -> list[aws.iam.RolePolicy]:
    """An active standby denies kms:Sign to each of its primary's signer task roles (an explicit deny beats every
    allow), and its services start only after: a primary task that is still running (a partial outage, a frozen
    stack someone scaled by hand) can no longer sign with the keys both stacks share. IAM is global, so this works
    while the primary's region is unreachable. Freezing the standby again removes the fence (failback)."""
    opts = pulumi.ResourceOptions(parent=parent)
    return [
        aws.iam.RolePolicy(f"{settings.prefix}-fence-{role.value}", role=primary_signer_roles[role],
                           policy=deny_sign_policy(), opts=opts)
        for role in sorted(primary_signer_roles)
    ]
