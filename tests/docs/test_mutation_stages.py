"""Which Forge suites judge a mutant, and in what order (tools/mutation/stages.py): only suites that import the mutated
file, the suite that killed most of the contract's mutants first, the example suites before the invariant campaign,
and, in the `make test` sample, the test that killed the mutant last time alone."""

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "mutation"))

from stages import SourceGraph, kill_history, plan, declared_tests  # noqa: E402

LIB = "contracts/Lib.sol"
TOKEN = "contracts/Token.sol"
VENUE = "contracts/venues/Pool.sol"
OTHER = "contracts/Other.sol"
FIXTURE = "tests/foundry/helpers/Fixture.sol"
SUITES = {
    # name: (imports, body)
    "tests/foundry/Boundaries.t.sol": ([FIXTURE], "function test_atTheSecond() public {}"),
    "tests/foundry/TransferRules.t.sol": ([FIXTURE], "function test_frozenCannotSend() public {}"),
    "tests/foundry/RatInvariants.t.sol": ([FIXTURE], "function invariant_conservation() public {}"),
    "tests/foundry/OtherOnly.t.sol": ([OTHER], "function test_other() public {}"),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A forge cache (imports per source) and suite files shaped like the real project."""
    imports = {LIB: [], TOKEN: [LIB], VENUE: [LIB], OTHER: [], FIXTURE: [TOKEN]}
    for name, (deps, body) in SUITES.items():
        imports[name] = deps
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"contract S {{ {body} }}\n")
    files = {name: {"imports": deps, "artifacts": {Path(name).stem: {"0.8.28": {"default": {
        "path": f"{Path(name).name}/{Path(name).stem}.json"}}}}} for name, deps in imports.items()}
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "solidity-files-cache.json").write_text(json.dumps({"files": files}))
    (tmp_path / "foundry.toml").write_text('[profile.default]\nskip = ["contracts/venues/**"]\n')
    return tmp_path


def _plan(project: Path, history: dict | None = None, killer: str | None = None):
    graph = SourceGraph(project)
    return plan(project, graph, LIB, "Lib", history or {}, killer, declared_tests(project))


def test_a_suite_that_does_not_import_the_mutated_file_is_not_run(project):
    planned = {f for stage in _plan(project) for f in stage.files}
    assert "tests/foundry/OtherOnly.t.sol" not in planned
    assert "tests/foundry/TransferRules.t.sol" in planned  # through Fixture -> Token -> Lib


def test_without_history_the_boundary_suite_runs_first_then_the_other_examples_then_the_invariants(project):
    assert [(s.name, s.files) for s in _plan(project)] == [
        ("likely", ("tests/foundry/Boundaries.t.sol",)),
        ("examples", ("tests/foundry/TransferRules.t.sol",)),
        ("invariants", ("tests/foundry/RatInvariants.t.sol",)),
    ]


def test_the_suite_that_killed_most_of_the_contracts_mutants_runs_first_even_an_invariant_suite(project):
    history = {"Lib": Counter({"tests/foundry/RatInvariants.t.sol": 3, "tests/foundry/Boundaries.t.sol": 1})}
    stages = _plan(project, history)
    assert stages[0].files == ("tests/foundry/RatInvariants.t.sol",)
    assert all("tests/foundry/RatInvariants.t.sol" not in s.files for s in stages[1:])


def test_the_history_counts_the_suite_that_declares_each_failing_test():
    owner = {"test_atTheSecond": "tests/foundry/Boundaries.t.sol"}
    results = [{"contract": "Lib", "status": "killed_forge", "forge": {"likely": {"failed": ["test_atTheSecond"]}}},
               {"contract": "Lib", "status": "survived", "forge": {"likely": {"failed": ["test_atTheSecond"]}}}]
    assert kill_history(results, owner) == {"Lib": Counter({"tests/foundry/Boundaries.t.sol": 1})}


def test_a_kill_in_a_suites_set_up_counts_for_the_suite_forge_names():
    results = [{"contract": "Lib", "status": "killed_forge",
                "forge": {"invariants": {"failed": ["setUp"], "failed_suites": ["tests/foundry/RatInvariants.t.sol"]}}}]
    assert kill_history(results, {}) == {"Lib": Counter({"tests/foundry/RatInvariants.t.sol": 1})}


def test_in_the_sample_the_test_that_killed_the_mutant_runs_alone_first(project):
    first = _plan(project, killer="test_frozenCannotSend")[0]
    assert (first.name, first.files) == ("last-killer", ("tests/foundry/TransferRules.t.sol",))
    assert first.selector() == ["--match-path", "tests/foundry/TransferRules.t.sol", "--match-test",
                                "^test_frozenCannotSend$"]


def test_in_the_sample_a_mutant_killed_in_a_set_up_runs_that_suite_first(project):
    first = _plan(project, killer="tests/foundry/RatInvariants.t.sol")[0]
    assert (first.name, first.files, first.match_test) == ("last-killer", ("tests/foundry/RatInvariants.t.sol",), None)


def test_several_suites_are_selected_with_one_brace_glob(project):
    examples = _plan(project)[1]
    examples = type(examples)("examples", ("tests/foundry/A.t.sol", "tests/foundry/B.t.sol"))
    assert examples.selector() == ["--match-path", "{tests/foundry/A.t.sol,tests/foundry/B.t.sol}"]


def test_a_library_a_skipped_venue_contract_imports_is_known_to_reach_it(project):
    graph = SourceGraph(project)
    assert any(graph.is_skipped(f) for f in graph.dependents(LIB))
    assert not any(graph.is_skipped(f) for f in graph.dependents(OTHER))
