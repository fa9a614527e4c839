"""`rat-reserves verify --chain/--remote-token` (ADR 0106): the custodian's shares must cover the asset's supply
summed over every chain it lives on, each chain read from its own RPC at a block no older than --chain-max-age.

The other chain's rAAPL is a second compliance stack and token on Ape's anvil (the single-anvil equivalent); a
lagging chain is a second anvil started with a genesis an hour in the past."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest
from test_reserve_onchain import (  # noqa: F401  (fixtures)
    HELD,
    custodian,
    deployed,
    equities,
    harness,
    publish,
    publisher,
    registry,
    round_dir,
    rpc_url,
    verify,
)

from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role
from rat.ports import free_port
from reserves.audit import Failure

AAPL = "US0378331005"
BRIDGED = 5 * 10**18


@pytest.fixture(scope="module")
def remote_aapl(admin, kyc_operator, minter, alice, chain, equities, kyc):
    """rAAPL's copy on chain B (its own registry and token), nothing minted yet. The home minter is KYC'd so it can
    take tokens to burn, standing in for the pool."""
    kyc(minter)
    stack_b = deploy_compliance_stack(admin)
    stack_b.registry.grantRole(role("KYC_OPERATOR_ROLE"), kyc_operator, sender=admin)
    stack_b.registry.grantRole(role("ASSET_POLICY_ROLE"), admin, sender=admin)
    token_b = list_equity(admin, stack_b, AssetTerms.example(), admin)
    token_b.grantRole(role("MINTER_ROLE"), minter, sender=admin)
    approve_investor(stack_b, kyc_operator, alice.address, 1, "BR", 365 * 86400, now=chain.pending_timestamp)
    return token_b


def bridge(equities, remote_aapl, alice, minter, amount=BRIDGED):
    """What a CCIP transfer of `amount` rAAPL leaves behind: burned at home (moved to a burner holding
    MINTER_ROLE, as the pool is, and burned), minted on chain B."""
    home = equities[AAPL]
    home.transfer(minter, amount, sender=alice)
    home.burn(amount, sender=minter)
    remote_aapl.mint(alice, amount, sender=minter)


def chain_args(url, equities, remote_aapl, *extra):
    return ("--chain", f"chain-b={url}", "--remote-token", f"chain-b:{equities[AAPL].address}={remote_aapl.address}",
            *extra)


def test_custody_covering_the_sum_over_chains_passes(rpc_url, registry, round_dir, custodian, publisher, equities,
                                                     remote_aapl, alice, minter):
    bridge(equities, remote_aapl, alice, minter)
    publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)
    code, report = verify(rpc_url, registry, round_dir / "statement.json",
                          *chain_args(rpc_url, equities, remote_aapl))
    assert code == 0, report
    [across] = [c for c in report["checks"] if c["check"] == "reserves cover supply on every chain"]
    assert across["ok"] and "chain-b 5" in across["detail"]


def test_supply_on_another_chain_beyond_the_custody_fails_though_the_home_chain_alone_is_covered(
        rpc_url, registry, round_dir, custodian, publisher, equities, remote_aapl, alice, minter):
    bridge(equities, remote_aapl, alice, minter)
    remote_aapl.mint(alice, 1, sender=minter)  # one unit minted on chain B from nothing
    publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)
    code, report = verify(rpc_url, registry, round_dir / "statement.json",
                          *chain_args(rpc_url, equities, remote_aapl))
    assert code == Failure.UNDERCOLLATERALISED, report
    failed = [c for c in report["checks"] if not c["ok"]]
    assert [c["check"] for c in failed] == ["reserves cover supply on every chain"]
    assert "rAAPL" in failed[0]["asset"]
    assert {c["check"]: c["ok"] for c in report["checks"] if "rAAPL" in (c.get("asset") or "")}[
        "reserves cover supply"]


def test_without_the_other_chain_the_verifier_sees_only_the_home_supply(
        rpc_url, registry, round_dir, custodian, publisher, equities, remote_aapl, alice, minter):
    bridge(equities, remote_aapl, alice, minter)
    remote_aapl.mint(alice, 1, sender=minter)
    publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)
    code, _ = verify(rpc_url, registry, round_dir / "statement.json")
    assert code == 0


@pytest.fixture
def lagging_chain() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(["anvil", "--port", str(port), "--timestamp", str(int(time.time()) - 3600),
                                "--silent"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}"))
    for _ in range(150):
        try:
            w3.eth.block_number
            break
        except Exception:  # noqa: BLE001  (not listening yet)
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.skipif(shutil.which("anvil") is None, reason="anvil comes from node_modules/.bin")
def test_a_chain_whose_node_lags_beyond_the_bound_fails_as_stale(rpc_url, registry, round_dir, custodian, publisher,
                                                                  equities, remote_aapl, lagging_chain):
    publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)
    code, report = verify(rpc_url, registry, round_dir / "statement.json",
                          *chain_args(lagging_chain, equities, remote_aapl, "--chain-max-age", "5m"))
    assert code == Failure.STALE, report
    [failed] = [c for c in report["checks"] if not c["ok"]]
    assert failed["check"] == "other chains fresh" and "chain-b" in failed["detail"]


def test_a_remote_token_naming_a_chain_without_an_rpc_is_a_usage_error(rpc_url, registry, round_dir, equities,
                                                                        remote_aapl):
    from click.testing import CliRunner

    from reserves.cli import main

    result = CliRunner().invoke(main, ["verify", str(round_dir / "statement.json"), "--rpc-url", rpc_url,
                                       "--registry", registry.address, "--remote-token",
                                       f"chain-c:{equities[AAPL].address}={remote_aapl.address}"])
    assert result.exit_code == 2
    assert "chain-c" in result.output
