"""Every element of the C4 diagrams maps to a path in this repository, to an external system with the path where
RAT integrates it, or to a planned item with its issue number."""

from __future__ import annotations

import re

import pytest
import ratdocs

C4_DOCS = [ratdocs.DOCS / "architecture" / "context.md", ratdocs.DOCS / "architecture" / "containers.md"]


def element_map(path):
    """alias → 'realised by' cell, from the table whose header starts with `alias`."""
    rows = {}
    for t in ratdocs.table_with_header(path.read_text(encoding="utf-8"), "alias"):
        header = [h.lower() for h in t[0]]
        col = header.index("realised by")
        for row in t[1:]:
            alias = ratdocs.backticked(row[0])[0] if ratdocs.backticked(row[0]) else row[0]
            rows[alias] = row[col]
    return rows


def mapping_problems(path) -> list[str]:
    blocks = [b for b in ratdocs.mermaid_blocks([path]) if b.kind.startswith("C4")]
    if not blocks:
        return [f"{ratdocs.rel(path)}: no C4 diagram"]
    mapping = element_map(path)
    problems = []
    elements = {}
    for b in blocks:
        for alias, (kind, offset) in ratdocs.c4_elements(b).items():
            elements[alias] = (kind, b.where(offset))
    for alias, (kind, where) in elements.items():
        if alias not in mapping:
            problems.append(f"{where}: element {alias!r} has no row in the element table")
    for alias, cell in mapping.items():
        if alias not in elements:
            problems.append(f"{ratdocs.rel(path)}: table row {alias!r} is not in any diagram")
            continue
        paths = [p for p in ratdocs.backticked(cell) if "/" in p or p.endswith((".py", ".sol", ".md"))]
        planned = re.search(r"\bplanned\b.*\bissue \d+", cell, re.I)
        if not paths and not planned:
            problems.append(f"{ratdocs.rel(path)}: {alias!r} names no repository path and is not 'planned (issue N)'")
        for p in paths:
            if not (ratdocs.ROOT / p.rstrip("/")).exists():
                problems.append(f"{ratdocs.rel(path)}: {alias!r} maps to {p}, which does not exist")
    return problems


@pytest.mark.parametrize("path", C4_DOCS, ids=lambda p: p.name)
def test_every_c4_element_maps_to_something_that_exists(path):
    problems = mapping_problems(path)
    assert not problems, "\n".join(problems)


def test_the_checker_catches_a_container_without_a_home(tmp_path):
    doc = tmp_path / "c.md"
    doc.write_text(
        "```mermaid\nC4Container\n  Container(api, \"API\", \"Python\")\n  Container(ghost, \"Ghost\", \"Go\")\n```\n\n"
        "| alias | element | realised by |\n|---|---|---|\n| `api` | API | `relayer/` |\n"
        "| `ghost` | Ghost | `ghost-service/` |\n",
        encoding="utf-8",
    )
    problems = mapping_problems(doc)
    assert any("ghost-service/" in p for p in problems)
