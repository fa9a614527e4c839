"""The lot ledger, read back from the chain: every `MintFulfilled` becomes a lot and every `BurnFulfilled` a burn
row, in block order. The Minter's events are the authoritative record of what was minted against which broker
order, so a ledger derived from them covers every fulfilment, whoever submitted it, and needs nothing from the
relayer's database."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from eth_utils import to_checksum_address
from web3 import Web3

from reserves.errors import ReservesError

SHARE = Decimal(10) ** 18
LEDGER_COLUMNS = ("kind", "lot_id", "request_id", "broker_order_ref", "isin", "quantity", "settlement_date",
                  "custody_account")

_FILL_INPUTS = [
    {"name": "requestId", "type": "bytes32", "indexed": True},
    {"name": "account", "type": "address", "indexed": True},
    {"name": "asset", "type": "address", "indexed": True},
    {"name": "paymentToken", "type": "address", "indexed": False},
    {"name": "shares", "type": "uint256", "indexed": False},
    {"name": "price", "type": "uint256", "indexed": False},
    {"name": "value", "type": "uint256", "indexed": False},
    {"name": "fees", "type": "uint256", "indexed": False},
    {"name": "returned", "type": "uint256", "indexed": False},
    {"name": "brokerOrderRef", "type": "bytes32", "indexed": False},
    {"name": "custodyRef", "type": "bytes32", "indexed": False},
]
_MINTER_EVENTS_ABI = [
    {"type": "event", "name": "MintFulfilled", "anonymous": False, "inputs": _FILL_INPUTS},
    {"type": "event", "name": "BurnFulfilled", "anonymous": False, "inputs": _FILL_INPUTS},
]
_ISIN_ABI = [{"type": "function", "name": "isin", "stateMutability": "view", "inputs": [],
              "outputs": [{"name": "", "type": "string"}]}]


class LedgerExportError(ReservesError):
    """The chain could not be read into a lot ledger."""


@dataclass(frozen=True)
class LedgerRow:
    kind: str
    lot_id: str
    request_id: str
    broker_order_ref: str
    isin: str
    quantity: str
    settlement_date: str
    custody_account: str

    def as_dict(self) -> dict[str, str]:
        return {c: getattr(self, c) for c in LEDGER_COLUMNS}


def ledger_from_chain(w3: Web3, minter: str, custody_account: str, from_block: int = 0,
                      to_block: int | str = "latest") -> list[LedgerRow]:
    """Every fulfilment of `minter` between the two blocks, as ledger rows in chain order."""
    contract = w3.eth.contract(address=to_checksum_address(minter), abi=_MINTER_EVENTS_ABI)
    try:
        logs = [*contract.events.MintFulfilled().get_logs(from_block=from_block, to_block=to_block),
                *contract.events.BurnFulfilled().get_logs(from_block=from_block, to_block=to_block)]
    except Exception as exc:  # noqa: BLE001 — any node failure becomes one readable error
        raise LedgerExportError(f"cannot read Minter events from the node: {exc}") from exc
    logs.sort(key=lambda log: (log["blockNumber"], log["logIndex"]))
    isins: dict[str, str] = {}
    dates: dict[int, str] = {}
    rows = []
    for log in logs:
        args = log["args"]
        asset = args["asset"]
        if asset not in isins:
            isins[asset] = w3.eth.contract(address=asset, abi=_ISIN_ABI).functions.isin().call()
        block = log["blockNumber"]
        if block not in dates:
            stamp = w3.eth.get_block(block)["timestamp"]
            dates[block] = datetime.fromtimestamp(stamp, tz=timezone.utc).date().isoformat()
        request_id = "0x" + bytes(args["requestId"]).hex()
        kind = "mint" if log["event"] == "MintFulfilled" else "burn"
        rows.append(LedgerRow(
            kind=kind,
            lot_id=f"{kind}-{request_id[2:18]}",
            request_id=request_id,
            broker_order_ref="0x" + bytes(args["brokerOrderRef"]).hex(),
            isin=isins[asset],
            quantity=_shares(args["shares"]),
            settlement_date=dates[block],
            custody_account=custody_account,
        ))
    return rows


def split_adjusted(rows: list[LedgerRow], numerator: int, denominator: int) -> list[LedgerRow]:
    """The rows in post-split shares: every quantity × numerator / denominator, as a custodian restates its lots
    when a split takes effect (the Minter's events keep the shares of the day they were fulfilled). Refuses a
    ratio that leaves a quantity with more than the token's 18 decimals rather than rounding a lot."""
    if numerator <= 0 or denominator <= 0:
        raise LedgerExportError(f"not a split ratio: {numerator}/{denominator}")
    adjusted = []
    for row in rows:
        units, rest = divmod(int(Decimal(row.quantity) * SHARE) * numerator, denominator)
        if rest:
            raise LedgerExportError(f"{row.lot_id}: {row.quantity} × {numerator}/{denominator} is not a whole number "
                                    "of token units")
        adjusted.append(LedgerRow(**{**row.as_dict(), "quantity": _shares(units)}))
    return adjusted


def write_ledger_csv(rows: list[LedgerRow], path: Path) -> Path:
    """Writes the rows in the documented CSV format (docs/reserves/input-schema.md)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=LEDGER_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(row.as_dict() for row in rows)
    return path


def _shares(units: int) -> str:
    text = format(Decimal(units) / SHARE, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
