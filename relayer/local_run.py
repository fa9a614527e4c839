"""Runs the relayer and its simulated vendors as real local processes: what the demo uses to show the daemon
end to end, and a template for operators trying RAT on a laptop (anvil + SQLite, no bus)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from relayer.signers import KeystoreSigner

ROLES = ("sender", "brokerage", "custody")
SCRYPT_N_FOR_DEMO = 2**10  # throw-away keys: fast to unlock; real keystores keep the scrypt default


class ServiceFailed(RuntimeError):
    """A local service exited or never announced where it listens."""


@contextmanager
def sim_service(kind: str, *args: str) -> Iterator[str]:
    """Starts `rat-relayer sim <kind>` on a free port and yields its base URL; stops it on exit."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "relayer.cli", "sim", kind, "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("listening on "):
            raise ServiceFailed(f"simulated {kind} did not start: {line}{proc.stderr.read() if proc.stderr else ''}")
        yield line.split()[-1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def api_service(config: Path, env: Mapping[str, str]) -> Iterator[str]:
    """Starts `rat-relayer api` for `config` and yields its base URL (the config's `api.port` may be 0)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "relayer.cli", "api", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env},
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if "listening on " not in line:
            raise ServiceFailed(f"rat-relayer api did not start: {line}{proc.stderr.read() if proc.stderr else ''}")
        yield line.split("listening on ", 1)[1].split()[0]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def nats_reachable(host: str = "127.0.0.1", port: int = 4222, timeout: float = 0.5) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class RelayerKeys:
    folder: Path
    addresses: dict[str, str]
    passphrases: dict[str, str]

    def env(self, *roles: str) -> dict[str, str]:
        """The passphrase variables of `roles` (default: the submitter's, the only key the relayer holds)."""
        return {f"RAT_DEMO_{role.upper()}_PASS": self.passphrases[role] for role in roles or ("sender",)}

    def passphrase_env(self, role: str) -> str:
        return f"RAT_DEMO_{role.upper()}_PASS"


def create_keys(folder: Path) -> RelayerKeys:
    """One encrypted keystore per role (the relayer's submitter and each attestor service's), fresh random keys."""
    folder.mkdir(parents=True, exist_ok=True)
    passphrases = {role: os.urandom(16).hex() for role in ROLES}
    addresses = {
        role: KeystoreSigner.create(folder / f"{role}.json", passphrases[role], scrypt_n=SCRYPT_N_FOR_DEMO)
        for role in ROLES
    }
    return RelayerKeys(folder, addresses, passphrases)


def write_config(
    path: Path,
    *,
    rpc_url: str,
    chain_id: int,
    minter: str,
    assets: Mapping[str, str],
    keys: RelayerKeys,
    broker_url: str,
    custodian_url: str,
    start_block: int,
    attestor_urls: Mapping[str, str],
    client_cert: Path,
    client_key: Path,
    server_ca: Path,
) -> Path:
    """A daemon config on SQLite next to `path`, always-open market hours, zero confirmations (anvil). The relayer
    holds only the submitter key; it asks the attestor services at `attestor_urls` over mutual TLS."""
    config = {
        "network": "anvil",
        "rpc_url": rpc_url,
        "chain_id": chain_id,
        "minter": minter,
        "database_url": f"sqlite:///{path.parent / 'relayer.db'}",
        "market_calendar": "always-open",
        "assets": {address: {"symbol": symbol} for address, symbol in assets.items()},
        "signers": {"sender": {"type": "keystore", "path": str(keys.folder / "sender.json"),
                               "passphrase_env": keys.passphrase_env("sender")}},
        "attestors": {
            **{role: {"url": url, "address": keys.addresses[role]} for role, url in attestor_urls.items()},
            "client_cert": str(client_cert), "client_key": str(client_key), "server_ca": str(server_ca),
        },
        "brokerage": {"adapter": "alpaca", "options": {"base_url": broker_url}},
        "custody": {"adapter": "sim-custodian", "options": {"base_url": custodian_url}},
        "watcher": {"confirmations": 0, "start_block": start_block},
        "sender": {"rebroadcast_after": 2, "replace_after": 6},
        "saga": {"poll_interval": 0.1, "min_backoff": 0.1, "max_backoff": 1.0},
        "http": {"port": 0},
        "poll_interval": 0.1,
        "lease_ttl": 5,
    }
    path.write_text(yaml.safe_dump(config))
    return path


class RelayerProcess:
    """`rat-relayer run` as a child process; `crash_at` makes it SIGKILL itself right after that saga step."""

    def __init__(self, config: Path, keys: RelayerKeys, log: Path, crash_at: str | None = None) -> None:
        env = {**os.environ, **keys.env(), "APCA_API_KEY_ID": "sim", "APCA_API_SECRET_KEY": "sim"}
        if crash_at:
            env["RAT_RELAYER_CRASH_AT"] = crash_at
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "relayer.cli", "run", "--config", str(config)],
            stdout=self._log, stderr=subprocess.STDOUT, env=env,
        )

    def wait_for_exit(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def relayer_cli(config: Path, *args: str) -> str:
    """Runs a one-shot `rat-relayer` command against `config` and returns what it printed."""
    result = subprocess.run(
        [sys.executable, "-m", "relayer.cli", *args, "--config", str(config)],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise ServiceFailed(f"rat-relayer {' '.join(args)} failed: {result.stderr or result.stdout}")
    return result.stdout


def wait_until(condition, timeout: float, interval: float = 0.25, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
