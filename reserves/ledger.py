"""The lot ledger: one row per fulfilled mint (a custody lot) or burn, as the relayer records them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from reserves import fields
from reserves.errors import InputError
from reserves.heap import without_gc
from reserves.inputs import BOM, Record, read_records
from reserves.merkle import _c

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


@without_gc
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


def _split_columns(data: bytes, header: list[str]) -> dict[str, Sequence[str]] | None:
    """Each header name -> its column of a batch of plain CSV lines, or None for a quote, a carriage return, an
    empty line, a line with another number of fields, or text that is not UTF-8."""
    if _c is not None:  # one pass in C, one str per run of equal values (ISINs, dates, accounts repeat)
        columns = _c.csv_columns(data, len(header))
        return None if columns is None else dict(zip(header, columns))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if '"' in text or "\r" in text or "\n\n" in text or text.startswith("\n"):
        return None
    rows = [line.split(",") for line in text[:-1].split("\n")]
    if any(len(row) != len(header) for row in rows):
        return None
    return dict(zip(header, zip(*rows)))


def _read_plain_csv(path: Path, assets: Mapping[str, object], batch: int = 100_000) -> list[Entry] | None:
    """The ledger of a plain CSV file (no quoting, no blank line, LF line ends: what `rat-reserves ledger` and
    every spreadsheet export of these fields write) validated column by column, `batch` rows at a time: each rule
    applied to a whole column at once, every distinct ISIN, date and account parsed once. None for any other file
    or any refused value: `read_ledger` then reads it row by row, which names the file, line and field of the
    first error."""
    try:
        f = path.open("rb")
    except OSError:
        return None
    with f:
        head = f.readline()
        try:
            header = head.decode("utf-8").removeprefix(BOM).rstrip("\n").split(",")
        except UnicodeDecodeError:
            return None
        if not head.endswith(b"\n") or sorted(header) != sorted(LEDGER_COLUMNS):
            return None
        entries: list[Entry] = []
        ids: set[str] = set()
        requests: set[bytes] = set()
        parsed: dict[str, dict[str, Any]] = {"isin": {}, "settlement_date": {}, "custody_account": {}}
        while lines := f.readlines(batch * 200):
            if not lines[-1].endswith(b"\n"):
                return None
            if (columns := _split_columns(b"".join(lines), header)) is None:
                return None
            del lines
            if (part := _plain_rows(columns, assets, parsed, len(entries) + 2)) is None:
                return None
            ids.update(columns["lot_id"])
            requests.update(map(attrgetter("request_id"), part))
            entries.extend(part)
            if len(ids) != len(entries) or len(requests) != len(entries):
                return None  # a duplicate lot or request id
    return entries or None


def _plain_rows(columns: dict[str, Sequence[str]], assets: Mapping[str, object], parsed: dict[str, dict[str, Any]],
                first_line: int) -> list[Entry] | None:
    kinds, ids, requests, refs = (columns[c] for c in ("kind", "lot_id", "request_id", "broker_order_ref"))
    quantities = columns["quantity"]
    # (duplicate lot and request ids are caught over the whole file by the caller)
    if not set(kinds) <= set(KINDS) or not _all(_IDS, ids) or not _all(_QUANTITIES, quantities):
        return None
    if _c is not None:  # checked and decoded in one C pass per column
        request_ids, ref_ids = _c.hex32_column(requests), _c.hex32_column(refs)
        if request_ids is None or ref_ids is None:
            return None
    else:
        if not _all(_HEX32S, requests) or not _all(_HEX32S, refs):
            return None
        request_bytes = bytes.fromhex("".join(r[2:] for r in requests))
        ref_bytes = bytes.fromhex("".join(r[2:] for r in refs))
        request_ids = [request_bytes[i : i + 32] for i in range(0, len(request_bytes), 32)]
        ref_ids = [ref_bytes[i : i + 32] for i in range(0, len(ref_bytes), 32)]
    rules = {"isin": fields.isin, "settlement_date": fields.day, "custody_account": fields.account}
    try:  # every distinct value through the row-by-row rule itself, once per file
        for name, rule in rules.items():
            known = parsed[name]
            for value in set(columns[name]) - known.keys():
                known[value] = rule(value)
    except (ValueError, TypeError):
        return None
    isins, accounts = parsed["isin"], parsed["custody_account"]
    if any(v != isins[v] or v not in assets for v in set(columns["isin"])):
        return None  # surrounding spaces or an unknown asset: the row-by-row reader says where
    if any(v != accounts[v] for v in set(columns["custody_account"])):
        return None
    if _c is not None:
        if (units := _c.units_column(quantities, fields.DECIMALS)) is None:
            return None  # a zero or too large quantity: the row-by-row reader names it
    else:
        units = list(map(_units, quantities))
        if min(units) == 0 or max(units) >= 2**128:
            return None
    return list(map(Entry, range(first_line, first_line + len(ids)), kinds, ids, request_ids, ref_ids,
                    columns["isin"], units,
                    map(parsed["settlement_date"].__getitem__, columns["settlement_date"]),
                    columns["custody_account"]))
