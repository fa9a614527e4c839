"""The RAT demo: a throw-away anvil chain, the compliance stack, one equity, KYC'd holders, a mint, a compliant
transfer and a refused one with its decoded reason. Run with `make demo` (or `ape run demo`)."""

from __future__ import annotations

import click
from ape import accounts, chain
from ape.cli import ConnectedProviderCommand
from web3.exceptions import ContractCustomError

from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role
from rat.errors import TransferStatus
from rat.revert import DecodedRevert, decode_revert

SHARE = 10**18


def _step(text: str) -> None:
    click.secho(f"\n▶ {text}", fg="cyan", bold=True)


def _ok(text: str) -> None:
    click.echo(f"  ✓ {text}")


def _shares(units: int) -> str:
    return f"{units / SHARE:g}"


def _send_expecting_revert(contract, sender, calldata: bytes, gas: int = 300_000) -> tuple[dict, DecodedRevert]:
    """Mines a transaction that is expected to revert and decodes why, from the contract's own ABI."""
    web3 = chain.provider.web3
    tx = {"from": sender.address, "to": contract.address, "data": calldata, "gas": gas}
    receipt = web3.eth.wait_for_transaction_receipt(web3.eth.send_transaction(tx))
    if receipt["status"] != 0:
        raise click.ClickException("the transaction was expected to revert but succeeded")
    try:
        web3.eth.call({k: v for k, v in tx.items() if k != "gas"}, receipt["blockNumber"] - 1)
    except ContractCustomError as err:
        return receipt, decode_revert(err.data, contract.contract_type)
    raise click.ClickException("the reverted transaction could not be replayed to read its reason")


@click.command(cls=ConnectedProviderCommand)
def cli() -> None:
    """Runs the end-to-end demo on the connected (local) network."""
    deployer, alice, bob, outsider = (accounts.test_accounts[i] for i in (0, 6, 7, 8))
    click.secho(f"RAT demo on chain {chain.chain_id} ({chain.provider.name}, {chain.provider.uri})", bold=True)

    _step("Deploy the compliance registry, the equity beacon and rAAPL")
    stack = deploy_compliance_stack(deployer)
    stack.registry.grantRole(role("KYC_OPERATOR_ROLE"), deployer, sender=deployer)
    stack.registry.grantRole(role("ASSET_POLICY_ROLE"), deployer, sender=deployer)
    token = list_equity(deployer, stack, AssetTerms.example(), deployer)
    token.grantRole(role("MINTER_ROLE"), deployer, sender=deployer)
    _ok(f"ComplianceRegistry {stack.registry.address}")
    _ok(f"EquityBeacon       {stack.beacon.address} → implementation {stack.token_implementation.address}")
    _ok(f"{token.symbol()} ({token.isin()}, {token.mic()}) {token.address}")

    _step("KYC-approve Alice (BR, retail) and Bob (AR, professional)")
    now = chain.pending_timestamp
    approve_investor(stack, deployer, alice.address, tier=1, country="BR", now=now)
    approve_investor(stack, deployer, bob.address, tier=2, country="AR", now=now)
    _ok(f"Alice {alice.address} tier {stack.registry.investor(alice).tier}")
    _ok(f"Bob   {bob.address} tier {stack.registry.investor(bob).tier}")

    _step("Mint 10 rAAPL to Alice, then Alice sends 3 to Bob")
    token.mint(alice, 10 * SHARE, sender=deployer)
    receipt = token.transfer(bob, 3 * SHARE, sender=alice)
    _ok(f"balances: Alice {_shares(token.balanceOf(alice))}, Bob {_shares(token.balanceOf(bob))} "
        f"(transfer gas {receipt.gas_used:,})")

    _step("Alice tries to send 1 rAAPL to an address without KYC")
    precheck = TransferStatus(stack.registry.canTransfer(token, alice, outsider, SHARE))
    _ok(f"wallet pre-check canTransfer → {precheck.name}")
    receipt, reason = _send_expecting_revert(token, alice, token.transfer.encode_input(outsider, SHARE))
    status = TransferStatus(reason.args["status"])
    click.secho(f"  ✗ transaction {receipt['transactionHash'].to_0x_hex()} mined in block {receipt['blockNumber']} "
                f"with status 0", fg="yellow")
    click.secho(f"    reason: {reason.name}({status.name}) — {status.explain()}", fg="yellow")
    _ok(f"balances unchanged: Alice {_shares(token.balanceOf(alice))}, outsider {_shares(token.balanceOf(outsider))}")

    click.secho("\nDemo complete; anvil stops now.", fg="green", bold=True)
