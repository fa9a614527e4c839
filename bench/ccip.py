"""CCIP benchmark: gas of a cross-chain send (source) and receive (destination) through RatCcipPool, against the
same pool shape for a plain burn/mint ERC-20 (contracts/mocks/PlainBurnMintCcipPool.sol: same ramp checks through
Chainlink's Router, same remote-pool check, same token buckets, no compliance), in one anvil run.

Both lanes run on one anvil with two CCIP selectors (gas does not depend on the chain id): each side has Chainlink's
Router (unmodified npm bytecode), a pool and the ramp harness (contracts/mocks/CcipRampHarness.sol), which does what
Router.ccipSend + OnRamp do to a pool (pull the sender's tokens into the pool, `lockOrBurn`) and what the OffRamp
does (`releaseOrMint`, each message once). Figures are whole-transaction gas_used (21,000 intrinsic included) of the
second send and receive (sender and recipient already hold the token: the steady state). The full CCIP OnRamp /
OffRamp / FeeQuoter cost is the same for both tokens and is not included (ADR 0106). Run: `make bench-ccip`.
Writes bench/results/ccip.json."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ape import accounts, chain, networks, project

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rat.bridge.ccip import (  # noqa: E402
    CHAIN_A_SELECTOR,
    CHAIN_B_SELECTOR,
    LanePairLimits,
    deploy_router,
    encode_address,
    set_ramps,
)
from rat.bridge.chains import Chain  # noqa: E402
from rat.bridge.lane import approve_everywhere, connect, deploy_side, send  # noqa: E402
from rat.bridge.relay import relay  # noqa: E402
from rat.deploy import role  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "ccip.json"
UNIT = 10**18
AMOUNT = 100 * UNIT
CAPACITY, RATE = 1_000_000 * UNIT, 1_000 * UNIT


def _git_commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()


def measure_rat() -> dict[str, int]:
    admin, kyc_operator, minter, relayer, alice, bob = (accounts.test_accounts[i] for i in (0, 1, 3, 8, 6, 7))
    a = deploy_side(Chain("A", CHAIN_A_SELECTOR), admin, kyc_operator)
    b = deploy_side(Chain("B", CHAIN_B_SELECTOR), admin, kyc_operator)
    connect(a, b, LanePairLimits.symmetric(CAPACITY, RATE), admin)
    for investor in (alice, bob):
        approve_everywhere((a, b), kyc_operator, investor.address)
    a.token.grantRole(role("MINTER_ROLE"), minter, sender=admin)
    a.token.mint(alice, 10_000 * UNIT, sender=minter)
    a.token.approve(a.ramp, 2**256 - 1, sender=alice)
    sends, receives = [], []
    for _ in range(2):
        sends.append(send(a, b, alice, bob.address, AMOUNT).gas_used)
        [delivery] = [d for d in relay(a, b, relayer) if d.status == "executed"]
        receives.append(chain.provider.get_receipt(delivery.dest_tx).gas_used)
    return {"send_first": sends[0], "send": sends[1], "receive_first": receives[0], "receive": receives[1]}


def measure_plain() -> dict[str, int]:
    deployer, relayer, alice, bob = (accounts.test_accounts[i] for i in (0, 8, 6, 7))
    sides = {}
    for selector in (CHAIN_A_SELECTOR, CHAIN_B_SELECTOR):
        router = deploy_router(deployer)
        pool = deployer.deploy(project.PlainBurnMintCcipPool, router.address)
        token = deployer.deploy(project.PlainBurnMintToken, pool.address, alice.address,
                                10_000 * UNIT if selector == CHAIN_A_SELECTOR else 0)
        pool.setToken(token, sender=deployer)
        ramp = deployer.deploy(project.CcipRampHarness)
        sides[selector] = (router, pool, token, ramp)
    for local, remote in ((CHAIN_A_SELECTOR, CHAIN_B_SELECTOR), (CHAIN_B_SELECTOR, CHAIN_A_SELECTOR)):
        router, pool, _, ramp = sides[local]
        _, remote_pool, remote_token, _ = sides[remote]
        set_ramps(router, deployer, remote, ramp.address, ramp.address)
        pool.setLane(remote, encode_address(remote_pool.address), encode_address(remote_token.address),
                     CAPACITY * 9_500 // 10_000, RATE, sender=deployer)
    _, pool_a, token_a, ramp_a = sides[CHAIN_A_SELECTOR]
    _, pool_b, _, ramp_b = sides[CHAIN_B_SELECTOR]
    token_a.approve(ramp_a, 2**256 - 1, sender=alice)
    sends, receives = [], []
    for _ in range(2):
        receipt = ramp_a.send(pool_a, CHAIN_B_SELECTOR, bob, AMOUNT, sender=alice)
        sends.append(receipt.gas_used)
        message = ramp_a.MessageSent.from_receipt(receipt)[0]
        delivered = ramp_b.execute(pool_b, CHAIN_A_SELECTOR, message.sequenceNumber, encode_address(pool_a.address),
                                   alice, bob, AMOUNT, message.destPoolData, sender=relayer)
        receives.append(delivered.gas_used)
    return {"send_first": sends[0], "send": sends[1], "receive_first": receives[0], "receive": receives[1]}


def main() -> None:
    with networks.parse_network_choice("ethereum:local:foundry"):
        plain = measure_plain()
        rat = measure_rat()
        ratio = {op: round(rat[op] / plain[op], 3) for op in ("send", "receive")}
        results: dict[str, Any] = {
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "git_commit": _git_commit(),
            "chain": f"anvil (chain id {networks.provider.chain_id}), two CCIP selectors",
            "machine": platform.machine(),
            "unit": "transaction gas_used, including the 21,000 intrinsic gas; steady state = second transfer",
            "path": "Chainlink Router 2.0.0 bytecode as ramp registry; CcipRampHarness as OnRamp/OffRamp",
            "amount_tokens": AMOUNT // UNIT,
            "plain_pool": plain,
            "rat_pool": rat,
            "rat_vs_plain": ratio,
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    for name, figures in (("plain", plain), ("rat", rat)):
        print(f"{name}: " + ", ".join(f"{k} {v:,}" for k, v in figures.items()))
    print(f"rat / plain: {ratio}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
