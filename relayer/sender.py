"""Transaction sender: one nonce manager per key, with durable intents.

The rules, each learnt from a relayer that broke without it:

* A nonce is taken and the signed transaction (raw bytes) is written to the store *before* broadcast. After a
  crash the same bytes are rebroadcast; nothing is ever re-signed with a fresh nonce for the same work.
* "already known" from the node means our bytes are in the pool: success, not a reason to retry.
  "nonce too low" is success when one of *our* hashes for that nonce is mined, and a conflict otherwise.
* A nonce, once taken, is never given back: every intent is driven to a mined transaction (its own, a gas-bumped
  replacement, or a no-op self-transfer), so no gap can jam the nonces behind it.
* A transaction stuck in the pool is first rebroadcast unchanged (it may have been dropped), then replaced with
  the same nonce and calldata at ≥ +10 % gas price — on an EIP-1559 chain both maxFeePerGas and
  maxPriorityFeePerGas, as nodes require (pricing and the bump rule: `relayer/fees.py`). Every hash ever signed
  stays in the store, because any of them may be the one that is mined.

Receipts are followed once per new block for every transaction in flight (`follow`): the block's transaction
hashes are matched against our open attempts and the receipts of the matches fetched in one JSON-RPC batch.
`tend` then answers from what the follower found and only asks the node itself for an attempt that has gone
`receipt_fallback_after` seconds without being seen (a block the follower skipped, a daemon just restarted).
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import nullcontext
from typing import Any, Literal

from eth_account._utils.legacy_transactions import encode_transaction, serializable_unsigned_transaction_from_dict
from eth_utils import keccak, to_checksum_address
from opentelemetry.trace import SpanKind
from pydantic import BaseModel, ConfigDict, Field

from relayer.errors import RelayerError, RpcError, RpcUnavailable
from relayer.fees import FeeCapReached, FeePricer, Fees, bump, capped, eip1559, legacy
from relayer.rpc import Rpc, to_int
from relayer.signers import Signer
from relayer.store import IntentRecord, Store
from relayer.tracing import Tracing

log = logging.getLogger("relayer.sender")

ALREADY_KNOWN = ("already known", "known transaction", "already imported", "alreadyknown")
NONCE_TOO_LOW = ("nonce too low", "nonce is too low", "oldnonce")
UNDERPRICED = ("replacement transaction underpriced", "underpriced")


class NonceConflict(RelayerError):
    hint = "another process sends with this key; give the relayer a key of its own"


class SenderPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a typo in the YAML is an error, not a default

    gas_bump_percent: int = Field(default=15, ge=10, description="replacement price increase, applied to the gas "
                                  "price or to both EIP-1559 fees (nodes need ≥ 10)")
    max_gas_price: int = Field(default=500 * 10**9, gt=0, description="cap in wei per gas: the gas price of a legacy "
                               "transaction, the maxFeePerGas of a type-2 one")
    transaction_type: Literal["auto", "legacy", "eip1559"] = Field(
        default="auto", description="auto: type 2 (EIP-1559) when the chain's blocks carry a base fee, else legacy")
    fee_history_blocks: int = Field(default=10, ge=1, le=1024, description="blocks of eth_feeHistory for the tip")
    priority_fee_percentile: float = Field(default=50.0, ge=0, le=100, description="reward percentile of the tip")
    base_fee_multiplier: int = Field(default=2, ge=1, description="maxFeePerGas = this × next base fee + tip")
    rebroadcast_after: float = Field(default=6.0, gt=0, description="seconds without receipt before rebroadcast")
    replace_after: float = Field(default=18.0, gt=0, description="seconds without receipt before a gas bump")
    gas_limit_margin_percent: int = Field(default=25, ge=0)
    receipt_fallback_after: float = Field(
        default=3.0, gt=0, description="seconds without the block follower seeing an attempt before tend asks for "
                                       "its receipt directly")
    follow_max_blocks: int = Field(default=16, ge=1, description="new blocks scanned per follow pass")


class Receipt(BaseModel):
    tx_hash: str
    block_number: int
    block_hash: str
    status: int
    nonce: int


def _matches(message: str, needles: tuple[str, ...]) -> bool:
    lowered = message.lower()
    return any(n in lowered for n in needles)


class TxSender:
    def __init__(
        self,
        rpc: Rpc,
        store: Store,
        signer: Signer,
        chain_id: int,
        policy: SenderPolicy | None = None,
        on_event: Any = None,
        crash_point: Any = None,
        tracing: Tracing | None = None,
    ) -> None:
        self.rpc = rpc
        self.tracing = tracing
        self.store = store
        self.signer = signer
        self.chain_id = chain_id
        self.policy = policy or SenderPolicy()
        self.address = to_checksum_address(signer.address)
        self._lock = asyncio.Lock()
        # Only a metrics hook: called with ("broadcast" | "rebroadcast" | "replaced" | "already_known", hash).
        self._on_event = on_event or (lambda kind, tx_hash: None)
        self._crash_point = crash_point or (lambda point: None)
        self._mined: dict[int, Receipt] = {}  # nonce -> receipt, found by the block follower
        self._followed: int | None = None  # newest block number the follower has scanned
        self._per_block: dict[str, Any] = {}  # fees and chain nonce, valid for the block in `_followed`
        self.pricer = FeePricer(rpc, self.policy.transaction_type, self.policy.fee_history_blocks,
                                self.policy.priority_fee_percentile, self.policy.base_fee_multiplier)

    # -- signing -----------------------------------------------------------------------------------------

    def _sign(self, tx: dict[str, Any]) -> tuple[bytes, str]:
        unsigned = serializable_unsigned_transaction_from_dict(tx)
        signature = self.signer.sign_digest(unsigned.hash())
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:64], "big")
        parity = signature[64] - 27
        v = parity if "type" in tx else parity + 35 + 2 * self.chain_id  # y parity (typed) or EIP-155
        raw = encode_transaction(unsigned, vrs=(v, r, s))
        return raw, "0x" + keccak(raw).hex()

    def _tx_dict(self, nonce: int, to: str, data: bytes, gas: int, fees: Fees, value: int = 0) -> dict[str, Any]:
        tx: dict[str, Any] = {
            "nonce": nonce,
            "gas": gas,
            "to": to_checksum_address(to),
            "value": value,
            "data": data,
            "chainId": self.chain_id,
        }
        if fees.type2:
            tx.update(type=2, maxFeePerGas=fees.max_fee_per_gas, maxPriorityFeePerGas=fees.max_priority_fee_per_gas,
                      accessList=[])
        else:
            tx["gasPrice"] = fees.gas_price
        return tx

    # -- submitting --------------------------------------------------------------------------------------

    async def _per_block_value(self, key: str, read: Any) -> int:
        if self._followed is None:
            return await read()
        if key not in self._per_block:
            self._per_block[key] = await read()
        return self._per_block[key]

    async def fees(self) -> Fees:
        """What a new transaction pays (type 2 or legacy, see relayer/fees.py), read once per block."""
        return await self._per_block_value("fees", self.pricer.quote)

    async def next_nonce(self) -> int:
        """Never below the chain's count (someone may have used the key) and never reusing one of our intents.
        The chain's count is read once per block: within a block only our own intents can raise it."""
        chain = await self._per_block_value("nonce", lambda: self.rpc.nonce(self.address, "latest"))
        ours = self.store.highest_nonce(self.address)
        return max(chain, (ours + 1) if ours is not None else 0)

    async def submit(
        self,
        to: str,
        data: bytes,
        purpose: str,
        request_id: str | None = None,
        trace_id: str | None = None,
        gas: int | None = None,
    ) -> IntentRecord:
        """Signs, persists, then broadcasts. Raises RpcError before anything is persisted when the call would
        revert (estimation fails), so a doomed transaction never takes a nonce."""
        if gas is None:
            estimate = await self.rpc.estimate_gas(
                {"from": self.address, "to": to_checksum_address(to), "data": "0x" + data.hex()}
            )
            gas = estimate * (100 + self.policy.gas_limit_margin_percent) // 100
        fees = capped(await self.fees(), self.policy.max_gas_price)
        with self.tracing.span("tx.submit", SpanKind.CLIENT, **{"rat.purpose": purpose, "rat.gas": gas}) \
                if self.tracing else nullcontext() as span:
            async with self._lock:
                nonce = await self.next_nonce()
                raw, tx_hash = self._sign(self._tx_dict(nonce, to, data, gas, fees))
                intent = self.store.record_intent(
                    self.address, nonce, tx_hash, raw, fees.price_ceiling, purpose, request_id=request_id,
                    trace_id=trace_id,
                )
            if span is not None:
                span.set_attributes({"rat.tx_hash": tx_hash, "rat.nonce": nonce, "rat.sender": self.address})
            log.info("intent recorded", extra={"trace_id": trace_id, "tx_hash": tx_hash, "nonce": nonce,
                                               "purpose": purpose})
            self._crash_point("intent_recorded")
            await self.broadcast(intent)
        return intent

    async def broadcast(self, intent: IntentRecord) -> None:
        """Sends the stored bytes. Transport failures propagate (the intent stays and is resent later)."""
        try:
            returned = await self.rpc.send_raw(intent.raw_tx)
        except RpcUnavailable:
            raise
        except RpcError as exc:
            message = str(exc)
            if _matches(message, ALREADY_KNOWN):
                self._on_event("already_known", intent.tx_hash)
            elif _matches(message, NONCE_TOO_LOW):
                await self._nonce_consumed(intent)
                return
            elif _matches(message, UNDERPRICED):
                # An earlier attempt at this nonce with a higher price is in the pool: that one carries the work.
                self._on_event("already_known", intent.tx_hash)
            else:
                raise
        else:
            if returned and returned.lower() != intent.tx_hash.lower():
                raise RpcError(f"node returned hash {returned} for our transaction {intent.tx_hash}")
            self._on_event("broadcast", intent.tx_hash)
        if intent.status == "signed":
            self.store.mark_intent(intent.tx_hash, "broadcast")

    async def _nonce_consumed(self, intent: IntentRecord) -> Receipt | None:
        receipt = await self._mined_attempt(intent.nonce)
        if receipt is None:
            # Give the node a moment: the receipt index can lag the nonce by a block.
            await asyncio.sleep(0.5)
            receipt = await self._mined_attempt(intent.nonce)
        if receipt is None:
            raise NonceConflict(
                f"nonce {intent.nonce} of {self.address} was consumed by a transaction the relayer did not sign"
            )
        return receipt

    async def _mined_attempt(self, nonce: int) -> Receipt | None:
        for attempt in self.store.intents(self.address, nonce):
            raw = await self.rpc.receipt(attempt.tx_hash)
            if raw and raw.get("blockHash"):
                receipt = Receipt(
                    tx_hash=attempt.tx_hash,
                    block_number=to_int(raw["blockNumber"]),
                    block_hash=raw["blockHash"],
                    status=to_int(raw["status"]),
                    nonce=nonce,
                )
                self.store.settle_nonce(self.address, nonce, attempt.tx_hash, receipt.block_number)
                return receipt
        return None

    # -- following up ------------------------------------------------------------------------------------

    async def receipt_for(self, nonce: int) -> Receipt | None:
        """The receipt of whichever of our attempts at `nonce` was mined, if any."""
        return await self._mined_attempt(nonce)

    async def follow(self, head: dict[str, Any] | None = None) -> list[Receipt]:
        """One pass of the block follower: scans every block since the last pass (at most `follow_max_blocks`)
        for our open attempts and settles the nonces it finds mined. Returns the receipts found."""
        if head is None:
            head = await self.rpc.block("latest")
        if head is None:
            return []
        number = to_int(head["number"])
        if self._followed is not None and number == self._followed:
            return []
        self._per_block.clear()
        self.pricer.observe(head)
        oldest = number - self.policy.follow_max_blocks + 1
        start = number if self._followed is None else max(self._followed + 1, oldest)
        blocks = [head] if start == number else []
        if start < number:
            answers = await self.rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in range(start, number)])
            blocks = [b for b in answers if isinstance(b, dict)] + [head]
        hashes = {h.lower() for b in blocks for h in b.get("transactions", []) if isinstance(h, str)}
        found: list[Receipt] = []
        if hashes:
            mined = [i for i in self.store.open_intents(self.address) if i.tx_hash.lower() in hashes]
            answers = await self.rpc.batch([("eth_getTransactionReceipt", [i.tx_hash]) for i in mined])
            for intent, raw in zip(mined, answers):
                if not isinstance(raw, dict) or not raw.get("blockHash"):
                    continue  # the receipt index can lag the block; tend's fallback will find it
                receipt = Receipt(tx_hash=intent.tx_hash, block_number=to_int(raw["blockNumber"]),
                                  block_hash=raw["blockHash"], status=to_int(raw["status"]), nonce=intent.nonce)
                self.store.settle_nonce(self.address, intent.nonce, intent.tx_hash, receipt.block_number)
                self._mined[intent.nonce] = receipt
                found.append(receipt)
        self._followed = number
        return found

    def forget_mined(self) -> None:
        """After a reorg: receipts the follower found may be gone; tend asks the node again."""
        self._mined.clear()

    def mined_request_ids(self, receipts: list[Receipt]) -> list[str]:
        ids = []
        for receipt in receipts:
            for intent in self.store.intents(self.address, receipt.nonce):
                if intent.request_id and intent.tx_hash == receipt.tx_hash:
                    ids.append(intent.request_id)
        return ids

    async def tend(self, nonce: int, now: float | None = None) -> Receipt | None:
        """One follow-up pass for a nonce: returns its receipt when mined; otherwise rebroadcasts or replaces
        according to how long the newest attempt has gone without a receipt."""
        if nonce in self._mined:
            return self._mined.pop(nonce)
        attempts = self.store.intents(self.address, nonce)
        if not attempts:
            raise RelayerError(f"no intent recorded for nonce {nonce} of {self.address}")
        latest = attempts[-1]
        now = time.time() if now is None else now
        age = now - (latest.broadcast_at or latest.created_at)
        fallback = min(self.policy.receipt_fallback_after, self.policy.rebroadcast_after, self.policy.replace_after)
        if self._followed is None or age >= fallback or any(a.status == "mined" for a in attempts):
            receipt = await self._mined_attempt(nonce)
            if receipt is not None:
                return receipt
        if latest.status == "signed":
            await self.broadcast(latest)
        elif age >= self.policy.replace_after:
            await self.replace(nonce)
        elif age >= self.policy.rebroadcast_after:
            pooled = await self.rpc.transaction(latest.tx_hash)
            if pooled is None:
                self._on_event("rebroadcast", latest.tx_hash)
                await self.broadcast(latest)
        return None

    async def replace(self, nonce: int, noop: bool = False) -> IntentRecord:
        """Re-signs the newest attempt at `nonce` with higher fees (or, with `noop`, a zero-value transfer to
        ourselves that only consumes the nonce) and broadcasts it. Earlier attempts stay recorded. The replacement
        keeps the attempt's type; a type-2 one has both fees raised (`relayer.fees.bump`). Raises FeeCapReached when
        `max_gas_price` leaves no room for the node's +10 % replacement minimum."""
        async with self._lock:
            attempts = self.store.intents(self.address, nonce)
            latest = attempts[-1]
            tx = _decode(latest.raw_tx)
            try:
                fees = bump(tx["fees"], await self.pricer.quote(), self.policy.gas_bump_percent,
                            self.policy.max_gas_price)
            except FeeCapReached as exc:
                raise FeeCapReached(f"cannot replace nonce {nonce}: {exc}") from None
            if noop:
                fields = self._tx_dict(nonce, self.address, b"", 21000, fees)
            else:
                fields = self._tx_dict(nonce, tx["to"], tx["data"], tx["gas"], fees, tx["value"])
            raw, tx_hash = self._sign(fields)
            intent = self.store.record_intent(
                self.address, nonce, tx_hash, raw, fees.price_ceiling, "noop" if noop else latest.purpose,
                request_id=latest.request_id, trace_id=latest.trace_id,
            )
        self._on_event("replaced", tx_hash)
        log.info("replacement signed", extra={"trace_id": latest.trace_id, "tx_hash": tx_hash, "nonce": nonce})
        await self.broadcast(intent)
        return intent

    async def resume(self) -> list[int]:
        """After a start: rebroadcasts the newest attempt of every open nonce, unchanged. Returns the nonces."""
        nonces: dict[int, IntentRecord] = {}
        for intent in self.store.open_intents(self.address):
            nonces[intent.nonce] = intent
        for nonce, intent in sorted(nonces.items()):
            if await self._mined_attempt(nonce) is None:
                try:
                    await self.broadcast(intent)
                except RpcUnavailable:
                    log.warning("node unavailable while resuming", extra={"nonce": nonce})
        return sorted(nonces)


def _decode(raw: bytes) -> dict[str, Any]:
    """Fields of one of our own transactions: legacy (EIP-155) or type 2 (EIP-1559, `0x02 ‖ rlp(...)`)."""
    import rlp

    def num(field: bytes) -> int:
        return int.from_bytes(field, "big")

    if raw[:1] == b"\x02":
        _chain, nonce, tip, max_fee, gas, to, value, data, *_ = rlp.decode(raw[1:])
        fees = eip1559(num(max_fee), num(tip))
    else:
        nonce, gas_price, gas, to, value, data, *_ = rlp.decode(raw)
        fees = legacy(num(gas_price))
    return {
        "nonce": num(nonce),
        "fees": fees,
        "gas": num(gas),
        "to": to_checksum_address(to),
        "value": num(value),
        "data": bytes(data),
    }
