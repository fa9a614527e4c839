"""The lot ledger: one row per fulfilled mint (a custody lot) or burn, as the relayer records them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import NamedTuple, TypeVar

from reserves import fields
from reserves.errors import InputError
from reserves.inputs import BOM, Record, read_records

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


class Entry(NamedTuple):
    """One ledger row. `units` are token units (shares × 10^18). A named tuple: a million are made per build."""

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
    if path.suffix.lower() == ".csv" and (entries := _read_plain_csv(path, assets)) is not None:
        if progress is not None:
            progress(len(entries))
        return entries
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


_IDS = re.compile(r"(?:[!-~]{1,64}\n)*")
_HEX32S = re.compile(r"(?:0x[0-9a-fA-F]{64}\n)*")
_QUANTITIES = re.compile(r"(?:[0-9]+(?:\.[0-9]{1,18})?\n)*")


def _all(pattern: re.Pattern[str], column: tuple[str, ...]) -> bool:
    return pattern.fullmatch("\n".join(column) + "\n") is not None


def _units(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * fields.UNIT + (int(frac.ljust(fields.DECIMALS, "0")) if frac else 0)


def _read_plain_csv(path: Path, assets: Mapping[str, object]) -> list[Entry] | None:
    """The ledger of a plain CSV file (no quoting, no blank line, LF line ends: what `rat-reserves ledger` and
    every spreadsheet export of these fields write) validated column by column: each rule applied to a whole
    column at once, every distinct ISIN, date and account parsed once. None for any other file or any refused
    value: `read_ledger` then reads it row by row, which names the file, line and field of the first error."""
    try:
        text = path.read_bytes().decode("utf-8").removeprefix(BOM)
    except (OSError, UnicodeDecodeError):
        return None
    if not text.endswith("\n") or '"' in text or "\r" in text or "\n\n" in text:
        return None
    lines = text.split("\n")
    del text
    lines.pop()
    header = lines[0].split(",")
    if sorted(header) != sorted(LEDGER_COLUMNS) or len(lines) < 2:
        return None
    rows = [line.split(",") for line in lines[1:]]
    del lines
    if any(len(row) != len(header) for row in rows):
        return None
    columns = dict(zip(header, zip(*rows)))
    del rows
    kinds, ids, requests, refs = (columns[c] for c in ("kind", "lot_id", "request_id", "broker_order_ref"))
    quantities = columns["quantity"]
    if not set(kinds) <= set(KINDS) or not _all(_IDS, ids) or len(set(ids)) != len(ids):
        return None
    if not _all(_HEX32S, requests) or not _all(_HEX32S, refs) or not _all(_QUANTITIES, quantities):
        return None
    try:  # every distinct value through the row-by-row rule itself
        isins = {v: fields.isin(v) for v in set(columns["isin"])}
        days = {v: fields.day(v) for v in set(columns["settlement_date"])}
        accounts = {v: fields.account(v) for v in set(columns["custody_account"])}
    except (ValueError, TypeError):
        return None
    if any(v != isins[v] or isins[v] not in assets for v in isins) or any(v != a for v, a in accounts.items()):
        return None  # surrounding spaces or an unknown asset: the row-by-row reader says where
    request_bytes = bytes.fromhex("".join(r[2:] for r in requests))
    request_ids = [request_bytes[i : i + 32] for i in range(0, len(request_bytes), 32)]
    if len(set(request_ids)) != len(request_ids):
        return None
    ref_bytes = bytes.fromhex("".join(r[2:] for r in refs))
    units = list(map(_units, quantities))
    if min(units) == 0 or max(units) >= 2**128:
        return None
    return list(map(Entry, range(2, len(ids) + 2), kinds, ids, request_ids,
                    [ref_bytes[i : i + 32] for i in range(0, len(ref_bytes), 32)], columns["isin"], units,
                    map(days.__getitem__, columns["settlement_date"]), columns["custody_account"]))
