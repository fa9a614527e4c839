"""The generated-mutant catalogue (tools/mutation/mutants.json) and the reviewed list of equivalent mutants
(tools/mutation/equivalent.toml): loading, keying and applying mutants to a copy of the sources.

A mutant is stored by what it changes, not by where: the contract file, the engine's operator, the original source
lines and their replacement, and which occurrence of those original lines in the file it edits. Line numbers are
kept only as a hint. A mutant therefore survives edits elsewhere in the same file (another helper adding a function
above it) and is reported as *stale*, never silently applied somewhere else, when its lines changed.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "tools" / "mutation" / "mutants.json"
EQUIVALENT = ROOT / "tools" / "mutation" / "equivalent.toml"

# The core contracts mutated (issue 24), smallest first so a partial run covers whole contracts early.
CORE = (
    "contracts/token/ShareMultiplier.sol",
    "contracts/reserves/SecureMint.sol",
    "contracts/reserves/ReserveRecords.sol",
    "contracts/minting/LeakyBucket.sol",
    "contracts/compliance/ComplianceRules.sol",
    "contracts/compliance/ComplianceRecords.sol",
    "contracts/reserves/ReserveRegistry.sol",
    "contracts/fees/FeeVault.sol",
    "contracts/compliance/ComplianceRegistry.sol",
    "contracts/token/RealAssetToken.sol",
    "contracts/minting/Minter.sol",
    "contracts/corporate/DividendDistributor.sol",
    "contracts/corporate/ConversionVault.sol",
    "contracts/governance/AssetLister.sol",
    "contracts/governance/EmergencyGuardian.sol",
)

# Python suites that specify each contract's rules through Ape: run on a mutant the Forge suite let live.
PYTEST_FOLDERS: dict[str, tuple[str, ...]] = {
    "ShareMultiplier": ("tests/token/test_multiplier.py", "tests/minting/test_corporate_actions.py"),
    "SecureMint": ("tests/minting/test_reserves_and_fees.py", "tests/minting/test_fulfil_reverts.py",
                   "tests/minting/test_review_findings.py", "tests/minting/test_cross_chain_reserve_guard.py"),
    "ReserveRecords": ("tests/reserves/test_reserve_onchain.py", "tests/minting/test_reserves_and_fees.py",
                       "tests/minting/test_permit_and_upgrades.py"),
    "LeakyBucket": ("tests/minting/test_mint_burn.py", "tests/minting/test_fulfil_reverts.py"),
    "ComplianceRules": ("tests/token", "tests/compliance"),
    "ComplianceRecords": ("tests/token", "tests/compliance"),
    "ReserveRegistry": ("tests/reserves/test_reserve_onchain.py", "tests/minting/test_reserves_and_fees.py"),
    "FeeVault": ("tests/minting/test_reserves_and_fees.py", "tests/minting/test_corporate_actions.py"),
    "ComplianceRegistry": ("tests/token", "tests/compliance"),
    "RealAssetToken": ("tests/token",),
    "Minter": ("tests/minting",),
    "DividendDistributor": ("tests/corporate",),
    "ConversionVault": ("tests/corporate",),
    "AssetLister": ("tests/governance",),
    "EmergencyGuardian": ("tests/governance",),
}


@dataclass(frozen=True)
class Mutant:
    file: str  # repository-relative path of the mutated source
    contract: str
    operator: str  # the engine's mutation operator (slither-mutate: RR, CR, ROR, AOR, ...)
    original: str  # the whole original source lines the edit touches
    mutated: str  # what those lines become
    occurrence: int  # which occurrence of `original` (as whole lines) in the file
    line: int  # 1-based line of the edit when generated (a hint, not a key)

    @property
    def key(self) -> str:
        """Stable id from contract, operator and the text change; survives edits elsewhere in the file."""
        digest = hashlib.sha256(
            "\x1f".join((self.contract, self.operator, self.original, self.mutated, str(self.occurrence))).encode()
        ).hexdigest()
        return f"{self.contract}-{self.operator}-{digest[:10]}"

    def describe(self) -> str:
        return f"{self.file}:{self.line} [{self.operator}] {self.original.strip()} -> {self.mutated.strip()}"


class Stale(Exception):
    """The mutant's original lines are no longer in the file: regenerate the catalogue (make mutants)."""


def _line_starts(text: str, block: str) -> list[int]:
    """Character offsets where `block` occurs as whole lines of `text`."""
    hits, at = [], 0
    while (at := text.find(block, at)) != -1:
        starts_line = at == 0 or text[at - 1] == "\n"
        end = at + len(block)
        ends_line = end == len(text) or text[end - 1] == "\n" or text[end] == "\n"
        if starts_line and ends_line:
            hits.append(at)
        at += 1
    return hits


def apply(mutant: Mutant, text: str) -> str:
    """The source with the mutant applied; raises Stale when its lines are gone or their count changed."""
    hits = _line_starts(text, mutant.original)
    if len(hits) <= mutant.occurrence:
        raise Stale(f"{mutant.key}: original lines not found in {mutant.file}")
    at = hits[mutant.occurrence]
    return text[:at] + mutant.mutated + text[at + len(mutant.original):]


def load(path: Path = CATALOGUE) -> list[Mutant]:
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    return [Mutant(**m) for m in data["mutants"]]


def save(mutants: list[Mutant], meta: dict, path: Path = CATALOGUE) -> None:
    path.write_text(json.dumps({**meta, "mutants": [asdict(m) for m in mutants]}, indent=1) + "\n")


@dataclass(frozen=True)
class Equivalence:
    contract: str
    operator: str
    original: str
    mutated: str
    reason: str

    def matches(self, m: Mutant) -> bool:
        # Keyed by text (whitespace-normalised), not by line number or occurrence: the same edit of the same
        # statement is equivalent wherever it sits.
        norm = _normalised
        return (m.contract == self.contract and m.operator == self.operator and norm(m.original) == norm(self.original)
                and norm(m.mutated) == norm(self.mutated))


def equivalences(path: Path = EQUIVALENT) -> list[Equivalence]:
    """The reviewed equivalent mutants: each `[[equivalent]]` table needs contract, operator, original, mutated and a
    one-line reason."""
    if not path.exists():
        return []
    rows = tomllib.loads(path.read_text()).get("equivalent", [])
    out = []
    for row in rows:
        missing = {"contract", "operator", "original", "mutated", "reason"} - row.keys()
        if missing or not row["reason"].strip():
            raise SystemExit(f"{path}: an [[equivalent]] entry lacks {sorted(missing) or ['a reason']}: {row}")
        out.append(Equivalence(**{k: row[k] for k in ("contract", "operator", "original", "mutated", "reason")}))
    return out


# Whole classes of slither-mutate edits reviewed once, instead of one `[[equivalent]]` row per occurrence.
CONSTANT_MADE_IMMUTABLE = ("a constant declared immutable with the same initialiser (SBR): a constant's initialiser "
                           "is fixed at compile time, so the immutable holds the same value, also in code (no storage "
                           "slot, the same public getter, the same value behind a proxy, which runs the "
                           "implementation's code); only gas differs")


def _normalised(s: str) -> str:
    return " ".join(s.split())


def class_reason(m: Mutant) -> str | None:
    """The reason a mutant belongs to a reviewed class of equivalent edits, or None."""
    if m.operator == "SBR" and " constant " in f" {_normalised(m.original)} " \
            and _normalised(m.mutated) == _normalised(m.original).replace(" constant ", " immutable ", 1):
        return CONSTANT_MADE_IMMUTABLE
    return None


def equivalent_reason(m: Mutant, rows: list[Equivalence]) -> str | None:
    reason = class_reason(m)
    if reason is not None:
        return reason
    for row in rows:
        if row.matches(m):
            return row.reason
    return None
