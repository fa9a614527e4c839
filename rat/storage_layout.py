"""Storage-layout compatibility of upgradeable implementations.

What is compared, for an old and a new implementation of the same proxy:

1. solc's ``storageLayout`` output (ordinary state variables of the contract and all its bases): every old variable
   must still be at the same slot and offset with the same type; new variables may only follow the old ones.
2. ERC-7201 namespaced structs, which solc's ``storageLayout`` does not list: every struct annotated
   ``@custom:storage-location erc7201:<id>`` anywhere in the contract's inheritance chain, found in the AST. For each
   namespace of the old implementation the new one must declare the same namespace, keep every old member at the
   same position with the same type, and may only append members.

Types are compared structurally: a struct type is expanded into its members' types (recursively, so a retyped
field inside ``mapping(address => Fees)`` is caught), contract and interface types count as ``address`` and enums
as ``uint8``, so renaming a contract or a struct is not flagged. A renamed member with the same type is storage
compatible and reported as a warning, not an error.

Layouts come from solc itself: ``compile_layouts`` runs the repository's solc (``$SOLCX_BINARY_PATH``) on the
sources with only ``storageLayout`` and ``ast`` requested (no code generation, so it is fast even on solc-js).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

ROOT = Path(__file__).resolve().parent.parent
SOLC_VERSION = "0.8.28"
EVM_VERSION = "cancun"
REMAPPINGS = (
    "@openzeppelin/contracts-upgradeable/=node_modules/@openzeppelin/contracts-upgradeable/",
    "@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/",
    "@chainlink/contracts/src/v0.8/shared/interfaces/=node_modules/@chainlink/contracts/src/v0.8/shared/interfaces/",
)
_ERC7201 = re.compile(r"@custom:storage-location\s+erc7201:([A-Za-z0-9_.\-]+)")
_STRUCT_REF = re.compile(r"struct ([A-Za-z0-9_.$]+)")
_CONTRACT_REF = re.compile(r"(contract|interface) [A-Za-z0-9_.$]+")
_ENUM_REF = re.compile(r"enum [A-Za-z0-9_.$]+")
_LOCATION = re.compile(r" (storage ref|storage pointer|memory|calldata)")


class Member(BaseModel):
    """One variable: a state variable (with its slot) or a member of a namespaced struct (position only)."""

    label: str
    type: str
    slot: int | None = None
    offset: int | None = None


class StorageLayout(BaseModel):
    """The comparable storage of one implementation, as recorded in deployments/<network>.json."""

    contract: str
    storage: list[Member] = Field(default_factory=list)
    namespaces: dict[str, list[Member]] = Field(default_factory=dict)


class LayoutReport(BaseModel):
    errors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @property
    def compatible(self) -> bool:
        return not self.errors


class IncompatibleStorageLayout(Exception):
    def __init__(self, old: str, new: str, report: LayoutReport):
        self.report = report
        lines = "\n".join(f"  - {e}" for e in report.errors)
        super().__init__(f"{new} cannot replace {old}: its storage layout is incompatible\n{lines}")


# --------------------------------------------------------------------------------------------- compilation


def solc_binary() -> Path:
    base = os.environ.get("SOLCX_BINARY_PATH") or str(ROOT / ".cache" / "solc")
    return Path(base) / f"solc-v{SOLC_VERSION}"


def compile_layouts(
    sources: Sequence[str | Path], contracts: Iterable[str] | None = None, root: Path = ROOT
) -> dict[str, StorageLayout]:
    """Layouts of the contracts defined in `sources` (paths relative to `root` or absolute), by contract name."""
    import solcx  # imported lazily: only the layout check needs it

    wanted = set(contracts) if contracts is not None else None
    units: dict[str, dict[str, str]] = {}
    for source in sources:
        path = Path(source)
        path = path if path.is_absolute() else root / path
        name = os.path.relpath(path, root)
        units[name] = {"content": path.read_text()}
    standard_input = {
        "language": "Solidity",
        "sources": units,
        "settings": {
            "evmVersion": EVM_VERSION,
            "remappings": list(REMAPPINGS),
            "outputSelection": {"*": {"*": ["storageLayout"], "": ["ast"]}},
        },
    }
    output = solcx.compile_standard(
        standard_input, solc_binary=str(solc_binary()), base_path=str(root), allow_paths=[str(root)]
    )
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise RuntimeError("solc: " + "\n".join(e.get("formattedMessage", e["message"]) for e in errors))
    return layouts_from_output(output, wanted)


def layouts_from_output(output: dict[str, Any], wanted: set[str] | None = None) -> dict[str, StorageLayout]:
    asts = {name: src["ast"] for name, src in output["sources"].items()}
    index = _AstIndex(asts)
    result: dict[str, StorageLayout] = {}
    for unit, by_name in output.get("contracts", {}).items():
        for name, data in by_name.items():
            if wanted is not None and name not in wanted:
                continue
            contract = index.contract(name, unit)
            if contract is None or contract.get("contractKind") != "contract":
                continue
            result[name] = StorageLayout(
                contract=name,
                storage=_solc_storage(data.get("storageLayout") or {}),
                namespaces=index.namespaces(contract),
            )
    return result


def _solc_storage(layout: dict[str, Any]) -> list[Member]:
    types = layout.get("types") or {}

    def expand(type_id: str, depth: int = 0) -> str:
        t = types[type_id]
        if "members" in t and depth < 8:
            return "struct{" + ",".join(expand(m["type"], depth + 1) for m in t["members"]) + "}"
        if t.get("encoding") == "mapping":
            return f"mapping({expand(t['key'], depth + 1)} => {expand(t['value'], depth + 1)})"
        if "base" in t and t["label"].endswith("]"):
            return expand(t["base"], depth + 1) + t["label"][t["label"].rfind("[") :]
        return _normalise(t["label"])

    return [
        Member(label=e["label"], type=expand(e["type"]), slot=int(e["slot"]), offset=int(e["offset"]))
        for e in layout.get("storage", [])
    ]


def _normalise(type_string: str) -> str:
    s = _LOCATION.sub("", type_string)
    s = _CONTRACT_REF.sub("address", s)
    return _ENUM_REF.sub("uint8", s)


class _AstIndex:
    def __init__(self, asts: dict[str, dict[str, Any]]):
        self.by_id: dict[int, dict[str, Any]] = {}
        self.structs: dict[str, dict[str, Any]] = {}
        self.unit_of: dict[int, str] = {}
        for unit, ast in asts.items():
            for node in _walk(ast):
                if "id" in node:
                    self.by_id[node["id"]] = node
                    self.unit_of[node["id"]] = unit
                if node.get("nodeType") == "StructDefinition":
                    self.structs[node.get("canonicalName", node["name"])] = node

    def contract(self, name: str, unit: str) -> dict[str, Any] | None:
        for node_id, node in self.by_id.items():
            if node.get("nodeType") == "ContractDefinition" and node["name"] == name and self.unit_of[node_id] == unit:
                return node
        return None

    def namespaces(self, contract: dict[str, Any]) -> dict[str, list[Member]]:
        found: dict[str, list[Member]] = {}
        for base_id in contract.get("linearizedBaseContracts", []):
            base = self.by_id.get(base_id)
            for node in (base or {}).get("nodes", []):
                if node.get("nodeType") != "StructDefinition":
                    continue
                doc = node.get("documentation")
                text = doc.get("text", "") if isinstance(doc, dict) else (doc or "")
                match = _ERC7201.search(text)
                if match:
                    found[match.group(1)] = [
                        Member(label=m["name"], type=self.type_of(m["typeDescriptions"]["typeString"]))
                        for m in node["members"]
                    ]
        return found

    def type_of(self, type_string: str, depth: int = 0) -> str:
        s = _normalise(type_string)
        if depth >= 8:
            return s

        def expand(match: re.Match[str]) -> str:
            struct = self.structs.get(match.group(1))
            if struct is None:
                return match.group(0)
            return "struct{" + ",".join(
                self.type_of(m["typeDescriptions"]["typeString"], depth + 1) for m in struct["members"]
            ) + "}"

        return _STRUCT_REF.sub(expand, s)


def _walk(node: Any) -> Iterable[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


# --------------------------------------------------------------------------------------------- comparison


def compare(old: StorageLayout, new: StorageLayout) -> LayoutReport:
    """Whether `new` can replace `old` behind the same proxy without corrupting state."""
    report = LayoutReport()
    _compare_members(f"{old.contract} state variables", old.storage, new.storage, report, positional=False)
    for namespace, old_members in old.namespaces.items():
        new_members = new.namespaces.get(namespace)
        if new_members is None:
            report.errors.append(
                f"namespace erc7201:{namespace} was removed: its data would be orphaned "
                f"(keep the struct with its @custom:storage-location annotation)"
            )
            continue
        _compare_members(f"namespace erc7201:{namespace}", old_members, new_members, report, positional=True)
    return report


def _compare_members(
    where: str, old: list[Member], new: list[Member], report: LayoutReport, positional: bool
) -> None:
    new_labels = [m.label for m in new]
    for i, before in enumerate(old):
        after = new[i] if i < len(new) else None
        if after is None:
            report.errors.append(f"{where}: `{before.label}` ({before.type}) was removed")
            continue
        if not positional and (before.slot, before.offset) != (after.slot, after.offset):
            report.errors.append(
                f"{where}: `{after.label}` now at slot {after.slot} offset {after.offset}, "
                f"`{before.label}` was at slot {before.slot} offset {before.offset}"
            )
            continue
        if before.label != after.label and before.label in new_labels:
            report.errors.append(
                f"{where}: fields were reordered: position {i} held `{before.label}` ({before.type}), "
                f"now `{after.label}` ({after.type}); `{before.label}` moved to position "
                f"{new_labels.index(before.label)}"
            )
            continue
        if before.type != after.type:
            report.errors.append(
                f"{where}: `{before.label}` was retyped from {before.type} to {after.type}"
                + (f" (and renamed to `{after.label}`)" if before.label != after.label else "")
            )
            continue
        if before.label != after.label:
            report.warnings.append(f"{where}: `{before.label}` renamed to `{after.label}` (same type, compatible)")


def check_upgrade(old: StorageLayout, new: StorageLayout) -> LayoutReport:
    """`compare`, raising IncompatibleStorageLayout with every problem listed when `new` cannot replace `old`."""
    report = compare(old, new)
    if not report.compatible:
        raise IncompatibleStorageLayout(old.contract, new.contract, report)
    return report


def source_of(contract_name: str, root: Path = ROOT) -> Path:
    """The file under contracts/ that defines `contract_name` (first match)."""
    pattern = re.compile(rf"^\s*(abstract\s+)?contract\s+{re.escape(contract_name)}\b", re.M)
    for path in sorted((root / "contracts").rglob("*.sol")):
        if ".cache" in path.parts:
            continue
        if pattern.search(path.read_text()):
            return path
    raise FileNotFoundError(f"no contract named {contract_name} under {root / 'contracts'}")


def layout_of(contract_name: str, root: Path = ROOT) -> StorageLayout:
    """Compiles the source defining `contract_name` and returns its layout (cached in .build/ by the content of
    every source under contracts/, so any edit invalidates it)."""
    import hashlib

    digest = hashlib.sha256(contract_name.encode())
    for path in sorted((root / "contracts").rglob("*.sol")):
        if ".cache" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    cache = root / ".build" / "rat-storage-layouts" / f"{contract_name}-{digest.hexdigest()[:16]}.json"
    if cache.exists():
        return StorageLayout.model_validate_json(cache.read_text())
    layout = compile_layouts([source_of(contract_name, root)], [contract_name], root)[contract_name]
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(layout.model_dump_json())
    return layout


def dump(layout: StorageLayout) -> dict[str, Any]:
    return json.loads(layout.model_dump_json())
