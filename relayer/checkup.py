"""The `doctor` commands' report: one line per check, each failure with how to fix it, and the count of failures
(the command's exit status). Shared by `rat-relayer doctor` and `rat-attestor doctor`."""

from __future__ import annotations

from collections.abc import Callable

# The Minter's attestation roles (IMinter.AttestorRole): what an attestor's address must be registered as.
ATTESTOR_ROLE_ON_MINTER = {"brokerage": 1, "custody": 2}


class Checkup:
    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.problems = 0

    def ok(self, what: str) -> None:
        self.say(f"  ok    {what}")

    def bad(self, what: str, fix: str) -> None:
        self.problems += 1
        self.say(f"  FAIL  {what}\n        fix: {fix}")
