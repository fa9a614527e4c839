"""Reorg safety: blocks are mirrored at a configurable depth; a reorg that reaches the mirror is unwound by block
hash exactly once, and the mirror then equals a clean run over the new chain. Reorgs are made on anvil by
snapshot/revert and different transactions at the same heights."""

from __future__ import annotations

from sqlalchemy import select

from indexer import schema
from mirrorkit import SHARE, contents, mirror_once


def test_a_reorg_below_the_cursor_is_unwound_by_block_hash_once_and_the_mirror_equals_a_clean_run(
        chain, protocol, tmp_path):
    url = f"sqlite:///{tmp_path / 'mirror.sqlite'}"
    mirror_once(url, protocol).close()
    snapshot = chain.snapshot()
    ancestor = chain.blocks.head.number
    for amount in (SHARE // 4, SHARE // 8):
        protocol.token.transfer(protocol.bob, amount, sender=protocol.alice)
    orphaned = [chain.blocks[n].hash.to_0x_hex() for n in range(ancestor + 1, chain.blocks.head.number + 1)]
    store = mirror_once(url, protocol)
    with store.engine.connect() as conn:
        mirrored = {h for (h,) in conn.execute(select(schema.transfers.c.block_hash))}
    assert set(orphaned) <= mirrored
    store.close()

    chain.restore(snapshot)
    for amount in (SHARE // 3, SHARE // 5, SHARE // 7):
        protocol.token.transfer(protocol.bob, amount, sender=protocol.alice)
    store = mirror_once(url, protocol)
    store = mirror_once(url, protocol)  # a second pass must not unwind again

    with store.engine.connect() as conn:
        reorgs = [r._asdict() for r in conn.execute(select(schema.reorgs))]
        left = {h for (h,) in conn.execute(select(schema.raw_events.c.block_hash))}
    assert len(reorgs) == 1
    assert reorgs[0]["ancestor_block"] == ancestor and reorgs[0]["orphaned_hashes"] == orphaned
    assert reorgs[0]["rows_removed"] == 2
    assert not left & set(orphaned)
    clean = mirror_once(f"sqlite:///{tmp_path / 'clean.sqlite'}", protocol)
    assert contents(store) == contents(clean)
    bal = {r.holder: r.tokens for r in store.engine.connect().execute(select(schema.balances))}
    assert bal[protocol.bob.address.lower()] == protocol.token.balanceOf(protocol.bob)
    store.close()
    clean.close()


def test_a_reorg_shallower_than_the_confirmation_depth_never_reaches_the_mirror(chain, protocol, tmp_path):
    url = f"sqlite:///{tmp_path / 'mirror.sqlite'}"
    mirror_once(url, protocol, confirmations=3).close()
    snapshot = chain.snapshot()
    for amount in (SHARE // 4, SHARE // 8):
        protocol.token.transfer(protocol.bob, amount, sender=protocol.alice)
    mirror_once(url, protocol, confirmations=3).close()
    chain.restore(snapshot)
    for amount in (SHARE // 3, SHARE // 5, SHARE // 7):
        protocol.token.transfer(protocol.bob, amount, sender=protocol.alice)
    store = mirror_once(url, protocol, confirmations=3)
    clean = mirror_once(f"sqlite:///{tmp_path / 'clean.sqlite'}", protocol, confirmations=3)
    with store.engine.connect() as conn:
        assert conn.execute(select(schema.reorgs)).all() == []
    assert contents(store) == contents(clean)
    store.close()
    clean.close()
