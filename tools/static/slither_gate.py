#!/usr/bin/env python3
"""Static-analysis gate: Slither over contracts/ (mocks, tests and node_modules filtered out by
slither.config.json), compiled by forge with the repository's solc. Fails when a High or Medium finding is not
triaged in docs/security/static-analysis-triage.md.

A triage row names the detector and the function it fires in (`Contract.function`), not Slither's finding id,
which hashes line numbers and so changes with every edit above the finding. A row therefore covers that detector
in that function only; a new function or a new detector needs its own row and reason.

    python tools/static/slither_gate.py            # writes bench/results/slither.json (summary) as well
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRIAGE = ROOT / "docs" / "security" / "static-analysis-triage.md"
SUMMARY = ROOT / "bench" / "results" / "slither.json"
GATED = ("High", "Medium")
ROW = re.compile(r"^\|\s*`?([a-z0-9-]+)`?\s*\|\s*`?([A-Za-z0-9_]+\.[A-Za-z0-9_]+)`?\s*\|\s*(High|Medium)\s*\|\s*([^|]+)\|")


def triaged() -> set[tuple[str, str]]:
    rows = set()
    for line in TRIAGE.read_text().splitlines():
        m = ROW.match(line)
        if m:
            rows.add((m.group(1), m.group(2)))
    return rows


def location(finding: dict) -> str:
    m = re.match(r"([A-Za-z0-9_]+\.[A-Za-z0-9_]+)\(", finding["description"])
    return m.group(1) if m else finding["description"].split(" ")[0]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "slither.json"
        proc = subprocess.run(["slither", ".", "--config-file", "slither.config.json", "--json", str(out)],
                              cwd=ROOT, capture_output=True, text=True)
        if not out.exists():
            sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
            return 2
        report = json.loads(out.read_text())
    if not report.get("success"):
        sys.stderr.write(f"slither failed: {report.get('error')}\n")
        return 2
    findings = report["results"].get("detectors", [])
    accepted = triaged()
    by_impact = Counter(f["impact"] for f in findings)
    untriaged = []
    for f in findings:
        if f["impact"] not in GATED:
            continue
        key = (f["check"], location(f))
        status = "triaged" if key in accepted else "UNTRIAGED"
        print(f"{status:9} {f['impact']:6} {key[0]:24} {key[1]}")
        if key not in accepted:
            untriaged.append((f["impact"], *key, f["description"].strip()))
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps({
        "by_impact": dict(by_impact),
        "gated_impacts": list(GATED),
        "high_medium": sum(by_impact[i] for i in GATED),
        "untriaged_high_medium": len(untriaged),
        "triage_file": str(TRIAGE.relative_to(ROOT)),
    }, indent=2) + "\n")
    print(f"slither: {dict(by_impact)}; high/medium untriaged: {len(untriaged)}")
    for impact, check, where, description in untriaged:
        print(f"\n{impact} {check} in {where} is not triaged in {TRIAGE.relative_to(ROOT)}:\n{description}")
    return 1 if untriaged else 0


if __name__ == "__main__":
    sys.exit(main())
