"""The generated mutant catalogue (tools/mutation/mutants.json) stays true to the sources it mutates, and the
reviewed list of equivalent mutants (tools/mutation/equivalent.toml) names only mutants that exist, each with a
reason. A catalogue that no longer applies would let `make test`'s mutation sample pass vacuously."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "mutation"))

from catalogue import CORE, CONSTANT_MADE_IMMUTABLE, Mutant, Stale, apply, equivalences, equivalent_reason, load  # noqa: E402,E501

# Above this share of a file's mutants no longer applying, the catalogue must be regenerated (`make mutants`).
MAX_STALE_SHARE = 0.10


def test_every_core_contract_has_generated_mutants():
    files = {m.file for m in load()}
    assert set(CORE) <= files, f"no mutants for {sorted(set(CORE) - files)}: run make mutants"


@pytest.mark.parametrize("path", CORE)
def test_the_catalogue_still_applies_to_the_sources(path):
    text = (ROOT / path).read_text()
    mutants = [m for m in load() if m.file == path]
    stale = []
    for m in mutants:
        try:
            assert apply(m, text) != text, f"{m.key} changes nothing"
        except Stale:
            stale.append(m.key)
    assert len(stale) <= MAX_STALE_SHARE * len(mutants), (
        f"{len(stale)} of {len(mutants)} mutants of {path} no longer apply: run make mutants")


def test_mutant_keys_are_unique():
    keys = [m.key for m in load()]
    assert len(keys) == len(set(keys))


def test_every_equivalent_entry_names_a_generated_mutant_and_a_reason():
    catalogue = load()
    for row in equivalences():
        assert row.reason.strip()
        assert any(row.matches(m) for m in catalogue), f"equivalent.toml entry matches no mutant: {row}"


def _mutant(original: str, mutated: str, occurrence: int = 0) -> Mutant:
    return Mutant("contracts/X.sol", "X", "ROR", original, mutated, occurrence, 1)


def test_a_mutant_edits_the_occurrence_it_names():
    text = "a;\nif (x < y) return;\nb;\nif (x < y) return;\n"
    mutant = _mutant("if (x < y) return;\n", "if (x <= y) return;\n", occurrence=1)
    assert apply(mutant, text) == "a;\nif (x < y) return;\nb;\nif (x <= y) return;\n"


def test_a_mutant_matches_whole_lines_only():
    # "x < y;" occurs inside "ax < y;" but not as a line of its own: nothing to apply.
    with pytest.raises(Stale):
        apply(_mutant("x < y;\n", "x <= y;\n"), "ax < y;\n")


def test_a_mutant_whose_lines_changed_is_stale_not_applied_elsewhere():
    with pytest.raises(Stale):
        apply(_mutant("if (x < y) return;\n", "if (x <= y) return;\n"), "if (x <= z) return;\n")


def test_a_mutant_survives_edits_elsewhere_in_the_file():
    mutant = _mutant("if (x < y) return;\n", "if (x <= y) return;\n")
    assert apply(mutant, "// a new comment\nfunction f() {}\nif (x < y) return;\n").endswith("if (x <= y) return;\n")


def _sbr(original: str, mutated: str) -> Mutant:
    return Mutant("contracts/X.sol", "X", "SBR", original, mutated, 0, 1)


def test_a_constant_declared_immutable_with_the_same_initialiser_is_equivalent_without_a_row():
    mutant = _sbr('    bytes32 public constant ROLE = keccak256("ROLE");\n',
                  '    bytes32 public immutable ROLE = keccak256("ROLE");\n')
    assert equivalent_reason(mutant, []) == CONSTANT_MADE_IMMUTABLE


def test_a_constant_edit_that_changes_more_than_the_keyword_is_not_in_the_class():
    mutant = _sbr("    uint256 private constant MAX = 10;\n", "    uint256 private immutable MAX = 11;\n")
    assert equivalent_reason(mutant, []) is None


def test_an_immutable_made_constant_is_not_in_the_class():
    # The other direction does not even compile for an immutable set in the constructor; it is not reviewed as one.
    mutant = _sbr("    uint256 private immutable MAX = 10;\n", "    uint256 private constant MAX = 10;\n")
    assert equivalent_reason(mutant, []) is None
