"""The published statement: private accounts, unlinkable rounds, totals that equal the leaves, proofs per
request, and refusal of any altered file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reserves import merkle
from reserves.cli import main
from reserves.errors import MerkleError
from reserves.statement import account_hash, load_statement


def build(inputs: Path, out: Path, *extra: str) -> dict:
    result = CliRunner().invoke(main, ["build", "--ledger", str(inputs / "ledger.csv"), "--custodian",
                                       str(inputs / "custodian.csv"), "--assets", str(inputs / "assets.json"),
                                       "--out", str(out), "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def request_ids(inputs: Path) -> list[str]:
    lines = (inputs / "ledger.csv").read_text().splitlines()[1:]
    return [line.split(",")[2] for line in lines if line.startswith("mint")]


@pytest.fixture
def built(round_inputs, tmp_path) -> Path:
    build(round_inputs, tmp_path / "r1")
    return tmp_path / "r1"


def test_the_statement_reveals_no_custody_account(built):
    text = (built / "statement.json").read_text()
    assert "CUST-ACC" not in text
    assert "CUST-ACC-001" in (built / "round-secret.json").read_text()


def test_the_round_secret_file_is_readable_only_by_its_owner(built):
    assert (built / "round-secret.json").stat().st_mode & 0o077 == 0


def test_two_rounds_of_the_same_lots_share_no_account_hash(round_inputs, tmp_path):
    build(round_inputs, tmp_path / "a")
    build(round_inputs, tmp_path / "b")
    a = load_statement(tmp_path / "a" / "statement.json").tree.columns[7]
    b = load_statement(tmp_path / "b" / "statement.json").tree.columns[7]
    assert not set(a) & set(b)


def test_the_round_secret_rebuilds_the_same_tree(round_inputs, tmp_path, built):
    again = build(round_inputs, tmp_path / "again", "--round-secret", str(built / "round-secret.json"))
    assert again["root"] == load_statement(built / "statement.json").tree.root_hex


def test_an_account_owner_given_its_salt_can_recognise_its_lots(built):
    secret = json.loads((built / "round-secret.json").read_text())
    entry = next(a for a in secret["accounts"] if a["account"] == "CUST-ACC-002")
    mine = account_hash(bytes.fromhex(entry["salt"][2:]), "CUST-ACC-002")
    tree = load_statement(built / "statement.json").tree
    assert sum(h == mine for h in tree.columns[7]) == 2  # LOT-0004 and LOT-0005 sit in that account


def test_the_stated_totals_equal_the_sums_of_the_leaves(built):
    statement = load_statement(built / "statement.json")
    assert statement.totals_problems() == []
    assert {a.isin: int(a.held_units) for a in statement.header.assets} == statement.leaf_totals()


def test_a_total_edited_without_touching_the_tree_is_detected(built):
    path = built / "statement.json"
    path.write_text(path.read_text().replace('"heldUnits":"105500000000000000000"',
                                         '"heldUnits":"205500000000000000000"'))
    assert any("leaves sum to 105500000000000000000" in p for p in load_statement(path).totals_problems())


def test_a_tampered_leaf_makes_the_statement_unloadable(built):
    path = built / "statement.json"
    data = json.loads(path.read_text())
    data["merkleTree"]["values"][0]["value"][5] = "1"
    path.write_text(json.dumps(data))
    with pytest.raises(MerkleError, match="does not hash to its leaf"):
        load_statement(path)


def test_prove_then_verify_proof_accepts_the_lot_of_a_request(round_inputs, built, tmp_path):
    runner = CliRunner()
    for rid in request_ids(round_inputs):
        proved = runner.invoke(main, ["prove", str(built / "statement.json"), "--request-id", rid])
        assert proved.exit_code == 0, proved.output
        proof_path = tmp_path / "proof.json"
        proof_path.write_text(proved.output)
        assert json.loads(proved.output)["value"][1] == rid
        checked = runner.invoke(main, ["verify-proof", str(proof_path)])
        assert checked.exit_code == 0, checked.output


def test_verify_proof_rejects_a_proof_whose_value_and_leaf_were_changed_together(round_inputs, built, tmp_path):
    proved = CliRunner().invoke(main, ["prove", str(built / "statement.json"), "--request-id",
                                       request_ids(round_inputs)[0]])
    proof = json.loads(proved.output)
    proof["value"][5] = str(int(proof["value"][5]) * 2)
    typed = [merkle.from_json(t, v) for t, v in zip(proof["leafEncoding"], proof["value"])]
    proof["leaf"] = "0x" + merkle.leaf_hash(proof["leafEncoding"], typed).hex()  # consistent, yet not in the tree
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof))
    result = CliRunner().invoke(main, ["verify-proof", str(path)])
    assert result.exit_code == 1
    assert "does NOT lead" in result.output


def test_prove_refuses_a_request_without_a_lot_in_the_round(built):
    result = CliRunner().invoke(main, ["prove", str(built / "statement.json"), "--request-id", "0x" + "ab" * 32])
    assert result.exit_code == 2
    assert "has no lot in this round" in result.output


def test_prove_refuses_a_tampered_statement(built):
    path = built / "statement.json"
    data = json.loads(path.read_text())
    data["merkleTree"]["tree"][0] = "0x" + "11" * 32
    path.write_text(json.dumps(data))
    result = CliRunner().invoke(main, ["prove", str(path), "--all", str(built / "p.jsonl")])
    assert result.exit_code == 2
    assert "merkleTree" in result.output


def test_prove_all_writes_one_verifiable_proof_per_lot(built):
    out = built / "proofs.jsonl"
    assert CliRunner().invoke(main, ["prove", str(built / "statement.json"), "--all", str(out)]).exit_code == 0
    statement = load_statement(built / "statement.json")
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == len(statement.tree)
    for entry in lines:
        leaf = bytes.fromhex(entry["leaf"][2:])
        assert merkle.process_proof(leaf, [bytes.fromhex(p[2:]) for p in entry["proof"]]) == statement.tree.root


def test_verify_reports_an_unreachable_node_with_its_own_exit_code(built):
    from reserves.audit import Failure

    result = CliRunner().invoke(main, ["verify", str(built / "statement.json"), "--rpc-url", "http://127.0.0.1:9",
                                       "--registry", "0x" + "11" * 20])
    assert result.exit_code == Failure.RPC
    assert "PASS  tree intact" in result.output


def test_verify_reports_a_missing_statement_as_unreadable(tmp_path):
    from reserves.audit import Failure

    result = CliRunner().invoke(main, ["verify", str(tmp_path / "nope.json"), "--rpc-url", "http://127.0.0.1:9",
                                       "--registry", "0x" + "11" * 20])
    assert result.exit_code == Failure.UNREADABLE


def test_each_lot_holds_what_it_minted_less_what_recorded_burns_consumed(built):
    assert load_statement(built / "statement.json").burn_problems() == []


def test_a_burn_record_edited_to_consume_less_is_detected(built):
    path = built / "statement.json"
    path.write_text(path.read_text().replace('["LOT-0001","30000000000000000000"]', '["LOT-0001","20000000000000000000"]'))
    assert load_statement(path).burn_problems() == [
        "lot LOT-0001: minted 100000000000000000000 - consumed 20000000000000000000 != held 70000000000000000000"]


def test_a_burn_record_moved_to_an_untouched_lot_is_detected_on_both_lots(built):
    path = built / "statement.json"
    text = path.read_text()
    other = next(f"LOT-000{i}" for i in range(2, 10) if f'"LOT-000{i}"' in text.split('"merkleTree"')[1])
    path.write_text(text.replace('["LOT-0001","30000000000000000000"]', f'["{other}","30000000000000000000"]'))
    problems = load_statement(path).burn_problems()
    assert [p.split(":")[0] for p in problems] == ["lot LOT-0001", f"lot {other}"] or \
        [p.split(":")[0] for p in problems] == [f"lot {other}", "lot LOT-0001"]
    assert all(" - consumed " in p for p in problems)
