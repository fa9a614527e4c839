"""Signers sign digests that recover to their own address, and never reveal key material."""

from __future__ import annotations

import os

import boto3
import pytest
from eth_account import Account
from eth_keys import keys
from moto import mock_aws

from rat.attestations import Fill, fill_digest
from relayer.errors import KmsSignatureMismatch, SignerError, SignerLocked
from relayer.signers import KeystoreSigner, KmsSigner, Signer


def recover(digest: bytes, signature: bytes) -> str:
    return keys.Signature(vrs=(signature[64] - 27, int.from_bytes(signature[:32]), int.from_bytes(signature[32:64]))) \
        .recover_public_key_from_msg_hash(digest).to_checksum_address()


@pytest.fixture
def keystore(tmp_path, monkeypatch):
    key = os.urandom(32)
    path = tmp_path / "brokerage.json"
    KeystoreSigner.create(path, "correct horse", key)
    monkeypatch.setenv("RAT_TEST_PASS", "correct horse")
    return path, key


def test_a_keystore_signer_signs_fill_digests_that_recover_to_its_address(keystore):
    path, key = keystore
    signer = KeystoreSigner.from_file(path, "RAT_TEST_PASS", "brokerage")
    fill = Fill(request_id=b"\x01" * 32, shares=10**18, price=10**8, fees=0, broker_order_ref=b"\x02" * 32,
                custody_ref=b"\x03" * 32, deadline=2**40)
    digest = fill_digest(31337, "0x" + "44" * 20, fill, "0x" + "55" * 20, "0x" + "66" * 20)
    signature = signer.sign_digest(digest)
    assert isinstance(signer, Signer)
    assert signer.address == Account.from_key(key).address == recover(digest, signature)
    assert int.from_bytes(signature[32:64]) <= 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


def test_a_keystore_with_the_wrong_passphrase_is_locked_and_the_message_holds_no_secret(keystore, monkeypatch):
    path, key = keystore
    monkeypatch.setenv("RAT_TEST_PASS", "hunter2-not-it")
    with pytest.raises(SignerLocked) as info:
        KeystoreSigner.from_file(path, "RAT_TEST_PASS")
    assert "hunter2" not in str(info.value) and key.hex() not in info.value.explain()


def test_a_keystore_without_its_passphrase_variable_names_the_variable(keystore, monkeypatch):
    path, _ = keystore
    monkeypatch.delenv("RAT_TEST_PASS")
    with pytest.raises(SignerLocked, match="RAT_TEST_PASS"):
        KeystoreSigner.from_file(path, "RAT_TEST_PASS")


def test_a_missing_keystore_file_is_a_signer_error(tmp_path):
    with pytest.raises(SignerError, match="not found"):
        KeystoreSigner.from_file(tmp_path / "none.json", "X")


def test_the_signer_repr_shows_the_address_and_not_the_key(keystore):
    path, key = keystore
    signer = KeystoreSigner.from_file(path, "RAT_TEST_PASS", "custody")
    assert signer.address in repr(signer) and key.hex() not in repr(signer) and key.hex() not in str(vars(signer))


def test_a_digest_of_the_wrong_length_is_refused(keystore):
    signer = KeystoreSigner.from_file(keystore[0], "RAT_TEST_PASS")
    with pytest.raises(SignerError, match="32 bytes"):
        signer.sign_digest(b"\x00" * 31)


@pytest.fixture
def kms():
    with mock_aws():
        yield boto3.client("kms", region_name="us-east-1")


def test_a_kms_signer_derives_its_address_from_the_kms_public_key(kms):
    key_id = kms.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    signer = KmsSigner(key_id, kms, "custody")
    assert signer.address.startswith("0x") and len(signer.address) == 42
    assert isinstance(signer, Signer)


def test_a_kms_key_on_another_curve_is_refused(kms):
    key_id = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    with pytest.raises(SignerError, match="not secp256k1"):
        KmsSigner(key_id, kms, "custody")


def test_a_kms_signer_never_returns_a_signature_that_does_not_recover_to_its_address(kms):
    # moto 5.2.5 ignores MessageType=DIGEST and signs sha256(digest) instead (its docstring says DIGEST is not
    # implemented), so against it the recovery check must refuse every signature.
    key_id = kms.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    signer = KmsSigner(key_id, kms, "custody")
    with pytest.raises(KmsSignatureMismatch):
        signer.sign_digest(b"\x42" * 32)


@pytest.mark.xfail(strict=True, reason="moto 5.2.5 does not implement KMS Sign with MessageType=DIGEST")
def test_a_kms_signer_signs_digests_that_recover_to_its_address(kms):
    key_id = kms.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    signer = KmsSigner(key_id, kms, "custody")
    digest = b"\x42" * 32
    assert recover(digest, signer.sign_digest(digest)) == signer.address
