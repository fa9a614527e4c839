"""Jurisdiction filter: a regional deployment (decision 0044: `prod` in sa-east-1, `prod-eea` in eu-central-1)
processes only the requests of investors resident in its jurisdictions, so two regional relayers watching the
same Minter never both take a request, and an EEA investor's order data is written only to the EEA stack.

The investor's jurisdiction is the one the ComplianceRegistry held **at the request's block** (not "latest"), so
every regional relayer reaches the same decision for the same request whenever it reads it, and a KYC update
mined after the request cannot make a second region take it or leave it to none. A request whose investor is
resident in no configured region is taken by no relayer; it stays PENDING until its deadline, after which
anyone may `Minter.cancel` it and the escrow is refunded (the same path as an unserved request)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, is_address, to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, field_validator

from relayer.errors import RpcError
from relayer.minter import RequestEvent
from relayer.rpc import Rpc

log = logging.getLogger("relayer.residency")

INVESTOR_CALL = function_signature_to_4byte_selector("investor(address)")
INVESTOR_TYPES = ["uint8", "bytes2", "uint40", "bool"]  # IComplianceRegistry.Investor


class ResidencyConfig(BaseModel):
    """`residency:` in the relayer config. Absent = the deployment serves every jurisdiction (one region)."""

    model_config = ConfigDict(extra="forbid")

    registry: str = Field(description="ComplianceRegistry proxy whose investor records hold the jurisdiction")
    jurisdictions: list[str] = Field(min_length=1, description="ISO 3166-1 alpha-2 codes this deployment serves")

    @field_validator("registry")
    @classmethod
    def _registry(cls, v: str) -> str:
        if not is_address(v):
            raise ValueError(f"{v!r} is not an address")
        return to_checksum_address(v)

    @field_validator("jurisdictions")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if len(c) != 2 or not c.isascii() or not c.isalpha() or not c.isupper()]
        if bad:
            raise ValueError(f"not ISO 3166-1 alpha-2 upper-case codes: {bad}")
        return v


async def investor_jurisdiction(rpc: Rpc, registry: str, account: str, block: int) -> str:
    """The two-letter jurisdiction the registry held for `account` at `block` ('' when none was recorded)."""
    raw = await rpc.eth_call(registry, INVESTOR_CALL + encode(["address"], [account]), hex(block))
    if len(raw) < 32 * len(INVESTOR_TYPES):
        # Not a ComplianceRegistry (or not yet deployed at that block): retry the watcher tick, never guess.
        raise RpcError(f"residency.registry {registry} returned no investor record at block {block}")
    _, code, _, _ = decode(INVESTOR_TYPES, raw)
    return code.rstrip(b"\x00").decode("ascii", errors="replace")


class JurisdictionFilter:
    """Wraps the saga engine's intake: forwards a request event only when its investor is resident here."""

    def __init__(self, rpc: Rpc, config: ResidencyConfig, forward: Callable[[RequestEvent], Awaitable[None]]) -> None:
        self.rpc, self.registry, self.forward = rpc, config.registry, forward
        self.jurisdictions = frozenset(config.jurisdictions)
        self.skipped = 0

    async def __call__(self, event: RequestEvent) -> None:
        code = await investor_jurisdiction(self.rpc, self.registry, event.account, event.block_number)
        if code in self.jurisdictions:
            await self.forward(event)
            return
        self.skipped += 1
        log.info("request left to the investor's regional deployment",
                 extra={"request_id": event.request_id, "jurisdiction": code or None,
                        "served": sorted(self.jurisdictions)})
