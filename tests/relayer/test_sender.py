"""The transaction sender persists before it broadcasts, never leaves a nonce gap and never doubles work."""

from __future__ import annotations

import asyncio

import pytest
from eth_account.typed_transactions import TypedTransaction
from hexbytes import HexBytes

from relayer.errors import RpcUnavailable
from relayer.fees import FeeCapReached
from relayer.rpc import Rpc
from relayer.sender import SenderPolicy, TxSender
from relayer.signers import _KeySigner

pytestmark = pytest.mark.anyio

SINK = "0x000000000000000000000000000000000000dEaD"


class LegacyChain(Rpc):
    """anvil seen as a chain before London: its blocks carry no base fee, so the sender signs legacy transactions."""

    async def block(self, tag):
        block = await super().block(tag)
        return {k: v for k, v in block.items() if k != "baseFeePerGas"} if block else block


class BroadcastOutage(Rpc):
    """The node is reachable for reads but the broadcast is lost, as when the process dies mid-send."""

    async def send_raw(self, raw: bytes) -> str:
        raise RpcUnavailable("eth_sendRawTransaction: node unreachable (simulated)")


@pytest.fixture
async def rpc(rpc_url):
    client = Rpc(rpc_url)
    yield client
    await client.call("evm_setAutomine", True)
    await client.aclose()


async def latest_nonce_once_mined(rpc, address: str, expected: int) -> int:
    """The account's mined nonce, polled a few seconds for `expected`: anvil's automine answers a broadcast before
    the block holding it is mined, so the last submission can be a moment away from `latest`."""
    nonce = await rpc.nonce(address, "latest")
    for _ in range(50):
        if nonce >= expected:
            break
        await asyncio.sleep(0.1)
        nonce = await rpc.nonce(address, "latest")
    return nonce


def sender_for(rpc, store, key, **policy) -> TxSender:
    return TxSender(rpc, store, _KeySigner(bytes(key.key), "sender"), 31337, SenderPolicy(**policy))


async def test_an_intent_is_stored_with_its_raw_bytes_before_the_broadcast(rpc, rpc_url, sqlite_store, funded_key):
    failing = sender_for(BroadcastOutage(rpc_url), sqlite_store, funded_key)
    with pytest.raises(RpcUnavailable):
        await failing.submit(SINK, b"", "test", gas=21000)
    [intent] = sqlite_store.intents()
    assert intent.status == "signed" and intent.nonce == 0 and intent.raw_tx
    assert await rpc.receipt(intent.tx_hash) is None


async def test_after_a_crash_the_same_bytes_are_rebroadcast_and_mined(rpc, rpc_url, sqlite_store, funded_key):
    with pytest.raises(RpcUnavailable):
        await sender_for(BroadcastOutage(rpc_url), sqlite_store, funded_key).submit(SINK, b"", "test", gas=21000)
    [intent] = sqlite_store.intents()
    restarted = sender_for(rpc, sqlite_store, funded_key)
    assert await restarted.resume() == [0]
    receipt = await restarted.receipt_for(0)
    for _ in range(50):  # anvil's automine answers the broadcast before the block is mined
        if receipt is not None:
            break
        await asyncio.sleep(0.1)
        receipt = await restarted.receipt_for(0)
    assert receipt.tx_hash == intent.tx_hash and receipt.status == 1
    assert await rpc.nonce(funded_key.address, "latest") == 1


async def test_already_known_is_success_and_not_a_new_nonce(rpc, sqlite_store, funded_key):
    await rpc.call("evm_setAutomine", False)
    sender = sender_for(rpc, sqlite_store, funded_key)
    intent = await sender.submit(SINK, b"", "test", gas=21000)
    await sender.broadcast(intent)
    assert [i.nonce for i in sqlite_store.intents()] == [0]
    await rpc.call("evm_mine")
    assert (await sender.receipt_for(0)).tx_hash == intent.tx_hash


async def test_a_transaction_dropped_from_the_pool_is_rebroadcast_under_the_same_nonce(rpc, sqlite_store, funded_key):
    await rpc.call("evm_setAutomine", False)
    sender = sender_for(rpc, sqlite_store, funded_key, rebroadcast_after=1, replace_after=1000)
    intent = await sender.submit(SINK, b"", "test", gas=21000)
    await rpc.call("anvil_dropTransaction", intent.tx_hash)
    assert await rpc.transaction(intent.tx_hash) is None
    assert await sender.tend(0, now=intent.created_at + 5) is None
    await rpc.call("evm_mine")
    receipt = await sender.tend(0)
    assert receipt.tx_hash == intent.tx_hash
    assert await rpc.nonce(funded_key.address, "latest") == 1


async def test_on_a_legacy_chain_a_stuck_transaction_is_replaced_at_a_higher_gas_price_keeping_every_hash(
        rpc, rpc_url, sqlite_store, funded_key):
    await rpc.call("evm_setAutomine", False)
    legacy_rpc = LegacyChain(rpc_url)
    sender = sender_for(legacy_rpc, sqlite_store, funded_key, rebroadcast_after=1, replace_after=2, gas_bump_percent=10)
    first = await sender.submit(SINK, b"", "test", gas=21000)
    await sender.tend(0, now=first.created_at + 60)
    first_attempt, second_attempt = sqlite_store.intents(funded_key.address, 0)
    assert second_attempt.gas_price >= first_attempt.gas_price * 110 // 100
    assert (await rpc.transaction(second_attempt.tx_hash))["type"] == "0x0"
    await rpc.call("evm_mine")
    receipt = await sender.tend(0)
    assert receipt.tx_hash == second_attempt.tx_hash
    statuses = {i.tx_hash: i.status for i in sqlite_store.intents(funded_key.address, 0)}
    assert statuses == {first.tx_hash: "replaced", second_attempt.tx_hash: "mined"}
    assert await rpc.nonce(funded_key.address, "latest") == 1
    await legacy_rpc.aclose()


async def test_on_an_eip1559_chain_a_transaction_is_type_2_priced_from_the_fee_history(rpc, sqlite_store, funded_key):
    await rpc.call("evm_setAutomine", False)
    sender = sender_for(rpc, sqlite_store, funded_key)
    intent = await sender.submit(SINK, b"", "test", gas=21000)
    pooled = await rpc.transaction(intent.tx_hash)
    history = await rpc.call("eth_feeHistory", "0x1", "latest", [50])
    next_base_fee = int(history["baseFeePerGas"][-1], 16)
    assert pooled["type"] == "0x2"
    assert int(pooled["maxFeePerGas"], 16) == 2 * next_base_fee + int(pooled["maxPriorityFeePerGas"], 16)
    assert intent.gas_price == int(pooled["maxFeePerGas"], 16)


async def test_a_stuck_type_2_transaction_is_replaced_with_both_fees_bumped_and_mined_once(
        rpc, sqlite_store, funded_key):
    await rpc.call("evm_setAutomine", False)
    sender = sender_for(rpc, sqlite_store, funded_key, rebroadcast_after=1, replace_after=2, gas_bump_percent=10)
    first = await sender.submit(SINK, b"", "test", gas=21000)
    await sender.tend(0, now=first.created_at + 60)
    first_attempt, second_attempt = sqlite_store.intents(funded_key.address, 0)
    old = TypedTransaction.from_bytes(HexBytes(first_attempt.raw_tx)).as_dict()  # the pool no longer holds it
    new = await rpc.transaction(second_attempt.tx_hash)
    assert new["type"] == "0x2" and new["nonce"] == "0x0" and old["nonce"] == 0
    for fee in ("maxFeePerGas", "maxPriorityFeePerGas"):
        assert int(new[fee], 16) * 100 >= old[fee] * 110
    await rpc.call("evm_mine")
    receipt = await sender.tend(0)
    assert receipt.tx_hash == second_attempt.tx_hash and receipt.status == 1
    assert await rpc.receipt(first.tx_hash) is None
    statuses = {i.tx_hash: i.status for i in sqlite_store.intents(funded_key.address, 0)}
    assert statuses == {first.tx_hash: "replaced", second_attempt.tx_hash: "mined"}
    assert await rpc.nonce(funded_key.address, "latest") == 1


async def test_a_type_2_replacement_the_fee_cap_cannot_afford_is_refused_and_signs_nothing(
        rpc, sqlite_store, funded_key):
    await rpc.call("evm_setAutomine", False)
    sender = sender_for(rpc, sqlite_store, funded_key, replace_after=2)
    first = await sender.submit(SINK, b"", "test", gas=21000)
    sender.policy.max_gas_price = first.gas_price
    with pytest.raises(FeeCapReached, match="cannot replace nonce 0"):
        await sender.tend(0, now=first.created_at + 60)
    assert [i.tx_hash for i in sqlite_store.intents(funded_key.address, 0)] == [first.tx_hash]
    await rpc.call("evm_mine")
    assert (await sender.tend(0)).tx_hash == first.tx_hash


async def test_consecutive_submissions_take_consecutive_nonces_without_gaps(rpc, sqlite_store, funded_key):
    sender = sender_for(rpc, sqlite_store, funded_key)
    for _ in range(3):
        await sender.submit(SINK, b"", "test", gas=21000)
    assert [i.nonce for i in sqlite_store.intents()] == [0, 1, 2]
    assert await latest_nonce_once_mined(rpc, funded_key.address, 3) == 3


async def test_a_nonce_too_low_answer_for_our_own_mined_hash_is_success(rpc, sqlite_store, funded_key):
    sender = sender_for(rpc, sqlite_store, funded_key)
    intent = await sender.submit(SINK, b"", "test", gas=21000)
    await sender.broadcast(sqlite_store.intents()[0])
    assert (await sender.receipt_for(0)).tx_hash == intent.tx_hash
    assert len(sqlite_store.intents()) == 1
