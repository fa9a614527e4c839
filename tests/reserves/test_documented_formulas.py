"""The formulas the reserve docs give to custodians and account owners are the ones the code uses: a salt and an
account hash recomputed from the documented text equal those of a real build's round-secret.json."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from reserves import merkle
from reserves.cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reserves"
SALT = re.compile(r'salt\s*=\s*HMAC-SHA256\(roundSecret,\s*"([^"]*)"\s*‖\s*utf8\((\w+)\)\)')
ACCOUNT_HASH = re.compile(r"accountHash\s*=\s*keccak256\(salt\s*‖\s*utf8\((\w+)\)\)")


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory) -> dict:
    samples = Path(__file__).resolve().parents[2] / "reserves" / "samples"
    out = tmp_path_factory.mktemp("round")
    result = CliRunner().invoke(main, ["build", "--ledger", str(samples / "ledger.csv"), "--custodian",
                                       str(samples / "custodian.csv"), "--assets", str(samples / "assets.json"),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads((out / "round-secret.json").read_text())


@pytest.mark.parametrize("doc", ["methodology.md", "input-schema.md"])
def test_the_documented_salt_and_account_hash_are_the_ones_a_build_writes(doc, secret_file):
    text = (DOCS / doc).read_text(encoding="utf-8")
    salt_match, hash_match = SALT.search(text), ACCOUNT_HASH.search(text)
    assert salt_match and hash_match, f"{doc} states no salt / accountHash formula"
    label = salt_match.group(1).encode()
    secret = bytes.fromhex(secret_file["roundSecret"][2:])
    for entry in secret_file["accounts"]:
        account = entry["account"].encode()
        salt = hmac.new(secret, label + account, hashlib.sha256).digest()
        assert "0x" + salt.hex() == entry["salt"], f"{doc}: the documented salt formula gives another salt"
        assert "0x" + merkle.keccak256(salt + account).hex() == entry["accountHash"]


def _code_tables(text: str) -> list[set[int]]:
    tables, current = [], None
    for line in text.splitlines():
        if line.startswith("| code | meaning |"):
            current = set()
            tables.append(current)
        elif current is not None and (m := re.match(r"\| (\d+) \|", line)):
            current.add(int(m.group(1)))
        elif current is not None and not line.startswith("|"):
            current = None
    return tables


def test_the_documented_exit_code_tables_are_the_codes_verify_and_verify_proof_use():
    from reserves.audit import Failure
    from reserves.proofs import ProofOutcome

    verify_codes, proof_codes = _code_tables((DOCS / "methodology.md").read_text(encoding="utf-8"))
    assert verify_codes == {int(f) for f in Failure}
    assert proof_codes == {int(o) for o in ProofOutcome} | {2}  # 2: bad arguments, from click
