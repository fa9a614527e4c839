"""Every threat-model row names its mitigation and at least one test that exists. Whether those tests pass is the
job of the suite they live in (`make test` runs them all in CI)."""

from __future__ import annotations

import ratdocs

THREATS = ratdocs.DOCS / "security" / "threat-model.md"


def threat_rows():
    text = THREATS.read_text(encoding="utf-8")
    rows = []
    for t in ratdocs.table_with_header(text, "id"):
        header = [h.lower() for h in t[0]]
        if "mitigation" not in header or "test" not in header:
            continue
        for row in t[1:]:
            rows.append(dict(zip(header, row, strict=False)))
    return rows


def row_problems(rows) -> list[str]:
    problems = []
    for row in rows:
        rid = row.get("id", "?")
        if len(row.get("mitigation", "").strip()) < 10:
            problems.append(f"{rid}: no mitigation")
        refs = ratdocs.backticked(row.get("test", ""))
        if not refs:
            problems.append(f"{rid}: names no test")
        problems.extend(f"{rid}: {p}" for ref in refs if (p := ratdocs.test_ref_problem(ref)))
    return problems


def test_the_threat_model_covers_stride_on_every_trust_boundary():
    rows = threat_rows()
    assert len(rows) >= 20
    categories = {row["stride"].strip()[0] for row in rows}
    assert categories >= set("STRIDE"), f"STRIDE letters present: {sorted(categories)}"


def test_every_threat_row_has_a_mitigation_and_tests_that_exist():
    problems = row_problems(threat_rows())
    assert not problems, "\n".join(problems)


def test_the_checker_catches_a_test_that_does_not_exist():
    rows = [
        {"id": "X1", "mitigation": "signatures are checked on chain", "test": "`tests/minting/test_mint_burn.py::test_nope`"},
        {"id": "X2", "mitigation": "signatures are checked on chain", "test": "`tests/nowhere/test_x.py::test_y`"},
        {"id": "X3", "mitigation": "", "test": ""},
    ]
    problems = " ".join(row_problems(rows))
    assert "test_nope" in problems and "no such test file" in problems and "X3: no mitigation" in problems
