"""Local TCP ports for processes the SDK and its tests start on this machine (a second anvil, a metrics server)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago. The socket is closed before the caller binds,
    so another process may take it in between; callers start their server at once and fail clearly if it is taken."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
