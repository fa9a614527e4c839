"""Parts of @chainlink/contracts-ccip are BUSL-1.1 (TokenPool, RateLimiter, the Router): we may deploy the package's
unmodified bytecode on local chains, never compile its BUSL files into our contracts (ADR 0106)."""

import re
import sys
from pathlib import Path

import pytest

from rat.bridge.ccip import ROUTER_BYTECODE, CcipError, deploy_router

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools/static"))
from licences import imported_sources, not_mit, package_resolver, spdx  # noqa: E402

CCIP_PREFIX = "@chainlink/contracts-ccip/contracts/"
CCIP_SOURCES = ROOT / "node_modules/@chainlink/contracts-ccip/contracts"
RESOLVE = package_resolver({CCIP_PREFIX: CCIP_SOURCES}, CCIP_SOURCES)


def test_our_bridge_contracts_compile_only_mit_ccip_sources():
    sources = sorted(p for p in (ROOT / "contracts").rglob("*.sol")
                     if ".cache" not in p.parts and CCIP_PREFIX in p.read_text())
    assert len(sources) >= 2  # RatCcipPool and the ramp harness at least
    for source in sources:
        imported = imported_sources(source, RESOLVE)
        assert imported, f"{source.name} imports no CCIP source: the check would be vacuous"
        assert not_mit(imported, CCIP_SOURCES) == {}


def test_the_busl_token_pool_is_not_what_we_inherit():
    assert spdx(CCIP_SOURCES / "pools/TokenPool.sol") == "BUSL-1.1"
    pool = (ROOT / "contracts/bridge/RatCcipPool.sol").read_text()
    assert "TokenPool.sol" not in pool and "RateLimiter.sol" not in pool


def test_the_lane_library_both_pools_use_is_ours_and_mit():
    library = ROOT / "contracts/bridge/libraries/CcipLaneLimits.sol"
    assert spdx(library) == "MIT"
    assert not re.search(r"^\s*import\b", library.read_text(), re.M)  # no RateLimiter, no TokenPool: nothing at all
    for pool in ("contracts/bridge/RatCcipPool.sol", "contracts/mocks/PlainBurnMintCcipPool.sol"):
        assert "libraries/CcipLaneLimits.sol" in (ROOT / pool).read_text(), pool


def test_the_router_is_deployed_from_the_packages_unmodified_bytecode(admin, chain):
    router = deploy_router(admin)
    creation = chain.provider.web3.eth.get_transaction(router.txn_hash)["input"]
    shipped = bytes.fromhex(ROUTER_BYTECODE.read_text().strip().removeprefix("0x"))
    assert bytes(creation).startswith(shipped)
    assert router.typeAndVersion().startswith("Router ")


def test_the_router_is_refused_on_a_chain_that_is_not_local(admin, monkeypatch):
    monkeypatch.setattr("rat.bridge.ccip.LOCAL_CHAIN_IDS", frozenset({1}))
    with pytest.raises(CcipError, match="not a local test chain"):
        deploy_router(admin)
