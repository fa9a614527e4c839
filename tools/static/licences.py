"""Licence checks shared by the engine tests (Uniswap v4, Morpho Blue, Chainlink CCIP).

Those engines are partly BUSL-1.1: RAT may deploy their unmodified published code on local chains but must compile
none of their BUSL files into its own contracts (ADRs 0100, 0102, 0106). The checks need three things, kept here
once: the SPDX identifier of a file, the set of package sources a contract pulls in through its imports, and a
runtime bytecode with its constructor-filled immutables zeroed so a deployment can be compared with an artifact.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

IMPORT = re.compile(r'^import\s+(?:\{[^}]*\}\s+from\s+)?"([^"]+)"', re.MULTILINE)
SPDX = re.compile(r"SPDX-License-Identifier:\s*(\S+)")

Resolver = Callable[[Path, str], Path | None]


def spdx(path: Path) -> str:
    """The file's SPDX licence identifier, or "none" when it declares none."""
    match = SPDX.search(path.read_text())
    return match.group(1) if match else "none"


def package_resolver(remappings: Mapping[str, Path], package_root: Path) -> Resolver:
    """Resolve an import to a file of the package under `package_root`, or None for anything else.

    Remapped imports (`@uniswap/v4-core/src/...`) map through `remappings`; relative imports are followed only from
    a file that is itself inside the package, so our own sources and OpenZeppelin (MIT) are never walked. Paths are
    normalised, not resolved: node_modules may be a symlink (worktrees share one).
    """
    root = Path(os.path.normpath(package_root))

    def resolve(importer: Path, target: str) -> Path | None:
        for prefix, folder in remappings.items():
            if target.startswith(prefix):
                return Path(os.path.normpath(folder / target[len(prefix):]))
        if target.startswith(".") and root in Path(os.path.normpath(importer)).parents:
            return Path(os.path.normpath(importer.parent / target))
        return None

    return resolve


def imported_sources(entry: Path, resolve: Resolver) -> set[Path]:
    """Every file `entry` reaches through imports that `resolve` maps to a package file (transitively)."""
    seen: set[Path] = set()
    stack = [entry]
    while stack:
        source = stack.pop()
        for target in IMPORT.findall(source.read_text()):
            path = resolve(source, target)
            if path is not None and path not in seen:
                seen.add(path)
                stack.append(path)
    return seen


def not_mit(sources: Iterable[Path], relative_to: Path) -> dict[str, str]:
    """The sources whose licence is not MIT, by path relative to `relative_to`, with their licence."""
    licences = {Path(os.path.relpath(path, relative_to)).as_posix(): spdx(path) for path in sources}
    return {name: licence for name, licence in licences.items() if licence != "MIT"}


def masked_runtime(code: bytes, immutable_references: Mapping[str, list[dict]]) -> bytes:
    """Runtime code with the immutable slots zeroed (the constructor fills them, e.g. an address or a domain)."""
    masked = bytearray(code)
    for spans in immutable_references.values():
        for span in spans:
            masked[span["start"]:span["start"] + span["length"]] = bytes(span["length"])
    return bytes(masked)
