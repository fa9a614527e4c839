"""Rules for the values in the input files. Each parser takes the raw text and returns the typed value, or raises
ValueError (TypeError for a non-string) with a message that is shown to the user after `file:line: field:`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache

DECIMALS = 18  # RealAssetToken decimals: one share is 10**18 token units
UNIT = 10**DECIMALS

_QUANTITY = re.compile(r"([0-9]+)(?:\.([0-9]+))?")  # not \d: that matches any Unicode digit
_HEX32 = re.compile(r"0x[0-9a-fA-F]{64}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_ISIN = re.compile(r"[A-Z]{2}[A-Z0-9]{9}[0-9]")
_ID = re.compile(r"[!-~]{1,64}")  # printable ASCII without space
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def quantity(text: str, *, allow_zero: bool = False) -> int:
    """A decimal number of shares → token units. Refuses signs, exponents, spaces and more than 18 decimals."""
    value = text.strip() if isinstance(text, str) else text
    if not isinstance(value, str):
        raise TypeError(f"must be a decimal string, got {type(value).__name__} {value!r}")
    if value.startswith("-"):
        raise ValueError(f"negative quantity: {value!r}")
    m = _QUANTITY.fullmatch(value)
    if not m:
        raise ValueError(f"not a decimal number of shares: {value!r}")
    whole, frac = m.group(1), m.group(2) or ""
    if len(frac) > DECIMALS:
        raise ValueError(f"too many decimals (at most {DECIMALS}): {value!r}")
    units = int(whole) * UNIT + int(frac.ljust(DECIMALS, "0") or 0)
    if units == 0 and not allow_zero:
        raise ValueError(f"must be greater than zero: {value!r}")
    if units >= 2**128:
        raise ValueError(f"too large: {value!r}")
    return units


def format_units(units: int) -> str:
    """Token units → the shortest decimal number of shares (inverse of `quantity`)."""
    whole, frac = divmod(units, UNIT)
    return f"{whole}.{frac:018d}".rstrip("0").rstrip(".") if frac else str(whole)


def isin_is_valid(value: str) -> bool:
    """ISO 6166: Luhn over the digits obtained by mapping A=10..Z=35, as contracts/token/Isin.sol."""
    if not _ISIN.fullmatch(value):
        return False
    digits = "".join(str(int(c, 36)) for c in value[:-1])
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # every second digit from the right of the body is doubled
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == int(value[-1])


@lru_cache(maxsize=4096)  # a ledger repeats a handful of ISINs a million times
def isin(text: str) -> str:
    value = _text(text)
    if not _ISIN.fullmatch(value):
        raise ValueError(f"not an ISIN (2 letters, 9 letters or digits, 1 check digit): {value!r}")
    if not isin_is_valid(value):
        raise ValueError(f"bad ISIN check digit: {value!r}")
    return value


def bytes32(text: str) -> bytes:
    value = _text(text)
    if len(value) == 66 and value[:2] == "0x" and _HEX32.fullmatch(value):
        return bytes.fromhex(value[2:])
    raise ValueError(f"must be 0x followed by 64 hex digits: {value!r}")


def address(text: str) -> str:
    value = _text(text)
    if not _ADDRESS.fullmatch(value):
        raise ValueError(f"must be 0x followed by 40 hex digits: {value!r}")
    from eth_utils import to_checksum_address

    return to_checksum_address(value)


def identifier(text: str) -> str:
    value = _text(text)
    if not _ID.fullmatch(value):
        raise ValueError(f"must be 1-64 printable ASCII characters without spaces: {value!r}")
    return value


@lru_cache(maxsize=65536)
def account(text: str) -> str:
    value = _text(text)
    if not 1 <= len(value) <= 128 or not value.isprintable():
        raise ValueError("must be 1-128 printable characters")
    return value


@lru_cache(maxsize=4096)
def day(text: str) -> date:
    value = _text(text)
    if not _DATE.fullmatch(value):
        raise ValueError(f"must be a date YYYY-MM-DD: {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a calendar date: {value!r}") from None


def instant(text: str) -> datetime:
    """An ISO 8601 date-time with an explicit UTC offset; naive times are refused (whose midnight?)."""
    value = _text(text)
    try:
        parsed = datetime.fromisoformat(value)  # Python 3.11+ reads a trailing Z as UTC
    except ValueError:
        raise ValueError(f"must be an ISO 8601 date-time such as 2026-11-27T21:00:00Z: {value!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"needs a UTC offset (e.g. a trailing Z): {value!r}")
    return parsed.astimezone(UTC)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"must be a string, got {type(value).__name__} {value!r}")
    return value.strip()
