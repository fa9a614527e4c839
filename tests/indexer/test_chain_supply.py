"""Per-chain supply of a bridged asset in the mirror (ADR 0106): the RatCcipPool's movements (burned out, minted in,
quarantined, released) are modelled into `bridge_transfers`, and `chain_supply` reports per pool the asset's total
supply, what crossed each lane, the quarantine escrow and the pool's net bridged-out amount, equal to what the pool
and the token hold on-chain. Both sides of a lane live on the session's anvil under two CCIP selectors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from eth_utils import keccak
from sqlalchemy import select

from indexer import schema
from indexer.cli import main
from indexer.deployment import BridgeRecord
from indexer.events import ABI_FILE, EventAbi, EventBook
from indexer.model import BridgeFlow, Modeller, chain_supply
from indexer.store import Followed, MirrorStore
from mirrorkit import mirror, reconcile
from rat.bridge.ccip import (
    CHAIN_A_SELECTOR,
    CHAIN_B_SELECTOR,
    LanePairLimits,
    deploy_harness_lane,
    encode_address,
    register_pool,
)
from rat.bridge.corporate_actions import corporate_actions
from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role

ONE = 10**18
MINTED = 1_000 * ONE
SENT, HELD, BACK, RETURNED = 100 * ONE, 10 * ONE, 4 * ONE, 7 * ONE
BOOK = EventBook.load()
POOL_EVENTS = {e.name: e for e in (EventAbi.of(raw) for raw in json.loads(ABI_FILE.read_text())["RatCcipPool"])}
P = "0x" + "aa" * 20
X = "0x" + "bb" * 20
RELEASE_REF = keccak(text="court order 7")
RETURN_REF = keccak(text="return to sender 2")


@pytest.fixture(scope="module")
def history(accounts, chain):
    """Alice sends SENT to Bob on B and HELD that is quarantined there (Bob frozen on B); governance releases HELD to
    Carol on B; Carol sends BACK to Alice on A; Alice sends RETURNED to Bob, quarantined on B, which governance
    returns to her on A."""
    admin, kyc, officer, minter, alice, bob, carol = (accounts[i] for i in (0, 1, 2, 3, 6, 7, 8))
    start = chain.blocks.head.number + 1
    stacks, tokens = [], []
    for _ in range(2):
        stack = deploy_compliance_stack(admin)
        for name, holder in (("KYC_OPERATOR_ROLE", kyc), ("SANCTIONS_OFFICER_ROLE", officer),
                             ("ASSET_POLICY_ROLE", admin)):
            stack.registry.grantRole(role(name), holder, sender=admin)
        stacks.append(stack), tokens.append(list_equity(admin, stack, AssetTerms.example(), admin))
    lane = deploy_harness_lane(admin, (tokens[0], stacks[0].registry), (tokens[1], stacks[1].registry),
                               LanePairLimits.symmetric(MINTED, MINTED))
    routers, pools, ramps = [lane.a.router, lane.b.router], [lane.a.pool, lane.b.pool], [lane.ramp_a, lane.ramp_b]
    for stack in stacks:
        for who in (alice, bob, carol):
            approve_investor(stack, kyc, who.address, 1, "BR", 365 * 24 * 3600, now=chain.pending_timestamp)
    tokens[0].grantRole(role("MINTER_ROLE"), minter, sender=admin)
    tokens[0].mint(alice, MINTED, sender=minter)
    tokens[0].approve(ramps[0], 2**256 - 1, sender=alice)
    data = corporate_actions(tokens[0]).pool_data()
    for amount in (SENT, HELD):
        if amount == HELD:
            stacks[1].registry.freeze([bob], keccak(text="order-1"), sender=officer)
        ramps[0].send(pools[0], CHAIN_B_SELECTOR, bob, amount, sender=alice)
        ramps[1].deliver(pools[1], CHAIN_A_SELECTOR, encode_address(pools[0].address), alice, bob, amount, data,
                         sender=alice)
    pools[1].grantRole(keccak(text="QUARANTINE_RELEASE_ROLE"), admin, sender=admin)
    pools[1].releaseQuarantined(1, carol, RELEASE_REF, sender=admin)
    tokens[1].approve(ramps[1], BACK, sender=carol)
    ramps[1].send(pools[1], CHAIN_A_SELECTOR, alice, BACK, sender=carol)
    ramps[0].deliver(pools[0], CHAIN_B_SELECTOR, encode_address(pools[1].address), carol, alice, BACK,
                     corporate_actions(tokens[1]).pool_data(), sender=carol)
    ramps[0].send(pools[0], CHAIN_B_SELECTOR, bob, RETURNED, sender=alice)
    ramps[1].deliver(pools[1], CHAIN_A_SELECTOR, encode_address(pools[0].address), alice, bob, RETURNED, data,
                     sender=alice)
    register_pool(ramps[1], routers[1], tokens[1], pools[1], admin)
    pools[1].returnQuarantined(2, RETURN_REF, sender=admin)
    ramps[0].deliver(pools[0], CHAIN_B_SELECTOR, encode_address(pools[1].address), pools[1].address, alice,
                     RETURNED, corporate_actions(tokens[1]).pool_data(), sender=alice)
    return {"chain_id": chain.chain_id, "rpc": chain.provider.uri, "start": start, "tokens": tokens,
            "pools": pools, "alice": alice, "carol": carol}


def _mirror(url: str, history) -> MirrorStore:
    followed = ([Followed(t.address.lower(), "RealAssetToken", f"r{i}", 0) for i, t in enumerate(history["tokens"])]
                + [Followed(p.address.lower(), "RatCcipPool", f"pool {i}", 0) for i, p in enumerate(history["pools"])])
    return mirror(url, history["chain_id"], history["rpc"], followed, history["start"], batch_blocks=5)


def _by_pool(store, history) -> dict:
    return {row.pool: row for row in store.chain_supply(history["chain_id"])}


def test_each_pool_is_mapped_to_the_asset_it_burns_and_mints(mirror_url, history):
    store = _mirror(mirror_url, history)
    assert store.pool_assets(history["chain_id"]) == {
        p.address.lower(): t.address.lower() for p, t in zip(history["pools"], history["tokens"])}
    store.close()


def test_the_mirrors_supply_per_chain_equals_each_tokens_total_supply(mirror_url, history):
    store = _mirror(mirror_url, history)
    rows = _by_pool(store, history)
    for pool, token in zip(history["pools"], history["tokens"]):
        assert rows[pool.address.lower()].total_supply == token.totalSupply()
    assert sum(r.total_supply for r in rows.values()) == MINTED
    store.close()


def test_the_mirrors_net_bridged_out_and_quarantine_equal_the_pools_state(mirror_url, history):
    store = _mirror(mirror_url, history)
    rows = _by_pool(store, history)
    for pool in history["pools"]:
        row = rows[pool.address.lower()]
        assert (row.net_bridged_out, row.quarantined) == (pool.netBridgedOut(), pool.quarantinedTotal())
    store.close()


def test_gross_flows_are_reported_per_lane_in_both_directions(sqlite_url, history):
    store = _mirror(sqlite_url, history)
    a, b = (_by_pool(store, history)[p.address.lower()] for p in history["pools"])
    assert (a.bridged_out, a.bridged_in) == (SENT + HELD + RETURNED, BACK + RETURNED)
    assert (b.bridged_out, b.bridged_in) == (BACK + RETURNED, SENT + HELD + RETURNED)
    assert [(lane.remote_chain_selector, lane.bridged_out, lane.bridged_in) for lane in a.lanes] == [
        (CHAIN_B_SELECTOR, SENT + HELD + RETURNED, BACK + RETURNED)]
    store.close()


def test_a_quarantined_delivery_and_its_release_are_rows_with_reason_and_reference(sqlite_url, history):
    store = _mirror(sqlite_url, history)
    t = schema.bridge_transfers.c
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.event, t.sender, t.recipient, t.amount, t.quarantine_id, t.ref).where(
            t.pool == history["pools"][1].address.lower(), t.event.in_(("quarantined", "released")))
            .order_by(t.block_number)).all()
    held, released, _ = rows
    assert (held.event, held.sender, held.amount, held.quarantine_id) == (
        "quarantined", history["alice"].address.lower(), HELD, 1)
    assert (released.recipient, released.amount, released.ref) == (
        history["carol"].address.lower(), HELD, "0x" + RELEASE_REF.hex())
    store.close()


def test_a_return_to_the_sender_is_a_row_naming_the_sender_and_the_reference(sqlite_url, history):
    store = _mirror(sqlite_url, history)
    t = schema.bridge_transfers.c
    with store.engine.connect() as conn:
        [row] = conn.execute(select(t.sender, t.recipient, t.amount, t.quarantine_id, t.ref).where(
            t.event == "returned")).all()
    assert row == (history["alice"].address.lower(), history["alice"].address.lower(), RETURNED, 2,
                   "0x" + RETURN_REF.hex())
    store.close()


def test_the_supply_command_prints_one_json_object_per_bridged_asset(sqlite_url, history):
    _mirror(sqlite_url, history).close()
    result = CliRunner().invoke(main, ["supply", "--db", sqlite_url, "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert {r["pool"] for r in rows} == {p.address.lower() for p in history["pools"]}
    assert sum(int(r["total_supply"]) for r in rows) == MINTED


def test_the_bridge_record_names_each_pool_to_follow(tmp_path):
    path = tmp_path / "local-bridge.json"
    path.write_text(json.dumps({"chain_id": 31337, "assets": {
        "rAAPL": {"token": X, "registry": X, "pool": P.upper().replace("0X", "0x")}, "rMSFT": {"token": X,
                                                                                             "registry": X}}}))
    assert BridgeRecord.read(path).followed(7) == [Followed(P, "RatCcipPool", "rAAPL pool", 7)]


def _log(name: str, args: dict, index: int) -> dict:
    topics, data = POOL_EVENTS[name].encode(args)
    return {"address": P, "topics": topics, "data": data, "blockNumber": "0x10", "blockHash": "0x" + "22" * 32,
            "transactionHash": "0x" + "33" * 32, "logIndex": hex(index)}


def test_a_non_evm_source_sender_is_kept_as_its_encoding():
    odd = "0x" + "ff" * 40
    batch = Modeller(BOOK, 31337).build([_log("Minted", {"remoteChainSelector": 1, "sender": odd, "recipient": X,
                                                         "amount": 5}, 0)], {P: "RatCcipPool"})
    assert batch.rows["bridge_transfers"][0]["sender"] == odd


def test_net_bridged_out_saturates_at_zero_as_the_pool_does():
    flows = [(BridgeFlow(P, "minted", 1, 50), 1), (BridgeFlow(P, "burned", 1, 20), 2)]
    [row] = chain_supply(31337, {X: ("rX", ONE, 70)}, {P: X}, flows)
    assert (row.net_bridged_out, row.bridged_in, row.bridged_out) == (20, 50, 20)


def test_a_pool_with_no_movement_yet_reports_the_supply_and_zero_flows():
    [row] = chain_supply(31337, {X: ("rX", 2 * ONE, 7)}, {P: X}, [])
    assert (row.total_supply, row.shares, row.bridged_out, row.bridged_in, row.lanes, row.last_block) == (
        7, 14, 0, 0, (), None)


def test_reconcile_finds_the_pools_state_equal_to_the_mirror(sqlite_url, history):
    store = _mirror(sqlite_url, history)
    report = reconcile(store, history["rpc"], history["chain_id"])
    assert report.differences == []
    store.close()


def test_reconcile_reports_a_pool_whose_mirrored_escrow_differs(sqlite_url, history):
    store = _mirror(sqlite_url, history)
    pool_b = history["pools"][1].address.lower()
    with store.begin() as conn:  # the mirror loses the release: its escrow now overstates the pool's
        t = schema.bridge_transfers.c
        conn.execute(schema.bridge_transfers.delete().where(t.pool == pool_b, t.event == "released"))
    report = reconcile(store, history["rpc"], history["chain_id"])
    assert [(d.check, d.subject) for d in report.differences] == [("quarantinedTotal", pool_b)]
    store.close()
