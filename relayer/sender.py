"""Transaction sender: one nonce manager per key, with durable intents.

The rules, each learnt from a relayer that broke without it:

* A nonce is taken and the signed transaction (raw bytes) is written to the store *before* broadcast. After a
  crash the same bytes are rebroadcast; nothing is ever re-signed with a fresh nonce for the same work.
* "already known" from the node means our bytes are in the pool: success, not a reason to retry.
  "nonce too low" is success when one of *our* hashes for that nonce is mined, and a conflict otherwise.
* A nonce, once taken, is never given back: every intent is driven to a mined transaction (its own, a gas-bumped
  replacement, or a no-op self-transfer), so no gap can jam the nonces behind it.
* A transaction stuck in the pool is first rebroadcast unchanged (it may have been dropped), then replaced with
  the same nonce and calldata at ≥ +10 % gas price. Every hash ever signed stays in the store, because any of
  them may be the one that is mined.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any

from eth_account._utils.legacy_transactions import encode_transaction, serializable_unsigned_transaction_from_dict
from eth_utils import keccak, to_checksum_address
from pydantic import BaseModel, Field

from relayer.errors import RelayerError, RpcError, RpcUnavailable
from relayer.rpc import Rpc, to_int
from relayer.signers import Signer
from relayer.store import IntentRecord, Store

log = logging.getLogger("relayer.sender")

ALREADY_KNOWN = ("already known", "known transaction", "already imported", "alreadyknown")
NONCE_TOO_LOW = ("nonce too low", "nonce is too low", "oldnonce")
UNDERPRICED = ("replacement transaction underpriced", "underpriced")


class NonceConflict(RelayerError):
    hint = "another process sends with this key; give the relayer a key of its own"


class SenderPolicy(BaseModel):
    gas_bump_percent: int = Field(default=15, ge=10, description="replacement price increase (nodes need ≥ 10)")
    max_gas_price: int = Field(default=500 * 10**9, gt=0)
    rebroadcast_after: float = Field(default=6.0, gt=0, description="seconds without receipt before rebroadcast")
    replace_after: float = Field(default=18.0, gt=0, description="seconds without receipt before a gas bump")
    gas_limit_margin_percent: int = Field(default=25, ge=0)


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
    ) -> None:
        self.rpc = rpc
        self.store = store
        self.signer = signer
        self.chain_id = chain_id
        self.policy = policy or SenderPolicy()
        self.address = to_checksum_address(signer.address)
        self._lock = asyncio.Lock()
        # Only a metrics hook: called with ("broadcast" | "rebroadcast" | "replaced" | "already_known", hash).
        self._on_event = on_event or (lambda kind, tx_hash: None)
        self._crash_point = crash_point or (lambda point: None)

    # -- signing -----------------------------------------------------------------------------------------

    def _sign(self, tx: dict[str, Any]) -> tuple[bytes, str]:
        unsigned = serializable_unsigned_transaction_from_dict(tx)
        signature = self.signer.sign_digest(unsigned.hash())
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:64], "big")
        v = signature[64] - 27 + 35 + 2 * self.chain_id  # EIP-155
        raw = encode_transaction(unsigned, vrs=(v, r, s))
        return raw, "0x" + keccak(raw).hex()

    def _tx_dict(self, nonce: int, to: str, data: bytes, gas: int, gas_price: int, value: int = 0) -> dict[str, Any]:
        return {
            "nonce": nonce,
            "gasPrice": gas_price,
            "gas": gas,
            "to": to_checksum_address(to),
            "value": value,
            "data": data,
            "chainId": self.chain_id,
        }

    # -- submitting --------------------------------------------------------------------------------------

    async def next_nonce(self) -> int:
        """Never below the chain's count (someone may have used the key) and never reusing one of our intents."""
        chain = await self.rpc.nonce(self.address, "latest")
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
        gas_price = min(await self.rpc.gas_price(), self.policy.max_gas_price)
        async with self._lock:
            nonce = await self.next_nonce()
            raw, tx_hash = self._sign(self._tx_dict(nonce, to, data, gas, gas_price))
            intent = self.store.record_intent(
                self.address, nonce, tx_hash, raw, gas_price, purpose, request_id=request_id, trace_id=trace_id
            )
        log.info("intent recorded", extra={"trace_id": trace_id, "tx_hash": tx_hash, "nonce": nonce, "purpose": purpose})
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

    async def tend(self, nonce: int, now: float | None = None) -> Receipt | None:
        """One follow-up pass for a nonce: returns its receipt when mined; otherwise rebroadcasts or replaces
        according to how long the newest attempt has gone without a receipt."""
        receipt = await self._mined_attempt(nonce)
        if receipt is not None:
            return receipt
        attempts = self.store.intents(self.address, nonce)
        if not attempts:
            raise RelayerError(f"no intent recorded for nonce {nonce} of {self.address}")
        latest = attempts[-1]
        now = time.time() if now is None else now
        age = now - (latest.broadcast_at or latest.created_at)
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
        """Re-signs the newest attempt at `nonce` with a higher gas price (or, with `noop`, a zero-value transfer
        to ourselves that only consumes the nonce) and broadcasts it. Earlier attempts stay recorded."""
        async with self._lock:
            attempts = self.store.intents(self.address, nonce)
            latest = attempts[-1]
            tx = _decode(latest.raw_tx)
            bumped = math.ceil(latest.gas_price * (100 + self.policy.gas_bump_percent) / 100)
            gas_price = min(max(bumped, await self.rpc.gas_price()), self.policy.max_gas_price)
            if gas_price <= latest.gas_price:
                raise RelayerError(
                    f"cannot replace nonce {nonce}: gas price cap {self.policy.max_gas_price} reached",
                    hint="raise sender.max_gas_price or wait for the network's gas price to fall",
                )
            if noop:
                fields = self._tx_dict(nonce, self.address, b"", 21000, gas_price)
            else:
                fields = self._tx_dict(nonce, tx["to"], tx["data"], tx["gas"], gas_price, tx["value"])
            raw, tx_hash = self._sign(fields)
            intent = self.store.record_intent(
                self.address, nonce, tx_hash, raw, gas_price, "noop" if noop else latest.purpose,
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
    """Fields of one of our own legacy transactions."""
    import rlp

    nonce, gas_price, gas, to, value, data, *_ = rlp.decode(raw)
    return {
        "nonce": int.from_bytes(nonce, "big"),
        "gasPrice": int.from_bytes(gas_price, "big"),
        "gas": int.from_bytes(gas, "big"),
        "to": to_checksum_address(to),
        "value": int.from_bytes(value, "big"),
        "data": bytes(data),
    }
