"""Links inside docs/ resolve (files and headings); every Mermaid block parses with Mermaid's own parser."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import ratdocs

KNOWN_DIAGRAMS = {
    "sequenceDiagram", "flowchart", "graph", "C4Context", "C4Container", "C4Component", "C4Dynamic",
    "stateDiagram-v2", "erDiagram", "gantt", "timeline", "classDiagram",
}  # fmt: skip
CHECKER = ratdocs.ROOT / "tools" / "docs" / "mermaid-check.mjs"


@pytest.mark.parametrize("path", ratdocs.doc_files(), ids=lambda p: ratdocs.rel(p))
def test_links_resolve(path):
    problems = ratdocs.broken_links(path)
    assert not problems, "\n".join(problems)


def test_the_link_checker_catches_a_missing_file_and_heading(tmp_path):
    (tmp_path / "b.md").write_text("# Real heading\n", encoding="utf-8")
    doc = tmp_path / "a.md"
    doc.write_text("[x](missing.md) [y](b.md#real-heading) [z](b.md#no-such)\n", encoding="utf-8")
    problems = " ".join(ratdocs.broken_links(doc))
    assert "missing.md" in problems and "no-such" in problems and "real-heading" not in problems


def test_every_mermaid_block_declares_a_known_diagram_type():
    blocks = ratdocs.mermaid_blocks()
    assert blocks
    bad = [f"{b.where()}: {b.kind!r}" for b in blocks if b.kind not in KNOWN_DIAGRAMS]
    assert not bad, "\n".join(bad)


def run_mermaid_parser(blocks):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    payload = json.dumps([{"where": b.where(), "source": b.source} for b in blocks])
    proc = subprocess.run(
        [node, str(CHECKER)], input=payload, capture_output=True, text=True, cwd=ratdocs.ROOT, timeout=120
    )
    if proc.returncode == 2:
        pytest.skip(proc.stderr.strip())
    return proc.returncode, json.loads(proc.stdout or "[]")


def test_every_mermaid_block_parses():
    code, results = run_mermaid_parser(ratdocs.mermaid_blocks())
    bad = [f"{r['where']}: {r['error']}" for r in results if not r["ok"]]
    assert code == 0 and not bad, "\n".join(bad)


def test_the_mermaid_parser_catches_a_broken_diagram():
    broken = ratdocs.Block(ratdocs.DOCS / "README.md", 1, "sequenceDiagram\n  Relayer->>Minter fulfillMint\n")
    code, results = run_mermaid_parser([broken])
    assert code == 1 and not results[0]["ok"]
