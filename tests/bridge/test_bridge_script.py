"""`ape run bridge` as an operator runs it, on two anvils (chain ids 31337 and 31338) with a deployments directory
and an ape script host each (tests/script_host.py: `ape run` without Ape's start-up for each command; one refusal
is its own `ape` process, as an operator's): list a local asset, deploy the pools, configure the lane on both chains,
send from A, relay to B, read the status; limits that are not a matched pair are refused before any transaction. The
same on Chainlink's full CCIP 1.6 lane (`deploy --full-lane`): the send goes through `Router.ccipSend` and the
OnRamp, the relay (the OffRamps' OCR3 transmitter) commits a root signed by the local committee and executes through
the OffRamp."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rat.bridge.ccip import CHAIN_A_SELECTOR, CHAIN_B_SELECTOR
from rat.bridge.chains import start_anvil

ROOT = Path(__file__).resolve().parents[2]
DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # TEST::0
ALICE, BOB = "0x976EA74026E726554dB657fA54763abd0C3a0aa9", "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"  # TEST::6, 7


_spec = importlib.util.spec_from_file_location("script_host", ROOT / "tests" / "script_host.py")
_script_host = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_script_host)
_hosts: dict[str, "_script_host.ScriptHost"] = {}  # a chain's RPC URL -> the script host of that chain


def ape_run(host: str, records: Path, *args: str, expect_ok: bool = True,
            spawn: bool = False) -> subprocess.CompletedProcess:
    """`ape run bridge ARGS` against the chain at `host`: in that chain's script host, or with `spawn` as its own
    `ape` process."""
    arguments = ["run", "bridge", *args, "--network", "ethereum:local:foundry", "--provider-settings",
                 json.dumps({"host": host}), "--deployments", str(records)]
    result = _script_host.ape(arguments, None if spawn else _hosts[host])
    if expect_ok:
        assert result.returncode == 0, f"ape run bridge failed:\n{result.stdout}\n{result.stderr}"
    return result


def start_block(host: str) -> int:
    return int(subprocess.run(["cast", "block-number", "--rpc-url", host], capture_output=True, text=True,
                              check=True).stdout)


def let_buckets_refill(host: str, seconds: int = 100) -> None:
    """Moves the chain's clock on and mines a block: the lane's buckets (95 at 0.95/s, 100 at 1/s) are full again
    whatever earlier tests drew, so a figure read after the next transfer does not depend on the wall clock."""
    for call in (["evm_increaseTime", str(seconds)], ["evm_mine"]):
        subprocess.run(["cast", "rpc", "--rpc-url", host, *call], capture_output=True, text=True, check=True)


Record = tuple[str, Path, int]  # an anvil's url, its deployments directory, its CCIP chain selector


@contextmanager
def two_anvils(tmp_path_factory) -> Iterator[tuple[Record, Record]]:
    """Chains A (31337) and B (31338), a deployments directory each; both anvils stop on leaving."""
    a = start_anvil("A", CHAIN_A_SELECTOR, chain_id=31337)
    b = start_anvil("B", CHAIN_B_SELECTOR, chain_id=31338)
    _hosts.update({a.chain.host: _script_host.ScriptHost.start(), b.chain.host: _script_host.ScriptHost.start()})
    try:
        yield ((a.chain.host, tmp_path_factory.mktemp("a"), CHAIN_A_SELECTOR),
               (b.chain.host, tmp_path_factory.mktemp("b"), CHAIN_B_SELECTOR))
    finally:
        _hosts.pop(a.chain.host).close()
        _hosts.pop(b.chain.host).close()
        a.stop()
        b.stop()


def open_lane(chains: tuple[Record, Record], deploy: tuple[str, ...] = (),
              configure: tuple[str, ...] = ()) -> tuple[Record, Record]:
    """rAAPL listed on both chains (Alice and Bob KYC'd on both, Alice holding 100 on A), its pools deployed with
    `deploy`'s extra options and the lane configured both ways, 95 tokens out at 0.95/s and 100 in at 1/s, with
    `configure`'s."""
    (host_a, dir_a, _), (host_b, dir_b, _) = chains
    ape_run(host_a, dir_a, "local-asset", "rAAPL", "--account", "TEST::0", "--kyc", ALICE, "--kyc", BOB,
            "--mint", f"{ALICE}:100")
    ape_run(host_b, dir_b, "local-asset", "rAAPL", "--account", "TEST::0", "--kyc", ALICE, "--kyc", BOB)
    for host, records, selector in chains:
        ape_run(host, records, "deploy", "rAAPL", "--selector", str(selector), *deploy, "--account", "TEST::0")
    for (host, records, _), (_, remote_records, remote_selector) in (chains, chains[::-1]):
        ape_run(host, records, "configure-lane", "rAAPL", "--remote-selector", str(remote_selector),
                "--remote-record", str(remote_records / "local-bridge.json"), "--outbound", "95:0.95", "--inbound",
                "100:1", "--remote-outbound", "95:0.95", "--remote-inbound", "100:1", *configure,
                "--account", "TEST::0")
    return chains


def relay_to_b(lane: tuple[Record, Record], account: str = "TEST::8", expect_ok: bool = True):
    (host_a, dir_a, _), (host_b, dir_b, _) = lane
    return ape_run(host_b, dir_b, "relay", "rAAPL", "--source-host", host_a, "--source-record",
                   str(dir_a / "local-bridge.json"), "--account", account, expect_ok=expect_ok)


@pytest.fixture(scope="module")
def lane(tmp_path_factory):
    """The lane through the ramp harness."""
    with two_anvils(tmp_path_factory) as chains:
        yield open_lane(chains)


def test_limits_that_are_not_a_matched_pair_are_refused_before_any_transaction(lane):
    (host_a, dir_a, _), (_, dir_b, sel_b) = lane
    result = ape_run(host_a, dir_a, "configure-lane", "rAAPL", "--remote-selector", str(sel_b), "--remote-record",
                     str(dir_b / "local-bridge.json"), "--outbound", "100:1", "--inbound", "100:1",
                     "--remote-outbound", "95:0.95", "--remote-inbound", "100:1", "--account", "TEST::0",
                     expect_ok=False, spawn=True)  # a fresh process
    assert result.returncode != 0 and "not a matched pair" in result.stdout + result.stderr


def test_a_send_on_chain_a_is_relayed_to_chain_b_and_shown_in_both_statuses(lane):
    (host_a, dir_a, sel_a), (host_b, dir_b, sel_b) = lane
    sent = ape_run(host_a, dir_a, "send", "rAAPL", "--dest", str(sel_b), "--to", BOB, "--amount", "10",
                   "--account", "TEST::6").stdout
    assert f"burned 10 rAAPL: message 1 to {sel_b}" in sent
    relayed = relay_to_b(lane).stdout
    assert f"message 1: 10 rAAPL {ALICE} -> {BOB}: executed" in relayed
    status_a = ape_run(host_a, dir_a, "status", "rAAPL").stdout
    status_b = ape_run(host_b, dir_b, "status", "rAAPL").stdout
    assert "supply 90" in status_a and "outbound 85/95" in status_a and "messages sent 1" in status_a
    assert "supply 10" in status_b and "inbound 90/100" in status_b


def test_a_send_dry_run_prints_the_ramp_call_and_sends_nothing(lane):
    (host_a, dir_a, _), (_, _, sel_b) = lane
    before = start_block(host_a)
    output = ape_run(host_a, dir_a, "send", "rAAPL", "--dest", str(sel_b), "--to", BOB, "--amount", "1",
                     "--account", "TEST::6", "--dry-run").stdout
    ramp = json.loads((dir_a / "local-bridge.json").read_text())["assets"]["rAAPL"]["ramp"]
    assert f"{ramp}.send: data=0x" in output
    assert start_block(host_a) == before


def test_a_send_to_an_address_without_kyc_is_refused_on_the_source(lane):
    (host_a, dir_a, _), (_, _, sel_b) = lane
    result = ape_run(host_a, dir_a, "send", "rAAPL", "--dest", str(sel_b), "--to", "0x" + "ab" * 20, "--amount", "1",
                     "--account", "TEST::6", expect_ok=False)
    assert result.returncode != 0 and "refused: RecipientNotEligible(" in result.stdout + result.stderr


# The full CCIP 1.6 lane (deploy --full-lane), on two other anvils.

RELAYER = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"  # TEST::8, the DON's transmitter


@pytest.fixture(scope="module")
def full_lane(tmp_path_factory):
    """The lane through Chainlink's Router, OnRamp and OffRamps, the relay account its OCR3 transmitter."""
    with two_anvils(tmp_path_factory) as chains:
        yield open_lane(chains, deploy=("--full-lane", "--fund", ALICE), configure=("--transmitter", RELAYER))


def test_full_lane_deploy_records_chainlink_s_onramp_and_an_offramp_from_the_remote_onramp(full_lane):
    (_, dir_a, sel_a), (_, dir_b, sel_b) = full_lane
    a, b = (json.loads((d / "local-bridge.json").read_text())["assets"]["rAAPL"] for d in (dir_a, dir_b))
    assert a["ramp"] is None and b["ramp"] is None
    assert set(a["ccip"]["off_ramps"]) == {str(sel_b)} and set(b["ccip"]["off_ramps"]) == {str(sel_a)}
    assert a["ccip"]["transmitter"] == b["ccip"]["transmitter"] == RELAYER


def test_a_relay_by_an_account_that_is_not_the_transmitter_commits_nothing(full_lane):
    (host_a, dir_a, _), (host_b, _, sel_b) = full_lane
    ape_run(host_a, dir_a, "send", "rAAPL", "--dest", str(sel_b), "--to", BOB, "--amount", "1", "--account",
            "TEST::6")
    result = relay_to_b(full_lane, account="TEST::9", expect_ok=False)
    assert result.returncode != 0 and "UnauthorizedTransmitter" in result.stdout + result.stderr
    delivered = relay_to_b(full_lane, account="TEST::8").stdout  # the transmitter then delivers it
    assert ": executed" in delivered


def test_a_send_through_ccip_send_is_committed_and_executed_on_b_and_shown_in_both_statuses(full_lane):
    (host_a, dir_a, _), (host_b, dir_b, sel_b) = full_lane
    let_buckets_refill(host_a)
    let_buckets_refill(host_b)
    sent = ape_run(host_a, dir_a, "send", "rAAPL", "--dest", str(sel_b), "--to", BOB, "--amount", "10",
                   "--account", "TEST::6").stdout
    assert "burned 10 rAAPL: message" in sent and f"to {sel_b}, fee" in sent
    relayed = relay_to_b(full_lane).stdout
    assert f"10 rAAPL {ALICE} -> {BOB}: executed" in relayed
    status_a = ape_run(host_a, dir_a, "status", "rAAPL").stdout
    status_b = ape_run(host_b, dir_b, "status", "rAAPL").stdout
    assert "full CCIP lane" in status_a and "supply 89" in status_a and "outbound 85/95" in status_a
    assert "messages sent 2" in status_a
    assert "supply 11" in status_b and "inbound 90/100" in status_b


def test_a_second_relay_reports_the_message_already_executed_and_mints_nothing(full_lane):
    (_, _, _), (host_b, dir_b, _) = full_lane
    relayed = relay_to_b(full_lane).stdout
    assert ": already-executed" in relayed and ": executed" not in relayed
    assert "supply 11" in ape_run(host_b, dir_b, "status", "rAAPL").stdout


def test_a_full_lane_send_dry_run_prints_the_router_call_and_sends_nothing(full_lane):
    (host_a, dir_a, _), (_, _, sel_b) = full_lane
    before = start_block(host_a)
    output = ape_run(host_a, dir_a, "send", "rAAPL", "--dest", str(sel_b), "--to", BOB, "--amount", "1",
                     "--account", "TEST::6", "--dry-run").stdout
    router = json.loads((dir_a / "local-bridge.json").read_text())["assets"]["rAAPL"]["router"]
    assert f"{router}.ccipSend: data=0x" in output
    assert start_block(host_a) == before
