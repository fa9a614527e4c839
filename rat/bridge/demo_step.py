"""The demo's cross-chain step (ADR 0106, `make demo`): rAAPL sent from chain A (the demo's anvil) to Bob on chain B
(a second anvil started for the step, chain id 31338) over Chainlink's CCIP 1.6 lane (rat/bridge/ccip_stack.py:
`Router.ccipSend` and the OnRamp on the source, a Merkle root committed by the local DON and the OffRamp's execution
on the destination); a recipient without KYC refused on chain A before any burn, balances and supplies shown
unchanged; then Bob's rAAPL back to chain A, so chain A's supply is whole again for the demo's proof of reserve,
which reads one chain."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from ape import chain as ape_chain
from ape import networks, project
from ape.api import AccountAPI
from ape.contracts import ContractInstance
from web3.exceptions import ContractCustomError

from rat.bridge.ccip import CHAIN_A_SELECTOR, CHAIN_B_SELECTOR, LanePairLimits, encode_address
from rat.bridge.ccip_stack import (
    ChainStack,
    LocalDon,
    connect,
    deploy_chain_stack,
    extra_args,
    ocr_keys,
    send,
    sent_messages,
)
from rat.bridge.chains import Chain, second_chain
from rat.bridge.lane import approve_everywhere, balances, supplies
from rat.bridge.relay import decode_pool_error
from rat.deploy import ComplianceStack

SHARE = 10**18
LIMITS = LanePairLimits.symmetric(1_000 * SHARE, 10 * SHARE)
FEE_TOKENS = 1_000 * SHARE  # CCIP fee tokens each sender gets on each chain
Say = Callable[[str], None]


def _units(value: int) -> str:
    text = f"{Decimal(value) / SHARE:.4f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _show(sides: tuple[ChainStack, ChainStack], who: dict[str, str], ok: Say) -> None:
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
         "CCIP 1.6 lane (Router, OnRamp, OffRamp, FeeQuoter, NonceManager, TokenAdminRegistry, RMNRemote: npm "
         "bytecode) and a burn/mint pool on each chain, a local DON, lane limits as a matched pair")
    funded = tuple(a.address for a in (deployer, relayer, alice, bob, outsider))
    with _chain_a_contract_types_kept(), second_chain("B", CHAIN_B_SELECTOR, funded) as anvil:
        sides_list = []
        for side_chain in (Chain("A", CHAIN_A_SELECTOR), anvil.chain):
            with side_chain.active():
                fee_token = deployer.deploy(project.PlainERC20, deployer, 10 * FEE_TOKENS)
                for payer in (alice, bob):
                    fee_token.transfer(payer, FEE_TOKENS, sender=deployer)
            if side_chain.host is None:
                sides_list.append(deploy_chain_stack(side_chain, deployer, deployer, fee_token, stack=stack,
                                                     token=token))
            else:
                sides_list.append(deploy_chain_stack(side_chain, deployer, deployer, fee_token))
        a, b = sides_list
        don = LocalDon(ocr_keys("demo"), relayer)
        connect(a, b, LIMITS, deployer, relayer, don.signer_keys)
        sides = (a, b)
        ok(f"chain A id {a.chain.chain_id()}: pool {a.pool.address}, on-ramp {a.on_ramp.address}; chain B id "
           f"{anvil.chain_id}: rAAPL {b.token.address}, pool {b.pool.address}, off-ramp "
           f"{b.off_ramps[a.selector].address}")
        ok(f"outbound {_units(LIMITS.a_outbound.capacity)} rAAPL (refill {_units(LIMITS.a_outbound.rate)}/s) ≤ 95 % "
           f"of the other side's inbound {_units(LIMITS.b_inbound.capacity)} (refill {_units(LIMITS.b_inbound.rate)}/s)")
        approve_everywhere((b,), deployer, bob.address, tier=2, country="AR")  # type: ignore[arg-type]
        approve_everywhere((b,), deployer, alice.address, tier=1, country="BR")  # type: ignore[arg-type]
        ok("the KYC operator wrote Alice's and Bob's records on chain B too (the same records as on chain A)")
        who = {"Alice": alice.address, "Bob": bob.address, "outsider": outsider.address}

        step("Alice sends 1 rAAPL from chain A to Bob on chain B; the local DON commits and executes the message")
        receipt = send(a, b, alice, bob.address, SHARE)
        ok(f"chain A: Router.ccipSend, the pool checked Bob's record (tier 2 ≥ 1, not frozen, KYC valid) and burned "
           f"1 rAAPL (tx {receipt.txn_hash})")
        for delivery in don.run(a, b):
            ok(f"DON: message {delivery.message.sequence_number} committed (2 committee signatures) and "
               f"{delivery.status} by chain B's OffRamp")
        _show(sides, who, ok)

        step("Alice tries to send 1 rAAPL to an address with no KYC record on chain B")
        before = supplies(sides), balances(sides, alice.address)  # type: ignore[arg-type]
        with a.chain.active():
            reason = _simulated_refusal(a, b, alice, outsider.address)
        refused(f"chain A refused before any burn: {reason}")
        if (supplies(sides), balances(sides, alice.address)) != before:  # type: ignore[arg-type]
            raise RuntimeError("a refused send moved tokens")
        ok(f"nothing burned, nothing sent: {len(sent_messages(a, b.selector))} message(s) on the lane, as before")
        _show(sides, who, ok)

        step("Bob sends his 1 rAAPL back from chain B to chain A before chain B stops (the demo's proof-of-reserve "
             "round below reads chain A alone; `rat-reserves verify --chain` adds a live chain B)")
        send(b, a, bob, bob.address, SHARE)
        for delivery in don.run(b, a):
            ok(f"DON: message {delivery.message.sequence_number} committed and {delivery.status} by chain A's "
               "OffRamp")
        _show(sides, who, ok)
    ok("chain B stopped")



@contextmanager
def _chain_a_contract_types_kept() -> Iterator[None]:
    """Ape caches contract types by address for the whole `local` network, chain B included: the deployer's first
    contracts on chain B land at the addresses of its first contracts on chain A (same nonces) and overwrite their
    cached types, so later logs of chain A's token decoded with another ABI (the demo's split found no
    SplitScheduled event). Restores every entry cached before the step."""
    caches = [ape_chain.contracts.contract_types, ape_chain.contracts.proxy_infos]
    saved = [dict(cache.memory) for cache in caches]
    try:
        yield
    finally:
        for cache, memory in zip(caches, saved):
            cache.memory.update(memory)


def _simulated_refusal(a: ChainStack, b: ChainStack, sender: AccountAPI, recipient: str) -> str:
    """`Router.ccipSend` simulated on chain A (eth_call: the same execution a transaction runs, without Ape printing
    a reverted transaction's trace into the demo), tokens and fee approved first; the pool's revert, which the OnRamp
    and Router pass up unchanged, decoded from the pool's ABI."""
    message = (encode_address(recipient), b"", [(a.token.address, SHARE)], a.fee_token.address, extra_args())
    a.token.approve(a.router, SHARE, sender=sender)
    a.fee_token.approve(a.router, a.router.getFee(b.selector, message), sender=sender)
    data = a.router.ccipSend.encode_input(b.selector, message)
    try:
        networks.provider.web3.eth.call({"from": sender.address, "to": a.router.address, "data": data})
    except ContractCustomError as error:
        raw = error.data if isinstance(error.data, str) else str(error.args[0])
        return decode_pool_error(raw, a.pool) or raw
    raise RuntimeError("the send to a recipient without KYC was not refused")
