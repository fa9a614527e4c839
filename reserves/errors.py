"""Typed failures of the proof-of-reserve tools. Every input problem carries the file, line and field, so the CLI
can print `file:line: field: message` and exit without publishing anything."""

from __future__ import annotations

from pathlib import Path


class ReservesError(Exception):
    """Base of every error `rat-reserves` reports to its user."""


class InputError(ReservesError):
    """A value in an input file breaks its rule."""

    def __init__(self, path: Path | str, line: int | None, field: str | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ReconciliationError(ReservesError):
    """The lots and the custodian statement disagree; `problems` lists every mismatch, not just the first."""

    def __init__(self, problems: list[InputError]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"the lots do not reconcile with the custodian statement ({len(problems)} problem(s)):\n{lines}")


class MerkleError(ReservesError):
    """A tree, dump or proof is malformed or does not match its root."""


class PublishError(ReservesError):
    """A round was refused before anything was sent on-chain."""


class UnreadableError(ReservesError):
    """A file cannot be read, or is not the document it should be: missing, empty, not UTF-8 JSON, truncated, or
    another format. `verify` and `verify-proof` exit 3 on it (4 is for a readable file whose contents were altered)."""
