"""The route TLS bundle an operator issues for a stack's NATS servers (rat_infra/route_tls.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from rat_infra.route_tls import BUNDLE_KEYS, cli, issue_bundle


def _load(bundle: dict[str, str]) -> tuple[x509.Certificate, x509.Certificate]:
    return x509.load_pem_x509_certificate(bundle["ca"].encode()), x509.load_pem_x509_certificate(
        bundle["cert"].encode()
    )


def test_the_bundle_holds_the_ca_certificate_and_key_but_never_the_cas_key():
    bundle = issue_bundle(["*.prod.rat.internal"])
    assert tuple(bundle) == BUNDLE_KEYS
    assert bundle["key"].count("PRIVATE KEY-----") == 2  # one key: the route certificate's


def test_the_route_certificate_is_signed_by_the_bundles_ca_and_names_the_hosts():
    ca, cert = _load(issue_bundle(["*.prod.rat.internal", "10.0.0.7"]))
    cert.verify_directly_issued_by(ca)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["*.prod.rat.internal"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["10.0.0.7"]


def test_the_route_certificate_serves_both_ends_of_a_route_and_cannot_sign():
    ca, cert = _load(issue_bundle(["*.prod.rat.internal"]))
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(usage) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca is True and constraints.path_length == 0


def test_each_bundle_has_its_own_ca():
    first, _ = _load(issue_bundle(["*.a"]))
    second, _ = _load(issue_bundle(["*.a"]))
    assert first.public_key() != second.public_key()


def test_the_certificate_is_valid_for_the_days_asked_from_just_before_now():
    now = dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc)
    _, cert = _load(issue_bundle(["*.a"], days=30, now=now))
    assert cert.not_valid_before_utc == now - dt.timedelta(minutes=5)
    assert cert.not_valid_after_utc == now - dt.timedelta(minutes=5) + dt.timedelta(days=30)
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)


@pytest.mark.parametrize("hosts, days", [([], 30), (["*.a"], 0)])
def test_no_hosts_or_no_days_is_refused(hosts: list[str], days: int):
    with pytest.raises(ValueError):
        issue_bundle(hosts, days)


def test_the_cli_issues_a_wildcard_for_the_namespace():
    result = CliRunner().invoke(cli, ["issue", "--namespace", "prod.rat.internal."])
    assert result.exit_code == 0, result.output
    _, cert = _load(json.loads(result.output))
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["*.prod.rat.internal"]


@pytest.mark.parametrize("namespace", ["", "*.prod.rat.internal", "prod rat"])
def test_the_cli_refuses_what_is_not_a_namespace(namespace: str):
    result = CliRunner().invoke(cli, ["issue", "--namespace", namespace])
    assert result.exit_code == 2
    assert "is not a DNS namespace" in result.output
