"""The lot ledger: one row per fulfilled mint (a custody lot) or burn, as the relayer records them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from reserves import fields
from reserves.errors import InputError
from reserves.inputs import Record, read_records

LEDGER_COLUMNS = (
    "kind",
    "lot_id",
    "request_id",
    "broker_order_ref",
    "isin",
    "quantity",
    "settlement_date",
    "custody_account",
)
KINDS = ("mint", "burn")

T = TypeVar("T")


@dataclass(slots=True, frozen=True)
class Entry:
    """One ledger row. `units` are token units (shares × 10^18)."""

    line: int
    kind: str
    lot_id: str
    request_id: bytes
    broker_order_ref: bytes
    isin: str
    units: int
    settlement: date
    account: str


def field(path: Path, record: Record, name: str, parse: Callable[[str], T]) -> T:
    """Parses one field, turning the parser's ValueError into an error that names file, line and field."""
    try:
        return parse(record.fields[name])
    except (ValueError, TypeError) as exc:
        raise InputError(path, record.line, name, str(exc)) from None


def known_isin(path: Path, record: Record, assets: Mapping[str, object]) -> str:
    value = field(path, record, "isin", fields.isin)
    if value not in assets:
        raise InputError(path, record.line, "isin", f"unknown asset {value!r}: not in the assets file")
    return value


def read_ledger(path: Path | str, assets: Mapping[str, object], progress: Callable[[int], None] | None = None) -> list[Entry]:
    """Every row, validated; lot ids and request ids must each be unique across the file."""
    path = Path(path)
    entries: list[Entry] = []
    ids: dict[str, int] = {}
    requests: dict[bytes, int] = {}
    for record in read_records(path, LEDGER_COLUMNS):
        kind = record.fields["kind"].strip()
        if kind not in KINDS:
            raise InputError(path, record.line, "kind", f"must be 'mint' or 'burn': {kind!r}")
        lot_id = field(path, record, "lot_id", fields.identifier)
        if (first := ids.setdefault(lot_id, record.line)) != record.line:
            raise InputError(path, record.line, "lot_id", f"duplicate lot id {lot_id!r} (first on line {first})")
        request_id = field(path, record, "request_id", fields.bytes32)
        if (first := requests.setdefault(request_id, record.line)) != record.line:
            raise InputError(path, record.line, "request_id", f"duplicate request id (first on line {first})")
        entries.append(
            Entry(
                line=record.line,
                kind=kind,
                lot_id=lot_id,
                request_id=request_id,
                broker_order_ref=field(path, record, "broker_order_ref", fields.bytes32),
                isin=known_isin(path, record, assets),
                units=field(path, record, "quantity", fields.quantity),
                settlement=field(path, record, "settlement_date", fields.day),
                account=field(path, record, "custody_account", fields.account),
            )
        )
        if progress is not None and len(entries) % 10_000 == 0:
            progress(10_000)
    if not entries:
        raise InputError(path, None, None, "the ledger has no rows")
    return entries


def mints(entries: Iterable[Entry]) -> list[Entry]:
    return [e for e in entries if e.kind == "mint"]
