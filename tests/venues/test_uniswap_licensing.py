"""Uniswap v4 core is BUSL-1.1: we may run its unmodified published artifacts on local chains, never compile its
BUSL files into our contracts. These tests keep both promises checkable."""

import json
import os
import re
from pathlib import Path

from rat.venues.uniswap_v4 import POOL_MANAGER_ARTIFACT, POSITION_MANAGER_ARTIFACT, deploy_engine

ROOT = Path(__file__).resolve().parents[2]
REMAPPINGS = {
    "@uniswap/v4-core/src/": ROOT / "node_modules/@uniswap/v4-core/src",
    "@uniswap/v4-periphery/src/": ROOT / "node_modules/@uniswap/v4-periphery/src",
}
IMPORT = re.compile(r'^import\s+(?:\{[^}]*\}\s+from\s+)?"([^"]+)"', re.MULTILINE)


def _resolve(importer: Path, target: str) -> Path | None:
    for prefix, folder in REMAPPINGS.items():
        if target.startswith(prefix):
            return folder / target[len(prefix):]
    if target.startswith("."):
        # normpath, not resolve(): node_modules may be a symlink (worktrees share one), paths stay under ROOT.
        return Path(os.path.normpath(importer.parent / target))
    return None  # OpenZeppelin and other MIT dependencies outside Uniswap


def _uniswap_imports(entry: Path) -> set[Path]:
    seen: set[Path] = set()
    stack = [entry]
    while stack:
        source = stack.pop()
        for target in IMPORT.findall(source.read_text()):
            path = _resolve(source, target)
            if path is not None and path not in seen and "@uniswap" in str(path):
                seen.add(path)
                stack.append(path)
    return seen


def _spdx(path: Path) -> str:
    match = re.search(r"SPDX-License-Identifier:\s*(\S+)", path.read_text())
    return match.group(1) if match else "none"


def test_our_venue_contracts_compile_only_mit_uniswap_sources():
    venue_sources = sorted(p for p in (ROOT / "contracts").rglob("*.sol")
                           if ".cache" not in p.parts and "@uniswap/" in p.read_text())
    assert len(venue_sources) >= 2  # RatSwapRouter and the probe hook at least
    for source in venue_sources:
        imported = _uniswap_imports(source)
        assert imported, f"{source.name} imports no Uniswap source: the check would be vacuous"
        licences = {path.relative_to(ROOT / "node_modules").as_posix(): _spdx(path) for path in imported}
        assert {name: lic for name, lic in licences.items() if lic != "MIT"} == {}


def _masked_runtime(code: bytes, artifact: Path) -> bytes:
    """Runtime code with the immutable slots zeroed (the constructor fills them, e.g. NoDelegateCall's address)."""
    references = json.loads(artifact.read_text())["deployedBytecode"].get("immutableReferences", {})
    masked = bytearray(code)
    for spans in references.values():
        for span in spans:
            masked[span["start"]:span["start"] + span["length"]] = bytes(span["length"])
    return bytes(masked)


def test_engine_runs_the_published_bytecode_unmodified(admin, chain):
    engine = deploy_engine(admin)
    for contract, artifact in ((engine.pool_manager, POOL_MANAGER_ARTIFACT),
                               (engine.position_manager, POSITION_MANAGER_ARTIFACT)):
        published = bytes.fromhex(json.loads(artifact.read_text())["deployedBytecode"]["object"][2:])
        deployed = bytes(chain.provider.get_code(contract.address))
        assert _masked_runtime(deployed, artifact) == _masked_runtime(published, artifact)
