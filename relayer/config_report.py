"""What `config-check` prints: where a loaded config's connection settings come from, never a secret.

An RPC URL usually embeds the provider's API key in its path or query, so only its scheme and host are shown; a
token or passphrase is shown only as the variable that holds it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from relayer.config import KmsSignerConfig, RelayerConfig, SignerConfig
from relayer.config_source import ConfigSource
from relayer.events.bus_tls import wants_tls


def public_url(url: str) -> str:
    """`url` without credentials, path or query: what may appear in a log."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return "(not a URL)"
    port = f":{parts.port}" if parts.port else ""
    hidden = "/…" if (parts.path not in ("", "/") or parts.query or parts.username) else ""
    return f"{parts.scheme}://{parts.hostname}{port}{hidden}"


def _from(env: str | None) -> str:
    return f" (from ${env})" if env else ""


def _named(value: str | None, env: str | None, environ: Mapping[str, str]) -> str:
    """A value the config writes, or the variable it names with the value found there (or that it is unset: only
    a command that signs needs it)."""
    if env is None:
        return str(value)
    found = environ.get(env)
    return f"{found} (from ${env})" if found else f"${env}, NOT SET here (needed by commands that sign)"


def signer_line(label: str, signer: SignerConfig, environ: Mapping[str, str]) -> str:
    if isinstance(signer, KmsSignerConfig):
        return (f"{label}: KMS key {_named(signer.key_id, signer.key_id_env, environ)}, "
                f"region {_named(signer.region, signer.region_env, environ)}")
    return f"{label}: keystore {signer.path}, passphrase in ${signer.passphrase_env}"


def bus_transport(url: str, ca: Path | None) -> str:
    """How the bus connection is protected, as config-check prints it."""
    if ca is not None:
        return f"TLS verified against the bus CA {ca}"
    if wants_tls(url, ca):
        return "TLS verified against the system trust store"
    return "plaintext (no tls:// URL, no events.nats_tls_ca)"


def relayer_report(config: RelayerConfig, source: ConfigSource, environ: Mapping[str, str]) -> list[str]:
    lines = [f"config: {source}", f"rpc_url: {public_url(config.rpc_url)}{_from(config.rpc_url_env)}"]
    iam = config.database_iam
    if iam is not None:
        server = {"require": "server certificate not verified",
                  "verify-ca": f"server certificate verified against {iam.sslrootcert}, its name not checked",
                  "verify-full": f"server certificate and name verified against {iam.sslrootcert}"}[iam.sslmode]
        lines.append(f"database: postgresql {iam.user}@{iam.host}:{iam.port}/{iam.dbname} (user from ${iam.user_env}, "
                     f"host from ${iam.host_env}), RDS IAM token per connection, region {iam.region}, "
                     f"sslmode {iam.sslmode}: {server}")
    else:
        lines.append(f"database: {config.database_url.split('://', 1)[0]} (database_url)")
    events = config.events
    if events.nats_url is None:
        lines.append("events: no bus (events stay in the outbox)")
    else:
        token = f", token from ${events.nats_token_env}" if events.nats_token_env else ", no token"
        lines.append(f"events: {', '.join(public_url(u) for u in events.nats_url.split(','))}"
                     f"{_from(events.nats_url_env)}{token}, {bus_transport(events.nats_url, events.nats_tls_ca)}")
    lines.append(signer_line("signers.sender", config.signers.sender, environ))
    if config.kyc is not None:
        lines.append(signer_line("kyc.signer", config.kyc.signer, environ))
    if config.attestors is not None:
        a = config.attestors
        lines.append(f"attestors: client certificate {a.client_cert}, key {a.client_key}, server CA {a.server_ca}")
    return lines
