"""CCIP benchmark: gas of a cross-chain transfer through RatCcipPool against the same pool shape for a plain burn/mint
ERC-20 (contracts/mocks/PlainBurnMintCcipPool.sol: same RMN curse check and ramp checks through Chainlink's Router as
Chainlink's BurnMintTokenPool, same remote-pool check, same token buckets, no compliance), side by side in one run.

Main figures: Chainlink's full CCIP 1.6 lane (rat/bridge/ccip_stack.py) on two anvils, both pools registered in the
same chains' TokenAdminRegistry, fee paid in the FeeQuoter's fee token: the source send is the whole
`Router.ccipSend` transaction (Router, OnRamp, FeeQuoter, NonceManager, the pool's `lockOrBurn`); the destination
delivery is the whole OffRamp `execute` transaction of a one-message report (the pool's `releaseOrMint`, balance
checks); the commit of that message's Merkle root (F + 1 = 2 committee signatures) is the same for both pools and is
reported on its own. Second figures (`harness`): the pool's own share, through the ramp harness
(contracts/mocks/CcipRampHarness.sol: pull + `lockOrBurn`, `releaseOrMint` only), where the CCIP contracts' fixed
cost does not dilute the ratio. Whole-transaction gas_used (21,000 intrinsic included) of the second transfer (sender
and recipient already hold the token: the steady state). Run: `make bench-ccip`. Writes bench/results/ccip.json."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ape import accounts, chain, networks, project
from ape.api import AccountAPI
from ape.contracts import ContractInstance

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rat.bridge import ccip_stack  # noqa: E402
from rat.bridge.ccip import (  # noqa: E402
    CHAIN_A_SELECTOR,
    CHAIN_B_SELECTOR,
    LanePairLimits,
    deploy_router,
    encode_address,
    set_ramps,
)
from rat.bridge.ccip_stack import ChainStack, LocalDon, deploy_chain_stack, ocr_keys  # noqa: E402
from rat.bridge.chains import Chain, start_anvil  # noqa: E402
from rat.bridge.lane import approve_everywhere, connect, deploy_side, send  # noqa: E402
from rat.bridge.relay import relay  # noqa: E402
from rat.deploy import role  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "ccip.json"
UNIT = 10**18
AMOUNT = 100 * UNIT
CAPACITY, RATE = 1_000_000 * UNIT, 1_000 * UNIT


def _git_commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()


def _transfer_twice(a: ChainStack, b: ChainStack, don: LocalDon, alice: AccountAPI, bob: str) -> dict[str, int]:
    """Two sends A -> B, each committed and executed by the local DON; gas of every transaction."""
    with a.chain.active():
        a.token.approve(a.router, 2**256 - 1, sender=alice)
        a.fee_token.approve(a.router, 2**256 - 1, sender=alice)
    sends, commits, executes = [], [], []
    for _ in range(2):
        with a.chain.active():
            start = int(chain.blocks.height) + 1
        sends.append(ccip_stack.send(a, b, alice, bob, AMOUNT).gas_used)
        messages = ccip_stack.sent_messages(a, b.selector, start)
        commit = don.commit(a, b, messages)
        execute = don.execute(a, b, messages)
        if ccip_stack.execution_state(b, messages[0]) != "SUCCESS":
            raise RuntimeError(f"message {messages[0].sequence_number} was not executed")
        with b.chain.active():
            commits.append(commit.gas_used)
            executes.append(execute.gas_used)
    return {"send_first": sends[0], "send": sends[1], "commit_first": commits[0], "commit": commits[1],
            "receive_first": executes[0], "receive": executes[1]}


def measure_full_lane() -> tuple[dict[str, int], dict[str, int]]:
    """RatCcipPool and the plain pool on one full CCIP 1.6 lane (same two anvils, same Routers and ramps)."""
    admin, kyc_operator, relayer, alice, bob = (accounts.test_accounts[i] for i in (0, 1, 8, 6, 7))
    anvil_b = start_anvil("B", CHAIN_B_SELECTOR, funded=tuple(x.address for x in (admin, kyc_operator, relayer,
                                                                                  alice, bob)))
    try:
        chains = (Chain("A", CHAIN_A_SELECTOR), anvil_b.chain)
        rat_sides, plain_sides = [], []
        for side_chain in chains:
            with side_chain.active():
                fee_token = admin.deploy(project.PlainERC20, admin, 1_000_000 * UNIT)
                fee_token.transfer(alice, 100_000 * UNIT, sender=admin)
            rat_side = deploy_chain_stack(side_chain, admin, kyc_operator, fee_token)
            rat_sides.append(rat_side)

            def plain_pool(router: ContractInstance, rmn: ContractInstance, funded: bool = side_chain is chains[0]
                           ) -> tuple[ContractInstance, ContractInstance]:
                pool = admin.deploy(project.PlainBurnMintCcipPool, router.address, rmn.address)
                token = admin.deploy(project.PlainBurnMintToken, pool.address, alice.address,
                                     10_000 * UNIT if funded else 0)
                pool.setToken(token, sender=admin)
                return token, pool

            plain_sides.append(deploy_chain_stack(side_chain, admin, kyc_operator, fee_token,
                                                  stack=rat_side.stack, pool_factory=plain_pool))
        signers = ocr_keys("bench-ccip")
        rat_a, rat_b = rat_sides
        ccip_stack.connect(rat_a, rat_b, LanePairLimits.symmetric(CAPACITY, RATE), admin, relayer, signers)
        approve_everywhere((rat_a, rat_b), kyc_operator, alice.address)  # type: ignore[arg-type]
        approve_everywhere((rat_a, rat_b), kyc_operator, bob.address)  # type: ignore[arg-type]
        rat_a.token.grantRole(role("MINTER_ROLE"), admin, sender=admin)
        rat_a.token.mint(alice, 10_000 * UNIT, sender=admin)
        plain_a, plain_b = plain_sides
        ccip_stack.open_direction(plain_a, plain_b, admin, relayer, signers)
        ccip_stack.open_direction(plain_b, plain_a, admin, relayer, signers)
        for local, remote in ((plain_a, plain_b), (plain_b, plain_a)):
            with local.chain.active():
                local.pool.setLane(remote.selector, encode_address(remote.pool.address),
                                   encode_address(remote.token.address), CAPACITY * 9_500 // 10_000, RATE,
                                   sender=admin)
        rat = _transfer_twice(rat_a, rat_b, LocalDon(signers, relayer), alice, bob.address)
        plain = _transfer_twice(plain_a, plain_b, LocalDon(signers, relayer), alice, bob.address)
    finally:
        anvil_b.stop()
    return plain, rat


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
        pool = deployer.deploy(project.PlainBurnMintCcipPool, router.address, router.getArmProxy())
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
        plain, rat = measure_full_lane()
        chain_id = networks.provider.chain_id
        harness_plain = measure_plain()
        harness_rat = measure_rat()
    ratio = {op: round(rat[op] / plain[op], 3) for op in ("send", "receive", "commit")}
    harness_ratio = {op: round(harness_rat[op] / harness_plain[op], 3) for op in ("send", "receive")}
    results: dict[str, Any] = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "chain": f"two anvils (chain ids {chain_id} and {chain_id + 1}), two CCIP selectors",
        "machine": platform.machine(),
        "unit": "transaction gas_used, including the 21,000 intrinsic gas; steady state = second transfer",
        "path": "Chainlink CCIP 1.6 lane (@chainlink/contracts-ccip 2.0.0 bytecode): send = Router.ccipSend, "
                "receive = OffRamp.execute of a one-message report, commit = OffRamp.commit of its root "
                "(2 signatures)",
        "amount_tokens": AMOUNT // UNIT,
        "plain_pool": plain,
        "rat_pool": rat,
        "rat_vs_plain": ratio,
        "harness": {
            "path": "Chainlink Router 2.0.0 bytecode as ramp registry; CcipRampHarness as OnRamp/OffRamp "
                    "(pool share only: pull + lockOrBurn, releaseOrMint)",
            "plain_pool": harness_plain,
            "rat_pool": harness_rat,
            "rat_vs_plain": harness_ratio,
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    for name, figures in (("plain", plain), ("rat", rat), ("harness plain", harness_plain),
                          ("harness rat", harness_rat)):
        print(f"{name}: " + ", ".join(f"{k} {v:,}" for k, v in figures.items()))
    print(f"rat / plain: {ratio}; harness: {harness_ratio}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
