"""The mirror holds what the chain holds: raw events with lineage, and the modelled tables derived from them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from indexer import VERSION, schema
from indexer.store import MirrorStore
from mirrorkit import SHARE, mirror_once


def _rows(store, table):
    with store.engine.connect() as conn:
        return [r._asdict() for r in conn.execute(select(table))]


def test_balances_equal_the_chain_in_tokens_and_in_shares_after_the_split(protocol, mirror_url):
    store = mirror_once(mirror_url, protocol)
    token = protocol.token
    held = {r["holder"]: r for r in _rows(store, schema.balances)}
    assert set(held) == {protocol.alice.address.lower(), protocol.bob.address.lower()}
    for account in (protocol.alice, protocol.bob):
        row = held[account.address.lower()]
        assert row["tokens"] == token.balanceOf(account)
        assert row["shares"] == token.sharesOf(account) == row["tokens"] * 2
    store.close()


def test_every_raw_event_carries_its_full_lineage(protocol, sqlite_url):
    store = mirror_once(sqlite_url, protocol)
    raw = _rows(store, schema.raw_events)
    assert raw and all(r["chain_id"] == protocol.chain_id and r["block_hash"].startswith("0x")
                       and r["tx_hash"].startswith("0x") and r["indexer_version"] == VERSION
                       and r["ingested_at"] > 0 for r in raw)
    transfer = next(r for r in raw if r["event_name"] == "Transfer")
    assert transfer["event_signature"] == "Transfer(address,address,uint256)"
    assert transfer["contract"] == protocol.token.address.lower()
    store.close()


def test_the_token_is_found_through_the_minters_listing_event(protocol, sqlite_url):
    store = mirror_once(sqlite_url, protocol)
    [token] = [f for f in store.followed(protocol.chain_id) if f.kind == "RealAssetToken"]
    assert token.address == protocol.token.address.lower() and token.label == ""
    [asset] = _rows(store, schema.assets)
    assert asset["symbol"] == "rAAPL" and asset["multiplier"] == 2 * SHARE
    store.close()


def test_mints_burns_fills_rounds_fees_splits_and_kyc_are_modelled(protocol, sqlite_url):
    store = mirror_once(sqlite_url, protocol)
    requests = _rows(store, schema.requests)
    outcomes = _rows(store, schema.request_outcomes)
    assert sorted(r["kind"] for r in requests) == ["burn", "mint"]
    assert {o["request_id"] for o in outcomes} == {r["request_id"] for r in requests}
    mint = next(o for o in outcomes if o["shares"] == 19 * SHARE // 2)
    assert mint["outcome"] == "fulfilled" and mint["price"] == 190 * 10**6 and mint["fees"] > 0
    [round_] = _rows(store, schema.reserve_rounds)
    assert round_["shares"] == 10 * SHARE and round_["round_id"] == 1
    booked = [f for f in _rows(store, schema.fee_events) if f["kind"] == "booked"]
    assert booked and booked[0]["token"] == protocol.usdc.address.lower()
    [split] = _rows(store, schema.splits)
    assert (split["numerator"], split["denominator"], split["event"]) == (2, 1, "scheduled")
    kyc = {r["account"]: r for r in _rows(store, schema.kyc_changes)}
    alice = kyc[protocol.alice.address.lower()]
    assert alice["jurisdiction"] == "BR" and alice["reference_hash"].startswith("0x") and alice["tier"] == 1
    kinds = sorted(t["kind"] for t in _rows(store, schema.transfers))
    assert kinds.count("mint") == 1 and kinds.count("burn") == 1 and kinds.count("transfer") >= 2
    store.close()


def test_every_modelled_row_names_the_raw_event_that_produced_it(protocol, sqlite_url):
    store = mirror_once(sqlite_url, protocol)
    raw = {(r["block_hash"], r["log_index"]) for r in _rows(store, schema.raw_events)}
    for table in schema.EVENT_TABLES[1:]:
        for row in _rows(store, table):
            assert (row["block_hash"], row["log_index"]) in raw, table.name
    store.close()


def test_mirroring_again_from_the_cursor_adds_nothing(protocol, sqlite_url):
    store = mirror_once(sqlite_url, protocol)
    before = {t.name: _rows(store, t) for t in schema.EVENT_TABLES}
    store.close()
    again = mirror_once(sqlite_url, protocol)
    after = {t.name: _rows(again, t) for t in schema.EVENT_TABLES}
    assert before == after
    again.close()


def _documented_query(after: str) -> str:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "data" / "lifecycle.md").read_text()
    return doc[doc.index(after):].split("```sql\n", 1)[1].split("```", 1)[0]


def test_the_documented_lineage_query_adds_up_to_the_balance(protocol, mirror_url):
    store = mirror_once(mirror_url, protocol)
    query = text(_documented_query("Which events produced this balance"))
    holder, asset = protocol.bob.address.lower(), protocol.token.address.lower()
    with store.engine.connect() as conn:
        rows = conn.execute(query, {"holder": holder, "asset": asset, "chain_id": protocol.chain_id}).all()
        mirrored = conn.execute(select(schema.balances.c.tokens).where(schema.balances.c.holder == holder)).scalar()
    assert len(rows) >= 3 and all(r.event_signature == "Transfer(address,address,uint256)" for r in rows)
    assert sum(int(r.amount) * r.sign for r in rows) == mirrored == protocol.token.balanceOf(protocol.bob)
    store.close()


def test_follow_reads_what_to_mirror_from_a_deployment_record(protocol, sqlite_url, tmp_path):
    import json

    from click.testing import CliRunner

    from indexer.cli import main

    contracts = {c.kind: {"contract": c.kind, "address": c.address, "block_number": protocol.start_block}
                 for c in protocol.contracts()}
    record = {"network": "local", "chain_id": protocol.chain_id, "first_block": protocol.start_block,
              "contracts": contracts,
              # recorded from the first block, before the token has code: its multiplier is read once it exists
              "assets": {"rAAPL": {"symbol": "rAAPL", "address": protocol.token.address,
                                   "block_number": protocol.start_block, "reserve_feed": protocol.token.address}}}
    path = tmp_path / "local.json"
    path.write_text(json.dumps(record))
    result = CliRunner().invoke(main, ["follow", "--once", "--rpc-url", protocol.rpc_url, "--db", sqlite_url,
                                       "--deployment", str(path), "--confirmations", "0", "--batch-blocks", "5"])
    assert result.exit_code == 0, result.output
    store = MirrorStore(sqlite_url)
    held = {r["holder"]: r["shares"] for r in _rows(store, schema.balances)}
    assert held[protocol.bob.address.lower()] == protocol.token.sharesOf(protocol.bob)
    [token] = [f for f in store.followed(protocol.chain_id) if f.kind == "RealAssetToken"]
    assert token.label == "rAAPL"
    store.close()
