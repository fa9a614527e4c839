"""The Ape scripts as an operator runs them against one persistent anvil: deploy → list_asset --pass-locally →
propose --split → vote → queue → execute → corporate show; the delisting dry run `ape run` as its own process.

The harness (shared by the venue and collateral script tests): `ape_run` runs `ape run SCRIPT ...` in the module's
long-lived ape script host (tests/script_host.py: Ape's own root command, the same arguments, exit code and output,
without Ape's start-up for each command); `ape_run(..., spawn=True)` spawns the `ape` executable, as an operator."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rat.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # TEST::0, anvil's first unlocked account
GUARDIAN = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
SETTLEMENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CUSTODIAN_SIGNER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"
SETTINGS = json.loads((ROOT / "deployments" / "settings.json").read_text())["local"]
_spec = importlib.util.spec_from_file_location("script_host", ROOT / "tests" / "script_host.py")
_script_host = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_script_host)
_hosts: dict[str, "_script_host.ScriptHost"] = {}  # the node's URL -> its ScriptHost, for the module's node

pytestmark = pytest.mark.skipif(shutil.which("anvil") is None or shutil.which("cast") is None,
                                reason="anvil and cast come from node_modules/.bin (make bootstrap)")


@pytest.fixture(scope="module")
def node() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(["anvil", "--port", str(port), "--silent"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        if subprocess.run(["cast", "block-number", "--rpc-url", url], capture_output=True).returncode == 0:
            break
        time.sleep(0.2)
    _hosts[url] = _script_host.ScriptHost.start()
    yield url
    _hosts.pop(url).close()
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("deployments")


def ape_run(node: str, records: Path, script: str, *args: str, expect_ok: bool = True,
            spawn: bool = False) -> subprocess.CompletedProcess:
    """`ape run SCRIPT ARGS` against `node` with `records` as the deployments directory: in the node's script host,
    or with `spawn` as its own `ape` process."""
    arguments = ["run", script, *args, "--network", "ethereum:local:foundry", "--provider-settings",
                 json.dumps({"host": node}), "--deployments", str(records)]
    result = _script_host.ape(arguments, None if spawn else _hosts[node])
    if expect_ok:
        assert result.returncode == 0, f"ape run {script} failed:\n{result.stdout}\n{result.stderr}"
    return result


def cast(node: str, *args: str) -> str:
    return subprocess.run(["cast", *args, "--rpc-url", node], capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture(scope="module")
def listed(node, records) -> dict:
    ape_run(node, records, "deploy", "--account", "TEST::0", "--guardian", GUARDIAN, "--settlement", SETTLEMENT)
    record = json.loads((records / "local.json").read_text())
    token = record["contracts"]["RatGovernanceToken"]["address"]
    cast(node, "send", "--unlocked", "--from", DEPLOYER, token, "delegate(address)", DEPLOYER)
    ape_run(node, records, "list_asset", "--account", "TEST::0", "--symbol", "rAAPL", "--name", "RAT Apple Inc.",
            "--isin", "US0378331005", "--custodian-signer", CUSTODIAN_SIGNER, "--mint-cap", "1000000",
            "--mint-rate", "10000", "--fees", "30:30", "--pass-locally")
    return json.loads((records / "local.json").read_text())


def test_a_split_passes_through_propose_vote_queue_and_execute_run_as_scripts(node, records, listed):
    asset = listed["assets"]["rAAPL"]["address"]
    now = int(cast(node, "block", "latest", "--field", "timestamp"))
    activates = now + 10 * 24 * 3600
    proposed = ape_run(node, records, "propose", "--account", "TEST::0",
                       "--split", f"rAAPL:2:1:{activates}:CA-2027-0007 2-for-1", "--description", "rAAPL 2-for-1")
    [proposal_file] = sorted((records / "proposals").glob("*.json"), key=lambda p: p.stat().st_mtime)[-1:]
    assert "scheduleSplit" in proposed.stdout
    cast(node, "rpc", "anvil_mine", hex(SETTINGS["voting_delay_blocks"] + 1))
    ape_run(node, records, "vote", "--account", "TEST::0", "--file", str(proposal_file), "--support", "for")
    cast(node, "rpc", "anvil_mine", hex(SETTINGS["voting_period_blocks"] + 1))
    ape_run(node, records, "queue", "--account", "TEST::0", "--file", str(proposal_file))
    cast(node, "rpc", "evm_increaseTime", hex(SETTINGS["timelock_delay_seconds"] + 1))
    cast(node, "rpc", "anvil_mine", "0x1")
    ape_run(node, records, "execute", "--account", "TEST::0", "--file", str(proposal_file))

    output = ape_run(node, records, "corporate", "show", "rAAPL", "--json").stdout
    shown = json.loads(output[output.index("{"):])
    assert shown["asset"] == asset
    assert shown["multiplier"]["split"] == {"numerator": 2, "denominator": 1, "activates_at": activates,
                                            "effective": False}
    assert shown["multiplier"]["version"] == 1
    assert [u["kind"] for u in shown["upcoming"]] == ["split"]


def test_a_delisting_proposal_is_printed_with_every_action_on_a_dry_run(node, records, listed):
    usdc = "0x" + "a0" * 20
    output = ape_run(node, records, "corporate", "conversion-propose", "rAAPL", "--cash", f"{usdc}:205",
                     "--notice", "CA-2027-0042 delisting", "--description", "Delist rAAPL", "--account", "TEST::0",
                     "--dry-run", spawn=True).stdout  # its own `ape` process, as an operator's
    assert [line.split("]")[1].split(":")[0].strip() for line in output.splitlines() if "[dry-run]" in line] == [
        "AssetLister.setAssetStatus(" + listed["assets"]["rAAPL"]["address"] + ", HALTED, 'CA-2027-0042 delisting')",
        "FeeVault.setManagementFee(" + listed["assets"]["rAAPL"]["address"] + ", 0 bps a year)",
        "rAAPL.grantRole(FORCED_TRANSFER_ROLE, ConversionVault)",
        "ConversionVault.openConversion(rAAPL, 'CA-2027-0042 delisting')",
        "RatGovernor.propose(4 actions, 'Delist rAAPL')",
    ]


def test_cancelling_a_distribution_that_does_not_exist_is_refused_before_any_proposal(node, records, listed):
    result = ape_run(node, records, "corporate", "dividend-cancel-propose", "--id", "7", "--description",
                     "Cancel the wrong Q3 dividend", "--account", "TEST::0", "--dry-run", expect_ok=False)
    assert result.returncode != 0
    assert "no distribution 7" in result.stdout + result.stderr and "[dry-run]" not in result.stdout
