"""Uniswap v4 core is BUSL-1.1: we may run its unmodified published artifacts on local chains, never compile its
BUSL files into our contracts. These tests keep both promises checkable."""

import json
import sys
from pathlib import Path

from rat.venues.uniswap_v4 import POOL_MANAGER_ARTIFACT, POSITION_MANAGER_ARTIFACT, deploy_engine

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools/static"))
from licences import imported_sources, masked_runtime, not_mit, package_resolver  # noqa: E402

UNISWAP = ROOT / "node_modules/@uniswap"
RESOLVE = package_resolver({"@uniswap/v4-core/src/": UNISWAP / "v4-core/src",
                            "@uniswap/v4-periphery/src/": UNISWAP / "v4-periphery/src"}, UNISWAP)


def test_our_venue_contracts_compile_only_mit_uniswap_sources():
    venue_sources = sorted(p for p in (ROOT / "contracts").rglob("*.sol")
                           if ".cache" not in p.parts and "@uniswap/" in p.read_text())
    assert len(venue_sources) >= 2  # RatSwapRouter and the probe hook at least
    for source in venue_sources:
        imported = imported_sources(source, RESOLVE)
        assert imported, f"{source.name} imports no Uniswap source: the check would be vacuous"
        assert not_mit(imported, ROOT / "node_modules") == {}


def _masked_runtime(code: bytes, artifact: Path) -> bytes:
    return masked_runtime(code, json.loads(artifact.read_text())["deployedBytecode"].get("immutableReferences", {}))


def test_engine_runs_the_published_bytecode_unmodified(admin, chain):
    engine = deploy_engine(admin)
    for contract, artifact in ((engine.pool_manager, POOL_MANAGER_ARTIFACT),
                               (engine.position_manager, POSITION_MANAGER_ARTIFACT)):
        published = bytes.fromhex(json.loads(artifact.read_text())["deployedBytecode"]["object"][2:])
        deployed = bytes(chain.provider.get_code(contract.address))
        assert _masked_runtime(deployed, artifact) == _masked_runtime(published, artifact)
