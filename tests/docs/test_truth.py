"""The prose stays true, not only the names (tools/docs/truth.py): quoted figures equal their benchmark or code
source, every "not built / planned / no … yet" statement is in the status register and still holds, every
versioned document was bumped when its content changed and has a changelog entry."""

from __future__ import annotations

import json
import re

import pytest
import ratdocs
import truth

DOCS = ratdocs.DOCS


def test_every_quoted_figure_equals_its_benchmark_or_code_default():
    assert truth.figures(), "no <!-- bench:… --> figure found: the check would pass vacuously"
    problems = truth.figure_problems()
    assert not problems, "\n".join(problems)


def test_a_quoted_figure_that_differs_from_the_bench_file_is_caught(tmp_path):
    gas = json.loads((truth.BENCH / "gas.json").read_text())
    real = gas["minting"]["fulfillMint_2_attestations"]
    doc = tmp_path / "x.md"
    doc.write_text(f"fulfilment costs <!-- bench:gas.json:minting.fulfillMint_2_attestations -->{real + 1:,} gas\n")
    [problem] = truth.figure_problems([doc])
    assert f"{real:,}" in problem and "bump.py" in problem


def test_a_marker_naming_a_missing_benchmark_key_is_caught(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("<!-- bench:gas.json:minting.noSuchCall -->1\n")
    assert "noSuchCall" in truth.figure_problems([doc])[0]


def test_a_quoted_code_default_that_differs_from_the_code_is_caught(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("<!-- default:relayer.config:RateLimitConfig.per_ip -->1\n")
    assert "RateLimitConfig.per_ip" in truth.figure_problems([doc])[0]


def test_refreshing_rewrites_a_stale_figure_from_its_source(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("window <!-- default:relayer.config:RateLimitConfig.window -->1 s\n")
    truth.refresh_figures([doc])
    assert not truth.figure_problems([doc])


def test_every_statement_that_something_is_missing_is_registered_and_still_true():
    problems = truth.status_problems()
    assert not problems, "\n".join(problems)


def test_an_unregistered_not_built_statement_is_caught(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("# X\n\nThe bus client is not built.\n\n- The purge job is planned\n  for next quarter.\n")
    problems = truth.status_problems([doc], rows={})
    assert len(problems) == 2 and "not built" in problems[0] and "planned" in problems[1]


def test_a_register_row_whose_thing_now_exists_is_caught():
    assert truth.check_holds("missing:relayer/store/retention.py") is not None
    assert truth.check_holds("absent:relayer/api/ratelimit.py:Fixed-window") is not None
    assert truth.check_holds("missing:relayer/no_such_module.py") is None


def test_every_versioned_document_was_bumped_when_it_changed_and_has_a_changelog_entry():
    problems = truth.version_problems()
    assert not problems, "\n".join(problems)


def test_the_version_hash_ignores_the_version_line_but_not_the_content(tmp_path):
    a, b, c = (tmp_path / n for n in "abc")
    a.write_text("# T\n\nVersion 1.0.0 · 2026-01-01\n\nbody\n")
    b.write_text("# T\n\nVersion 1.1.0 · 2026-02-02\n\nbody\n")
    c.write_text("# T\n\nVersion 1.0.0 · 2026-01-01\n\nbody changed\n")
    assert truth.content_hash(a) == truth.content_hash(b) != truth.content_hash(c)


REQUIRED_VERSIONED = (
    sorted(p for p in (DOCS / "decisions").glob("[0-9][0-9][0-9][0-9]-*.md"))
    + [DOCS / "reserves" / "methodology.md", DOCS / "reserves" / "input-schema.md", ratdocs.ROOT / "infra" / "README.md"]
)


@pytest.mark.parametrize("path", REQUIRED_VERSIONED, ids=[p.name for p in REQUIRED_VERSIONED])
def test_decision_records_and_reserve_and_infra_docs_carry_a_version_line_and_a_checklist(path):
    text = path.read_text(encoding="utf-8")
    assert truth.version_of(path), f"{ratdocs.rel(path)}: no 'Version X.Y.Z · YYYY-MM-DD' in the first lines"
    checklist = re.search(r"^## Reviewer checklist\s*$(.*)", text, re.M | re.S)
    assert checklist and re.search(r"^- \[ \] ", checklist.group(1), re.M), \
        f"{ratdocs.rel(path)}: no '## Reviewer checklist' with '- [ ]' items"


def test_bump_levels_follow_semantic_versioning():
    import bump

    assert [bump.bumped("1.2.3", level) for level in bump.LEVELS] == ["1.2.4", "1.3.0", "2.0.0"]


def test_bumping_rewrites_the_version_line_and_keeps_the_content_hash(tmp_path):
    import bump

    doc = tmp_path / "x.md"
    doc.write_text("# T\n\nVersion 1.0.0 · 2026-01-01 · owner: x\n\nbody\n")
    before = truth.content_hash(doc)
    bump.set_version(doc, "1.1.0", "2026-12-02")
    assert truth.version_of(doc) == ("1.1.0", "2026-12-02") and truth.content_hash(doc) == before


def test_no_current_benchmark_figure_is_quoted_without_a_marker():
    problems = truth.unmarked_figure_problems()
    assert not problems, "\n".join(problems)


def test_a_bare_benchmark_figure_is_caught_and_a_historical_one_is_not(tmp_path):
    real = json.loads((truth.BENCH / "gas.json").read_text())["minting"]["fulfillMint_2_attestations"]
    doc = tmp_path / "x.md"
    doc.write_text(f"now {real:,} gas; it went from 1 to <!-- historical -->{real:,} gas\n")
    [problem] = truth.unmarked_figure_problems([doc])
    assert f"{real:,}" in problem and "x.md:1" in problem
