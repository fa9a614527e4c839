"""The relayer's conversion orders: once a mandatory conversion (cash merger, delisting, stock merger) of a served
asset is effective, the daemon converts every holder through `ConversionVault.convertAll`, one transaction in
flight per asset, through the same durable sender as its fulfilments (decision 0082).

Why this is safe to repeat: `convertAll` skips addresses with nothing left, so a batch sent twice (a crash between
submitting and recording, a replacement transaction) converts nobody twice. Holders the vault defers (frozen,
refused by the target's compliance) are retried only after `retry_deferred_blocks`, not on every block. Holders
are found from the token's Transfer events, scanned incrementally from the watcher's start block."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

from relayer.corporate_actions import conversion_view
from relayer.errors import RelayerError
from relayer.rpc import Rpc
from relayer.sender import TxSender

log = logging.getLogger("relayer.conversions")

# ConversionVault.MAX_BATCH: holders per convertAll.
MAX_BATCH = 200
TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
DEFERRED_TOPIC = "0x" + keccak(text="ConversionDeferred(address,uint64,address,uint256,uint8)").hex()
ZERO = "0x" + "00" * 20
# Blocks scanned per eth_getLogs call when discovering holders.
LOG_SPAN = 5_000


def _call_data(signature: str, types: list[str], values: list) -> bytes:
    return function_signature_to_4byte_selector(signature) + encode(types, values)


@dataclass
class _AssetState:
    scanned_to: int
    seen: dict[str, None] = field(default_factory=dict)  # every recipient of a transfer, first-seen order
    in_flight: int | None = None  # nonce of our convertAll awaiting its receipt
    deferred_until: dict[str, int] = field(default_factory=dict)  # holder -> block before which we do not retry


class ConversionDriver:
    def __init__(self, rpc: Rpc, sender: TxSender, vault: str, assets: list[str], minter: str, start_block: int,
                 batch_size: int = MAX_BATCH, retry_deferred_blocks: int = 100) -> None:
        if not 0 < batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH}")
        self.rpc = rpc
        self.sender = sender
        self.vault = to_checksum_address(vault)
        self.minter = to_checksum_address(minter)
        self.batch_size = batch_size
        self.retry_deferred_blocks = retry_deferred_blocks
        self._assets = {to_checksum_address(a): _AssetState(scanned_to=max(0, start_block - 1)) for a in assets}

    async def tick(self, head: int, now: int) -> list[str]:
        """One pass over the served assets; returns the assets a convertAll was submitted for."""
        submitted = []
        for asset, state in self._assets.items():
            try:
                if await self._settle(state):
                    continue
                if await self._drive(asset, state, head, now):
                    submitted.append(asset)
            except RelayerError as exc:
                log.warning("conversion retry", extra={"asset": asset, "error": str(exc)})
        return submitted

    async def _settle(self, state: _AssetState) -> bool:
        """True while our previous batch for the asset is still unmined (then nothing new is sent)."""
        if state.in_flight is None:
            return False
        receipt = await self.sender.tend(state.in_flight)
        if receipt is None:
            return True
        state.in_flight = None
        raw = await self.rpc.receipt(receipt.tx_hash)
        for entry in (raw or {}).get("logs", []):
            topics = entry.get("topics", [])
            if topics and topics[0] == DEFERRED_TOPIC and len(topics) > 3:
                holder = to_checksum_address("0x" + topics[3][-40:])
                state.deferred_until[holder] = receipt.block_number + self.retry_deferred_blocks
        return False

    async def _drive(self, asset: str, state: _AssetState, head: int, now: int) -> bool:
        conversion = await conversion_view(self.rpc, self.vault, asset)
        if conversion is None or conversion.state != "open" or not conversion.mandatory:
            return False
        if not conversion.effective_at <= now <= conversion.expires_at:
            return False
        await self._discover(asset, state, head)
        batch = []
        for holder in state.seen:
            if holder in (self.minter, self.vault) or state.deferred_until.get(holder, 0) > head:
                continue
            if await self._balance(asset, holder) > 0:
                batch.append(holder)
            if len(batch) == self.batch_size:
                break
        if not batch:
            return False
        data = _call_data("convertAll(address,address[])", ["address", "address[]"], [asset, batch])
        intent = await self.sender.submit(self.vault, data, purpose="conversion")
        state.in_flight = intent.nonce
        log.info("conversion batch submitted",
                 extra={"asset": asset, "holders": len(batch), "conversion": conversion.id, "tx_hash": intent.tx_hash})
        return True

    async def _discover(self, asset: str, state: _AssetState, head: int) -> None:
        while state.scanned_to < head:
            start = state.scanned_to + 1
            stop = min(head, start + LOG_SPAN - 1)
            for entry in await self.rpc.logs(asset, start, stop, [TRANSFER_TOPIC]):
                recipient = to_checksum_address("0x" + entry["topics"][2][-40:])
                if recipient != ZERO:
                    state.seen.setdefault(recipient, None)
            state.scanned_to = stop

    async def _balance(self, asset: str, holder: str) -> int:
        (value,) = decode(["uint256"], await self.rpc.eth_call(
            asset, _call_data("balanceOf(address)", ["address"], [holder])))
        return value
