"""Burns consume lots first-in first-out; what is left must equal what the custodian says it holds.

FIFO runs per ISIN and custody account (shares leave the account they sit in), in settlement order, ledger line
breaking ties; a burn may only consume lots that settled on or before it. Entries settling after the custodian
statement's as-of day are not part of this round (the custodian could not have counted them)."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

from reserves.custody import CustodianStatement
from reserves.errors import InputError, ReconciliationError
from reserves.fields import format_units
from reserves.heap import without_gc
from reserves.ledger import Entry


@dataclass(slots=True)
class Lot:
    entry: Entry
    held: int  # token units still in custody


@dataclass(slots=True)
class BurnRecord:
    entry: Entry
    consumed: list[tuple[str, int]] = field(default_factory=list)  # (lot id, units), oldest lot first


@dataclass
class Reconciled:
    lots: list[Lot]  # lots still holding shares: the leaves of the round
    consumed: list[Lot]  # lots burns have emptied
    burns: list[BurnRecord]
    deferred: int  # entries settling after the as-of day
    totals: dict[str, int]  # ISIN -> units held


def apply_burns(ledger: Path, entries: list[Entry], as_of_day) -> tuple[list[Lot], list[Lot], list[BurnRecord], int]:
    in_round = [e for e in entries if e.settlement <= as_of_day]
    deferred = len(entries) - len(in_round)
    # mints before burns on the same day: shares that settle in the morning can be sold that afternoon. Two stable
    # sorts with C key functions instead of a Python key per entry: mints first ("mint" > "burn", reversed; a
    # reversed sort keeps equal keys in order), then by settlement day; entries are in line order to begin with,
    # so ties keep ledger order, as the key (settlement, kind != "mint", line) would
    in_round.sort(key=attrgetter("line"))
    in_round.sort(key=attrgetter("kind"), reverse=True)
    in_round.sort(key=attrgetter("settlement"))
    queues: dict[tuple[str, str], deque[Lot]] = defaultdict(deque)
    lots: list[Lot] = []
    consumed: list[Lot] = []
    burns: list[BurnRecord] = []
    for e in in_round:
        queue = queues[(e.isin, e.account)]
        if e.kind == "mint":
            lot = Lot(e, e.units)
            queue.append(lot)
            lots.append(lot)
            continue
        record = BurnRecord(e)
        need = e.units
        while need and queue:
            lot = queue[0]
            take = min(need, lot.held)
            lot.held -= take
            need -= take
            record.consumed.append((lot.entry.lot_id, take))
            if lot.held == 0:
                consumed.append(queue.popleft())
        if need:
            available = e.units - need
            raise InputError(
                ledger, e.line, "quantity",
                f"burn of {format_units(e.units)} {e.isin} exceeds the {format_units(available)} shares left in "
                f"lots of that account settled by {e.settlement.isoformat()}",
            )
        burns.append(record)
    remaining = [lot for lot in lots if lot.held > 0]
    remaining.sort(key=attrgetter("entry.line"))
    return remaining, consumed, burns, deferred


@without_gc
def reconcile(ledger: Path, entries: list[Entry], statement: CustodianStatement) -> Reconciled:
    """Applies the burns and checks every (ISIN, account) sum against the statement; reports all mismatches."""
    lots, consumed, burns, deferred = apply_burns(ledger, entries, statement.as_of.date())
    held: dict[tuple[str, str], int] = defaultdict(int)
    first_line: dict[tuple[str, str], int] = {}
    for lot in lots:
        key = (lot.entry.isin, lot.entry.account)
        held[key] += lot.held
        first_line.setdefault(key, lot.entry.line)
    problems: list[InputError] = []
    stated = set()
    for h in statement.holdings:
        key = (h.isin, h.account)
        stated.add(key)
        if held.get(key, 0) != h.units:
            problems.append(InputError(
                statement.path, h.line, "quantity",
                f"custodian holds {format_units(h.units)} {h.isin} in this account, the lots hold "
                f"{format_units(held.get(key, 0))}",
            ))
    for key, units in held.items():
        if key not in stated:
            problems.append(InputError(
                ledger, first_line[key], "custody_account",
                f"lots hold {format_units(units)} {key[0]} in an account the custodian statement does not list",
            ))
    if problems:
        raise ReconciliationError(problems)
    totals: dict[str, int] = defaultdict(int)
    for lot in lots:
        totals[lot.entry.isin] += lot.held
    return Reconciled(lots, consumed, burns, deferred, dict(totals))
