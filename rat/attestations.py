"""EIP-712 attestations exactly as the contracts verify them.

Two signed messages exist:

* ``Fill`` - signed by the brokerage and custody attestors, verified by the Minter (domain "RAT Minter", "1").
  The request's asset and account are part of the signed struct, taken from the Minter's storage, so a
  signature can never be moved to another investor or equity. Signatures go to the Minter sorted by signer
  address, ascending (that is how the Minter rejects duplicates in one comparison).
* ``Round`` - signed by an asset's custodian, verified by the ReserveRegistry (domain "RAT ReserveRegistry", "1").

Every function is pure: nothing here talks to a chain, so relayers and publishers can sign offline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from eth_abi import encode
from eth_account import Account
from eth_utils import keccak, to_canonical_address, to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, field_validator

MINTER_DOMAIN_NAME = "RAT Minter"
RESERVE_DOMAIN_NAME = "RAT ReserveRegistry"
DOMAIN_VERSION = "1"

DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
FILL_TYPE = (
    "Fill(bytes32 requestId,address asset,address account,uint256 shares,uint256 price,uint256 fees,"
    "bytes32 brokerOrderRef,bytes32 custodyRef,uint256 deadline)"
)
ROUND_TYPE = (
    "Round(address asset,uint80 roundId,uint256 shares,uint64 asOf,bytes32 merkleRoot,string statementURI,"
    "bytes32 statementHash)"
)
DOMAIN_TYPEHASH = keccak(text=DOMAIN_TYPE)
FILL_TYPEHASH = keccak(text=FILL_TYPE)
ROUND_TYPEHASH = keccak(text=ROUND_TYPE)

UINT256_MAX = 2**256 - 1
Bytes32 = bytes


def _b32(value: bytes | str) -> bytes:
    raw = bytes.fromhex(value.removeprefix("0x")) if isinstance(value, str) else bytes(value)
    if len(raw) != 32:
        raise ValueError(f"expected 32 bytes, got {len(raw)}")
    return raw


class Fill(BaseModel):
    """Mirror of the Solidity ``Fill`` struct (the calldata of fulfillMint / fulfillBurn)."""

    model_config = ConfigDict(frozen=True)

    request_id: Bytes32
    shares: int = Field(ge=0, le=UINT256_MAX)
    price: int = Field(ge=0, le=UINT256_MAX)
    fees: int = Field(ge=0, le=UINT256_MAX)
    broker_order_ref: Bytes32
    custody_ref: Bytes32
    deadline: int = Field(ge=0, le=UINT256_MAX)

    @field_validator("request_id", "broker_order_ref", "custody_ref", mode="before")
    @classmethod
    def _bytes32(cls, v: bytes | str) -> bytes:
        return _b32(v)

    def as_tuple(self) -> tuple:
        """The ABI tuple Ape passes as the ``Fill`` argument."""
        return (
            self.request_id,
            self.shares,
            self.price,
            self.fees,
            self.broker_order_ref,
            self.custody_ref,
            self.deadline,
        )


class RoundReport(BaseModel):
    """Mirror of the Solidity ``RoundReport`` struct (the calldata of ReserveRegistry.publishRound)."""

    model_config = ConfigDict(frozen=True)

    asset: str
    round_id: int = Field(ge=1, lt=2**80)
    shares: int = Field(ge=0, le=UINT256_MAX)
    as_of: int = Field(ge=0, lt=2**64)
    merkle_root: Bytes32
    statement_uri: str = Field(min_length=1)
    statement_hash: Bytes32

    @field_validator("asset", mode="before")
    @classmethod
    def _address(cls, v: str) -> str:
        return to_checksum_address(v)

    @field_validator("merkle_root", "statement_hash", mode="before")
    @classmethod
    def _bytes32(cls, v: bytes | str) -> bytes:
        return _b32(v)

    def as_tuple(self) -> tuple:
        return (
            self.asset,
            self.round_id,
            self.shares,
            self.as_of,
            self.merkle_root,
            self.statement_uri,
            self.statement_hash,
        )


class Attestation(BaseModel):
    """One attestor's signature over a fill, with the address it recovers to."""

    model_config = ConfigDict(frozen=True)

    signer: str
    signature: bytes = Field(min_length=65, max_length=65)


# ---------------------------------------------------------------------------------------------- hashing


def domain_separator(name: str, chain_id: int, verifying_contract: str) -> bytes:
    return keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                DOMAIN_TYPEHASH,
                keccak(text=name),
                keccak(text=DOMAIN_VERSION),
                chain_id,
                to_checksum_address(verifying_contract),
            ],
        )
    )


def _typed_digest(separator: bytes, struct_hash: bytes) -> bytes:
    return keccak(b"\x19\x01" + separator + struct_hash)


def request_id(chain_id: int, minter: str, account: str, nonce: int) -> bytes:
    """The id the Minter gives the `nonce`-th request of `account`: unique across chains and deployments, known
    before the transaction is mined, and usable verbatim as the broker's idempotency key (client order id)."""
    return keccak(
        encode(
            ["uint256", "address", "address", "uint256"],
            [chain_id, to_checksum_address(minter), to_checksum_address(account), nonce],
        )
    )


def fill_struct_hash(fill: Fill, asset: str, account: str) -> bytes:
    return keccak(
        encode(
            ["bytes32", "bytes32", "address", "address", "uint256", "uint256", "uint256", "bytes32", "bytes32",
             "uint256"],
            [
                FILL_TYPEHASH,
                fill.request_id,
                to_checksum_address(asset),
                to_checksum_address(account),
                fill.shares,
                fill.price,
                fill.fees,
                fill.broker_order_ref,
                fill.custody_ref,
                fill.deadline,
            ],
        )
    )


def fill_digest(chain_id: int, minter: str, fill: Fill, asset: str, account: str) -> bytes:
    """The digest Minter.fillDigest returns for `fill` of a request on `asset` by `account`."""
    return _typed_digest(domain_separator(MINTER_DOMAIN_NAME, chain_id, minter), fill_struct_hash(fill, asset, account))


def round_struct_hash(report: RoundReport) -> bytes:
    return keccak(
        encode(
            ["bytes32", "address", "uint80", "uint256", "uint64", "bytes32", "bytes32", "bytes32"],
            [
                ROUND_TYPEHASH,
                report.asset,
                report.round_id,
                report.shares,
                report.as_of,
                report.merkle_root,
                keccak(text=report.statement_uri),
                report.statement_hash,
            ],
        )
    )


def round_digest(chain_id: int, reserve_registry: str, report: RoundReport) -> bytes:
    """The digest ReserveRegistry.roundDigest returns for `report`."""
    return _typed_digest(domain_separator(RESERVE_DOMAIN_NAME, chain_id, reserve_registry), round_struct_hash(report))


# ---------------------------------------------------------------------------------------------- signing


def _sign_digest(private_key: bytes | str, digest: bytes) -> bytes:
    signed = Account.unsafe_sign_hash(digest, private_key)
    return signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])


def sign_fill(private_key: bytes | str, chain_id: int, minter: str, fill: Fill, asset: str, account: str) -> Attestation:
    """One attestor's signature over `fill`."""
    signature = _sign_digest(private_key, fill_digest(chain_id, minter, fill, asset, account))
    return Attestation(signer=Account.from_key(private_key).address, signature=signature)


def sign_round(private_key: bytes | str, chain_id: int, reserve_registry: str, report: RoundReport) -> bytes:
    """The custodian's 65-byte signature over `report`."""
    return _sign_digest(private_key, round_digest(chain_id, reserve_registry, report))


def ordered_signatures(attestations: Iterable[Attestation]) -> list[bytes]:
    """The `attestations` argument of fulfillMint / fulfillBurn: signatures sorted by signer, ascending."""
    return [a.signature for a in sorted(attestations, key=lambda a: int.from_bytes(to_canonical_address(a.signer)))]


def attest_fill(
    private_keys: Sequence[bytes | str], chain_id: int, minter: str, fill: Fill, asset: str, account: str
) -> list[bytes]:
    """Signs `fill` with every key and returns the signatures in the order the Minter requires."""
    return ordered_signatures(sign_fill(k, chain_id, minter, fill, asset, account) for k in private_keys)
