"""The custodian's account-level statement and the assets file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from reserves import fields
from reserves.errors import InputError
from reserves.inputs import read_records
from reserves.ledger import field, known_isin

STATEMENT_COLUMNS = ("as_of", "isin", "custody_account", "quantity")
ASSET_COLUMNS = ("isin", "token", "symbol")


class Asset(BaseModel):
    """Which token stands for an ISIN on the chain the round goes to."""

    model_config = ConfigDict(frozen=True)

    isin: str
    token: str
    symbol: str


@dataclass(slots=True, frozen=True)
class Holding:
    line: int
    isin: str
    account: str
    units: int


@dataclass(frozen=True)
class CustodianStatement:
    path: Path
    as_of: datetime
    holdings: list[Holding]


def read_assets(path: Path | str) -> dict[str, Asset]:
    path = Path(path)
    assets: dict[str, Asset] = {}
    tokens: dict[str, int] = {}
    for record in read_records(path, ASSET_COLUMNS):
        isin = field(path, record, "isin", fields.isin)
        token = field(path, record, "token", fields.address)
        symbol = record.fields["symbol"].strip()
        if not symbol:
            raise InputError(path, record.line, "symbol", "must not be empty")
        if isin in assets:
            raise InputError(path, record.line, "isin", f"duplicate asset {isin}")
        if (first := tokens.setdefault(token, record.line)) != record.line:
            raise InputError(path, record.line, "token", f"token already listed on line {first}")
        assets[isin] = Asset(isin=isin, token=token, symbol=symbol)
    if not assets:
        raise InputError(path, None, None, "no assets listed")
    return assets


def read_custodian_statement(path: Path | str, assets: dict[str, Asset]) -> CustodianStatement:
    """Account-level holdings; one as-of instant for the whole statement, one row per ISIN and account."""
    path = Path(path)
    as_of: datetime | None = None
    as_of_line = 0
    holdings: list[Holding] = []
    seen: dict[tuple[str, str], int] = {}
    for record in read_records(path, STATEMENT_COLUMNS):
        row_as_of = field(path, record, "as_of", fields.instant)
        if as_of is None:
            as_of, as_of_line = row_as_of, record.line
        elif row_as_of != as_of:
            raise InputError(
                path, record.line, "as_of", f"mixed as-of dates: {row_as_of.isoformat()} here, "
                f"{as_of.isoformat()} on line {as_of_line}; a statement is true at one instant"
            )
        isin = known_isin(path, record, assets)
        account = field(path, record, "custody_account", fields.account)
        key = (isin, account)
        if (first := seen.setdefault(key, record.line)) != record.line:
            raise InputError(path, record.line, "custody_account", f"{isin} at this account already on line {first}")
        units = field(path, record, "quantity", lambda t: fields.quantity(t, allow_zero=True))
        holdings.append(Holding(record.line, isin, account, units))
    if as_of is None:
        raise InputError(path, None, None, "the custodian statement is empty")
    return CustodianStatement(path, as_of, holdings)
