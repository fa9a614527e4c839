"""Which Forge suites can see a mutant, and in what order to run them (tools/mutation/run.py).

A mutant's cost here is almost all compilation (solc-js, docs/decisions/0002): a change to a library the whole
system imports makes forge regenerate code for every test contract that embeds the system's creation code (about
90 s of solc for the full suite). Forge compiles only what a `forge test --match-path` selection needs, so a mutant
is judged in stages, each compiling only its own suites:

1. the contracts alone (`forge build` with `tests/**` skipped): a mutant that does not compile is invalid, and one
   whose contract bytecode is unchanged (and no skipped contract imports the file) is identical — in seconds;
2. the suite that has killed most mutants of this contract before (usually the whole cost);
3. the other example suites that import the mutated file, together;
4. the other invariant suites that import it, together.

A suite that does not import the mutated file, directly or through another file, runs the same bytecode as on the
unmutated sources and cannot tell the mutant apart, so it is not run.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

FORGE_TESTS = "tests/foundry"
TEST_FUNCTION = re.compile(r"function\s+((?:test|invariant)\w*)\s*\(")


@dataclass(frozen=True)
class Stage:
    name: str
    files: tuple[str, ...]  # repository-relative .t.sol paths
    match_test: str | None = None

    def selector(self) -> list[str]:
        paths = self.files[0] if len(self.files) == 1 else "{" + ",".join(self.files) + "}"
        return ["--match-path", paths, *(["--match-test", self.match_test] if self.match_test else [])]


class SourceGraph:
    """Imports between the project's sources, read from forge's cache (cache/solidity-files-cache.json)."""

    def __init__(self, work: Path):
        cache = json.loads((work / "cache" / "solidity-files-cache.json").read_text())
        self.files: dict[str, dict] = cache["files"]
        self.importers: dict[str, set[str]] = {}
        for name, entry in self.files.items():
            for imported in entry.get("imports", ()):
                self.importers.setdefault(imported, set()).add(name)
        config = tomllib.loads((work / "foundry.toml").read_text())["profile"]["default"]
        self.skipped_globs: list[str] = list(config.get("skip", ()))

    def dependents(self, source: str) -> set[str]:
        """Every source that imports `source`, directly or through others (and `source` itself)."""
        seen, todo = {source}, [source]
        while todo:
            for importer in self.importers.get(todo.pop(), ()):
                if importer not in seen:
                    seen.add(importer)
                    todo.append(importer)
        return seen

    def artifacts(self, prefix: str = "contracts/") -> dict[str, list[str]]:
        """out/-relative artifact paths of each source under `prefix`."""
        found: dict[str, list[str]] = {}
        for name, entry in self.files.items():
            if not name.startswith(prefix):
                continue
            for versions in entry.get("artifacts", {}).values():
                for profiles in versions.values():
                    for artifact in profiles.values():
                        found.setdefault(name, []).append(artifact["path"])
        return found

    def is_skipped(self, source: str) -> bool:
        return any(Path(source).match(glob) or _glob_prefix(source, glob) for glob in self.skipped_globs)


def _glob_prefix(source: str, glob: str) -> bool:
    return glob.endswith("/**") and source.startswith(glob[:-2])


def declared_tests(work: Path) -> dict[str, str]:
    """Test or invariant function name -> the suite file that declares it (the first, when two share a name)."""
    owner: dict[str, str] = {}
    for path in sorted((work / FORGE_TESTS).glob("*.t.sol")):
        for name in TEST_FUNCTION.findall(path.read_text()):
            owner.setdefault(name, path.relative_to(work).as_posix())
    return owner


def is_invariant_suite(path: Path) -> bool:
    return "function invariant_" in path.read_text()


def kill_history(results: list[dict], owner: dict[str, str]) -> dict[str, Counter]:
    """Per contract, how many recorded mutants each suite file killed first."""
    history: dict[str, Counter] = {}
    for r in results:
        if r.get("status") != "killed_forge":
            continue
        for stage in (r.get("forge") or {}).values():
            suites = set(stage.get("failed_suites") or ()) | {owner[t] for t in stage.get("failed", ()) if t in owner}
            for suite in suites:
                history.setdefault(r["contract"], Counter())[suite] += 1
    return history


def plan(work: Path, graph: SourceGraph, mutated: str, contract: str, history: dict[str, Counter],
         killer: str | None, owner: dict[str, str]) -> list[Stage]:
    """The stages for a mutant of `mutated` (a contract of `contract`), cheapest likely kill first."""
    reach = graph.dependents(mutated)
    suites = sorted(f for f in reach if f.startswith(FORGE_TESTS + "/") and f.endswith(".t.sol"))
    examples = [f for f in suites if not is_invariant_suite(work / f)]
    invariants = [f for f in suites if f not in examples]
    stages: list[Stage] = []
    if killer and owner.get(killer) in suites:  # the `make test` sample: the test that killed it last time
        stages.append(Stage("last-killer", (owner[killer],), match_test=f"^{killer}$"))
    elif killer in suites:  # ... or the suite it failed in, when that was a setUp
        stages.append(Stage("last-killer", (killer,)))
    ranked = [f for f, _ in (history.get(contract) or Counter()).most_common() if f in suites]
    default = f"{FORGE_TESTS}/Boundaries.t.sol"  # the boundary-second suite: most first kills of every contract
    first = ranked[0] if ranked else (default if default in examples else (examples or suites or [None])[0])
    if first:
        stages.append(Stage("likely", (first,)))
    rest = [f for f in examples if f != first]
    if rest:
        stages.append(Stage("examples", tuple(rest)))
    rest = [f for f in invariants if f != first]
    if rest:
        stages.append(Stage("invariants", tuple(rest)))
    return stages
