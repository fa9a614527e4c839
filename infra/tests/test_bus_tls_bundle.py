"""The client-port TLS bundle an operator issues for a stack's NATS servers (rat_infra/bus_tls.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from rat_infra.bus_tls import cli, issue_bus_bundle
from rat_infra.route_tls import BUNDLE_KEYS, issue_bundle


def _load(bundle: dict[str, str]) -> tuple[x509.Certificate, x509.Certificate]:
    return (x509.load_pem_x509_certificate(bundle["ca"].encode()),
            x509.load_pem_x509_certificate(bundle["cert"].encode()))


def _issue(*args: str) -> dict[str, str]:
    result = CliRunner().invoke(cli, ["issue", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_cli_issues_a_certificate_naming_every_server_of_the_namespace():
    ca, cert = _load(_issue("--namespace", "prod.rat.internal."))
    cert.verify_directly_issued_by(ca)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["*.prod.rat.internal"]


def test_the_bundle_holds_one_private_key_the_servers_and_never_the_cas():
    bundle = _issue("--namespace", "prod.rat.internal")
    assert tuple(bundle) == BUNDLE_KEYS
    assert bundle["key"].count("PRIVATE KEY-----") == 2 and "PRIVATE KEY" not in bundle["ca"] + bundle["cert"]


def test_the_client_port_certificate_serves_tls_only_so_it_cannot_join_a_route():
    _, cert = _load(issue_bus_bundle("*.prod.rat.internal"))
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_the_bus_ca_is_neither_the_route_ca_nor_named_like_it():
    bus_ca, _ = _load(issue_bus_bundle("*.prod.rat.internal"))
    route_ca, _ = _load(issue_bundle(["*.prod.rat.internal"]))
    assert bus_ca.public_key() != route_ca.public_key()
    assert "client-port" in bus_ca.subject.rfc4514_string() and "route" in route_ca.subject.rfc4514_string()


def test_the_certificate_expires_after_the_days_asked():
    now = dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc)
    _, cert = _load(issue_bus_bundle("*.a", days=90, now=now))
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=90)
    assert cert.not_valid_before_utc == now - dt.timedelta(minutes=5)


def test_the_cli_defaults_to_a_validity_browsers_would_accept():
    _, cert = _load(_issue("--namespace", "prod.rat.internal"))
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=397)


@pytest.mark.parametrize("namespace", ["", "*.prod.rat.internal", "prod rat"])
def test_the_cli_refuses_what_is_not_a_namespace(namespace: str):
    result = CliRunner().invoke(cli, ["issue", "--namespace", namespace])
    assert result.exit_code == 2 and "is not a DNS namespace" in result.output


def test_the_cli_refuses_zero_days():
    result = CliRunner().invoke(cli, ["issue", "--namespace", "prod.rat.internal", "--days", "0"])
    assert result.exit_code == 2
