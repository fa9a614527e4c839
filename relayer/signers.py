"""Signers, one per attestor role and one for the transaction sender, behind one interface.

Implementations never expose key material: not in `repr`, not in exceptions, not in logs. A signer signs a
32-byte digest (EIP-712 fill digests, transaction hashes) and returns r ‖ s ‖ v with v in {27, 28} and a low s.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from eth_account import Account
from eth_keys import keys
from eth_keys.exceptions import BadSignature
from eth_utils import to_checksum_address

from relayer.errors import KmsSignatureMismatch, SignerError, SignerLocked

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@runtime_checkable
class Signer(Protocol):
    @property
    def address(self) -> str: ...

    def sign_digest(self, digest: bytes) -> bytes:
        """65-byte r ‖ s ‖ v (v = 27/28) over a 32-byte digest."""
        ...


def _backend():
    """coincurve (libsecp256k1) when installed, as the project pins it: a signature costs ~0.2 ms instead of ~7 ms
    in eth-keys' pure-Python backend, and the daemon makes three per request (two attestations, one transaction)."""
    try:
        from eth_keys.backends import CoinCurveECCBackend

        return CoinCurveECCBackend()
    except ImportError:
        return None


class _KeySigner:
    """Holds a secp256k1 key in memory; the base of the keystore signer."""

    def __init__(self, private_key: bytes, label: str) -> None:
        key = keys.PrivateKey(private_key, backend=_backend())
        # The key lives only in this closure: not an attribute, so no vars()/repr()/structured log can dump it.
        self._sign = lambda digest: key.sign_msg_hash(digest)
        self._label = label
        self.address = to_checksum_address(key.public_key.to_checksum_address())
        self.uses = 0

    def sign_digest(self, digest: bytes) -> bytes:
        if len(digest) != 32:
            raise SignerError(f"{self._label}: a digest is 32 bytes, got {len(digest)}")
        signature = self._sign(digest)
        self.uses += 1
        return signature.r.to_bytes(32, "big") + signature.s.to_bytes(32, "big") + bytes([signature.v + 27])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._label} {self.address}>"


class KeystoreSigner(_KeySigner):
    """An encrypted JSON keystore (the format Ape's `ape accounts` writes to ~/.ape/accounts/ALIAS.json),
    unlocked with a passphrase read from an environment variable so it never sits in the config file."""

    @classmethod
    def from_file(cls, path: Path, passphrase_env: str, label: str | None = None) -> KeystoreSigner:
        label = label or path.stem
        if not path.is_file():
            raise SignerError(
                f"{label}: keystore file {path} not found",
                hint="create one with `ape accounts generate ALIAS` or `rat-relayer keys new`",
            )
        passphrase = os.environ.get(passphrase_env)
        if passphrase is None:
            raise SignerLocked(f"{label}: environment variable {passphrase_env} is not set")
        try:
            key = Account.decrypt(path.read_text(), passphrase)
        except ValueError:
            raise SignerLocked(f"{label}: wrong passphrase for keystore {path} (from {passphrase_env})") from None
        except Exception as exc:
            raise SignerError(f"{label}: {path} is not a valid keystore ({exc.__class__.__name__})") from None
        return cls(bytes(key), label)

    @staticmethod
    def create(path: Path, passphrase: str, private_key: bytes | None = None, scrypt_n: int | None = None) -> str:
        """Writes a new encrypted keystore (a fresh random key unless one is given); returns its address.
        `scrypt_n` below the default (2**18) only makes sense for throw-away test keys: unlocking costs ~1 s."""
        account = Account.from_key(private_key) if private_key else Account.create()
        path.parent.mkdir(parents=True, exist_ok=True)
        import json

        path.write_text(json.dumps(Account.encrypt(account.key, passphrase, iterations=scrypt_n)))
        path.chmod(0o600)
        return account.address


def _der_signature(der: bytes) -> tuple[int, int]:
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    return decode_dss_signature(der)


def _address_from_spki(spki_der: bytes) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_der_public_key

    key = load_der_public_key(spki_der)
    curve = getattr(key, "curve", None)
    if curve is None or curve.name != "secp256k1":
        raise SignerError(
            f"KMS key is not secp256k1 (curve {getattr(curve, 'name', 'none')})",
            hint="create the key with KeySpec=ECC_SECG_P256K1 and KeyUsage=SIGN_VERIFY",
        )
    point = key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return keys.PublicKey(point[1:]).to_checksum_address()


class KmsSigner:
    """AWS KMS asymmetric key (ECC_SECG_P256K1): the key never leaves the HSM. KMS returns a DER ECDSA signature
    without recovery id and possibly with a high s; we normalise s (EIP-2) and find v by recovering against the
    key's own address, refusing to return any signature that does not recover to it."""

    def __init__(self, key_id: str, client: Any, label: str) -> None:
        self.key_id = key_id
        self._client = client
        self._label = label
        self.uses = 0
        try:
            spki = client.get_public_key(KeyId=key_id)["PublicKey"]
        except Exception as exc:
            raise SignerError(f"{label}: cannot read KMS public key of {key_id} ({exc.__class__.__name__})") from None
        self.address = _address_from_spki(spki)

    @classmethod
    def from_config(cls, key_id: str, region: str, endpoint_url: str | None, label: str) -> KmsSigner:
        import boto3

        return cls(key_id, boto3.client("kms", region_name=region, endpoint_url=endpoint_url), label)

    def sign_digest(self, digest: bytes) -> bytes:
        if len(digest) != 32:
            raise SignerError(f"{self._label}: a digest is 32 bytes, got {len(digest)}")
        try:
            der = self._client.sign(
                KeyId=self.key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256"
            )["Signature"]
        except Exception as exc:
            raise SignerError(f"{self._label}: KMS Sign failed ({exc.__class__.__name__})") from None
        r, s = _der_signature(der)
        if s > SECP256K1_N // 2:
            s = SECP256K1_N - s
        for v in (0, 1):
            try:
                recovered = keys.Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest)
            except BadSignature:
                continue
            if recovered.to_checksum_address() == self.address:
                self.uses += 1
                return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v + 27])
        raise KmsSignatureMismatch(f"{self._label}: KMS signature does not recover to {self.address}")

    def __repr__(self) -> str:
        return f"<KmsSigner {self._label} {self.address}>"
