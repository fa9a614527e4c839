"""Reads the tabular input files (CSV, JSON array, JSON Lines) into `(line, {field: text})` records.

Every refusal is an `InputError` naming the file and line: undecodable bytes (the file must be UTF-8), a last
line without its newline (a truncated copy), a row with the wrong number of fields, a missing or unexpected
column, JSON that is not an array of flat objects of strings."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from reserves.errors import InputError

BOM = "\ufeff"


@dataclass(frozen=True)
class Record:
    line: int
    fields: dict[str, str]


def read_text(path: Path) -> str:
    """The file as text: strict UTF-8, one optional BOM, and a final newline (else it was cut short)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, None, None, f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            path, line, None, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"
        ) from None
    text = text.removeprefix(BOM)
    if not text.strip():
        raise InputError(path, 1, None, "the file is empty")
    if not text.endswith("\n"):
        raise InputError(path, text.count("\n") + 1, None, "the last line has no newline: the file looks truncated")
    return text


def read_records(path: Path | str, columns: Sequence[str]) -> Iterator[Record]:
    """Yields the records of a CSV/JSON/JSONL file whose fields are exactly `columns`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _csv_records(path, _csv_lines(path), columns)
        return
    text = read_text(path)
    if suffix == ".json":
        yield from _json_array_records(path, text, columns)
    elif suffix == ".jsonl":
        yield from _jsonl_records(path, text, columns)
    else:
        raise InputError(path, None, None, f"unknown file type {suffix!r}: use .csv, .json or .jsonl")


def _check_columns(path: Path, line: int, present: Sequence[str], columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in present]
    extra = [c for c in present if c not in columns]
    if missing:
        raise InputError(path, line, missing[0], f"missing field (expected {', '.join(columns)})")
    if extra:
        raise InputError(path, line, extra[0], f"unexpected field (expected {', '.join(columns)})")


def _csv_lines(path: Path) -> Iterator[str]:
    """The file's lines, decoded one at a time so a million-row ledger is never in memory twice; same refusals
    as `read_text`."""
    try:
        f = path.open("rb")
    except OSError as exc:
        raise InputError(path, None, None, f"cannot read: {exc.strerror}") from None
    with f:
        number = 0
        for number, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(path, number, None, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                                 f"{exc.start + 1}); save the file as UTF-8") from None
            if number == 1:
                line = line.removeprefix(BOM)
            if not raw.endswith(b"\n"):
                raise InputError(path, number, None, "the last line has no newline: the file looks truncated")
            yield line
        if number == 0:
            raise InputError(path, 1, None, "the file is empty")


def _csv_records(path: Path, lines: Iterator[str], columns: Sequence[str]) -> Iterator[Record]:
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(path, 1, None, f"malformed CSV header: {exc}") from None
    except StopIteration:
        raise InputError(path, 1, None, "the file is empty") from None
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        raise InputError(path, 1, None, "duplicate column in the header")
    _check_columns(path, 1, header, columns)
    width = len(header)
    try:
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) != width:
                raise InputError(path, line, None, f"expected {width} fields, found {len(row)}")
            yield Record(line, dict(zip(header, row)))
    except csv.Error as exc:
        raise InputError(path, reader.line_num, None, f"malformed CSV: {exc}") from None


def _object(path: Path, line: int, obj: object, columns: Sequence[str]) -> Record:
    if not isinstance(obj, dict):
        raise InputError(path, line, None, f"expected an object, found {type(obj).__name__}")
    _check_columns(path, line, list(obj), columns)
    for key, value in obj.items():
        if not isinstance(value, str):
            # numbers are refused on purpose: JSON parsers read them as binary floats
            raise InputError(path, line, key, f"must be a JSON string, found {json.dumps(value)}")
    return Record(line, obj)


def _json_array_records(path: Path, text: str, columns: Sequence[str]) -> Iterator[Record]:
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    if pos >= len(text) or text[pos] != "[":
        raise InputError(path, text.count("\n", 0, pos) + 1, None, "expected a JSON array of objects")
    pos = _skip_ws(text, pos + 1)
    line_at, line = 0, 1
    first = True
    while True:
        if pos >= len(text):
            raise InputError(path, text.count("\n") + 1, None, "unexpected end of file: the JSON array is not closed")
        if text[pos] == "]":
            break
        if not first:
            if text[pos] != ",":
                line += text.count("\n", line_at, pos)
                raise InputError(path, line, None, "expected ',' or ']' between objects")
            pos = _skip_ws(text, pos + 1)
        first = False
        line += text.count("\n", line_at, pos)
        line_at = pos
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(path, exc.lineno, None, f"invalid JSON: {exc.msg}") from None
        yield _object(path, line, obj, columns)
        pos = _skip_ws(text, end)
    if text[pos + 1 :].strip():
        raise InputError(path, text.count("\n", 0, pos) + 1, None, "unexpected content after the JSON array")


def _jsonl_records(path: Path, text: str, columns: Sequence[str]) -> Iterator[Record]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(path, number, None, f"invalid JSON: {exc.msg}") from None
        yield _object(path, number, obj, columns)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos
