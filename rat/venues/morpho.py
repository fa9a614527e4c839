"""Deploys the real Morpho Blue lending engine on a local chain and creates RAT-collateral / USDC-loan markets.

`@morpho-org/morpho-blue` 1.0.0 ships Solidity sources only (no compiled artifact). We build `src/Morpho.sol`
exactly as published - the files are read from `node_modules` and never edited or copied into the repository -
with the compiler and settings of Morpho's own build profile (solc 0.8.19 from npm, via-IR, 999,999 optimizer runs,
EVM paris, no metadata hash), cache the output under `.build/morpho-blue/`, and deploy that bytecode on local chains
only (BUSL-1.1). Production uses Morpho's canonical deployment (deployments/morpho-blue.json). Our own contracts
(oracle, IRM, liquidation gateway) talk to Morpho through our MIT interface `contracts/venues/IMorphoBlue.sol`,
never through Morpho's sources. Decision record: docs/decisions/0102-collateral-morpho-blue-and-equity-oracle.md.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ape import chain, project
from ape.api import AccountAPI
from ape.contracts import ContractContainer, ContractInstance
from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from ethpm_types import ContractType
from pydantic import BaseModel, ConfigDict, Field

ROOT = Path(__file__).resolve().parents[2]
MORPHO_PACKAGE = ROOT / "node_modules" / "@morpho-org" / "morpho-blue"
SOLC_PACKAGE = ROOT / "node_modules" / "solc-0.8.19"
PINNED_VERSIONS = {MORPHO_PACKAGE: "1.0.0", SOLC_PACKAGE: "0.8.19"}
BUILD_DIR = ROOT / ".build" / "morpho-blue"
CANONICAL_RECORD = ROOT / "deployments" / "morpho-blue.json"
LOCAL_CHAIN_IDS = frozenset({31337, 1337})
ENTRY = "src/Morpho.sol"
# Morpho Blue's own foundry.toml [profile.default] (the profile its `build` profile inherits).
BUILD_SETTINGS: dict[str, Any] = {
    "viaIR": True,
    "optimizer": {"enabled": True, "runs": 999_999},
    "evmVersion": "paris",
    "metadata": {"bytecodeHash": "none"},
}
WAD = 10**18
ORACLE_PRICE_SCALE = 10**36  # Morpho's ConstantsLib.ORACLE_PRICE_SCALE
MARKET_PARAMS_TYPE = "(address,address,address,address,uint256)"
_COMPILE_JS = (
    "const solc=require(process.argv[1]);const c=[];process.stdin.on('data',d=>c.push(d));"
    "process.stdin.on('end',()=>process.stdout.write(solc.compile(Buffer.concat(c).toString('utf8'))));"
)


class MorphoError(RuntimeError):
    """Morpho Blue cannot be built, deployed or used as asked."""


@dataclass(frozen=True)
class MarketParams:
    """A Morpho Blue market's identity (its id is the keccak of these five values, ABI-encoded)."""

    loan_token: str
    collateral_token: str
    oracle: str
    irm: str
    lltv: int

    def as_tuple(self) -> tuple[str, str, str, str, int]:
        return (self.loan_token, self.collateral_token, self.oracle, self.irm, self.lltv)

    def market_id(self) -> bytes:
        return keccak(encode([MARKET_PARAMS_TYPE], [self.as_tuple()]))


def _check_pinned(package: Path) -> None:
    manifest = package / "package.json"
    if not manifest.is_file():
        raise MorphoError(f"{package.name} is not installed: run `npm ci`")
    version = json.loads(manifest.read_text())["version"]
    if version != PINNED_VERSIONS[package]:
        raise MorphoError(f"{package.name} {version} installed, {PINNED_VERSIONS[package]} pinned: run `npm ci`")


def build_sources() -> dict[str, str]:
    """Every non-mock Solidity file of the npm package, keyed by its path inside the package, as published."""
    _check_pinned(MORPHO_PACKAGE)
    files = sorted(p for p in (MORPHO_PACKAGE / "src").rglob("*.sol") if "mocks" not in p.parts)
    return {p.relative_to(MORPHO_PACKAGE).as_posix(): p.read_text() for p in files}


def source_digest(sources: dict[str, str] | None = None) -> str:
    """sha256 over (path, content) of the sources we compile: the record pins it so an edited file is refused."""
    sources = build_sources() if sources is None else sources
    digest = hashlib.sha256()
    for path, content in sorted(sources.items()):
        digest.update(path.encode() + b"\0" + content.encode() + b"\0")
    return digest.hexdigest()


def standard_json_input(sources: dict[str, str]) -> dict[str, Any]:
    selection = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object",
                 "evm.deployedBytecode.immutableReferences"]
    return {
        "language": "Solidity",
        "sources": {path: {"content": content} for path, content in sources.items()},
        "settings": {**BUILD_SETTINGS, "outputSelection": {ENTRY: {"Morpho": selection}}},
    }


def _compile(sources: dict[str, str]) -> dict[str, Any]:
    _check_pinned(SOLC_PACKAGE)
    node = shutil.which("node")
    if node is None:
        raise MorphoError("Node.js is required to run the pinned solc-js 0.8.19 compiler")
    result = subprocess.run([node, "-e", _COMPILE_JS, str(SOLC_PACKAGE)],
                            input=json.dumps(standard_json_input(sources)), capture_output=True, text=True,
                            check=False, timeout=600)
    if result.returncode != 0:
        raise MorphoError(f"solc 0.8.19 failed: {result.stderr.strip()[:500]}")
    output = json.loads(result.stdout)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise MorphoError("Morpho Blue did not compile:\n" + "\n".join(errors))
    return output["contracts"][ENTRY]["Morpho"]


def build_artifact() -> dict[str, Any]:
    """The compiled Morpho contract (abi, bytecode, runtime, immutable references), built once per source digest
    and cached in `.build/morpho-blue/` (git-ignored, like every other build output)."""
    sources = build_sources()
    digest = source_digest(sources)
    recorded = json.loads(CANONICAL_RECORD.read_text())["build"]["source_sha256"]
    if digest != recorded:
        raise MorphoError(f"Morpho Blue sources hash to {digest}, the record pins {recorded}: the installed "
                          "package is not the published 1.0.0 (run `npm ci`)")
    cached = BUILD_DIR / f"Morpho-{digest[:16]}.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    contract = _compile(sources)
    artifact = {
        "abi": contract["abi"],
        "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
        "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
        "immutableReferences": contract["evm"]["deployedBytecode"].get("immutableReferences", {}),
        "source_sha256": digest,
        "settings": BUILD_SETTINGS,
    }
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(artifact))
    return artifact


@cache
def morpho_container() -> ContractContainer:
    artifact = build_artifact()
    contract_type = ContractType.model_validate({
        "contractName": "Morpho",
        "abi": artifact["abi"],
        "deploymentBytecode": {"bytecode": artifact["bytecode"]},
        "runtimeBytecode": {"bytecode": artifact["deployedBytecode"]},
    })
    return ContractContainer(contract_type)


def _require_local_chain() -> None:
    if chain.chain_id not in LOCAL_CHAIN_IDS:
        raise MorphoError(
            f"chain {chain.chain_id} is not a local test chain: use Morpho's canonical deployment there "
            "(deployments/morpho-blue.json; Morpho Blue is BUSL-1.1, we deploy our build of the unmodified npm "
            "sources on local chains only)")


def deploy_morpho(owner: AccountAPI) -> ContractInstance:
    """Deploys Morpho Blue owned by `owner` (who alone enables IRMs and LLTVs and sets fees)."""
    _require_local_chain()
    return owner.deploy(morpho_container(), owner.address)


def enable_market_terms(morpho: ContractInstance, irm: str, lltv: int, owner: AccountAPI) -> None:
    """Enables an IRM and an LLTV (owner only; each can be enabled once, so already-enabled ones are skipped)."""
    if not morpho.isIrmEnabled(irm):
        morpho.enableIrm(irm, sender=owner)
    if not morpho.isLltvEnabled(lltv):
        morpho.enableLltv(lltv, sender=owner)


def create_market(morpho: ContractInstance, params: MarketParams, creator: AccountAPI) -> bytes:
    """Creates the market (permissionless once its IRM and LLTV are enabled) and returns its id."""
    morpho.createMarket(params.as_tuple(), sender=creator)
    return params.market_id()


def position(morpho: ContractInstance, params: MarketParams, borrower: str) -> tuple[int, int, int]:
    """(supplyShares, borrowShares, collateral) of `borrower`."""
    result = morpho.position(params.market_id(), borrower)
    return int(result[0]), int(result[1]), int(result[2])


def borrowed_assets(morpho: ContractInstance, params: MarketParams, borrower: str) -> int:
    """The borrower's debt in loan-token units, rounded up like Morpho's health check (SharesMathLib)."""
    market = morpho.market(params.market_id())
    total_borrow_assets, total_borrow_shares = int(market[2]), int(market[3])
    _, shares, _ = position(morpho, params, borrower)
    virtual_shares, virtual_assets = 10**6, 1
    return -(-shares * (total_borrow_assets + virtual_assets) // (total_borrow_shares + virtual_shares))


def is_healthy(morpho: ContractInstance, params: MarketParams, borrower: str, oracle_price: int) -> bool:
    """Morpho's `_isHealthy` at a given oracle price: debt <= collateral * price / 1e36 * lltv / 1e18."""
    _, _, collateral = position(morpho, params, borrower)
    max_borrow = collateral * oracle_price // ORACLE_PRICE_SCALE * params.lltv // WAD
    return max_borrow >= borrowed_assets(morpho, params, borrower)


class CanonicalDeployment(BaseModel):
    """Morpho's own deployment on one network (deployments/morpho-blue.json), used instead of our build."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    chain_id: int = Field(gt=0)
    morpho: str = Field(alias="Morpho")
    adaptive_curve_irm: str = Field(alias="AdaptiveCurveIrm")


def canonical_deployment(chain_id: int, record: Path = CANONICAL_RECORD) -> CanonicalDeployment:
    """The canonical Morpho Blue addresses for a chain; a `MorphoError` when the record does not list it."""
    for entry in json.loads(record.read_text())["networks"].values():
        if entry["chain_id"] == chain_id:
            return CanonicalDeployment.model_validate(entry)
    raise MorphoError(f"no canonical Morpho Blue deployment recorded for chain {chain_id} in {record.name}")


def fixed_rate_irm(deployer: AccountAPI, morpho: ContractInstance, rate_per_second: int) -> ContractInstance:
    """Our fixed-rate IRM (Morpho's AdaptiveCurveIrm is not published on npm)."""
    return deployer.deploy(project.RatFixedRateIrm, morpho.address, rate_per_second)


def checksum(address: Any) -> str:
    return to_checksum_address(str(address))
