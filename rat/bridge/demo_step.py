"""The demo's cross-chain step (ADR 0106, `make demo`): rAAPL sent from chain A (the demo's anvil) to Bob on chain B
(a second anvil started for the step, chain id 31338), carried by the relay; a recipient without KYC refused on
chain A before any burn, balances and supplies shown unchanged; then Bob's rAAPL back to chain A, so chain A's supply
is whole again for the demo's proof of reserve, which reads one chain."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ape.api import AccountAPI
from ape.contracts import ContractInstance
from ape import networks
from web3.exceptions import ContractCustomError

from rat.bridge.ccip import CHAIN_A_SELECTOR, CHAIN_B_SELECTOR, LanePairLimits
from rat.bridge.chains import Chain, second_chain
from rat.bridge.lane import Side, approve_everywhere, balances, connect, deploy_side, send, supplies
from rat.bridge.relay import decode_pool_error, relay, sent_messages
from rat.deploy import ComplianceStack

SHARE = 10**18
LIMITS = LanePairLimits.symmetric(1_000 * SHARE, 10 * SHARE)
Say = Callable[[str], None]


def _units(value: int) -> str:
    text = f"{Decimal(value) / SHARE:.4f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _show(sides: tuple[Side, Side], who: dict[str, str], ok: Say) -> None:
    for name, address in who.items():
        held = balances(sides, address)
        ok(f"{name:<8} chain A {_units(held['A']):>6} rAAPL   chain B {_units(held['B']):>6} rAAPL")
    total = supplies(sides)
    ok(f"supply   chain A {_units(total['A']):>6}         chain B {_units(total['B']):>6}         "
       f"sum {_units(sum(total.values()))}")


def run(stack: ComplianceStack, token: ContractInstance, deployer: AccountAPI, relayer: AccountAPI,
        alice: AccountAPI, bob: AccountAPI, outsider: AccountAPI, step: Say, ok: Say, refused: Say) -> None:
    """`deployer` stands for governance and the KYC operator on both chains; `outsider` has no KYC anywhere."""
    step("Cross-chain rAAPL (Chainlink CCIP): start chain B (a second anvil), deploy the RAT stack, Chainlink's "
         "Router (npm bytecode) and a burn/mint pool on each chain, lane limits as a matched pair")
    funded = tuple(a.address for a in (deployer, relayer, alice, bob, outsider))
    with second_chain("B", CHAIN_B_SELECTOR, funded) as anvil:
        a = deploy_side(Chain("A", CHAIN_A_SELECTOR), deployer, deployer, stack=stack, token=token)
        b = deploy_side(anvil.chain, deployer, deployer)
        connect(a, b, LIMITS, deployer)
        sides = (a, b)
        ok(f"chain A id {a.chain.chain_id()}: pool {a.pool.address}; chain B id {anvil.chain_id}: rAAPL "
           f"{b.token.address}, pool {b.pool.address}")
        ok(f"outbound {_units(LIMITS.a_outbound.capacity)} rAAPL (refill {_units(LIMITS.a_outbound.rate)}/s) ≤ 95 % "
           f"of the other side's inbound {_units(LIMITS.b_inbound.capacity)} (refill {_units(LIMITS.b_inbound.rate)}/s)")
        approve_everywhere((b,), deployer, bob.address, tier=2, country="AR")
        approve_everywhere((b,), deployer, alice.address, tier=1, country="BR")
        ok("the KYC operator wrote Alice's and Bob's records on chain B too (the same records as on chain A)")
        who = {"Alice": alice.address, "Bob": bob.address, "outsider": outsider.address}

        step("Alice sends 1 rAAPL from chain A to Bob on chain B; the relay carries the message")
        receipt = send(a, b, alice, bob.address, SHARE)
        ok(f"chain A: pool checked Bob's record (tier 2 ≥ 1, not frozen, KYC valid) and burned 1 rAAPL "
           f"(tx {receipt.txn_hash})")
        for delivery in relay(a, b, relayer):
            ok(f"relay: message {delivery.message.sequence_number} {delivery.status} on chain B "
               f"(tx {delivery.dest_tx})")
        _show(sides, who, ok)

        step("Alice tries to send 1 rAAPL to an address with no KYC record on chain B")
        before = supplies(sides), balances(sides, alice.address)
        with a.chain.active():
            a.token.approve(a.ramp, SHARE, sender=alice)
            reason = _simulated_refusal(a, b, alice, outsider.address)
        refused(f"chain A refused before any burn: {reason}")
        if (supplies(sides), balances(sides, alice.address)) != before:
            raise RuntimeError("a refused send moved tokens")
        ok(f"nothing burned, nothing sent: {len(sent_messages(a, b.selector))} message(s) on the lane, as before")
        _show(sides, who, ok)

        step("Bob sends his 1 rAAPL back from chain B to chain A before chain B stops (the demo's proof-of-reserve "
             "round below reads chain A alone; `rat-reserves verify --chain` adds a live chain B)")
        send(b, a, bob, bob.address, SHARE)
        for delivery in relay(b, a, relayer):
            ok(f"relay: message {delivery.message.sequence_number} {delivery.status} on chain A "
               f"(tx {delivery.dest_tx})")
        _show(sides, who, ok)
    ok("chain B stopped")



def _simulated_refusal(a: Side, b: Side, sender: AccountAPI, recipient: str) -> str:
    """The send simulated on chain A (eth_call: the same execution a transaction runs, without Ape printing a
    reverted transaction's trace into the demo); its revert decoded from the pool's ABI."""
    data = a.ramp.send.encode_input(a.pool, b.selector, recipient, SHARE)
    try:
        networks.provider.web3.eth.call({"from": sender.address, "to": a.ramp.address, "data": data})
    except ContractCustomError as error:
        raw = error.data if isinstance(error.data, str) else str(error.args[0])
        return decode_pool_error(raw, a.pool) or raw
    raise RuntimeError("the send to a recipient without KYC was not refused")
