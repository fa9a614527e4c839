"""The eleven architecture artefacts exist, each with a semantic version and date at the top, citations and a
reviewer checklist at the end; the decision index lists every decision record; the testing matrix lists every
test file in the tree."""

from __future__ import annotations

import re

import pytest
import ratdocs

DOCS = ratdocs.DOCS
ARTEFACTS = {
    "1 system context": "architecture/context.md",
    "2 containers": "architecture/containers.md",
    "3 sequences": "architecture/sequences.md",
    "4 decision log": "decisions/README.md",
    "5 data lifecycle": "data/lifecycle.md",
    "6 infrastructure": "architecture/infrastructure.md",
    "7 security and compliance": "security/plan.md",
    "7 threat model": "security/threat-model.md",
    "8 API": "architecture/api.md",
    "9 testing strategy": "testing/strategy.md",
    "10 release and DevOps": "release/playbook.md",
    "11 regulator pack": "regulator/README.md",
}
VERSION = re.compile(r"Version\s+(\d+\.\d+\.\d+)\s*·\s*(\d{4}-\d{2}-\d{2})")


def artefact_problems(path) -> list[str]:
    if not path.exists():
        return [f"{path} is missing"]
    text = path.read_text(encoding="utf-8")
    head = "\n".join(text.splitlines()[:6])
    problems = []
    if not VERSION.search(head):
        problems.append("no 'Version X.Y.Z · YYYY-MM-DD' in the first lines")
    if not re.search(r"^## (Sources|References|Citations)\b", text, re.M):
        problems.append("no '## Sources' section")
    checklist = re.search(r"^## Reviewer checklist\s*$(.*)", text, re.M | re.S)
    if not checklist or not re.search(r"^- \[ \] ", checklist.group(1), re.M):
        problems.append("no '## Reviewer checklist' with '- [ ]' items")
    elif re.search(r"^## ", checklist.group(1), re.M):
        problems.append("the reviewer checklist is not the last section")
    return problems


@pytest.mark.parametrize("name,path", ARTEFACTS.items(), ids=list(ARTEFACTS))
def test_artefact_has_version_sources_and_checklist(name, path):
    problems = artefact_problems(DOCS / path)
    assert not problems, f"{path}: " + "; ".join(problems)


def test_docs_index_links_every_artefact():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    missing = [p for p in ARTEFACTS.values() if f"({p})" not in index and f"(./{p})" not in index]
    assert not missing, f"docs/README.md does not link: {missing}"


def test_the_artefact_check_catches_a_missing_version_and_checklist(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("# X\n\nNo version here.\n\n## Sources\n- brief\n", encoding="utf-8")
    problems = " ".join(artefact_problems(doc))
    assert "Version" in problems and "checklist" in problems


def test_decision_index_lists_every_decision_record():
    index = (DOCS / "decisions" / "README.md").read_text(encoding="utf-8")
    records = sorted(p.name for p in (DOCS / "decisions").glob("[0-9][0-9][0-9][0-9]-*.md"))
    missing = [r for r in records if f"({r})" not in index]
    assert not missing, f"add a row to docs/decisions/README.md for: {missing}"


def test_decision_records_have_unique_numbers():
    numbers = [p.name[:4] for p in (DOCS / "decisions").glob("[0-9][0-9][0-9][0-9]-*.md")]
    assert len(numbers) == len(set(numbers)), sorted(numbers)


def test_testing_matrix_lists_exactly_the_test_files_in_the_tree():
    text = (DOCS / "testing" / "strategy.md").read_text(encoding="utf-8")
    listed = set()
    for t in ratdocs.table_with_header(text, "test file"):
        for row in t[1:]:
            listed.update(ratdocs.backticked(row[0]))
    actual = {ratdocs.rel(p) for p in ratdocs.test_files()}
    assert not actual - listed, f"test files missing from the matrix: {sorted(actual - listed)}"
    assert not listed - actual, f"matrix lists files that do not exist: {sorted(listed - actual)}"

def test_testing_matrix_classifies_every_file():
    text = (DOCS / "testing" / "strategy.md").read_text(encoding="utf-8")
    rows = [row for t in ratdocs.table_with_header(text, "test file") for row in t[1:]]
    bad = [row[0] for row in rows if "UNCLASSIFIED" in row[1]]
    assert rows and not bad, f"add these to LAYERS in tools/docs/test_matrix.py: {bad}"
