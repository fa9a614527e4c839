"""The relayer's side of the attestors: it holds no attestor key, it asks each attestor service (`rat-attestor`)
for its signature over mutual TLS and checks the answer recovers to that attestor's address.

Asking is idempotent: an attestor signs the same fill again (same terms; the deadline may be later) and never a
different one for the same request, so a retry after any crash on either side gets an equivalent signature."""

from __future__ import annotations

import asyncio
import json
import ssl
from pathlib import Path

import aiohttp
from eth_account import Account
from eth_utils import to_checksum_address

from rat.attestations import Attestation, Fill
from relayer.errors import AdapterError, RelayerError

TRACE_HEADER = "X-Request-Trace-Id"
# The attestor is waiting for something that will come (confirmations, a vendor or node that is back): retry.
RETRYABLE_PROBLEMS = {"request-not-confirmed", "source-unavailable"}


class AttestorRefused(RelayerError):
    """An attestor reviewed the fill and said no; nothing was signed."""

    hint = ("the attestor's own sources disagree with this fill: compare its problem detail with the broker's and "
            "the custodian's records; the saga retries with backoff")

    def __init__(self, role: str, status: int, slug: str, detail: str) -> None:
        super().__init__(f"{role} attestor refused the fill ({status} {slug}): {detail}")
        self.role, self.status, self.slug = role, status, slug


def client_context(cert: Path, key: Path, server_ca: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(server_ca))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert), str(key))
    return context


class AttestorClient:
    def __init__(self, role: str, url: str, context: ssl.SSLContext, address: str | None = None,
                 timeout: float = 15.0) -> None:
        self.role = role
        self.url = url.rstrip("/")
        self.address = to_checksum_address(address) if address else None
        self._context = context
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _http(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self._context, limit=16),
                                                  timeout=aiohttp.ClientTimeout(total=self._timeout))
            self._loop = loop
        return self._session

    async def attest(self, fill: Fill, digest: bytes, trace_id: str) -> Attestation:
        body = {
            "request_id": "0x" + fill.request_id.hex(), "shares": fill.shares, "price": fill.price, "fees": fill.fees,
            "broker_order_ref": "0x" + fill.broker_order_ref.hex(), "custody_ref": "0x" + fill.custody_ref.hex(),
            "deadline": fill.deadline,
        }
        try:
            async with self._http().post(f"{self.url}/v1/fills", json=body, headers={TRACE_HEADER: trace_id}) as r:
                status, raw = r.status, await r.read()
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise AdapterError(f"{self.role} attestor at {self.url} unreachable ({exc.__class__.__name__})",
                               retryable=True, hint="start the attestor or check its URL and TLS files") from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise AdapterError(f"{self.role} attestor answered HTTP {status} without JSON", retryable=True) from None
        if status != 200:
            slug = str(answer.get("type", "")).rsplit(":", 1)[-1]
            detail = str(answer.get("detail", answer))
            if status >= 500 or slug in RETRYABLE_PROBLEMS:
                raise AdapterError(f"{self.role} attestor: {detail}", retryable=True)
            raise AttestorRefused(self.role, status, slug, detail)
        signature = bytes.fromhex(str(answer["signature"]).removeprefix("0x"))
        try:
            recovered = Account._recover_hash(digest, signature=signature)
        except Exception:
            recovered = None
        expected = self.address or to_checksum_address(answer["signer"])
        if recovered != expected:
            # Never submit what the Minter would refuse, nor trust an attestor that signs something else.
            raise AdapterError(f"{self.role} attestor's signature recovers to {recovered}, expected {expected}",
                               retryable=False, hint="check the attestor's key and the relayer's `attestors` "
                                                     "addresses and chain/Minter settings")
        return Attestation(signer=recovered, signature=signature)

    async def health(self) -> dict:
        async with self._http().get(f"{self.url}/healthz") as r:
            return await r.json()

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None
