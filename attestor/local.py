"""Attestors as real local processes, the way the demo and the tests run them: a local CA with a certificate per
service, one config and one keystore per role, `rat-attestor run` as a child process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from attestor.tls import Issued, LocalCA

ROLES = ("brokerage", "custody")
RELAYER_CLIENT = "rat-relayer"


class AttestorFailed(RuntimeError):
    """An attestor process exited or never announced where it listens."""


@dataclass(frozen=True)
class LocalPki:
    ca: Path
    servers: dict[str, Issued]  # role -> the attestor's server certificate
    relayer: Issued  # the relayer's client certificate
    authority: LocalCA  # issues more certificates (tests: a client the attestors do not allow)


def issue_local_pki(folder: Path) -> LocalPki:
    ca = LocalCA(folder)
    servers = {role: ca.issue(f"{role}-attestor", server=True, hosts=("127.0.0.1", "localhost")) for role in ROLES}
    return LocalPki(ca.cert, servers, ca.issue(RELAYER_CLIENT, client=True), ca)


def write_attestor_config(
    path: Path, *, role: str, rpc_url: str, chain_id: int, minter: str, keystore: Path, passphrase_env: str,
    vendor_url: str, assets: Mapping[str, str], pki: LocalPki, database: Path, confirmations: int = 0,
    max_fill_shares: int = 100_000, max_daily_shares: int = 1_000_000,
) -> Path:
    adapter = "alpaca" if role == "brokerage" else "sim-custodian"
    config = {
        "role": role, "network": "anvil", "rpc_url": rpc_url, "chain_id": chain_id, "minter": minter,
        "confirmations": confirmations,
        "key": {"type": "keystore", "path": str(keystore), "passphrase_env": passphrase_env},
        "vendor": {"adapter": adapter, "options": {"base_url": vendor_url}},
        "assets": {a: {"symbol": s, "max_fill_shares": max_fill_shares, "max_daily_shares": max_daily_shares}
                   for a, s in assets.items()},
        "database": str(database),
        "tls": {"cert": str(pki.servers[role].cert), "key": str(pki.servers[role].key), "client_ca": str(pki.ca),
                "allowed_clients": [RELAYER_CLIENT]},
        "listen": {"host": "127.0.0.1", "port": 0},
    }
    path.write_text(yaml.safe_dump(config))
    return path


class AttestorProcess:
    """`rat-attestor run` as a child process. `port` pins the port so a restart after SIGKILL keeps its URL."""

    def __init__(self, config: Path, env: Mapping[str, str], log: Path) -> None:
        self.config, self.env, self.log_path = config, {**os.environ, **env}, log
        self.url = ""
        self.proc: subprocess.Popen | None = None

    def start(self) -> str:
        self.spawn()
        return self.ready()

    def spawn(self) -> None:
        """Starts the process without waiting (start several, then `ready` each: their imports overlap)."""
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "attestor.cli", "run", "--config", str(self.config)],
            stdout=subprocess.PIPE, stderr=self._log, env=self.env, text=True,
        )

    def ready(self) -> str:
        """Waits for the `listening on` line and returns the service's URL."""
        assert self.proc is not None
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("listening on "):
            self.proc.wait(timeout=10)
            raise AttestorFailed(f"attestor {self.config} did not start: {line}{self.log_path.read_text()[-2000:]}")
        self.url = line.split()[2]
        port = int(self.url.rsplit(":", 1)[1])
        data = yaml.safe_load(self.config.read_text())
        if data["listen"]["port"] != port:  # keep the port for a restart
            data["listen"]["port"] = port
            self.config.write_text(yaml.safe_dump(data))
        return self.url

    def kill(self) -> None:
        """SIGKILL, as a crash: nothing is flushed or closed cleanly."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and not self._log.closed:
            self._log.close()
