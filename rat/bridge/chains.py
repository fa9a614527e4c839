"""Local chains for cross-chain RAT (ADR 0106): a second anvil started beside the connected one, and a handle that
makes either chain Ape's active provider for the calls inside a `with` block.

Ape talks to one provider at a time; `Chain.active()` switches to this chain's provider (the connected one for chain
A, an anvil on its own port and chain id for chain B) and back on exit. Contract instances hold only an address and
an ABI: call them inside the `with` block of the chain they live on.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ContextManager

import httpx
from ape import networks

from rat.ports import free_port

if TYPE_CHECKING:
    from ape.api.providers import ProviderAPI

CHAIN_B_ID = 31338
ANVIL_START_SECONDS = 20
GAS_MONEY = 10**21  # wei given to every account that acts on a started chain


_PROVIDERS: dict[str, "ProviderAPI"] = {}  # a chain's host -> the connected Ape provider Chain.active() uses


class ChainError(RuntimeError):
    """A local chain cannot be started or reached."""


@dataclass(frozen=True)
class Chain:
    """A chain the bridge acts on. `host` None: the provider Ape is connected to (chain A)."""

    name: str
    selector: int
    host: str | None = None

    def active(self) -> ContextManager[object]:
        """Makes this chain Ape's provider inside the block."""
        if self.host is None:
            return nullcontext()
        return _use_host(self.host)

    def chain_id(self) -> int:
        with self.active():
            return int(networks.provider.chain_id)


@dataclass
class LocalAnvil:
    """An anvil process this code started (and stops)."""

    chain: Chain
    chain_id: int
    process: subprocess.Popen[bytes] = field(repr=False)

    def snapshot(self) -> str:
        """An anvil snapshot id of the chain's state now."""
        return str(_call(self.chain.host or "", "evm_snapshot", []))

    def revert(self, snapshot_id: str) -> None:
        """Back to the state of `snapshot_id` (consumed)."""
        _call(self.chain.host or "", "evm_revert", [snapshot_id])

    def advance_time(self, seconds: int) -> None:
        """Moves the chain's clock forward and mines a block."""
        _call(self.chain.host or "", "evm_increaseTime", [seconds])
        _call(self.chain.host or "", "evm_mine", [])

    def stop(self) -> None:
        _PROVIDERS.pop(self.chain.host or "", None)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextmanager
def _use_host(host: str) -> Iterator["ProviderAPI"]:
    """The provider Ape made active for `host` the first time, reused: a new provider object for every block would
    connect, then be dropped for the connected one Ape already holds (about half a second each time)."""
    local = networks.ethereum.local
    provider = _PROVIDERS.get(host) or local.get_provider("foundry", provider_settings={"host": host})
    with local.use_provider(provider) as active:
        _PROVIDERS[host] = active
        yield active


def _rpc(host: str, method: str) -> object:
    return _call(host, method, [])


def _call(host: str, method: str, params: list[object]) -> object:
    reply = httpx.post(host, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=5)
    return reply.json()["result"]


def start_anvil(name: str, selector: int, chain_id: int = CHAIN_B_ID, funded: tuple[str, ...] = ()) -> LocalAnvil:
    """Starts anvil on a free port with `chain_id`; gives each address in `funded` gas money."""
    binary = shutil.which("anvil")
    if binary is None:
        raise ChainError("anvil is not on PATH: source tools/env.sh")
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([binary, "--port", str(port), "--chain-id", str(chain_id), "--silent"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + ANVIL_START_SECONDS
    while True:
        try:
            if int(str(_rpc(host, "eth_chainId")), 16) == chain_id:
                break
        except (httpx.HTTPError, KeyError, ValueError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise ChainError(f"anvil on {host} (chain id {chain_id}) did not start")
        time.sleep(0.2)
    anvil = LocalAnvil(Chain(name, selector, host), chain_id, process)
    for address in funded:
        _call(host, "anvil_setBalance", [address, hex(GAS_MONEY)])
    return anvil


@contextmanager
def second_chain(name: str, selector: int, funded: tuple[str, ...] = (),
                 chain_id: int = CHAIN_B_ID) -> Iterator[LocalAnvil]:
    """A second anvil for the duration of the block, stopped on exit."""
    anvil = start_anvil(name, selector, chain_id, funded)
    try:
        yield anvil
    finally:
        anvil.stop()
