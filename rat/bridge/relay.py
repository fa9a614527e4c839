"""Carries CCIP messages from a source chain to a destination chain (ADR 0106): reads the source ramp's
`MessageSent` logs, and executes each message once on the destination ramp, which calls the destination pool's
`releaseOrMint` as CCIP's OffRamp does. A message the destination refuses (its inbound bucket empty, the recipient
frozen there in flight) stays pending and is retried on the next run; nothing is lost, nothing runs twice."""

from __future__ import annotations

import re
from typing import Literal, Protocol

from ape import chain as ape_chain
from ape.api import AccountAPI
from ape.contracts import ContractInstance
from ape.exceptions import ContractLogicError
from eth_abi import decode
from eth_utils import keccak
from pydantic import BaseModel, ConfigDict

from rat.bridge.ccip import encode_address
from rat.bridge.chains import Chain


class Endpoint(Protocol):
    """What the relay needs of each chain: the chain, its ramp and its pool (`rat.bridge.lane.Side` is one)."""

    @property
    def chain(self) -> Chain: ...

    @property
    def selector(self) -> int: ...

    @property
    def ramp(self) -> ContractInstance: ...

    @property
    def pool(self) -> ContractInstance: ...


class Message(BaseModel):
    """One send, as the source ramp emitted it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source_selector: int
    dest_selector: int
    sequence_number: int
    source_pool: str
    sender: str
    recipient: str
    amount: int
    dest_pool_data: bytes
    source_tx: str


class Delivery(BaseModel):
    """What the relay did with one message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message: Message
    status: Literal["executed", "already-executed", "pending"]
    detail: str = ""
    dest_tx: str | None = None


def decode_pool_error(data: str, pool: ContractInstance) -> str | None:
    """`ErrorName(arg=value, …)` for revert data ("0x<selector><args>") that is one of the pool's custom errors."""
    found = re.match(r"(?:custom error )?0x([0-9a-fA-F]{8}):? ?([0-9a-fA-F]*)", data)
    if not found:
        return None
    for error in pool.contract_type.errors:
        if keccak(text=error.selector)[:4].hex() == found.group(1).lower():
            types = [item.canonical_type for item in error.inputs]
            try:
                values = decode(types, bytes.fromhex(found.group(2)))
            except Exception:  # noqa: BLE001 - malformed arguments: name the error alone
                return f"{error.name}(0x{found.group(2)})"
            args = ", ".join(f"{item.name}={value.hex() if isinstance(value, bytes) else value}"
                             for item, value in zip(error.inputs, values))
            return f"{error.name}({args})"
    return None


def refusal_reason(refused: ContractLogicError, pool: ContractInstance) -> str:
    """The refusal decoded from the pool's ABI when it is one of its errors, else Ape's message. Reads both forms of
    undecoded revert data: "0x<selector><args>" (a transaction) and "custom error 0x<selector>: <args>" (anvil's
    wording for a call)."""
    text = str(refused.revert_message or refused)
    return decode_pool_error(text, pool) or text


def sent_messages(source: Endpoint, dest_selector: int, from_block: int = 0) -> list[Message]:
    """Every message the source ramp sent to `dest_selector` from `from_block` on."""
    with source.chain.active():
        head = ape_chain.blocks.height
        logs = list(source.ramp.MessageSent.range(from_block, head + 1, search_topics={"dest": dest_selector}))
    return [Message(source_selector=source.selector, dest_selector=int(log.dest),
                    sequence_number=int(log.sequenceNumber), source_pool=str(log.pool), sender=str(log.sender),
                    recipient=str(log.recipient), amount=int(log.amount), dest_pool_data=bytes(log.destPoolData),
                    source_tx=str(log.transaction_hash)) for log in logs]


def relay(source: Endpoint, dest: Endpoint, relayer: AccountAPI, from_block: int = 0) -> list[Delivery]:
    """Executes on `dest` every message from `source` not executed yet; returns one Delivery per message seen."""
    deliveries = []
    for message in sent_messages(source, dest.selector, from_block):
        with dest.chain.active():
            if dest.ramp.executed(message.source_selector, message.sequence_number):
                deliveries.append(Delivery(message=message, status="already-executed"))
                continue
            try:
                receipt = dest.ramp.execute(dest.pool, message.source_selector, message.sequence_number,
                                            encode_address(message.source_pool), message.sender, message.recipient,
                                            message.amount, message.dest_pool_data, sender=relayer)
            except ContractLogicError as refused:
                deliveries.append(Delivery(message=message, status="pending", detail=refusal_reason(refused, dest.pool)))
                continue
        deliveries.append(Delivery(message=message, status="executed", dest_tx=str(receipt.txn_hash)))
    return deliveries
