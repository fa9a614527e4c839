"""Burns consume lots first-in first-out per ISIN and custody account; the round holds what is left."""

from __future__ import annotations

import random
from datetime import date

import pytest
from ledger_rows import AAPL, MSFT, ledger_row

from reserves.custody import read_assets, read_custodian_statement
from reserves.errors import InputError
from reserves.ledger import read_ledger
from reserves.reconcile import reconcile

AS_OF = "2026-11-27T21:00:00Z"
UNIT = 10**18


def run(write_inputs, ledger_rows, statement_rows):
    ledger, custodian, assets = write_inputs(ledger_rows, statement_rows)
    table = read_assets(assets)
    return reconcile(ledger, read_ledger(ledger, table), read_custodian_statement(custodian, table))


def test_a_burn_consumes_the_oldest_lot_first(write_inputs):
    rng = random.Random(1)
    rec = run(write_inputs, [
        ledger_row(rng, "NEW", "10", day="2026-11-21"),
        ledger_row(rng, "OLD", "10", day="2026-11-20"),
        ledger_row(rng, "B", "4", kind="burn", day="2026-11-22"),
    ], [f"{AS_OF},{AAPL},CUST-ACC-001,16"])
    held = {lot.entry.lot_id: lot.held for lot in rec.lots}
    assert held == {"NEW": 10 * UNIT, "OLD": 6 * UNIT}
    assert rec.burns[0].consumed == [("OLD", 4 * UNIT)]


def test_a_burn_larger_than_one_lot_spans_several_and_empties_the_first(write_inputs):
    rng = random.Random(2)
    rec = run(write_inputs, [
        ledger_row(rng, "A", "3", day="2026-11-20"),
        ledger_row(rng, "B", "5", day="2026-11-21"),
        ledger_row(rng, "X", "4.5", kind="burn", day="2026-11-22"),
    ], [f"{AS_OF},{AAPL},CUST-ACC-001,3.5"])
    assert [lot.entry.lot_id for lot in rec.lots] == ["B"]
    assert [lot.entry.lot_id for lot in rec.consumed] == ["A"]
    assert rec.burns[0].consumed == [("A", 3 * UNIT), ("B", 15 * UNIT // 10)]


def test_a_burn_cannot_consume_a_lot_that_settles_after_it(write_inputs):
    rng = random.Random(3)
    with pytest.raises(InputError, match="exceeds the 0 shares left"):
        run(write_inputs, [
            ledger_row(rng, "B", "1", kind="burn", day="2026-11-20"),
            ledger_row(rng, "LATE", "5", day="2026-11-21"),
        ], [f"{AS_OF},{AAPL},CUST-ACC-001,4"])


def test_burns_only_consume_lots_of_their_own_account_and_isin(write_inputs):
    rng = random.Random(4)
    rec = run(write_inputs, [
        ledger_row(rng, "A1", "5", account="ACC-A"),
        ledger_row(rng, "B1", "5", account="ACC-B"),
        ledger_row(rng, "M1", "5", isin=MSFT, account="ACC-B"),
        ledger_row(rng, "X", "2", kind="burn", account="ACC-B", day="2026-11-21"),
    ], [f"{AS_OF},{AAPL},ACC-A,5", f"{AS_OF},{AAPL},ACC-B,3", f"{AS_OF},{MSFT},ACC-B,5"])
    assert {lot.entry.lot_id: lot.held for lot in rec.lots} == {"A1": 5 * UNIT, "B1": 3 * UNIT, "M1": 5 * UNIT}


def test_entries_settling_after_the_as_of_day_wait_for_the_next_round(write_inputs):
    rng = random.Random(5)
    rec = run(write_inputs, [
        ledger_row(rng, "IN", "5", day="2026-11-27"),
        ledger_row(rng, "LATER", "7", day="2026-11-28"),
    ], [f"{AS_OF},{AAPL},CUST-ACC-001,5"])
    assert [lot.entry.lot_id for lot in rec.lots] == ["IN"]
    assert rec.deferred == 1
    assert rec.lots[0].entry.settlement == date(2026, 11, 27)


def test_totals_are_the_held_units_per_isin(write_inputs):
    rng = random.Random(6)
    rec = run(write_inputs, [
        ledger_row(rng, "A", "1.5"), ledger_row(rng, "B", "2.25", account="ACC-2"),
        ledger_row(rng, "C", "0.000000000000000001", isin=MSFT),
    ], [f"{AS_OF},{AAPL},CUST-ACC-001,1.5", f"{AS_OF},{AAPL},ACC-2,2.25",
        f"{AS_OF},{MSFT},CUST-ACC-001,0.000000000000000001"])
    assert rec.totals == {AAPL: 3_750_000_000_000_000_000, MSFT: 1}


def test_every_mismatching_account_is_reported_at_once(write_inputs):
    rng = random.Random(7)
    from reserves.errors import ReconciliationError

    with pytest.raises(ReconciliationError) as info:
        run(write_inputs, [ledger_row(rng, "A", "1"), ledger_row(rng, "B", "1", isin=MSFT)],
            [f"{AS_OF},{AAPL},CUST-ACC-001,2", f"{AS_OF},{MSFT},CUST-ACC-001,0"])
    assert [p.line for p in info.value.problems] == [2, 3]


def test_a_ledger_restated_for_a_two_for_one_split_reconciles_with_the_post_split_position(write_inputs):
    from reserves.chain_ledger import LEDGER_COLUMNS, LedgerRow, split_adjusted

    rng = random.Random(9)
    rows = [LedgerRow(**dict(zip(LEDGER_COLUMNS, ledger_row(rng, lot, qty, kind=kind).split(","))))
            for lot, qty, kind in (("L1", "10.5", "mint"), ("L2", "0.000000000000000001", "mint"), ("B1", "3", "burn"))]
    adjusted = split_adjusted(rows, 2, 1)
    assert [r.quantity for r in adjusted] == ["21", "0.000000000000000002", "6"]
    rec = run(write_inputs, [",".join(r.as_dict().values()) for r in adjusted],
              [f"{AS_OF},{AAPL},CUST-ACC-001,15.000000000000000002"])
    assert rec.totals == {AAPL: 15 * UNIT + 2}


def test_a_split_ratio_that_would_round_a_lot_is_refused():
    from reserves.chain_ledger import LedgerExportError, LedgerRow, split_adjusted

    row = LedgerRow("mint", "L1", "0x" + "11" * 32, "0x" + "22" * 32, AAPL, "0.000000000000000001", "2026-11-20", "A")
    with pytest.raises(LedgerExportError, match="not a whole number"):
        split_adjusted([row], 1, 3)
