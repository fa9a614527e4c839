#!/usr/bin/env python3
"""Generates RAT's mutant catalogue with slither-mutate's operators (Slither 0.11.6, already a dependency).

Slither analyses the project once (through forge, in a scratch copy so the worktree's build is untouched); each of
slither-mutate's mutators (RR revert a statement, CR comment it out, ROR/AOR/BOR/LOR/ASOR/UOR operator swaps, LIR
literal changes, MIA/MWA if/while conditions, MVIE/MVIV initialisers, SBR Solidity-specific swaps, FHR function
headers) proposes its patches for every core contract, and the patches are written — not tested: the runner does
that — to tools/mutation/mutants.json as text edits keyed by contract, operator and the lines they change.
Identical resulting sources are kept once.

    python tools/mutation/generate.py                       # every core contract (≈ 3-5 min: one forge build)
    python tools/mutation/generate.py --file contracts/reserves/SecureMint.sol
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalogue import CATALOGUE, CORE, ROOT, Mutant, _line_starts, load, save  # noqa: E402


def _block(original: str, patched: str) -> tuple[str, str, int]:
    """The whole lines that differ between two versions of a file, and the first one's index."""
    a, b = original.splitlines(keepends=True), patched.splitlines(keepends=True)
    p = 0
    while p < min(len(a), len(b)) and a[p] == b[p]:
        p += 1
    s = 0
    while s < min(len(a), len(b)) - p and a[len(a) - 1 - s] == b[len(b) - 1 - s]:
        s += 1
    return "".join(a[p:len(a) - s]), "".join(b[p:len(b) - s]), p


_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"' + r"|'(?:[^'\\\n]|\\.)*'")
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def _nesting(code: str) -> tuple[int, int, int]:
    code = _COMMENT.sub("", _STRING.sub('""', code))
    return code.count("(") - code.count(")"), code.count("[") - code.count("]"), code.count("{") - code.count("}")


def parses(original: str, mutated: str) -> bool:
    """False when the edit leaves brackets unbalanced (slither-mutate's CR comments out the rest of a line
    mid-expression, its ROR/AOR can truncate a statement): such a mutant cannot compile, so it is not worth a
    compile to find out."""
    return _nesting(original) == _nesting(mutated)


def _anchored(source: bytes, patch: dict) -> dict:
    """slither-mutate 0.11.6's ROR/AOR/... build the new text from the whole statement (`old_string`) but splice it
    over the operator expression's span only, which doubles the statement ("uint256 m = uint256 m = a < 0 ...").
    When `old_string` is not the text at the span, splice over the occurrence of `old_string` that covers it."""
    start, end = patch["start"], patch["end"]
    old = patch["old_string"].encode()
    if source[start:end] == old:
        return patch
    at = source.rfind(old, 0, start + len(old))
    while at != -1:
        if at <= start and at + len(old) >= end:
            return {**patch, "start": at, "end": at + len(old)}
        at = source.rfind(old, 0, at)
    return patch


def generate(files: list[str], operators: list[str] | None) -> list[Mutant]:
    from slither import Slither
    from slither.formatters.utils.patches import apply_patch
    from slither.tools.mutator.mutators import all_mutators
    from slither.tools.mutator.mutators.abstract_mutator import AbstractMutator

    mutator_classes = [c for c in vars(all_mutators).values()
                       if isinstance(c, type) and issubclass(c, AbstractMutator) and c is not AbstractMutator]
    if operators:
        mutator_classes = [c for c in mutator_classes if c.NAME in operators]

    with tempfile.TemporaryDirectory(prefix="rat-mutgen-") as tmp:
        work = Path(tmp)
        for name in ("contracts", "tests", "foundry.toml"):
            src = ROOT / name
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, work / name)
        for name in ("node_modules", ".cache"):
            os.symlink(ROOT / name, work / name)
        cwd = os.getcwd()
        os.chdir(work)
        try:
            sl = Slither(".", compile_force_framework="foundry", foundry_out_directory="out")
        finally:
            os.chdir(cwd)

        mutants: list[Mutant] = []
        seen: set[str] = set()
        dropped: dict[str, int] = {}
        for rel in files:
            stem = Path(rel).stem
            original_text = (ROOT / rel).read_text()
            for cu in sl.compilation_units:
                contract = next((c for c in cu.contracts if c.name == stem
                                 and c.source_mapping.filename.relative.endswith(rel)), None)
                if contract is not None:
                    break
            else:
                logging.warning("no contract %s found in %s", stem, rel)
                continue
            source_bytes = original_text.encode()
            for cls in mutator_classes:
                m = cls(cu, 30, "true", "tests", contract, None, False, work / "unused", [])
                try:
                    patches = m._mutate().get("patches", {})  # proposals only; the runner tests them
                except Exception as exc:  # an operator that cannot handle a construct skips it, as slither-mutate does
                    logging.warning("%s failed on %s: %s", cls.NAME, stem, exc)
                    continue
                for patch_list in patches.values():
                    for patch in patch_list:
                        patched, _ = apply_patch(source_bytes, _anchored(source_bytes, patch), 0)
                        text = patched.decode()
                        digest = hashlib.sha256(text.encode()).hexdigest()
                        if text == original_text or digest in seen:
                            continue
                        seen.add(digest)
                        orig_block, new_block, first = _block(original_text, text)
                        if not orig_block.strip():
                            continue
                        if not parses(orig_block, new_block):
                            dropped[rel] = dropped.get(rel, 0) + 1
                            continue
                        offset = sum(len(x) for x in original_text.splitlines(keepends=True)[:first])
                        occurrence = _line_starts(original_text, orig_block).index(offset)
                        mutants.append(Mutant(rel, stem, cls.NAME, orig_block, new_block, occurrence, first + 1))
            print(f"{rel}: {sum(1 for x in mutants if x.file == rel)} mutants "
                  f"({dropped.get(rel, 0)} dropped: unbalanced brackets)", flush=True)
    return mutants


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", action="append", help="only this contract file (repeatable); others kept")
    parser.add_argument("--operator", action="append", help="only these slither-mutate operators")
    args = parser.parse_args()
    files = args.file or list(CORE)
    fresh = generate(files, args.operator)
    kept = [m for m in load() if m.file not in files]  # a partial regeneration keeps the other files' mutants
    order = {f: i for i, f in enumerate(CORE)}
    allm = sorted(kept + fresh, key=lambda m: (order.get(m.file, 99), m.line, m.operator, m.mutated))
    import slither  # noqa: F401  (version recorded below)
    from importlib.metadata import version
    save(allm, {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "engine": f"slither-mutate (slither-analyzer {version('slither-analyzer')})",
        "files": sorted({m.file for m in allm}, key=lambda f: order.get(f, 99)),
    })
    print(f"wrote {len(allm)} mutants to {CATALOGUE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
