"""The demo's cross-chain step (rat/bridge/demo_step.py) on its own: it starts chain B, delivers 1 rAAPL to Bob
there through Chainlink's CCIP 1.6 lane (the local DON commits, the OffRamp executes), shows a recipient without
KYC refused on chain A with nothing burned, and brings Bob's rAAPL back to A."""

from __future__ import annotations

from rat.bridge.demo_step import run
from rat.deploy import approve_investor

ONE = 10**18


def test_the_demo_step_delivers_to_bob_on_chain_b_and_refuses_an_outsider_on_chain_a(
        stack, token, admin, minter, kyc_operator, chain, alice, bob, mallory, carol):
    for investor, tier in ((alice, 1), (bob, 2)):
        approve_investor(stack, kyc_operator, investor.address, tier, "BR", 3600 * 24, now=chain.pending_timestamp)
    stack.registry.grantRole(stack.registry.KYC_OPERATOR_ROLE(), admin, sender=admin)
    token.mint(alice, 3 * ONE, sender=minter)
    supply = token.totalSupply()
    said: dict[str, list[str]] = {"step": [], "ok": [], "refused": []}
    run(stack, token, admin, carol, alice, bob, mallory, said["step"].append, said["ok"].append,
        said["refused"].append)
    assert token.balanceOf(alice) == 2 * ONE and token.balanceOf(bob) == ONE  # Bob brought his rAAPL home
    assert token.totalSupply() == supply
    assert any("executed by chain B's OffRamp" in line for line in said["ok"])
    assert any("executed by chain A's OffRamp" in line for line in said["ok"])
    assert any(line.startswith("Bob") and line.split()[-2] == "1" for line in said["ok"])
    assert len(said["refused"]) == 1 and "RecipientNotEligible" in said["refused"][0]
