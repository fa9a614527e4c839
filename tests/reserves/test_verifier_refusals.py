"""What the verifiers refuse without a node: a proof file whose descriptive fields disagree with the project's lot
encoding or with its own value (exit 4), and files that cannot be read at all (exit 3), each with the code of the
documented table (`rat-reserves verify --help`, `verify-proof --help`, docs/reserves/methodology.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reserves import merkle
from reserves.audit import Failure
from reserves.cli import main
from reserves.proofs import ProofOutcome
from reserves.statement import LEAF_ENCODING

NO_NODE = ["--rpc-url", "http://127.0.0.1:9", "--registry", "0x" + "11" * 20]


def build(inputs: Path, out: Path) -> Path:
    result = CliRunner().invoke(main, ["build", "--ledger", str(inputs / "ledger.csv"), "--custodian",
                                       str(inputs / "custodian.csv"), "--assets", str(inputs / "assets.json"),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "statement.json"


@pytest.fixture
def statement(round_inputs, tmp_path) -> Path:
    return build(round_inputs, tmp_path / "round")


@pytest.fixture
def proof(statement, round_inputs) -> dict:
    rid = (round_inputs / "ledger.csv").read_text().splitlines()[1].split(",")[2]
    proved = CliRunner().invoke(main, ["prove", str(statement), "--request-id", rid])
    assert proved.exit_code == 0, proved.output
    return json.loads(proved.output)


def verify_proof(tmp_path: Path, proof: dict | str) -> tuple[int, str]:
    path = tmp_path / "proof.json"
    path.write_text(proof if isinstance(proof, str) else json.dumps(proof))
    result = CliRunner().invoke(main, ["verify-proof", str(path)])
    return result.exit_code, result.output


def test_an_untouched_proof_holds(tmp_path, proof):
    code, output = verify_proof(tmp_path, proof)
    assert code == ProofOutcome.OK
    assert "leads to root" in output


def test_verify_proof_refuses_a_leaf_encoding_that_reads_the_same_bytes_as_32_byte_words(tmp_path, proof):
    # abi.encode of the lot as nine words: the strings' offsets and tails become bytes32 values, so the very same
    # leaf hash "proves" a value that says something else
    words = merkle.encode_leaf(LEAF_ENCODING, [merkle.from_json(t, v) for t, v in zip(LEAF_ENCODING, proof["value"])])
    proof["leafEncoding"] = ["bytes32"] * (len(words) // 32)
    proof["value"] = ["0x" + words[i : i + 32].hex() for i in range(0, len(words), 32)]
    assert merkle.StandardMerkleTree.verify(bytes.fromhex(proof["root"][2:]), proof["leafEncoding"],
                                            [bytes.fromhex(v[2:]) for v in proof["value"]],
                                            [bytes.fromhex(p[2:]) for p in proof["proof"]])
    code, output = verify_proof(tmp_path, proof)
    assert code == ProofOutcome.TAMPERED
    assert "leafEncoding" in output


def test_verify_proof_refuses_swapped_leaf_field_labels(tmp_path, proof):
    fields = proof["leafFields"]
    fields[4], fields[5] = fields[5], fields[4]  # mintedUnits <-> heldUnits: the lot would read as still full
    code, output = verify_proof(tmp_path, proof)
    assert code == ProofOutcome.TAMPERED
    assert "leafFields" in output


def test_verify_proof_refuses_a_leaf_that_is_not_the_hash_of_the_value(tmp_path, proof):
    proof["leaf"] = "0x" + "ab" * 32
    code, output = verify_proof(tmp_path, proof)
    assert code == ProofOutcome.TAMPERED
    assert "not the hash of the value" in output


def test_verify_proof_refuses_a_value_changed_under_its_old_leaf(tmp_path, proof):
    proof["value"][5] = str(int(proof["value"][5]) * 2)
    code, output = verify_proof(tmp_path, proof)
    assert code == ProofOutcome.TAMPERED
    assert "not the hash of the value" in output


def test_verify_proof_refuses_an_unknown_key(tmp_path, proof):
    proof["trustMe"] = True
    assert verify_proof(tmp_path, proof)[0] == ProofOutcome.UNREADABLE


@pytest.mark.parametrize("content", ["", "   \n", "not json at all\n", '{"format": "rat-lot-proof-v1", "root"'],
                         ids=["empty", "blank", "not-json", "truncated"])
def test_verify_proof_reports_an_unreadable_file_with_code_3(tmp_path, content):
    code, output = verify_proof(tmp_path, content)
    assert code == ProofOutcome.UNREADABLE == 3, output


def test_verify_proof_reports_a_missing_file_with_code_3(tmp_path):
    result = CliRunner().invoke(main, ["verify-proof", str(tmp_path / "nope.json")])
    assert result.exit_code == ProofOutcome.UNREADABLE


def _verify(path: Path) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["verify", str(path), *NO_NODE, "--json"])
    return result.exit_code, json.loads(result.output)


@pytest.mark.parametrize("cut", ["empty", "not-json", "truncated", "other-json"])
def test_verify_reports_an_unreadable_statement_with_code_3(statement, cut):
    raw = statement.read_bytes()
    statement.write_bytes({"empty": b"", "not-json": b"\x89PNG\r\n\x1a\n", "truncated": raw[: len(raw) // 2],
                           "other-json": b'{"format":"standard-v1"}\n'}[cut])
    code, report = _verify(statement)
    assert code == Failure.UNREADABLE == 3, report
    assert report["checks"][0]["check"] == "statement readable"


def test_verify_reports_an_altered_leaf_as_tampered_not_unreadable(statement):
    data = json.loads(statement.read_text())
    data["merkleTree"]["values"][0]["value"][5] = "1"
    statement.write_text(json.dumps(data))
    assert _verify(statement)[0] == Failure.TAMPERED == 4
