"""TLS to the event bus: the context a bus client verifies the NATS servers with, and the guard that hands the
token only to an encrypted connection.

The stack's servers take clients over TLS only, with a certificate from the stack's own bus CA
(infra/rat_infra/bus_tls.py); `events.nats_tls_ca` names that CA's file, and the client then trusts that CA alone
(not the system store: no public CA can vouch for `nats-0.prod.rat.internal`) and checks the server's name. A
`tls://` URL without `nats_tls_ca` verifies against the system trust store, for a bus with a public certificate."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

from relayer.errors import ConfigError

TLS_SCHEME = "tls://"


def wants_tls(url: str, ca: Path | None) -> bool:
    """Whether the bus connection must be TLS: a CA is named, or any server URL says `tls://`."""
    return ca is not None or any(u.strip().startswith(TLS_SCHEME) for u in url.split(","))


def bus_tls_context(url: str, ca: Path | None) -> ssl.SSLContext | None:
    """The context verifying the bus servers (certificate chain and host name), or None for a plaintext bus.
    A ConfigError when the CA file is missing, unreadable or holds no certificate."""
    if not wants_tls(url, ca):
        return None
    if ca is None:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    else:
        if not ca.is_file():
            raise ConfigError(f"events.nats_tls_ca: {ca} does not exist (or is not a file)",
                              hint="name the bus CA's PEM file (the `ca` of the stack's nats-client-tls secret, "
                                   "/tmp/tls/bus-ca.pem in the cloud tasks)")
        try:
            # cafile alone: the bus's own CA is the only trust anchor, the system store is not loaded.
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca))
        except PermissionError:
            raise ConfigError(f"events.nats_tls_ca: {ca} is not readable by this user",
                              hint="the start script writes it readable by the task's user only") from None
        except ssl.SSLError as exc:
            raise ConfigError(f"events.nats_tls_ca: {ca} holds no PEM CA certificate ({exc.reason})",
                              hint="use the `ca` part of the stack's nats-client-tls secret") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def token_over_tls_only(token: str, connection: Any) -> Callable[[], str]:
    """The token as nats-py's token callback, which it calls when it writes CONNECT: refused unless the connection
    is TLS by then. nats-py upgrades to TLS only when the server's INFO asks for it, even for a `tls://` URL, so
    without this a plaintext impostor on the bus's address would be sent the token in clear. Reads nats-py's
    transport internals; if those change, the check fails closed (no token, the publish fails and is counted)."""

    def token_if_encrypted() -> str:
        writer = getattr(getattr(connection, "_transport", None), "_io_writer", None)
        if writer is None or writer.get_extra_info("ssl_object") is None:
            raise ConnectionRefusedError("the bus server did not upgrade to TLS: the token is not sent in clear")
        return token

    return token_if_encrypted
