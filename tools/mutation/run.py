#!/usr/bin/env python3
"""Runs RAT's generated mutants (tools/mutation/mutants.json, from slither-mutate's operators) against the Forge
suite and, for the mutants Forge lets live, the pytest folders that specify the mutated contract.

Every mutant runs in its own scratch copy of the sources with its own forge `out/` and `cache/`: the copy is seeded
with the current build and forge recompiles, by content hash, the mutated file and everything importing it (Ape's
incremental compile does not rebuild importers of a changed library, so the Python stage always compiles the
copy from nothing). A mutant is

* ``invalid``   — it does not compile (not counted);
* ``identical`` — every artifact's bytecode equals the unmutated build's: the optimiser made it the same program
  (equivalent by construction, not counted);
* ``equivalent``— listed, with a reason, in tools/mutation/equivalent.toml (reviewed; not counted);
* ``killed_forge`` / ``killed_pytest`` — a test failed;
* ``survived``  — every suite passed: kill it with a test or argue it equivalent;
* ``stale``     — its original lines are gone from the file (regenerate: `python tools/mutation/generate.py`).

Scores per contract go to bench/results/mutation.json (merged with earlier runs by mutant key, so runs per contract
add up) and REPORT.md (`python bench/report.py`).

    python tools/mutation/run.py --contract SecureMint --python     # one contract, Forge then pytest for survivors
    python tools/mutation/run.py --python                           # everything (hours here: see ADR 0060)
    python tools/mutation/run.py --sample 4 --seed "$(git rev-parse HEAD)"   # the `make test` check
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import catalogue as catalogue_module  # noqa: E402
from catalogue import (CORE, PYTEST_FOLDERS, ROOT, Mutant, Stale, apply, equivalences,  # noqa: E402
                       equivalent_reason, load)
from stages import SourceGraph, Stage, kill_history, plan, declared_tests  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "mutation.json"
# The sources and what the pytest stage reads besides them (sample statements under reserves/, the ape scripts,
# deployment records, the documents some tests check): a copy without them errs, and an error is no verdict.
COPIED = ["contracts", "tests", "rat", "reserves", "relayer", "attestor", "indexer", "scripts", "deployments", "docs",
          "foundry.toml", "ape-config.yaml", "pyproject.toml"]
LINKED = ["node_modules", ".cache"]
# Build outputs a suite reads at run time (CollateralMorphoInvariants deploys Morpho Blue from this artifact). Without
# them the suite's setUp fails in every copy, and that failure would count as a kill of any mutant it runs on.
RUNTIME_INPUTS = [".build/morpho-blue"]
KILLED = ("killed_forge", "killed_pytest")
RUNNER = "staged"  # tools/mutation/stages.py: contracts alone, then only the suites that import the mutated file
COUNTED = (*KILLED, "survived")


def _env() -> dict:
    # RAT_SOLC_PROJECT_OUTPUTS_ONLY: see tools/solc-shim.js (solc-js runs out of memory on forge's whole build).
    env = {**os.environ, "FOUNDRY_PROFILE": os.environ.get("FOUNDRY_PROFILE", "ci"), "RAT_SOLC_PROJECT_OUTPUTS_ONLY": "1"}
    # .cache/bin first: forge's platform binary (the npm launcher in node_modules/.bin exits 0 whatever forge did).
    env["PATH"] = f"{ROOT / '.cache' / 'bin'}:{ROOT / '.venv' / 'bin'}:{ROOT / 'node_modules' / '.bin'}:{env['PATH']}"
    env["SOLCX_BINARY_PATH"] = str(ROOT / ".cache" / "solc")
    return env


def build_failed(rc: int, log: str) -> bool:
    """forge (through its npm wrapper) has been seen to exit 0 after a solc error: the log is the evidence."""
    return rc != 0 or "Compiler run failed" in log or re.search(r"^Error( \(\d+\))?:", log, re.M) is not None


# A mutant edits one line of a contract: it can make solc reject the source, never make a file or the compiler itself
# disappear. These say the toolchain failed (seen: `npm ci` replacing node_modules under a running mutation run).
_TOOLCHAIN_FAILURES = re.compile(r"not found: File not found|Source not found|Cannot find module|No such file or "
                                 r"directory|ENOENT|failed to resolve|Killed")


def mutant_rejected_by_compiler(log: str) -> bool:
    """The build failed because solc rejected the sources: a numbered solc error (most are located in a source file;
    code generation's, such as 1284 for an immutable never assigned, are not), and no sign that the toolchain itself
    was missing."""
    numbered = re.search(r"^Error \(\d+\): ", log, re.M) is not None
    return numbered and _TOOLCHAIN_FAILURES.search(log) is None


def run(cmd: list[str], cwd: Path, log: Path, timeout: int) -> tuple[int, float]:
    started = time.monotonic()
    with log.open("w") as out:
        try:
            rc = subprocess.run(["nice", "-n", os.environ.get("MUTATION_NICE", "15"), *cmd], cwd=cwd, stdout=out,
                                stderr=subprocess.STDOUT, env=_env(), timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            rc = -9
    return rc, time.monotonic() - started


def bytecodes(out: Path) -> dict[str, str]:
    """Hash of creation + runtime bytecode of every artifact under a forge out/ directory."""
    codes = {}
    for path in out.glob("*/*.json"):
        if path.parent.name == "build-info":  # compiler inputs/outputs with paths, not code
            continue
        try:
            art = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        code = art.get("bytecode", {}).get("object", "") + art.get("deployedBytecode", {}).get("object", "")
        codes[f"{path.parent.name}/{path.name}"] = hashlib.sha256(code.encode()).hexdigest()
    return codes


def pristine_copy(base: Path) -> Path:
    """The unmutated sources and their forge build, copied once per run: every mutant starts from this snapshot,
    so edits or builds in the worktree while a run is going cannot leak into it."""
    work = base / "pristine"
    work.mkdir()
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, work / name, ignore=shutil.ignore_patterns(".cache", "__pycache__", ".hypothesis"))
        elif src.exists():
            shutil.copy2(src, work / name)
    for name in ("out", "cache"):  # a head start only: forge checks every source's content hash against it
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, work / name)
    for name in RUNTIME_INPUTS:
        if not (ROOT / name).is_dir():
            raise SystemExit(f"{name} is missing: run `make compile` first (the Forge suite reads it)")
        shutil.copytree(ROOT / name, work / name)
    for name in LINKED:
        os.symlink(ROOT / name, work / name)
    return work


def scratch_copy(base: Path, pristine: Path) -> Path:
    """A mutant's own copy of the pristine snapshot, with its own out/ and cache/ seeded from the pristine build
    (forge recompiles, by content hash, the mutated file and everything importing it)."""
    work = Path(tempfile.mkdtemp(prefix="mutant-", dir=base))
    for entry in pristine.iterdir():
        if entry.is_symlink():
            os.symlink(os.readlink(entry), work / entry.name)
        elif entry.is_dir():
            shutil.copytree(entry, work / entry.name)
        else:
            shutil.copy2(entry, work / entry.name)
    return work


def forge_failures(text: str) -> list[str]:
    failed = set()
    for chunk in text.split("[FAIL")[1:]:
        m = re.search(r"\b(invariant_\w+|test\w*|setUp|afterInvariant)\(", chunk)
        if m:
            failed.add(m.group(1))
    return sorted(failed)


def pytest_verdict(text: str, rc: int) -> tuple[bool | None, list[str], str]:
    failed = sorted(set(re.findall(r"^FAILED (\S+)", text, flags=re.M)))
    summary = re.findall(r"^=*\s*(.*\d+ (?:passed|failed|error).*?)\s*=*$", text, flags=re.M)
    last = summary[-1] if summary else ""
    # Only a failing test kills a mutant; an error (fixture, import, compile) is not evidence.
    if re.search(r"\d+ errors?\b", last) or rc not in (0, 1):
        return None, failed, f"pytest exited {rc}: {last}"
    return rc == 1 and bool(failed), failed, last


# The optimiser made the mutant the same program: equivalent by construction, not counted.
IDENTICAL = {"status": "identical", "reason": "every artifact's bytecode equals the original's"}


class Runner:
    def __init__(self, base: Path, pristine: Path, baseline: dict[str, str], python: bool, keep: bool,
                 pytest_only: dict[str, list[str]] | None = None, recorded: dict[str, dict] | None = None):
        self.base, self.pristine, self.baseline, self.python, self.keep = base, pristine, baseline, python, keep
        self.pytest_only = pytest_only or {}
        self.forge_killer: dict[str, str] = {}
        self.graph = SourceGraph(pristine)
        self.owner = declared_tests(pristine)
        # Which suite killed most of each contract's recorded mutants: that suite runs first (stages.plan).
        self.history = kill_history(list((recorded or {}).values()), self.owner)
        self.contract_artifacts = self.graph.artifacts("contracts/")
        self.deadline: float | None = None  # monotonic time after which no further mutant starts
        self.equivalent = equivalences()

    def _forge(self, m: Mutant, work: Path, entry: dict) -> list[str] | str:
        """Runs the Forge suites that import the mutated file in stages (tools/mutation/stages.py), stopping at the
        first failing test. Returns the failing tests, or a string when a stage's test contracts no longer compile
        (the suite rejected the mutant)."""
        stages = plan(work, self.graph, m.file, m.contract, self.history, self.forge_killer.get(m.key), self.owner)
        entry["forge_suites"] = sorted({f for st in stages for f in st.files})
        for stage in stages:
            failed = _forge_stage(work, stage, entry)
            if failed:
                return failed
        return []

    def _identical(self, m: Mutant, work: Path) -> bool:
        """The contracts' bytecode is unchanged, and no contract the contracts-only build skips imports the file
        (those are compared after the suites, on a survivor)."""
        if any(self.graph.is_skipped(f) for f in self.graph.dependents(m.file) if f.startswith("contracts/")):
            return False
        built = bytecodes(work / "out")
        return all(built.get(a) == self.baseline.get(a) for arts in self.contract_artifacts.values() for a in arts)

    def __call__(self, m: Mutant) -> dict:
        started = time.monotonic()
        if self.deadline is not None and started > self.deadline:
            return {"key": m.key, "contract": m.contract, "file": m.file, "operator": m.operator, "line": m.line,
                    "change": "", "status": "skipped", "detail": "time budget spent before it started"}
        load = os.getloadavg()[0]
        result = self._run(m)
        result["seconds"] = round(time.monotonic() - started)
        # The method and the machine's load at the start: times are comparable only within one method and load.
        result["runner"], result["load"] = RUNNER, round(load, 1)
        return result

    def _run(self, m: Mutant) -> dict:
        entry: dict = {"key": m.key, "contract": m.contract, "file": m.file, "operator": m.operator, "line": m.line,
                       "change": f"{' '.join(m.original.split())} -> {' '.join(m.mutated.split())}"[:300]}
        reason = equivalent_reason(m, self.equivalent)
        if reason:
            return {**entry, "status": "equivalent", "reason": reason}
        work = scratch_copy(self.base, self.pristine)
        try:
            path = work / m.file
            try:
                path.write_text(apply(m, path.read_text()))
            except Stale as exc:
                return {**entry, "status": "stale", "detail": str(exc)}
            # The contracts alone first: compiling the test contracts is most of a mutant's cost, and an invalid or
            # identical mutant needs none of it.
            rc, secs = run(["forge", "build", "--skip", "tests/**"], work, work / "build.log", timeout=1800)
            entry["build_seconds"] = round(secs)
            build_log = (work / "build.log").read_text(errors="replace")
            if build_failed(rc, build_log):
                if mutant_rejected_by_compiler(build_log):
                    return {**entry, "status": "invalid", "detail": "does not compile"}
                # Not counted either way, and re-run by --skip-done: an `invalid` here would drop a draw silently.
                tail = " ".join(build_log.split())[-200:]
                return {**entry, "status": "error", "detail": f"the build failed without a compiler error: {tail}"}
            if self._identical(m, work):
                return {**entry, **IDENTICAL}
            if m.key not in self.pytest_only:
                failed = self._forge(m, work, entry)
                if isinstance(failed, str):
                    return {**entry, "status": "killed_forge", "detail": failed}
                if failed:
                    return {**entry, "status": "killed_forge"}
                broken = [name for name, st in entry.get("forge", {}).items() if st["exit"] != 0]
                if broken:  # forge failed without a failing test (crash, timeout): no evidence either way
                    return {**entry, "status": "error", "detail": f"forge stage {broken[0]} exited non-zero"}
                # A survivor gets the whole build compared, skipped contracts (venues, bridge) included: the optimiser
                # may have made the mutant the same program where only they use the mutated code.
                rc, _ = run(["forge", "build"], work, work / "build-all.log", timeout=3600)
                if not build_failed(rc, (work / "build-all.log").read_text(errors="replace")) and \
                        bytecodes(work / "out") == self.baseline:
                    return {**entry, **IDENTICAL}
            if not self.python:
                return {**entry, "status": "survived", "detail": "Forge suite passed; pytest stage not run"}
            # Ape compiles the copy from nothing (its incremental compile misses importers of a changed library).
            shutil.rmtree(work / "out", ignore_errors=True)
            rc_c, _ = run(["ape", "compile"], work, work / "ape-compile.log", timeout=1800)
            shutil.rmtree(work / "contracts" / ".cache", ignore_errors=True)
            tests = self.pytest_only.get(m.key) or list(PYTEST_FOLDERS.get(m.contract, ()))
            rc, secs = run(["pytest", "-x", "-q", "-p", "no:cacheprovider", *tests], work, work / "pytest.log",
                           timeout=3600)
            killed, failed, summary = pytest_verdict((work / "pytest.log").read_text(errors="replace"), rc)
            entry["pytest"] = {"tests": tests, "failed": failed, "summary": summary, "seconds": round(secs),
                               "ape_compile_rc": rc_c}
            if killed is None:
                return {**entry, "status": "error", "detail": summary}
            return {**entry, "status": "killed_pytest" if killed else "survived"}
        finally:
            if not self.keep:
                shutil.rmtree(work, ignore_errors=True)


def _forge_stage(work: Path, stage: Stage, entry: dict) -> list[str] | str:
    log = work / f"forge-{stage.name}.log"
    rc, secs = run(["forge", "test", "--fail-fast", *stage.selector()], work, log, timeout=3600)
    text = log.read_text(errors="replace")
    record = {"suites": list(stage.files), "seconds": round(secs), "exit": rc}
    entry.setdefault("forge", {})[stage.name] = record
    if build_failed(rc, text) and "Compiler run failed" in text:
        # The contracts compiled (the first build), so a test contract no longer does (an external function made
        # internal that a test calls): the suite rejected the mutant.
        where = sorted(set(re.findall(r"-->\s*(\S+?\.sol):\d+", text)))
        record["failed"] = []
        return f"the test suite no longer compiles: {', '.join(where) or 'see the forge log'}"
    failed = forge_failures(text)
    record["failed"] = failed
    # The suites the failures are in: a failing setUp names no test a suite declares.
    record["failed_suites"] = sorted(set(re.findall(r"failing tests? in (\S+?\.t\.sol):", text)))
    if rc != 0 and not failed:
        record["tail"] = text[-400:]
    return failed


def summarise(results: dict[str, dict], catalogue: list[Mutant]) -> dict:
    per: dict[str, dict] = {}
    keys = {m.key for m in catalogue}
    for m in catalogue:
        c = per.setdefault(m.contract, {"generated": 0, "not_run": 0, "invalid": 0, "identical": 0, "equivalent": 0,
                                        "killed_forge": 0, "killed_pytest": 0, "survived": 0, "stale": 0, "error": 0})
        c["generated"] += 1
        r = results.get(m.key)
        c[r["status"] if r else "not_run"] += 1
    for c in per.values():
        counted = c["killed_forge"] + c["killed_pytest"] + c["survived"]
        c["scored"] = counted
        c["forge_score"] = round(100 * c["killed_forge"] / counted, 1) if counted else None
        c["total_score"] = round(100 * (c["killed_forge"] + c["killed_pytest"]) / counted, 1) if counted else None
        c["complete"] = c["not_run"] == 0 and c["error"] == 0
    order = {Path(f).stem: i for i, f in enumerate(CORE)}
    stale_results = sorted(k for k in results if k not in keys)
    return {"contracts": dict(sorted(per.items(), key=lambda kv: order.get(kv[0], 99))),
            "results_for_mutants_no_longer_generated": len(stale_results)}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval (95 % by default) for k successes in n trials, in percent."""
    if n == 0:
        return None
    p, z2 = k / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * ((p * (1 - p) / n + z2 / (4 * n * n)) ** 0.5) / (1 + z2 / n)
    return round(100 * max(0.0, centre - half), 1), round(100 * min(1.0, centre + half), 1)


Draws = list[tuple[str, int]]  # (seed, mutants per contract), oldest first


def pooled_draws(catalogue: list[Mutant], draws: Draws) -> list[Mutant]:
    """The union of several seeds' stratified draws, each mutant once (seeds may draw the same one)."""
    seen: set[str] = set()
    out = []
    for seed, n in draws:
        for m in stratified(catalogue, n, seed):
            if m.key not in seen:
                seen.add(m.key)
                out.append(m)
    return out


def recorded_draws(sample: dict) -> Draws:
    """The draws a recorded sample was scored over: its pooled seeds, or its one seed."""
    if sample.get("pooled"):
        return [(d["seed"], d["per_contract"]) for d in sample["pooled"]]
    return [(sample["seed"], sample["per_contract"])] if sample.get("seed") and sample.get("per_contract") else []


def sample_scores(results: dict[str, dict], catalogue: list[Mutant], draws: Draws) -> dict:
    """The score estimate of seeded stratified samples (`--random N --per-contract --seed S`, and `--pool-seed` for
    earlier seeds): per contract, the verdicts of exactly the mutants those seeds draw from it (recomputed here, so
    verdicts of other runs — such as targeted `--key` runs — cannot bias it), with a 95 % Wilson interval on the
    Forge and the Forge + pytest score. Overall: the per-contract scores weighted by each contract's estimated number
    of scorable mutants (generated × the sample's scored fraction), and a Wilson interval on the pooled counts."""
    drawn = pooled_draws(catalogue, draws)
    population = {}
    for m in catalogue:
        population[m.contract] = population.get(m.contract, 0) + 1
    per: dict[str, dict] = {}
    for m in drawn:
        c = per.setdefault(m.contract, {"generated": population[m.contract], "drawn": 0, "not_run": 0, "invalid": 0,
                                        "identical": 0, "equivalent": 0, "killed_forge": 0, "killed_pytest": 0,
                                        "survived": 0, "error": 0, "stale": 0, "survivors": []})
        c["drawn"] += 1
        r = results.get(m.key)
        status = r["status"] if r else "not_run"
        c[status if status in c else "not_run"] += 1
        if status == "survived":
            c["survivors"].append(m.key)
    pooled = {"scored": 0, "killed_forge": 0, "killed": 0}
    weighted_f = weighted_t = weight = 0.0
    for c in per.values():
        scored = c["killed_forge"] + c["killed_pytest"] + c["survived"]
        killed = c["killed_forge"] + c["killed_pytest"]
        c["scored"] = scored
        c["forge_score"] = round(100 * c["killed_forge"] / scored, 1) if scored else None
        c["total_score"] = round(100 * killed / scored, 1) if scored else None
        c["forge_ci95"] = wilson(c["killed_forge"], scored)
        c["total_ci95"] = wilson(killed, scored)
        c["complete"] = c["not_run"] == 0 and c["error"] == 0
        pooled["scored"] += scored
        pooled["killed_forge"] += c["killed_forge"]
        pooled["killed"] += killed
        run = c["drawn"] - c["not_run"] - c["error"]
        if scored and run:
            w = c["generated"] * scored / run
            weight += w
            weighted_f += w * c["killed_forge"] / scored
            weighted_t += w * killed / scored
    overall = {
        "scored": pooled["scored"],
        "forge_score_weighted": round(100 * weighted_f / weight, 1) if weight else None,
        "total_score_weighted": round(100 * weighted_t / weight, 1) if weight else None,
        "forge_score_pooled": round(100 * pooled["killed_forge"] / pooled["scored"], 1) if pooled["scored"] else None,
        "total_score_pooled": round(100 * pooled["killed"] / pooled["scored"], 1) if pooled["scored"] else None,
        "forge_ci95_pooled": wilson(pooled["killed_forge"], pooled["scored"]),
        "total_ci95_pooled": wilson(pooled["killed"], pooled["scored"]),
    }
    order = {Path(f).stem: i for i, f in enumerate(CORE)}
    seed, n = draws[-1]
    pooled = {"pooled": [{"seed": d, "per_contract": k} for d, k in draws]} if len(draws) > 1 else {}
    return {"seed": seed, "per_contract": n, **pooled, "overall": overall,
            "contracts": dict(sorted(per.items(), key=lambda kv: order.get(kv[0], 99)))}


def timing(results: dict[str, dict], catalogue: list[Mutant], jobs: int = 2) -> dict:
    """Measured wall time per mutant (each job's own clock, so with 2 jobs two mutants run at once), by verdict, and
    what the whole catalogue would take at those means and mix: the estimate `make mutation` is planned with."""
    timed = [r for r in results.values() if isinstance(r.get("seconds"), (int, float)) and r["status"] in
             ("invalid", "identical", "killed_forge", "survived")]
    # Only the current method's times: earlier verdicts were measured with a full build per mutant.
    timed = [r for r in timed if r.get("runner") == RUNNER]
    if not timed:
        return {}
    by: dict[str, list[float]] = {}
    for r in timed:
        by.setdefault(r["status"], []).append(r["seconds"])
    mean = sum(r["seconds"] for r in timed) / len(timed)
    loads = [r["load"] for r in timed if isinstance(r.get("load"), (int, float))]
    return {
        "runner": RUNNER,
        "mutants_timed": len(timed),
        "mean_seconds_per_mutant": round(mean),
        "mean_seconds_by_status": {k: round(sum(v) / len(v)) for k, v in sorted(by.items())},
        "mean_load": round(sum(loads) / len(loads), 1) if loads else None,
        "jobs": jobs,
        "full_run_hours_estimate": round(len(catalogue) * mean / jobs / 3600, 1),
    }


def write_results(new: list[dict], catalogue: list[Mutant], run_meta: dict | None,
                  sample: Draws | None = None, drop: set[str] = frozenset()) -> dict:
    """Merges `new` into the recorded verdicts by key (less those in `drop`) and rewrites every summary."""
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    merged = {r["key"]: r for r in previous.get("results", []) if "key" in r and r["key"] not in drop}
    for r in new:
        if r["status"] not in ("stale", "skipped"):  # skipped: the budget ran out before it started (not run)
            merged[r["key"]] = r
    live = {m.key: m for m in catalogue}
    merged = {k: v for k, v in merged.items() if k in live}
    # A mutant reviewed as equivalent after its run (listed in equivalent.toml) is no longer counted as a survivor.
    rows = equivalences()
    for k, r in merged.items():
        reason = equivalent_reason(live[k], rows) if r["status"] == "survived" else None
        if reason:
            merged[k] = {**r, "status": "equivalent", "reason": reason, "recorded_status": r["status"]}
    summary = summarise(merged, catalogue)
    # The stratified sample the score estimate is read from: the last one run with --per-contract, kept across runs.
    spec = sample or recorded_draws(previous.get("sample", {}))
    data = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "engine": json.loads((ROOT / "tools" / "mutation" / "mutants.json").read_text()).get("engine"),
        "profile": os.environ.get("FOUNDRY_PROFILE", "ci"),
        "goals": {"forge_score": 90.0, "total_score": 98.0},
        "runs": ([*previous.get("runs", []), run_meta] if run_meta else previous.get("runs", []))[-20:],
        **summary,
        **({"sample": sample_scores(merged, catalogue, spec)} if spec else {}),
        "timing": timing(merged, catalogue),
        "results": sorted(merged.values(), key=lambda r: (r["contract"], r["line"], r["key"])),
    }
    RESULTS.write_text(json.dumps(data, indent=1) + "\n")
    return data


def forget(keys: set[str], catalogue: list[Mutant]) -> None:
    """Drops the recorded verdicts of `keys` and rewrites the summaries, sample and timing without them."""
    unknown = keys - {r["key"] for r in json.loads(RESULTS.read_text())["results"]}
    if unknown:
        raise SystemExit(f"no recorded verdict for {sorted(unknown)} in {RESULTS}")
    write_results([], catalogue, None, drop=keys)
    print(f"forgot {len(keys)} verdicts in {RESULTS}")


def suite_baseline(pristine: Path) -> float:
    """Builds the unmutated copy by running its whole Forge suite, and prints the suites' results. A mutant's verdict
    means nothing if the unmutated suite fails, so a failing or crashing suite stops the run (with its failures)."""
    log = pristine / "build.log"
    rc, secs = run(["forge", "test"], pristine, log, timeout=3600)
    text = log.read_text(errors="replace")
    summary = re.findall(r"^(?:Ran \d+ tests? for .*|Suite result:.*|Ran \d+ test suites?.*)$", text, flags=re.M)
    print(*summary, sep="\n", flush=True)
    if build_failed(rc, text):
        failing = text[text.find("Failing tests:"):] if "Failing tests:" in text else text[-3000:]
        print(failing, file=sys.stderr)
        raise SystemExit(f"the unmutated Forge suite fails (exit {rc}): see {log}")
    return secs


def sample_population(catalogue: list[Mutant]) -> list[Mutant]:
    """What `make test` samples from: the mutants a suite killed in a recorded run, whose kill must still hold.
    (Unrun mutants are `make mutation`'s job: drawing them here would fail CI on every open survivor, at random.)"""
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    status = {r["key"]: r["status"] for r in previous.get("results", [])}
    rows = equivalences()
    return [m for m in catalogue if status.get(m.key) in KILLED and not equivalent_reason(m, rows)]


def _pool_seed(text: str) -> tuple[str, int]:
    seed, _, n = text.rpartition(":")
    if not seed or not n.isdigit() or int(n) < 1:
        raise SystemExit(f"--pool-seed {text!r}: expected SEED:N, N the mutants per contract that seed drew")
    return seed, int(n)


def stratified(selection: list[Mutant], n: int, seed: str) -> list[Mutant]:
    """n mutants of each contract, each contract's draw seeded by the seed and its name (so adding a contract does
    not change another's sample), interleaved round-robin: a run stopped early has sampled every contract evenly."""
    by: dict[str, list[Mutant]] = {}
    for m in selection:
        by.setdefault(m.contract, []).append(m)
    draws = [random.Random(f"{seed}:{c}").sample(ms, min(n, len(ms))) for c, ms in by.items()]
    return [d[i] for i in range(max(map(len, draws), default=0)) for d in draws if i < len(d)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contract", action="append", help="only this contract (file stem), repeatable")
    parser.add_argument("--operator", action="append", help="only these operators (RR, CR, ROR, ...)")
    parser.add_argument("--key", action="append", help="only the mutant(s) with this key")
    parser.add_argument("--python", action="store_true", help="run the pytest folders on Forge survivors")
    parser.add_argument("--jobs", type=int, default=2, help="mutants in parallel (default 2: this machine's cores)")
    parser.add_argument("--limit", type=int, help="at most this many mutants (in catalogue order)")
    parser.add_argument("--random", type=int, help="a seeded random subset of this many of the selection (--seed): "
                        "an unbiased estimate of a contract's score when the whole run does not fit")
    parser.add_argument("--per-contract", action="store_true", help="with --random: draw N of each contract's "
                        "mutants (seeded by --seed and the contract), interleaved so a stopped run covers all")
    parser.add_argument("--skip-done", action="store_true", help="skip mutants with a recorded verdict")
    parser.add_argument("--sample", type=int, help="run a random sample of this many (the `make test` check)")
    parser.add_argument("--seed", default="0", help="sample seed (make test passes the commit hash)")
    parser.add_argument("--pool-seed", action="append", default=[], metavar="SEED:N", help="with --random N "
                        "--per-contract: score the estimate over this earlier seed's N-per-contract draw too, pooled "
                        "with --seed's (each mutant once); repeatable, oldest first. Pool only seeds whose draws "
                        "were run before the tests their gaps led to")
    parser.add_argument("--budget", type=int, help="start no mutant after this many seconds (the sample's cap)")
    parser.add_argument("--results", type=Path, help="write verdicts here instead of bench/results/mutation.json "
                        "(a second run in parallel); merge them later with --merge-from")
    parser.add_argument("--merge-from", type=Path, help="merge the verdicts of another results file and exit")
    parser.add_argument("--forget", action="append", metavar="KEY", help="drop this mutant's recorded verdict (one "
                        "found not to hold, e.g. measured in a broken copy) and exit; repeatable. It is then not run "
                        "and not drawn by the `make test` sample until a run records it again")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/results/mutation.json")
    args = parser.parse_args()

    global RESULTS
    if args.results:
        RESULTS = args.results.resolve()
    catalogue = load()
    if not catalogue:
        raise SystemExit("no tools/mutation/mutants.json: run python tools/mutation/generate.py")
    spec = ([*(_pool_seed(p) for p in args.pool_seed), (args.seed, args.random)]
            if args.random and args.per_contract else None)
    if args.merge_from:
        other = json.loads(args.merge_from.read_text()).get("results", [])
        write_results(other, catalogue, None, spec)
        print(f"merged {len(other)} verdicts from {args.merge_from} into {RESULTS}")
        return 0
    if args.forget:
        forget(set(args.forget), catalogue)
        return 0
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    done = {r["key"]: r for r in previous.get("results", [])}
    if args.sample:
        population = sample_population(catalogue)
        rng = random.Random(args.seed)
        selected = rng.sample(population, min(args.sample, len(population)))
        print(f"mutation sample (seed {args.seed[:12]}): {len(selected)} of {len(population)} mutants", flush=True)
        if not selected:  # nothing to check would make the gate pass vacuously
            raise SystemExit("no mutant to sample: bench/results/mutation.json records no killed mutant of the "
                             "current catalogue (run make mutation)")
    else:
        selected = [m for m in catalogue
                    if (not args.contract or m.contract in args.contract)
                    and (not args.operator or m.operator in args.operator)
                    and (not args.key or m.key in args.key)]
        if args.random and args.per_contract:
            selected = stratified(selected, args.random, args.seed)
        elif args.random:
            selected = random.Random(args.seed).sample(selected, min(args.random, len(selected)))
        if args.skip_done:  # after the draw, so resuming a sample does not change what it draws
            selected = [m for m in selected
                        if not (m.key in done and done[m.key]["status"] not in ("error", "survived", "skipped"))]
        if args.limit:
            selected = selected[:args.limit]

    # The unmutated build every copy is seeded with and compared against, in a snapshot of the sources, made by
    # running the whole Forge suite there (`make test`'s Forge step): kills count only against a passing suite.
    base = Path(tempfile.mkdtemp(prefix="rat-mutation-"))
    pristine = pristine_copy(base)
    secs = suite_baseline(pristine)
    print(f"unmutated build and Forge suite: {round(secs)} s", flush=True)
    baseline = bytecodes(pristine / "out")
    # In the sample, a mutant Forge let live before is run on the pytest test that killed it, not the folders.
    pytest_only = {k: r["pytest"]["failed"] for k, r in done.items()
                   if args.sample and r["status"] == "killed_pytest" and r.get("pytest", {}).get("failed")}
    runner = Runner(base, pristine, baseline, python=args.python or bool(pytest_only), keep=args.keep, pytest_only=pytest_only,
                    recorded=done)
    if args.sample:
        for k, r in done.items():
            stages = [st for st in (r.get("forge") or {}).values() if isinstance(st, dict)]
            killers = [t for st in stages for t in st.get("failed", []) if t in runner.owner]
            killers += [f for st in stages for f in st.get("failed_suites", [])]
            if r["status"] == "killed_forge" and killers:
                runner.forge_killer[k] = killers[0]
    if spec:
        meta_sample = {"seed": args.seed, "per_contract": args.random}
    started = time.monotonic()
    if args.budget:
        runner.deadline = started + args.budget
    results: list[dict] = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for future in as_completed([pool.submit(runner, m) for m in selected]):
            r = future.result()
            results.append(r)
            if not args.no_write and not args.sample:  # after every mutant, so a stopped run keeps its verdicts
                write_results([r], catalogue, None, spec)
            print(f"{r['status']:14} {r['seconds'] if 'seconds' in r else 0:>5}s  {r['key']}  {r['change'][:110]}",
                  flush=True)
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    elapsed = round(time.monotonic() - started)
    meta = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "mutants": len(results),
            "seconds": elapsed, "jobs": args.jobs, "sample": bool(args.sample), "python": args.python,
            **({"stratified": meta_sample} if spec else {})}
    if not args.no_write and not args.sample:
        data = write_results([], catalogue, meta, spec)
        print(f"\n{'contract':22} {'gen':>5} {'run':>5} {'forge%':>7} {'total%':>7} {'surv':>5} {'todo':>5}")
        for name, c in data["contracts"].items():
            print(f"{name:22} {c['generated']:>5} {c['scored']:>5} {str(c['forge_score']):>7} "
                  f"{str(c['total_score']):>7} {c['survived']:>5} {c['not_run']:>5}")
        print(f"wrote {RESULTS} ({elapsed} s)")
    survivors = [r for r in results if r["status"] in ("survived", "error")]
    for r in survivors:
        print(f"SURVIVED: {r['key']} {r['file']}:{r['line']} {r['change']}")
    if args.sample and survivors:
        print("a sampled mutant survived: kill it with a test or list it in tools/mutation/equivalent.toml "
              "with a reason", file=sys.stderr)
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
