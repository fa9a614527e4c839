"""Packages depend downwards only (the brief's style rule, docs/architecture): the SDK (`rat/`) is the bottom layer
the services build on, `reserves/` uses the SDK and never the reverse, and no lower package reaches into a service.

Read from the source with `ast`, so an import inside a function counts as much as one at the top of a module."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("rat", "reserves", "relayer", "indexer", "attestor")
# What each package must never import: everything at its own level or above.
FORBIDDEN = {
    "rat": {"reserves", "relayer", "indexer", "attestor"},
    "reserves": {"relayer", "indexer", "attestor"},
    "relayer": {"indexer", "attestor"},
}


def imported_packages(source: Path) -> Iterator[tuple[str, int]]:
    """The project packages a module imports (absolute imports only: relative ones stay inside the package)."""
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in PACKAGES:
                yield top, node.lineno


def upward_imports(package: str) -> list[str]:
    return [f"{source.relative_to(ROOT)}:{line} imports {top}"
            for source in sorted((ROOT / package).rglob("*.py"))
            for top, line in imported_packages(source)
            if top in FORBIDDEN[package]]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_above_it(package: str) -> None:
    assert upward_imports(package) == []


def test_the_forbidden_imports_are_seen_when_present(tmp_path: Path) -> None:
    # The scan itself must find an import inside a function, where a top-of-module grep would miss it.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from relayer.signers import KeystoreSigner\n    import reserves.dividends\n")
    assert list(imported_packages(module)) == [("relayer", 2), ("reserves", 3)]
