"""Sumsub webhook verification and payload, as Sumsub documents them
(https://docs.sumsub.com/docs/webhook-manager#verify-webhook-sender, https://docs.sumsub.com/docs/webhooks):

* `X-Payload-Digest` is the hex HMAC of the raw request body keyed with the webhook's secret key;
* `X-Payload-Digest-Alg` names the hash: `HMAC_SHA1_HEX`, `HMAC_SHA256_HEX` (the default) or `HMAC_SHA512_HEX`.
  SHA-1 is refused here (decision 0028);
* failed deliveries are resent after 5 min, 1 h, 5 h and 18 h; `createdAtMs` tells which status is the newest."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import UTC
from typing import Literal

from eth_utils import keccak
from pydantic import BaseModel, ConfigDict, Field

ALGORITHMS = {"HMAC_SHA256_HEX": hashlib.sha256, "HMAC_SHA512_HEX": hashlib.sha512}
REFUSED_ALGORITHMS = {"HMAC_SHA1_HEX"}
DIGEST_HEADER = "x-payload-digest"
ALG_HEADER = "x-payload-digest-alg"


class SignatureError(Exception):
    """The delivery is not provably from Sumsub."""


def sign(body: bytes, secret: str, algorithm: str = "HMAC_SHA256_HEX") -> str:
    """The digest Sumsub sends for `body` (what a test or simulator signs with)."""
    return hmac.new(secret.encode(), body, ALGORITHMS[algorithm]).hexdigest()


def verify(body: bytes, digest: str | None, algorithm: str | None, secrets: Iterable[str]) -> str:
    """Returns the verified digest (lower-case hex) or raises SignatureError."""
    if not digest:
        raise SignatureError("missing X-Payload-Digest header")
    if not algorithm:
        raise SignatureError("missing X-Payload-Digest-Alg header")
    if algorithm in REFUSED_ALGORITHMS:
        raise SignatureError(f"{algorithm} is not accepted; choose SHA256 or SHA512 in the Sumsub webhook settings")
    hash_fn = ALGORITHMS.get(algorithm)
    if hash_fn is None:
        raise SignatureError(f"unknown digest algorithm {algorithm!r}")
    digest = digest.strip().lower()
    for secret in secrets:
        expected = hmac.new(secret.encode(), body, hash_fn).hexdigest()
        if hmac.compare_digest(expected, digest):
            return digest
    raise SignatureError("X-Payload-Digest does not match the body")


class ReviewResult(BaseModel):
    model_config = ConfigDict(extra="ignore")

    reviewAnswer: Literal["GREEN", "RED"]
    reviewRejectType: Literal["FINAL", "RETRY"] | None = None


class ApplicantEvent(BaseModel):
    """The fields of a Sumsub user-verification webhook that the sync uses. Sumsub adds fields over time, so
    others are ignored (and never stored)."""

    model_config = ConfigDict(extra="ignore")

    type: str = Field(min_length=1, max_length=64)
    applicantId: str = Field(min_length=1, max_length=64)
    externalUserId: str | None = Field(default=None, max_length=200)
    levelName: str | None = Field(default=None, max_length=128)
    reviewStatus: str | None = Field(default=None, max_length=32)
    reviewResult: ReviewResult | None = None
    createdAtMs: str | int = Field(description="provider time of the event, e.g. '2020-02-21 13:23:19.321'")
    sandboxMode: bool | None = None


def provider_ref(applicant_id: str) -> bytes:
    """What goes on-chain: the keccak of the provider-qualified applicant id, never the id itself."""
    return keccak(text=f"sumsub:{applicant_id}")


def event_time_ms(value: str | int) -> int:
    """`createdAtMs` as unix milliseconds. Sumsub sends 'YYYY-MM-DD HH:MM:SS.fff' (UTC); integers are taken as ms."""
    from datetime import datetime

    if isinstance(value, int):
        return value
    text = value.strip()
    if text.isdigit():
        return int(text)
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            moment = datetime.strptime(text, fmt).replace(tzinfo=UTC)
            return int(moment.timestamp() * 1000)
        except ValueError:
            continue
    raise ValueError(f"createdAtMs {value!r} is not a Sumsub timestamp")
