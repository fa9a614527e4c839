"""One saga per Minter request, persisted at every step before the next side effect.

    received ─validate─▶ validated ─place order─▶ order_placed ─fill─▶ filled ─custody─▶ custody_confirmed
       ─sign─▶ signed ─submit─▶ submitted ─receipt─▶ done
    any refusal (broker reject, price limit missed, deadline passed) ─▶ rejecting ─▶ reject_submitted ─▶ rejected

Why each step is safe to repeat after a crash:
* placing an order uses the request id as the broker's client order id, so a second placement returns the first;
* custody instructions carry the request id as idempotency key;
* signing is pure (same fill, same signatures) and a fresh deadline only matters before submission;
* submission first adopts any transaction intent already recorded for the request, so a crash between the
  durable intent and the step write never submits twice; and the Minter refuses a second fulfilment anyway.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any

from eth_utils import keccak

from rat.attestations import Attestation, Fill, fill_digest, ordered_signatures
from rat.shares import to_shares, to_tokens
from relayer.adapters.base import (
    BrokerageAdapter,
    CustodyAdapter,
    Direction,
    OrderRequest,
    OrderStatus,
    SettlementRequest,
    Side,
)
from relayer.config import AssetConfig, SagaPolicy
from relayer.errors import AdapterError, CircuitOpen, OrderRejected, RelayerError, RpcError, RpcUnavailable
from relayer.market_hours import MarketHours
from relayer.minter import (
    AssetStatus,
    MinterReader,
    RejectReason,
    RequestEvent,
    RequestKind,
    RequestStatus,
    fulfill_calldata,
    reject_calldata,
)
from relayer.observability import Metrics, StepTimer, failure_kind
from relayer.sender import TxSender
from relayer.signers import Signer
from relayer.store import LotRecord, SagaRecord, Store
from relayer.tracing import Tracing, mark_failed

log = logging.getLogger("relayer.saga")

SHARE = 10**18
LIMIT_QUANTUM = Decimal("0.0001")
CUSTODY_BREAKER = "custody"


class Step(StrEnum):
    RECEIVED = "received"
    VALIDATED = "validated"
    ORDER_PLACED = "order_placed"
    FILLED = "filled"
    CUSTODY_CONFIRMED = "custody_confirmed"
    SIGNED = "signed"
    SUBMITTED = "submitted"
    DONE = "done"
    REJECTING = "rejecting"
    REJECT_SUBMITTED = "reject_submitted"
    REJECTED = "rejected"
    CLOSED = "closed"


class Wait(Exception):
    """Nothing to do yet; look again in `seconds` (optionally with a status the status command shows)."""

    def __init__(self, seconds: float, status: str = "active", why: str = "") -> None:
        super().__init__(why)
        self.seconds, self.status, self.why = seconds, status, why


def no_crash(point: str) -> None:
    """Default crash hook; the daemon replaces it only for fault-injection tests."""


class SagaEngine:
    def __init__(
        self,
        store: Store,
        reader: MinterReader,
        sender: TxSender,
        brokerage: BrokerageAdapter,
        custody: CustodyAdapter,
        attestors: dict[str, Signer],
        assets: dict[str, AssetConfig],
        hours: MarketHours,
        policy: SagaPolicy,
        metrics: Metrics,
        chain_id: int,
        confirmations: int = 0,
        crash_point: Callable[[str], None] = no_crash,
        clock: Callable[[], float] = time.time,
        tracing: Tracing | None = None,
    ) -> None:
        self.store = store
        self.reader = reader
        self.sender = sender
        self.brokerage = brokerage
        self.custody = custody
        self.attestors = attestors
        self.assets = assets
        self.hours = hours
        self.policy = policy
        self.metrics = metrics
        self.chain_id = chain_id
        self.confirmations = confirmations
        self.crash_point = crash_point
        self.clock = clock
        self.tracing = tracing or Tracing("rat-relayer")
        self._in_flight: set[str] = set()
        # request id -> (saga, hold) as the last successful `_move` left them; taken by the saga's own loop.
        self._moved: dict[str, tuple[SagaRecord, str | None]] = {}
        self._tasks: set[asyncio.Task] = set()
        # Set by the daemon from its work lease: running sagas stop before their next step once the lease is lost
        # or has not been renewed in time (monotonic deadline; None = no lease, as when tests drive the engine).
        self.active = True
        self.active_until: float | None = None
        self._handlers = {
            Step.RECEIVED: self._validate,
            Step.VALIDATED: self._place_order,
            Step.ORDER_PLACED: self._await_fill,
            Step.FILLED: self._confirm_custody,
            Step.CUSTODY_CONFIRMED: self._sign,
            Step.SIGNED: self._submit,
            Step.SUBMITTED: self._await_receipt,
            Step.REJECTING: self._submit_reject,
            Step.REJECT_SUBMITTED: self._await_reject_receipt,
        }

    # -- intake from the watcher -------------------------------------------------------------------------

    async def on_event(self, event: RequestEvent) -> None:
        payload = {
            "account": event.account,
            "asset": event.asset,
            "payment_token": event.payment_token,
            "amount": str(event.amount),
            "limit_price": str(event.limit_price),
            "deadline": event.deadline,
            "request_tx": event.tx_hash,
            "seen_at": self.clock(),
        }
        saga = SagaRecord(
            request_id=event.request_id, kind=event.kind.name.lower(), trace_id=self.tracing.new_trace_id(),
            step=Step.RECEIVED,
            status="active", payload=payload, block_number=event.block_number, block_hash=event.block_hash,
            log_index=event.log_index,
        )
        if self.store.insert_saga(saga, detail={"block": event.block_number, "tx": event.tx_hash}):
            self.tracing.record_request(saga.trace_id, {
                "rat.request_id": event.request_id, "rat.kind": saga.kind, "rat.asset": event.asset,
                "rat.block": event.block_number, "rat.request_tx": event.tx_hash})
            log.info("request received", extra={"trace_id": saga.trace_id, "request_id": event.request_id,
                                                 "kind": saga.kind, "block": event.block_number})
            return
        existing = self.store.get_saga(event.request_id)
        if existing and existing.status in ("reorged", "orphaned"):
            # Back on the canonical chain: resume from the last step whose effect is still valid. A saga that was
            # done is re-checked from `submitted`, because its fulfilment may have been reorged out too.
            step = Step.SUBMITTED if existing.step == Step.DONE else None
            self.store.revive(event.request_id, event.block_number, event.block_hash, event.log_index, step)
            log.warning("request re-mined after reorg", extra={"trace_id": existing.trace_id,
                                                               "request_id": event.request_id})

    async def on_reorg(self, ancestor: int) -> None:
        self.sender.forget_mined()
        parked = self.store.park_from_block(ancestor)
        self.metrics.reorgs.inc()
        if parked:
            log.warning("sagas parked by reorg", extra={"ancestor": ancestor, "request_ids": parked})

    async def sweep_orphans(self) -> list[str]:
        """Parked sagas whose request no longer exists on chain (after the cursor moved on) become orphaned."""
        orphaned = []
        for saga in self.store.sagas(status="reorged"):
            request = await self.reader.request(saga.request_id)
            if request.status == RequestStatus.NONE:
                self.store.set_status(saga.request_id, "orphaned", {"reason": "request no longer on chain"})
                orphaned.append(saga.request_id)
        return orphaned

    # -- the work loop -----------------------------------------------------------------------------------

    async def run_due(self, limit: int = 200) -> int:
        """Advances every due saga as far as it can go now; returns how many were looked at."""
        due = [s for s in self.store.due_sagas(self.clock(), limit) if s.request_id not in self._in_flight]
        if not due:
            return 0
        semaphore = asyncio.Semaphore(self.policy.concurrency)

        async def drive(saga: SagaRecord) -> None:
            async with semaphore:
                await self.drive(saga)

        await asyncio.gather(*(drive(s) for s in due))
        return len(due)

    def schedule_due(self) -> int:
        """The daemon's non-blocking form of `run_due`: starts up to `policy.concurrency` sagas as tasks (those
        following a sent transaction first, then chain order) and returns at once, so the chain keeps being
        followed and new requests start while earlier sagas wait on the broker, the custodian or the node."""
        free = self.policy.concurrency - len(self._tasks)
        if free <= 0:
            return 0
        started = 0
        for request_id in self.store.due_saga_ids(self.clock(), limit=free + len(self._in_flight)):
            if request_id in self._in_flight:
                continue
            self._in_flight.add(request_id)
            task = asyncio.create_task(self._drive_scheduled(request_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started += 1
            if started >= free:
                break
        return started

    async def _drive_scheduled(self, request_id: str) -> None:
        saga = None
        try:
            saga, hold = self.store.saga_and_hold(request_id)
            await self._drive_owned(saga, hold, held_read=True)
        except Exception:  # a task must never die silently; the saga is retried from its persisted step
            log.exception("saga task failed", extra={"trace_id": saga.trace_id if saga else None,
                                                     "request_id": request_id})
        finally:
            self._in_flight.discard(request_id)
            self._moved.pop(request_id, None)

    async def wait_idle(self, cancel: bool = False) -> None:
        """Waits for (or cancels) the sagas started by `schedule_due`; used when the daemon stops."""
        tasks = list(self._tasks)
        if cancel:
            for task in tasks:
                task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def drive(self, saga: SagaRecord | None) -> None:
        """Runs steps of one saga until it has to wait or ends."""
        if saga is None or saga.request_id in self._in_flight:
            return
        self._in_flight.add(saga.request_id)
        try:
            await self._drive_owned(saga)
        finally:
            self._in_flight.discard(saga.request_id)
            self._moved.pop(saga.request_id, None)

    async def _drive_owned(self, saga: SagaRecord | None, hold: str | None = None, held_read: bool = False) -> None:
        while saga is not None and saga.step in self._handlers and saga.status not in ("reorged",):
            if not self.active or (self.active_until is not None and time.monotonic() >= self.active_until):
                return
            if not held_read:
                hold = self.store.asset_hold(saga.payload.get("asset", ""))
            held_read = False
            if hold is not None and saga.step not in (Step.SUBMITTED, Step.REJECT_SUBMITTED):
                # An operator paused this asset; a transaction already in flight is still followed to its end.
                self.store.defer(saga.request_id, saga.step, self.clock() + self.policy.max_backoff, "paused",
                                 f"asset paused by an operator: {hold}")
                return
            try:
                moved = await self._run_step(saga)
            except Wait as wait:
                self.store.defer(saga.request_id, saga.step, self.clock() + wait.seconds, wait.status, wait.why)
                return
            except _Closed as closed:
                if saga.step not in (Step.RECEIVED, Step.VALIDATED):
                    # Shares were traded for a request that can no longer be fulfilled: an operator must act.
                    self.metrics.failures.labels("closed_after_trade").inc()
                moved = self._move(saga, Step.CLOSED, status="closed", closed_as=closed.status.name.lower())
            except (RpcUnavailable, AdapterError, RpcError, RelayerError) as exc:
                self._retry(saga, exc)
                return
            if not moved:
                return  # another worker moved it first
            # The move's own transaction returned the saga and its hold (`_move`), so no second read per step.
            saga, hold = self._moved.pop(saga.request_id, None) or self.store.saga_and_hold(saga.request_id)
            held_read = True
            self.crash_point(saga.step)

    async def _run_step(self, saga: SagaRecord) -> bool:
        """One step, timed (relayer_saga_step_seconds) and traced as a span under the request's root span."""
        handler = self._handlers[Step(saga.step)]
        with self.tracing.request_span(f"saga.{handler.__name__.strip('_')}", saga.trace_id,
                                       **{"rat.request_id": saga.request_id, "rat.step": saga.step,
                                          "rat.attempt": saga.attempts}) as span, \
                StepTimer(self.metrics, saga.step):
            try:
                moved = await handler(saga)
            except Wait as wait:
                span.set_attributes({"rat.outcome": "wait", "rat.wait": wait.why})
                raise
            except _Closed:
                span.set_attribute("rat.outcome", "closed")
                raise
            except Exception as exc:
                span.set_attribute("rat.outcome", "retry")
                mark_failed(span, exc)
                raise
            span.set_attribute("rat.outcome", "moved" if moved else "moved elsewhere")
            return moved

    def _retry(self, saga: SagaRecord, exc: Exception) -> None:
        kind = type(exc).__name__
        self.metrics.failures.labels(failure_kind(exc)).inc()
        delay = min(self.policy.max_backoff, self.policy.min_backoff * 2 ** min(saga.attempts, 10))
        text = exc.explain() if isinstance(exc, RelayerError) else str(exc)
        self.store.note_failure(saga.request_id, saga.step, f"{kind}: {text}", self.clock() + delay)
        log.warning("step failed, will retry", extra={"trace_id": saga.trace_id, "request_id": saga.request_id,
                                                      "step": saga.step, "error": text, "retry_in": delay})

    def _move(self, saga: SagaRecord, step: Step, status: str = "active", **payload: Any) -> bool:
        moved = self.store.advance_to(saga.request_id, saga.step, step, status=status, payload=payload,
                                      detail={k: v for k, v in payload.items() if k != "signatures"})
        if moved is None:
            return False
        self._moved[saga.request_id] = moved
        log.info("saga step", extra={"trace_id": saga.trace_id, "request_id": saga.request_id, "step": step})
        return True

    def _reject(self, saga: SagaRecord, reason: RejectReason, why: str) -> bool:
        self.metrics.failures.labels(f"reject_{reason.name.lower()}").inc()
        return self._move(saga, Step.REJECTING, reject_reason=int(reason), reject_why=why)

    # -- steps -------------------------------------------------------------------------------------------

    async def _validate(self, saga: SagaRecord) -> bool:
        p = saga.payload
        request = await self.reader.request(saga.request_id)
        if request.status == RequestStatus.NONE:
            raise Wait(5.0, "active", "request not visible at latest block yet")
        if request.status != RequestStatus.PENDING:
            return self._move(saga, Step.CLOSED, status="closed", closed_as=request.status.name.lower())
        asset = self.assets.get(p["asset"])
        if asset is None:
            return self._reject(saga, RejectReason.ASSET_HALTED, f"asset {p['asset']} is not served by this relayer")
        status = await self.reader.asset_status(p["asset"])
        allowed = (AssetStatus.ACTIVE,) if saga.kind == "mint" else (AssetStatus.ACTIVE, AssetStatus.REDEEM_ONLY)
        if status not in allowed:
            return self._reject(saga, RejectReason.ASSET_HALTED, f"asset status {status.name}")
        chain_now = await self.reader.chain_time()
        if chain_now >= p["deadline"]:
            return self._reject(saga, RejectReason.MARKET_CLOSED, "deadline passed before the market opened")
        now = self.clock()
        at = datetime.fromtimestamp(now, timezone.utc)
        if not self.hours.is_open(at):
            opens = self.hours.next_open(at).timestamp()
            if opens - now >= p["deadline"] - chain_now:
                return self._reject(saga, RejectReason.MARKET_CLOSED, "market does not open before the deadline")
            raise Wait(opens - now, "waiting_market", f"queued until the {self.hours.name} open")
        qty, limit = await self._size(saga, asset)
        if qty <= 0:
            return self._reject(saga, RejectReason.PRICE_LIMIT_UNREACHABLE, "escrow buys less than the minimum lot")
        return self._move(saga, Step.VALIDATED, symbol=asset.symbol, qty=str(qty), order_limit=str(limit))

    async def _size(self, saga: SagaRecord, asset: AssetConfig) -> tuple[Decimal, Decimal]:
        """The broker order in shares. Requests count token units and limit prices per token; the broker counts
        shares, so both go through the token's multiplier (splits, management fee; decision 0080)."""
        p = saga.payload
        unit = Decimal(10) ** await self.reader.payment_decimals(p["payment_token"])
        limit_units = int(p["limit_price"])
        multiplier = await self.reader.multiplier(p["asset"])
        limit = Decimal(limit_units) / unit
        if multiplier != SHARE:
            # Per share = per token / shares per token; brokers take four decimals, rounded to stay in the limit.
            limit = (limit * SHARE / multiplier).quantize(
                LIMIT_QUANTUM, rounding=ROUND_DOWN if saga.kind == "mint" else ROUND_CEILING)
        quantum = Decimal(1).scaleb(-asset.qty_decimals)
        if saga.kind == "mint":
            bps = await self.reader.fee_bps(p["asset"], RequestKind.MINT)
            # Two units of margin absorb the Minter's ceil on cost and the vault's rounding of the fee.
            budget = max(0, int(p["amount"]) - 2)
            tokens = budget * SHARE * 10_000 // (limit_units * (10_000 + bps))
        else:
            tokens = int(p["amount"])
        qty = (Decimal(to_shares(tokens, multiplier)) / SHARE).quantize(quantum, rounding=ROUND_DOWN)
        return qty, limit

    async def _place_order(self, saga: SagaRecord) -> bool:
        p = saga.payload
        await self._still_pending(saga)
        order = OrderRequest(
            client_order_id=saga.request_id, symbol=p["symbol"], side=Side.BUY if saga.kind == "mint" else Side.SELL,
            qty=Decimal(p["qty"]), limit_price=Decimal(p["order_limit"]), trace_id=saga.trace_id,
        )
        try:
            state = await self.brokerage.place_order(order)
        except OrderRejected as exc:
            return self._reject(saga, RejectReason.BROKER_REJECTED, exc.reason)
        if state.status is OrderStatus.REJECTED:
            return self._reject(saga, RejectReason.BROKER_REJECTED, state.reason or "rejected by broker")
        if state.qty != order.qty:
            # The broker returned an earlier order under this client order id that is not this one (a request id
            # reused after a deep reorg). Never settle a request with someone else's fill.
            self.metrics.failures.labels("client_order_id_conflict").inc()
            raise AdapterError(f"broker order {state.broker_order_id} under {saga.request_id} is for {state.qty}, "
                               f"this request needs {order.qty}", retryable=False,
                               hint="an operator must reconcile the broker order with the request")
        return self._move(saga, Step.ORDER_PLACED, broker_order_id=state.broker_order_id)

    async def _await_fill(self, saga: SagaRecord) -> bool:
        state = await self.brokerage.get_order(saga.request_id, saga.trace_id)
        if state.status is OrderStatus.REJECTED:
            return self._reject(saga, RejectReason.BROKER_REJECTED, state.reason or "rejected by broker")
        if state.status is OrderStatus.OPEN:
            raise Wait(self.policy.poll_interval, "active", f"order open, {state.filled_qty} filled")
        if state.filled_qty <= 0 or state.filled_avg_price is None:
            return self._reject(saga, RejectReason.PRICE_LIMIT_UNREACHABLE, "order ended unfilled")
        return self._move(saga, Step.FILLED, filled_qty=str(state.filled_qty),
                          filled_avg_price=str(state.filled_avg_price))

    async def _confirm_custody(self, saga: SagaRecord) -> bool:
        p = saga.payload
        filled = Decimal(p["filled_qty"])
        direction = Direction.RECEIVE if saga.kind == "mint" else Direction.DELIVER
        try:
            settlement = await self.custody.settle(SettlementRequest(
                request_id=saga.request_id, symbol=p["symbol"], direction=direction, quantity=filled,
                broker_order_id=p["broker_order_id"], trace_id=saga.trace_id,
            ))
        except AdapterError as exc:
            if exc.retryable:
                raise
            self._trip(f"custody refused {direction.value} of {filled} {p['symbol']} for {saga.request_id}: {exc}")
            raise Wait(self.policy.max_backoff, "blocked", "custody refused the settlement") from None
        if settlement.status != "settled":
            raise Wait(self.policy.poll_interval, "active", "settlement pending at custodian")
        if settlement.settled_quantity < filled:
            self._trip(f"custody settled {settlement.settled_quantity} of {filled} {p['symbol']} for {saga.request_id}")
            raise Wait(self.policy.max_backoff, "blocked", "custody short of the fill")
        return self._move(saga, Step.CUSTODY_CONFIRMED, settlement_id=settlement.settlement_id,
                          lot_id=settlement.lot_id, custody_account=settlement.account)

    def _trip(self, reason: str) -> None:
        self.store.set_breaker(CUSTODY_BREAKER, True, reason)
        self.metrics.breaker_open.labels(CUSTODY_BREAKER).set(1)
        self.metrics.failures.labels("custody_mismatch").inc()
        log.error("circuit breaker open: fulfilments stopped", extra={"breaker": CUSTODY_BREAKER, "reason": reason})

    def _breaker_closed(self) -> None:
        is_open, reason = self.store.breaker(CUSTODY_BREAKER)
        self.metrics.breaker_open.labels(CUSTODY_BREAKER).set(1 if is_open else 0)
        if is_open:
            raise Wait(self.policy.max_backoff, "blocked", f"circuit breaker open: {reason}")

    async def _check_reserves(self, saga: SagaRecord, tokens: int, multiplier: int) -> None:
        """Custody must hold at least the shares the on-chain supply represents after this fulfilment, or nothing
        is fulfilled."""
        p = saga.payload
        # Both read now, side by side: the custodian's answer and the chain's do not depend on each other.
        held, supply = await asyncio.gather(self.custody.position(p["symbol"], saga.trace_id),
                                            self.reader.total_supply(p["asset"]))
        after = supply + tokens if saga.kind == "mint" else supply - tokens
        shares_after = Decimal(-(-after * multiplier // SHARE)) / SHARE
        if shares_after > held:
            self._trip(f"{p['symbol']}: custody holds {held}, on-chain supply after fulfilment represents "
                       f"{shares_after} shares")
            raise Wait(self.policy.max_backoff, "blocked", "custody and on-chain supply disagree")

    async def _sign(self, saga: SagaRecord) -> bool:
        self._breaker_closed()
        p = saga.payload
        request = await self._still_pending(saga)
        unit = Decimal(10) ** await self.reader.payment_decimals(p["payment_token"])
        custody_shares = int(Decimal(p["filled_qty"]) * SHARE)
        # The Fill counts token units and prices per token: the executed shares through the multiplier in force
        # when the fill settles (a split between order and settlement is already in the custodian's quantity).
        multiplier = await self.reader.multiplier(p["asset"])
        shares = to_tokens(custody_shares, multiplier)
        avg = Decimal(p["filled_avg_price"]) * unit * multiplier / SHARE
        kind = RequestKind.MINT if saga.kind == "mint" else RequestKind.BURN
        if kind == RequestKind.MINT:
            price = min(int(avg.to_integral_value(ROUND_CEILING)), request.limit_price)
            notional = -(-shares * price // SHARE)
        else:
            price = max(int(avg.to_integral_value(ROUND_FLOOR)), request.limit_price)
            notional = shares * price // SHARE
        fees = await self.reader.fee_quote(p["asset"], kind, notional)
        if kind == RequestKind.MINT and notional + fees > request.amount:
            raise RelayerError(f"fill costs {notional + fees} but escrow is {request.amount}",
                               hint="order sizing left no room for the fee; check the fee configuration")
        await self._check_reserves(saga, shares, multiplier)
        deadline = min(request.deadline, await self.reader.chain_time() + self.policy.attestation_ttl)
        fill = Fill(request_id=saga.request_id, shares=shares, price=price, fees=fees,
                    broker_order_ref=keccak(text=p["broker_order_id"]), custody_ref=keccak(text=p["settlement_id"]),
                    deadline=deadline)
        digest = fill_digest(self.chain_id, self.reader.minter, fill, p["asset"], request.account)
        attestations = []
        for role, signer in self.attestors.items():
            attestations.append(Attestation(signer=signer.address, signature=signer.sign_digest(digest)))
            self.metrics.signatures.labels(role).inc()
        signatures = [s.hex() for s in ordered_signatures(attestations)]
        return self._move(saga, Step.SIGNED, shares=str(shares), custody_shares=str(custody_shares),
                          price=str(price), fees=str(fees),
                          attestation_deadline=deadline, signatures=signatures)

    def _fill(self, saga: SagaRecord) -> Fill:
        p = saga.payload
        return Fill(request_id=saga.request_id, shares=int(p["shares"]), price=int(p["price"]), fees=int(p["fees"]),
                    broker_order_ref=keccak(text=p["broker_order_id"]), custody_ref=keccak(text=p["settlement_id"]),
                    deadline=int(p["attestation_deadline"]))

    async def _still_pending(self, saga: SagaRecord):
        request = await self.reader.request(saga.request_id)
        if request.status == RequestStatus.NONE:
            raise Wait(5.0, "active", "request not on the canonical chain")
        if request.status != RequestStatus.PENDING:
            raise _Closed(request.status)
        return request

    async def _submit_tx(self, saga: SagaRecord, purpose: str, data: bytes, next_step: Step) -> bool:
        # Adopt an intent recorded before a crash: the nonce it took is ours and its bytes may already be mined.
        for intent in reversed(self.store.intents_for_request(saga.request_id)):
            if intent.purpose == purpose and intent.status in ("signed", "broadcast", "mined"):
                return self._move(saga, next_step, nonce=intent.nonce, tx_hash=intent.tx_hash)
        intent = await self.sender.submit(self.reader.minter, data, purpose, request_id=saga.request_id,
                                          trace_id=saga.trace_id)
        return self._move(saga, next_step, nonce=intent.nonce, tx_hash=intent.tx_hash)

    async def _submit(self, saga: SagaRecord) -> bool:
        self._breaker_closed()
        fill = self._fill(saga)
        kind = RequestKind.MINT if saga.kind == "mint" else RequestKind.BURN
        data = fulfill_calldata(kind, fill, [bytes.fromhex(s) for s in saga.payload["signatures"]])
        try:
            return await self._submit_tx(saga, "fulfil", data, Step.SUBMITTED)
        except RpcUnavailable:
            raise
        except RpcError as exc:
            return await self._after_revert(saga, str(exc))

    async def _after_revert(self, saga: SagaRecord, why: str) -> bool:
        request = await self.reader.request(saga.request_id)
        if request.status == RequestStatus.FULFILLED:
            return self._move(saga, Step.DONE, status="done", fulfilled_by="another submission")
        if request.status in (RequestStatus.CANCELLED, RequestStatus.REJECTED):
            return self._move(saga, Step.CLOSED, status="closed", closed_as=request.status.name.lower())
        if await self.reader.chain_time() >= int(saga.payload["attestation_deadline"]) - 5:
            return self._move(saga, Step.CUSTODY_CONFIRMED, resign_because="attestation expired")
        raise RpcError(f"fulfilment would revert: {why}")

    async def _await_receipt(self, saga: SagaRecord) -> bool:
        receipt = await self.sender.tend(int(saga.payload["nonce"]))
        if receipt is None:
            raise Wait(self.policy.receipt_poll_interval, "active", "waiting for the fulfilment receipt")
        if self.confirmations and await self.reader.rpc.block_number() - receipt.block_number < self.confirmations:
            raise Wait(self.policy.poll_interval, "active", "waiting for confirmations")
        if receipt.status != 1:
            request = await self.reader.request(saga.request_id)
            if request.status == RequestStatus.PENDING:
                return self._move(saga, Step.CUSTODY_CONFIRMED, resign_because=f"tx {receipt.tx_hash} reverted")
            return await self._after_revert(saga, f"tx {receipt.tx_hash} reverted")
        p = saga.payload
        self.store.append_lot(LotRecord(
            request_id=saga.request_id, kind=saga.kind, symbol=p["symbol"], lot_id=p["lot_id"] or p["settlement_id"],
            quantity=int(p.get("custody_shares", p["shares"])), account=p["custody_account"], tx_hash=receipt.tx_hash, created_at=self.clock(),
        ))
        self.metrics.request_seconds.labels(saga.kind).observe(max(0.0, self.clock() - p["seen_at"]))
        return self._move(saga, Step.DONE, status="done", fulfil_tx=receipt.tx_hash,
                          fulfil_block=receipt.block_number, done_at=self.clock())

    async def _submit_reject(self, saga: SagaRecord) -> bool:
        reason = RejectReason(int(saga.payload["reject_reason"]))
        try:
            return await self._submit_tx(saga, "reject", reject_calldata(saga.request_id, reason),
                                         Step.REJECT_SUBMITTED)
        except RpcUnavailable:
            raise
        except RpcError:
            request = await self.reader.request(saga.request_id)
            if request.status in (RequestStatus.PENDING, RequestStatus.NONE):
                raise
            return self._move(saga, Step.CLOSED, status="closed", closed_as=request.status.name.lower())

    async def _await_reject_receipt(self, saga: SagaRecord) -> bool:
        receipt = await self.sender.tend(int(saga.payload["nonce"]))
        if receipt is None:
            raise Wait(self.policy.receipt_poll_interval, "active", "waiting for the reject receipt")
        if receipt.status != 1:
            return self._move(saga, Step.REJECTING, reject_retry=receipt.tx_hash)
        return self._move(saga, Step.REJECTED, status="rejected", reject_tx=receipt.tx_hash)


class _Closed(RelayerError):
    def __init__(self, status: RequestStatus) -> None:
        super().__init__(f"request is {status.name.lower()}")
        self.status = status
