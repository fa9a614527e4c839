"""What every mutant is measured against (tools/mutation/run.py): a copy of the sources in which the whole unmutated
Forge suite passes. A suite that cannot pass in the copy (a missing build output it reads, say) would fail on every
mutant it runs on, and each failure would be counted as a kill."""

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "mutation"))

import run  # noqa: E402

PASSING = """Ran 2 tests for tests/foundry/A.t.sol:A
[PASS] test_a() (gas: 1)
Suite result: ok. 2 passed; 0 failed; 0 skipped; finished in 1ms
Ran 1 test suite in 1s (1s CPU time): 2 tests passed, 0 failed, 0 skipped (2 total tests)
"""
FAILING = """Ran 1 test for tests/foundry/B.t.sol:B
[FAIL: vm.readFile: failed to open file ".build/x.json"] setUp() (gas: 0)
Suite result: FAILED. 0 passed; 1 failed; 0 skipped; finished in 1ms
Failing tests:
Encountered 1 failing test in tests/foundry/B.t.sol:B
"""


def _fake_forge(monkeypatch, output: str, rc: int) -> None:
    def fake_run(cmd, cwd, log, timeout):
        log.write_text(output)
        return rc, 7.0
    monkeypatch.setattr(run, "run", fake_run)


def test_every_build_output_a_forge_suite_reads_is_copied_with_the_sources():
    read = set()
    for path in (ROOT / "tests" / "foundry").rglob("*.sol"):
        read |= set(re.findall(r'"(\.build/[^"]+)"', path.read_text()))
    assert read, "no Forge suite reads a build output any more: drop RUNTIME_INPUTS"
    for file in read:
        assert any(file.startswith(prefix + "/") for prefix in run.RUNTIME_INPUTS), file


def test_the_copy_holds_the_runtime_inputs(tmp_path, monkeypatch):
    source = tmp_path / "root"
    (source / "contracts").mkdir(parents=True)
    for name in run.RUNTIME_INPUTS:
        (source / name).mkdir(parents=True)
        (source / name / "artifact.json").write_text("{}")
    monkeypatch.setattr(run, "ROOT", source)
    (tmp_path / "base").mkdir()
    copy = run.pristine_copy(tmp_path / "base")
    for name in run.RUNTIME_INPUTS:
        assert (copy / name / "artifact.json").read_text() == "{}"


def test_a_missing_runtime_input_stops_the_run_with_its_remedy(tmp_path, monkeypatch):
    (tmp_path / "root" / "contracts").mkdir(parents=True)
    monkeypatch.setattr(run, "ROOT", tmp_path / "root")
    (tmp_path / "base").mkdir()
    with pytest.raises(SystemExit, match="make compile"):
        run.pristine_copy(tmp_path / "base")


def test_a_passing_unmutated_suite_prints_each_suites_result(tmp_path, monkeypatch, capsys):
    _fake_forge(monkeypatch, PASSING, 0)
    assert run.suite_baseline(tmp_path) == 7.0
    printed = capsys.readouterr().out
    assert "Ran 2 tests for tests/foundry/A.t.sol:A" in printed
    assert "2 tests passed, 0 failed" in printed
    assert "[PASS]" not in printed


def test_a_failing_unmutated_suite_stops_the_run_and_shows_the_failure(tmp_path, monkeypatch, capsys):
    _fake_forge(monkeypatch, FAILING, 1)
    with pytest.raises(SystemExit, match="the unmutated Forge suite fails"):
        run.suite_baseline(tmp_path)
    assert "Encountered 1 failing test in tests/foundry/B.t.sol:B" in capsys.readouterr().err


def test_a_build_error_behind_a_zero_exit_still_stops_the_run(tmp_path, monkeypatch):
    _fake_forge(monkeypatch, "Compiler run failed:\nError (7576): Undeclared identifier.\n", 0)
    with pytest.raises(SystemExit, match="the unmutated Forge suite fails"):
        run.suite_baseline(tmp_path)


def test_the_copy_holds_every_top_level_folder_the_pytest_stage_reads():
    """A pytest folder of the catalogue that reads `<root>/<folder>/...` (sample files, scripts, records) errs in a
    copy without that folder; an error is not a verdict, so the mutant would go unscored."""
    from catalogue import PYTEST_FOLDERS

    read = set()
    for folder in {f for folders in PYTEST_FOLDERS.values() for f in folders}:
        for path in [ROOT / folder] if folder.endswith(".py") else (ROOT / folder).rglob("*.py"):
            read |= set(re.findall(r'(?:ROOT|parents\[\d\]) / "([a-z_-]+)"', path.read_text()))
    local = {"tests"} | {p.name for p in ROOT.iterdir() if p.is_dir() and p.name in read}
    assert local <= set(run.COPIED) | set(run.LINKED), sorted(local - set(run.COPIED) - set(run.LINKED))


def test_a_forgotten_verdict_is_gone_from_the_results_and_their_summaries(tmp_path, monkeypatch):
    catalogue = [run.Mutant(file="contracts/A.sol", contract="A", operator="ROR", original=f"a{i}\n",
                            mutated=f"b{i}\n", occurrence=0, line=i) for i in range(3)]
    results = tmp_path / "mutation.json"
    monkeypatch.setattr(run, "RESULTS", results)
    monkeypatch.setattr(run, "ROOT", ROOT)
    verdicts = [{"key": m.key, "contract": "A", "file": m.file, "operator": "ROR", "line": m.line, "change": "",
                 "status": "killed_forge"} for m in catalogue]
    run.write_results(verdicts, catalogue, None)
    run.forget({catalogue[0].key}, catalogue)
    data = json.loads(results.read_text())
    assert [r["key"] for r in data["results"]] == [m.key for m in catalogue[1:]]
    assert data["contracts"]["A"]["killed_forge"] == 2


def test_forgetting_a_mutant_without_a_verdict_is_refused(tmp_path, monkeypatch):
    results = tmp_path / "mutation.json"
    results.write_text(json.dumps({"results": []}))
    monkeypatch.setattr(run, "RESULTS", results)
    with pytest.raises(SystemExit, match="no recorded verdict"):
        run.forget({"A-ROR-0"}, [])
