"""The seeded per-contract sample that the mutation score is estimated from (tools/mutation/run.py --random N
--per-contract --seed S): the same seed draws the same mutants, a contract's draw does not depend on which other
contracts are run, the interval is Wilson's, and a survivor later reviewed as equivalent stops counting."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "mutation"))

import run  # noqa: E402
from catalogue import Mutant, load  # noqa: E402


def _mutants(contract: str, n: int) -> list[Mutant]:
    return [Mutant(file=f"contracts/{contract}.sol", contract=contract, operator="ROR", original=f"a{i}\n",
                   mutated=f"b{i}\n", occurrence=0, line=i) for i in range(n)]


def test_the_same_seed_draws_the_same_sample_and_another_seed_another():
    catalogue = _mutants("A", 50) + _mutants("B", 50)
    assert run.stratified(catalogue, 5, "s1") == run.stratified(catalogue, 5, "s1")
    assert run.stratified(catalogue, 5, "s1") != run.stratified(catalogue, 5, "s2")


def test_a_contracts_draw_does_not_depend_on_the_other_contracts_selected():
    a, b = _mutants("A", 50), _mutants("B", 50)
    alone = run.stratified(a, 5, "seed")
    together = [m for m in run.stratified(a + b, 5, "seed") if m.contract == "A"]
    assert alone == together


def test_the_draw_takes_n_of_each_contract_interleaved_and_all_of_a_small_one():
    sample = run.stratified(_mutants("A", 50) + _mutants("B", 3), 5, "seed")
    assert [m.contract for m in sample] == ["A", "B", "A", "B", "A", "B", "A", "A"]


def test_a_larger_sample_with_the_same_seed_extends_the_smaller_one():
    catalogue = _mutants("A", 400)
    assert run.stratified(catalogue, 20, "seed")[:12] == run.stratified(catalogue, 12, "seed")


@pytest.mark.parametrize(("k", "n", "low", "high"), [(10, 10, 72.2, 100.0), (0, 10, 0.0, 27.8), (9, 10, 59.6, 98.2),
                                                      (45, 50, 78.6, 95.7)])
def test_the_interval_is_the_95_percent_wilson_score_interval(k, n, low, high):
    assert run.wilson(k, n) == (low, high)


def test_no_interval_without_a_scored_mutant():
    assert run.wilson(0, 0) is None


def test_pooled_seeds_draw_each_seeds_sample_and_count_a_mutant_both_drew_once():
    catalogue = _mutants("A", 30)
    first, second = run.stratified(catalogue, 12, "s1"), run.stratified(catalogue, 8, "s2")
    pooled = run.pooled_draws(catalogue, [("s1", 12), ("s2", 8)])
    assert {m.key for m in pooled} == {m.key for m in first} | {m.key for m in second}
    assert len(pooled) == len({m.key for m in pooled}) < 20  # 30 mutants: two draws of 12 and 8 overlap


def test_a_pooled_sample_records_its_seeds_and_scores_every_mutant_they_drew(tmp_path, monkeypatch):
    catalogue = _mutants("A", 30)
    monkeypatch.setattr(run, "RESULTS", tmp_path / "mutation.json")
    monkeypatch.setattr(run, "ROOT", ROOT)
    verdicts = [{"key": m.key, "contract": "A", "file": m.file, "operator": "ROR", "line": m.line, "change": "",
                 "status": "killed_forge"} for m in catalogue]
    data = run.write_results(verdicts, catalogue, None, [("s1", 12), ("s2", 8)])
    assert data["sample"]["pooled"] == [{"seed": "s1", "per_contract": 12}, {"seed": "s2", "per_contract": 8}]
    assert data["sample"]["seed"] == "s2"  # the newest
    assert data["sample"]["contracts"]["A"]["scored"] == len(run.pooled_draws(catalogue, [("s1", 12), ("s2", 8)]))
    assert run.recorded_draws(data["sample"]) == [("s1", 12), ("s2", 8)]


@pytest.mark.parametrize("text", ["2026-12-04", "2026-12-04:", ":12", "2026-12-04:0", "2026-12-04:x"])
def test_a_pool_seed_without_a_draw_size_is_refused(text):
    with pytest.raises(SystemExit, match="expected SEED:N"):
        run._pool_seed(text)


def test_a_survivor_reviewed_as_equivalent_later_is_no_longer_counted(tmp_path, monkeypatch):
    m = _mutants("A", 1)[0]
    monkeypatch.setattr(run, "RESULTS", tmp_path / "mutation.json")
    monkeypatch.setattr(run, "equivalences", lambda: [run.catalogue_module.Equivalence(
        contract="A", operator="ROR", original="a0", mutated="b0", reason="same program")])
    monkeypatch.setattr(run, "ROOT", ROOT)
    survivor = {"key": m.key, "contract": "A", "file": m.file, "operator": "ROR", "line": 0, "change": "",
                "status": "survived"}
    data = run.write_results([survivor], [m], None, [("seed", 1)])
    assert data["results"][0]["status"] == "equivalent"
    assert data["results"][0]["recorded_status"] == "survived"
    assert data["contracts"]["A"]["survived"] == 0
    assert data["sample"]["contracts"]["A"]["equivalent"] == 1


def test_the_recorded_sample_scores_every_contract_it_drew():
    data = json.loads((ROOT / "bench" / "results" / "mutation.json").read_text())
    sample = data.get("sample")
    assert sample, "bench/results/mutation.json has no sample estimate: run make mutation-estimate"
    contracts = {m.contract for m in load()}
    drawn = run.pooled_draws(load(), run.recorded_draws(sample))
    assert {m.contract for m in drawn} == set(sample["contracts"]) == contracts
    for name, c in sample["contracts"].items():
        assert c["drawn"] == sum(1 for m in drawn if m.contract == name)
        assert c["scored"] == c["killed_forge"] + c["killed_pytest"] + c["survived"]
