"""The certificates NATS servers present to each other on cluster routes (ADR 0042).

One bundle per stack: a private CA made for it, and one certificate and key every server presents and verifies
(`verify: true`: a route is accepted only from a peer whose certificate that CA signed, so the route is both
encrypted and authenticated). The CA's key is thrown away once the certificate is signed: nothing can issue a
second route certificate, and rotating means issuing a new bundle. The bundle is stored as the stack's
`nats-route-tls` secret (JSON: `ca`, `cert`, `key`), which ECS hands to each server at start.

    python -m rat_infra.route_tls issue --namespace prod.rat.internal > bundle.json
    aws secretsmanager put-secret-value --secret-id rat-prod/nats-route-tls --secret-string file://bundle.json
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json

import click
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Browsers and most TLS stacks cap leaf certificates at 398 days; a year plus a month of slack.
DEFAULT_DAYS = 397
BUNDLE_KEYS = ("ca", "cert", "key")


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def issue_bundle(hosts: list[str], days: int = DEFAULT_DAYS, now: dt.datetime | None = None, *,
                 purpose: str = "route", client_auth: bool = True) -> dict[str, str]:
    """A fresh CA and one certificate for `hosts` (DNS names, `*.` wildcards or IP addresses). A route certificate
    is usable as both TLS server and client, since each server dials some routes and accepts the others;
    `client_auth=False` makes a server-only certificate (the bus's client port, rat_infra/bus_tls.py). `purpose`
    names the CA, so an operator can tell the stack's CAs apart."""
    if not hosts:
        raise ValueError("a route certificate needs at least one host name")
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    start = (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(minutes=5)  # clock skew between servers
    end = start + dt.timedelta(days=days)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"RAT NATS {purpose} CA ({hosts[0]})")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([_san(h) for h in hosts]), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, *([ExtendedKeyUsageOID.CLIENT_AUTH] if client_auth else [])]
            ),
            critical=False,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {"ca": _pem(ca), "cert": _pem(cert), "key": key_pem}


@click.group()
def cli() -> None:
    """Route TLS for the stack's NATS servers (the `nats-route-tls` secret)."""


@cli.command()
@click.option("--namespace", required=True, metavar="NAME",
              help="The stack's Cloud Map namespace, e.g. prod.rat.internal: the certificate names *.NAME, which "
                   "covers every server nats-<i>.NAME, also ones added later.")
@click.option("--days", type=click.IntRange(min=1), default=DEFAULT_DAYS, show_default=True,
              help="Validity. Issue and store a new bundle before it ends, then restart the servers one at a time "
                   "(two of three keep the JetStream quorum while routes to the old certificate fail).")
def issue(namespace: str, days: int) -> None:
    """Print a new route TLS bundle as JSON, for `aws secretsmanager put-secret-value --secret-string file://-`."""
    click.echo(json.dumps(issue_bundle([namespace_wildcard(namespace)], days), indent=2))


def namespace_wildcard(namespace: str) -> str:
    """`*.<namespace>`, the name every server `nats-<i>.<namespace>` matches; a click error for a non-namespace."""
    name = namespace.strip().strip(".")
    if not name or "*" in name or " " in name:
        raise click.BadParameter(f"{namespace!r} is not a DNS namespace", param_hint="--namespace")
    return f"*.{name}"


if __name__ == "__main__":
    cli()
