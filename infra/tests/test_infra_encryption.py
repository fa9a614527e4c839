"""Every store of data is encrypted at rest with the stack's own KMS key, not a default AWS-owned key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infra_queries import DeclaredStack

# How each kind of store says "encrypted with a customer key". A new kind of store must be added here,
# which test_every_store_kind_is_checked enforces.
ENCRYPTED_WITH_CUSTOMER_KEY: dict[str, Callable[[dict[str, Any]], bool]] = {
    "aws:rds/instance:Instance": lambda i: i.get("storageEncrypted") is True and bool(i.get("kmsKeyId")),
    "aws:efs/fileSystem:FileSystem": lambda i: i.get("encrypted") is True and bool(i.get("kmsKeyId")),
    "aws:cloudwatch/logGroup:LogGroup": lambda i: bool(i.get("kmsKeyId")),
    "aws:secretsmanager/secret:Secret": lambda i: bool(i.get("kmsKeyId")),
    "aws:ecr/repository:Repository": lambda i: any(
        c.get("encryptionType") == "KMS" and c.get("kmsKey") for c in i.get("encryptionConfigurations", [])
    ),
    "aws:sns/topic:Topic": lambda i: bool(i.get("kmsMasterKeyId")),
}
# Module/resource prefixes of AWS token names ("aws:<module>/<resource>:<Class>") for kinds that store data.
STORE_TYPE_MARKERS = (
    "rds/instance:",
    "rds/cluster:",
    "efs/fileSystem:",
    "cloudwatch/logGroup:",
    "secretsmanager/secret:",
    "ecr/repository:",
    "sns/topic:",
    "s3/bucket",
    "dynamodb/table:",
    "ebs/volume:",
    "sqs/queue:",
    "elasticache/",
    "opensearch/domain:",
    "kinesis/stream:",
)


def test_every_store_kind_is_checked(stack: DeclaredStack) -> None:
    stores = {r.type for r in stack.resources if any(m in r.type for m in STORE_TYPE_MARKERS)}
    assert stores <= set(ENCRYPTED_WITH_CUSTOMER_KEY), stores - set(ENCRYPTED_WITH_CUSTOMER_KEY)


def test_every_store_is_encrypted_with_a_customer_managed_key(stack: DeclaredStack) -> None:
    unencrypted = [
        r.name
        for r in stack.resources
        if r.type in ENCRYPTED_WITH_CUSTOMER_KEY and not ENCRYPTED_WITH_CUSTOMER_KEY[r.type](r.inputs)
    ]
    assert unencrypted == []


def test_stores_use_the_stack_data_key_not_a_signing_key(stack: DeclaredStack) -> None:
    data_keys = {
        f"arn:mock:aws:kms/key:Key:{k.name}"
        for k in stack.of("aws:kms/key:Key")
        if k.inputs["keyUsage"] == "ENCRYPT_DECRYPT"
    }
    used = {r.inputs.get("kmsKeyId") for r in stack.resources if r.inputs.get("kmsKeyId")}
    assert used and used <= data_keys


def test_bus_storage_is_encrypted_in_transit_from_every_server(stack: DeclaredStack) -> None:
    efs_volumes = [
        v["efsVolumeConfiguration"]
        for t in stack.of("aws:ecs/taskDefinition:TaskDefinition")
        for v in t.inputs.get("volumes", [])
        if v.get("efsVolumeConfiguration")
    ]
    # One per NATS server, one per attestor (its record of what it signed).
    attestors = [w for w in stack.settings.workloads if w.service_port is not None]
    assert len(efs_volumes) == stack.settings.bus.nodes + len(attestors)
    assert all(v["transitEncryption"] == "ENABLED" for v in efs_volumes)
