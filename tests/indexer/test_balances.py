"""Balances are the net of a batch's transfers added to the stored balances, on SQLite and PostgreSQL alike: a
balance that reaches zero disappears, and one that would go negative (the mirror missed events) rolls the whole
batch back."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from indexer import schema
from indexer.events import EventBook
from indexer.model import ZERO, Modeller
from indexer.store import Header, MirrorStore

CHAIN = 31337
TOKEN = "0x" + "a1" * 20
ALICE, BOB, CAROL = ("0x" + c * 40 for c in "abc")
BOOK = EventBook.load()


def _transfer(block: int, index: int, sender: str, receiver: str, amount: int) -> dict:
    topics, data = BOOK.by_key[(BOOK.topic("Transfer"), 3)].encode({"from": sender, "to": receiver, "value": amount})
    return {"address": TOKEN, "topics": topics, "data": data, "blockNumber": hex(block),
            "blockHash": f"0x{block:064x}", "transactionHash": f"0x{block:032x}{index:032x}",
            "logIndex": hex(index), "removed": False}


def _apply(store: MirrorStore, block: int, logs: list[dict]) -> None:
    batch = Modeller(BOOK, CHAIN).build(logs, {TOKEN: "RealAssetToken"})
    header = Header(block, f"0x{block:064x}", f"0x{block - 1:064x}")
    with store.begin() as conn:
        store.apply(conn, CHAIN, "test", batch, header, [header], {TOKEN: 2 * 10**18}, 256)


def _balances(store: MirrorStore) -> dict[str, tuple[int, int]]:
    b = schema.balances.c
    with store.engine.connect() as conn:
        return {h: (t, s) for h, t, s in conn.execute(select(b.holder, b.tokens, b.shares))}


def test_a_batch_adds_its_net_transfers_to_the_stored_balances_and_drops_the_emptied_ones(mirror_url):
    store = MirrorStore(mirror_url)
    _apply(store, 1, [_transfer(1, 0, ZERO, ALICE, 10), _transfer(1, 1, ZERO, BOB, 5)])
    _apply(store, 2, [_transfer(2, 0, ALICE, CAROL, 4), _transfer(2, 1, BOB, CAROL, 5),
                      _transfer(2, 2, CAROL, ALICE, 1)])
    assert _balances(store) == {ALICE: (7, 14), CAROL: (8, 16)}
    store.close()


def test_a_batch_that_would_make_a_balance_negative_is_refused_whole(mirror_url):
    store = MirrorStore(mirror_url)
    _apply(store, 1, [_transfer(1, 0, ZERO, ALICE, 10)])
    with pytest.raises(ValueError, match="would be negative: the mirror missed events"):
        _apply(store, 2, [_transfer(2, 0, ZERO, BOB, 3), _transfer(2, 1, ALICE, CAROL, 11)])
    assert _balances(store) == {ALICE: (10, 20)}
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.transfers)).scalar() == 1
    assert store.cursor(CHAIN)[0] == 1
    store.close()
