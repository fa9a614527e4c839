"""Every contract function and event named in a sequence diagram exists in the compiled ABIs."""

from __future__ import annotations

import pytest
import ratdocs

SEQUENCES = ratdocs.DOCS / "architecture" / "sequences.md"
REQUIRED_FLOWS = ("mint", "burn", "secondary transfer", "proof-of-reserve", "fee accrual", "governance vote")


def _sequence_blocks():
    return [b for b in ratdocs.mermaid_blocks() if b.kind == "sequenceDiagram"]


def test_every_required_flow_has_a_sequence_diagram():
    text = SEQUENCES.read_text(encoding="utf-8").lower()
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    missing = [flow for flow in REQUIRED_FLOWS if not any(flow in h for h in headings)]
    assert not missing, f"no '## ' section in {ratdocs.rel(SEQUENCES)} for: {missing}"
    assert len([b for b in _sequence_blocks() if b.path == SEQUENCES]) >= len(REQUIRED_FLOWS)


@pytest.mark.parametrize("block", _sequence_blocks(), ids=lambda b: b.where())
def test_sequence_diagram_names_only_real_functions_and_events(block):
    problems, checked = ratdocs.sequence_problems(block, ratdocs.compiled_abis())
    assert not problems, "\n".join(f"{p.where}: {p.problem}" for p in problems)
    assert checked > 0, f"{block.where()}: the diagram names no contract function or event, so checks nothing"


def test_the_checker_catches_a_function_that_does_not_exist():
    block = ratdocs.Block(
        SEQUENCES,
        1,
        "sequenceDiagram\n%% off-chain: Relayer\nRelayer->>Minter: fulfillMintTwice(fill, sigs)\n"
        "Note over Minter: emit MintSettled(requestId)\n",
    )
    problems, _ = ratdocs.sequence_problems(block, ratdocs.compiled_abis())
    found = " ".join(p.problem for p in problems)
    assert "fulfillMintTwice" in found and "MintSettled" in found


def test_the_checker_catches_an_undeclared_participant():
    block = ratdocs.Block(SEQUENCES, 1, "sequenceDiagram\nRelayer->>Mintr: fulfillMint(fill, sigs)\n")
    problems, _ = ratdocs.sequence_problems(block, ratdocs.compiled_abis())
    assert any("Mintr" in p.problem for p in problems)


def test_the_checker_catches_a_wrong_argument_count():
    block = ratdocs.Block(
        SEQUENCES, 1, "sequenceDiagram\n%% off-chain: Relayer\nRelayer->>Minter: fulfillMint(fill)\n"
    )
    problems, _ = ratdocs.sequence_problems(block, ratdocs.compiled_abis())
    assert any("fulfillMint" in p.problem and "1 arguments" in p.problem for p in problems)
