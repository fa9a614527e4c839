"""Stack configuration never holds a secret in plaintext, and Pulumi secrets are encrypted with KMS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from rat_infra.stack_files import stack_file, stack_names

SECRET_LOOKING = re.compile(r"pass(word)?|secret|token|private|api[-_]?key|mnemonic|seed|rpc[-_]?url", re.I)


def leaves(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict) and set(node) == {"secure"}:
        yield path, node  # a Pulumi-encrypted value
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from leaves(value, f"{path}[{i}]")
    else:
        yield path, node


def plaintext_secrets(config: dict[str, Any]) -> list[str]:
    return [
        path
        for path, value in leaves(config)
        if SECRET_LOOKING.search(path) and not (isinstance(value, dict) and "secure" in value)
    ]


@pytest.mark.parametrize("stack", stack_names())
def test_secret_looking_config_values_are_pulumi_encrypted(stack: str) -> None:
    assert plaintext_secrets(stack_file(stack).get("config", {})) == []


@pytest.mark.parametrize("stack", stack_names())
def test_pulumi_secrets_are_encrypted_with_a_kms_key_in_the_stack_region(stack: str) -> None:
    document = stack_file(stack)
    region = document["config"]["rat:settings"]["region"]
    assert re.fullmatch(rf"awskms://alias/[\w/-]+\?region={region}", document["secretsprovider"])


def test_the_secret_scan_flags_a_plaintext_secret_but_not_an_encrypted_one() -> None:
    config = {"rat:chain-rpc-url": "https://example.invalid/key", "rat:nats-token": {"secure": "v1:AbC="}}
    assert plaintext_secrets(config) == ["rat:chain-rpc-url"]
