"""The documented OpenZeppelin-only method (reserves/verify-statement.js, Node and @openzeppelin/merkle-tree alone)
and our own verifier refuse the statements OpenZeppelin's `StandardMerkleTree.load` accepts: a value listed twice
under one tree index or a value missing from the list (with totals edited to match), and a lot committed as two
leaves."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from reserves import merkle
from reserves.audit import Failure
from reserves.cli import main
from reserves.statement import LEAF_ENCODING

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "reserves" / "verify-statement.js"
NO_NODE = ["--rpc-url", "http://127.0.0.1:9", "--registry", "0x" + "11" * 20]


def oz_method(statement: Path) -> tuple[int, dict]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@openzeppelin" / "merkle-tree").is_dir():
        pytest.fail("node and node_modules/@openzeppelin/merkle-tree are required: run `make bootstrap`")
    done = subprocess.run([node, str(SCRIPT), str(statement)], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          check=False)
    return done.returncode, json.loads(done.stdout)


def our_verify(statement: Path) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["verify", str(statement), *NO_NODE, "--json"])
    return result.exit_code, json.loads(result.output)


@pytest.fixture
def statement(round_inputs, tmp_path) -> Path:
    result = CliRunner().invoke(main, ["build", "--ledger", str(round_inputs / "ledger.csv"), "--custodian",
                                       str(round_inputs / "custodian.csv"), "--assets",
                                       str(round_inputs / "assets.json"), "--out", str(tmp_path / "round")])
    assert result.exit_code == 0, result.output
    return tmp_path / "round" / "statement.json"


def _inflate(data: dict, value: list, by: int) -> None:
    """Edits the per-asset totals so they match the leaves again after adding (or, by=-1, removing) `value`."""
    asset = next(a for a in data["assets"] if a["isin"] == value[3])
    asset["heldUnits"] = str(int(asset["heldUnits"]) + by * int(value[5]))
    asset["lots"] += by


def test_an_untouched_statement_passes_the_openzeppelin_only_method(statement):
    code, report = oz_method(statement)
    assert code == 0, report
    assert report["statementHash"] == "0x" + merkle.keccak256(statement.read_bytes()).hex()
    data = json.loads(statement.read_text())
    assert report["root"] == data["root"]
    assert {a["isin"]: a["heldUnits"] for a in report["assets"]} == {a["isin"]: a["heldUnits"] for a in data["assets"]}


@pytest.mark.parametrize("how", ["appended", "replacing-another"])
def test_a_value_listed_twice_under_one_tree_index_with_inflated_totals_is_refused_by_both(statement, oz, how):
    data = json.loads(statement.read_text())
    values = data["merkleTree"]["values"]
    duplicate = max(values, key=lambda v: int(v["value"][5]))  # the largest lot, counted twice
    if how == "appended":  # one value too many: the count check catches it
        values.append(duplicate)
        _inflate(data, duplicate["value"], +1)
    else:  # as many values as leaves: only the distinct-index check catches it
        smallest = min((v for v in values if v is not duplicate), key=lambda v: int(v["value"][5]))
        values[values.index(smallest)] = duplicate
        _inflate(data, smallest["value"], -1)
        _inflate(data, duplicate["value"], +1)
    statement.write_text(json.dumps(data, separators=(",", ":")))
    # the attack: OpenZeppelin's load alone accepts the dump, and the leaves now sum to the edited totals
    assert "error" not in oz({"op": "load", "dump": json.dumps(data["merkleTree"])})
    code, report = oz_method(statement)
    assert code == 4, report
    expected = "values for a tree of" if how == "appended" else "used by an earlier value"
    assert any(expected in p for p in report["problems"]), report
    code, ours = our_verify(statement)
    assert code == Failure.TAMPERED, ours
    assert ours["checks"][0]["check"] == "tree intact"


def test_a_value_missing_from_the_list_with_deflated_totals_is_refused_by_both(statement, oz):
    data = json.loads(statement.read_text())
    dropped = data["merkleTree"]["values"].pop()
    _inflate(data, dropped["value"], -1)
    statement.write_text(json.dumps(data, separators=(",", ":")))
    assert "error" not in oz({"op": "load", "dump": json.dumps(data["merkleTree"])})
    code, report = oz_method(statement)
    assert code == 4, report
    assert any("values for a tree of" in p for p in report["problems"])
    assert our_verify(statement)[0] == Failure.TAMPERED


def test_a_lot_committed_as_two_leaves_is_refused_by_both(statement):
    # a consistent tree (root recomputed over both copies): only the ids show the lot is counted twice
    data = json.loads(statement.read_text())
    values = [v["value"] for v in data["merkleTree"]["values"]]
    values.append(values[0])
    columns = [[merkle.from_json(t, row[j]) for row in values] for j, t in enumerate(LEAF_ENCODING)]
    tree = merkle.StandardMerkleTree.of(columns=columns, leaf_encoding=LEAF_ENCODING)
    data["merkleTree"] = tree.dump()
    data["root"] = tree.root_hex
    _inflate(data, values[0], +1)
    statement.write_text(json.dumps(data, separators=(",", ":")))
    code, report = oz_method(statement)
    assert code == 5, report
    assert any("appears twice" in p for p in report["problems"])
    code, ours = our_verify(statement)
    assert code == Failure.TOTALS, ours
    assert [c["check"] for c in ours["checks"] if not c["ok"]][0] == "every lot once"


@pytest.mark.parametrize("content", [b"", b"{\"format\":", b"not json\n"], ids=["empty", "truncated", "not-json"])
def test_the_openzeppelin_only_method_reports_an_unreadable_file_with_code_3(tmp_path, content):
    path = tmp_path / "statement.json"
    path.write_bytes(content)
    assert oz_method(path)[0] == 3
