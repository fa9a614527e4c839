"""Event ABIs of the contracts the indexer follows, and a fast log decoder.

The ABIs are extracted from the compiled Ape project (`.build/__local__.json`) into `indexer/event_abis.json`
(`rat-indexer abis --write`), so the indexer runs without Ape or build artefacts; `tests/indexer` checks the file
against the compiled contracts, so it cannot drift. Static parameters are sliced out of the log data by hand (the
hot path of a million-event backfill); only events with dynamic parameters (strings, arrays) go through eth_abi.
Addresses are kept lower-case and amounts as Python ints."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak

ABI_FILE = Path(__file__).with_name("event_abis.json")
BUILD_MANIFEST = Path(__file__).resolve().parent.parent / ".build" / "__local__.json"

# Contract kinds the indexer follows, by the compiled contract type that defines their events.
FOLLOWED_TYPES = (
    "RealAssetToken", "Minter", "ReserveRegistry", "FeeVault", "DividendDistributor", "ConversionVault",
    "RatGovernor", "RatTimelock", "RatGovernanceToken", "AssetLister", "ComplianceRegistry", "EmergencyGuardian",
    "RatCcipPool",
)


def _canonical(param: dict[str, Any]) -> str:
    kind = param["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in param["components"]) + ")" + kind[len("tuple"):]
    return kind


def signature_of(event: dict[str, Any]) -> str:
    return f"{event['name']}({','.join(_canonical(p) for p in event['inputs'])})"


def extract_abis(manifest: Path = BUILD_MANIFEST) -> dict[str, list[dict[str, Any]]]:
    """contract type → its event ABIs, from the compiled project (sorted, so the file is stable)."""
    types = json.loads(manifest.read_text())["contractTypes"]
    out = {}
    for name in FOLLOWED_TYPES:
        events = [e for e in types[name]["abi"] if e["type"] == "event"]
        out[name] = sorted(events, key=lambda e: signature_of(e))
    return out


def write_abis(path: Path = ABI_FILE, manifest: Path = BUILD_MANIFEST) -> None:
    path.write_text(json.dumps(extract_abis(manifest), indent=1, sort_keys=True) + "\n")


_STATIC = ("address", "bool", "bytes32", "bytes2", "bytes4")


def _is_static(kind: str) -> bool:
    return kind in _STATIC or kind.startswith(("uint", "int")) and "[" not in kind


def _word(kind: str, word: str) -> Any:
    """One 32-byte ABI word (64 hex characters, no prefix) as a Python value."""
    if kind == "address":
        return "0x" + word[24:]
    if kind.startswith("uint"):
        return int(word, 16)
    if kind.startswith("int"):
        value = int(word, 16)
        return value - (1 << 256) if value >= 1 << 255 else value
    if kind == "bool":
        return word[-1] == "1"
    if kind.startswith("bytes"):
        return "0x" + word[: 2 * int(kind[5:])]
    raise ValueError(kind)


def _converter(kind: str) -> Callable[[str], Any]:
    """The `_word` of one parameter type, chosen once per event instead of once per value."""
    if kind == "address":
        return lambda word: "0x" + word[24:]
    if kind.startswith("uint"):
        return lambda word: int(word, 16)
    if kind.startswith("int"):
        return lambda word: _word(kind, word)
    if kind == "bool":
        return lambda word: word[-1] == "1"
    if kind.startswith("bytes"):
        width = 2 * int(kind[5:])
        return lambda word: "0x" + word[:width]
    raise ValueError(kind)


def _keep_hash(topic: str) -> str:
    return "0x" + topic


@dataclass(frozen=True)
class EventAbi:
    name: str
    signature: str
    topic0: str
    indexed: tuple[tuple[str, str], ...]  # (name, type) of the indexed parameters, in order
    data: tuple[tuple[str, str], ...]  # (name, type) of the data parameters, in order
    static: bool  # every data parameter is one ABI word
    # Precomputed decoding plans (derived from the fields above): (name, converter, topic index) and
    # (name, converter, start of its word in the 0x-prefixed data string).
    topic_plan: tuple[tuple[str, Callable[[str], Any], int], ...] = field(default=(), compare=False, repr=False)
    data_plan: tuple[tuple[str, Callable[[str], Any], int], ...] = field(default=(), compare=False, repr=False)
    integers: tuple[str, ...] = field(default=(), compare=False, repr=False)  # names of the (u)int parameters

    def __post_init__(self) -> None:
        # An indexed dynamic value is only its keccak hash: kept as the hash.
        object.__setattr__(self, "topic_plan", tuple(
            (name, _converter(kind) if _is_static(kind) else _keep_hash, i + 1)
            for i, (name, kind) in enumerate(self.indexed)))
        object.__setattr__(self, "data_plan", tuple(
            (name, _converter(kind), 2 + 64 * i) for i, (name, kind) in enumerate(self.data)) if self.static else ())
        object.__setattr__(self, "integers", tuple(
            name for name, kind in self.indexed + self.data if kind.startswith(("uint", "int")) and "[" not in kind))

    @classmethod
    def of(cls, event: dict[str, Any]) -> EventAbi:
        signature = signature_of(event)
        indexed = tuple((p["name"], _canonical(p)) for p in event["inputs"] if p["indexed"])
        data = tuple((p["name"], _canonical(p)) for p in event["inputs"] if not p["indexed"])
        return cls(event["name"], signature, "0x" + keccak(text=signature).hex(), indexed, data,
                   all(_is_static(t) for _, t in data))

    def decode(self, topics: list[str], data: str) -> dict[str, Any]:
        # The hot path of a backfill: one slice and one converter per parameter, no per-value type dispatch.
        args = {name: convert(topics[i][2:]) for name, convert, i in self.topic_plan}
        if self.static:
            for name, convert, start in self.data_plan:
                args[name] = convert(data[start: start + 64])
        else:
            values = abi_decode([t for _, t in self.data], bytes.fromhex(data[2:]))
            for (name, kind), value in zip(self.data, values):
                args[name] = _plain(value)
        return args

    def encode(self, args: dict[str, Any]) -> tuple[list[str], str]:
        """(topics, data) of a log carrying `args`: the inverse of `decode`, for tests and synthetic histories."""
        topics = [self.topic0]
        for name, kind in self.indexed:
            value = args[name]
            topics.append(value if isinstance(value, str) and len(value) == 66 and not kind.startswith("address")
                          else "0x" + abi_encode([kind], [_native(kind, value)]).hex())
        data = abi_encode([t for _, t in self.data], [_native(t, args[n]) for n, t in self.data])
        return topics, "0x" + data.hex()


def _native(kind: str, value: Any) -> Any:
    if kind.startswith("bytes") and isinstance(value, str):
        return bytes.fromhex(value[2:])
    if kind.endswith("[]") and isinstance(value, list):
        return [_native(kind[:-2], v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class EventBook:
    """Every followed event by (topic0, number of topics): ERC-20 `Transfer` and a same-named event with other
    indexed parameters must not be confused."""

    def __init__(self, abis: dict[str, list[dict[str, Any]]]) -> None:
        self.by_key: dict[tuple[str, int], EventAbi] = {}
        for events in abis.values():
            for raw in events:
                if raw.get("anonymous"):
                    continue
                event = EventAbi.of(raw)
                self.by_key[(event.topic0, len(event.indexed) + 1)] = event

    @classmethod
    def load(cls, path: Path = ABI_FILE) -> EventBook:
        return cls(json.loads(path.read_text()))

    def lookup(self, topics: list[str]) -> EventAbi | None:
        if not topics:
            return None
        return self.by_key.get((topics[0], len(topics)))

    def topic(self, name: str) -> str:
        for event in self.by_key.values():
            if event.name == name:
                return event.topic0
        raise KeyError(name)
