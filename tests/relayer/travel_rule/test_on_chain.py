"""The Travel Rule end to end on anvil: two VASPs whose go / no-go is the ComplianceRegistry's `canTransfer` as the
chain answers it (wiring.registry_precheck), the tokens moved on chain after the go, the real transaction hash
confirmed to the beneficiary's VASP."""

from __future__ import annotations

import uuid

import pytest
from trp_vasps import ALICE, BEA, IDENTITIES, Network, vasp_on

from rat.errors import TransferStatus
from relayer.rpc import Rpc
from relayer.travel_rule.service import BeneficiaryName, OutgoingTransfer
from relayer.travel_rule.wiring import registry_precheck

pytestmark = pytest.mark.anyio
SHARE = 10**18
ZERO = "0x" + "00" * 20


@pytest.fixture
async def on_chain(tmp_path, funded, stack, alice, bob, mallory, rpc_url):
    """VASP A holds Alice (100 shares on chain), VASP B holds Bob and Mallory; both check the real registry. Mallory
    is in VASP B's KYC table but not approved in the registry (the chain is the authority)."""
    network = Network()
    rpc = Rpc(rpc_url)
    precheck = registry_precheck(rpc, stack.registry.address)
    people = {alice.address: IDENTITIES[ALICE].model_copy(update={"wallet": alice.address}),
              bob.address: IDENTITIES[BEA].model_copy(update={"wallet": bob.address}),
              mallory.address: IDENTITIES[BEA].model_copy(update={"wallet": mallory.address})}
    a = vasp_on(tmp_path, network, "trp.vasp-a.test", "Agora Exchange S.A.", "5493001KJTIIGC8Y1R12", "AR", people,
                precheck, funded.address)
    b = vasp_on(tmp_path, network, "trp.vasp-b.test", "Banco Exemplo S.A.", "7LTWFZYICNSX8D621K86", "BR", people,
                precheck, funded.address)
    vasp_a, vasp_b = next(a), next(b)
    vasp_b.investor(bob.address)
    vasp_b.investor(mallory.address)
    yield vasp_a, vasp_b, precheck
    for generator in (a, b):
        generator.close()
    await rpc.aclose()


def request(token, vasp_b, sender, wallet, amount=5 * SHARE) -> OutgoingTransfer:
    return OutgoingTransfer(transfer_id=str(uuid.uuid4()), asset=token.address, originator=sender.address,
                            amount=amount, travel_address=vasp_b.service.travel_address(wallet),
                            beneficiary=BeneficiaryName(surname="Da Silva", given_names="Beatriz"))


async def test_the_registry_answers_the_precheck_as_the_token_would(on_chain, funded, alice, bob, mallory):
    _, _, precheck = on_chain

    assert await precheck(funded.address, ZERO, bob.address, SHARE) is TransferStatus.OK
    assert await precheck(funded.address, ZERO, mallory.address, SHARE) is TransferStatus.RECIPIENT_NOT_ELIGIBLE
    assert await precheck(funded.address, alice.address, bob.address, 10**6 * SHARE) \
        is TransferStatus.INSUFFICIENT_BALANCE


async def test_an_approved_transfer_is_sent_on_chain_and_its_hash_reaches_the_beneficiary_vasp(
        on_chain, funded, alice, bob):
    vasp_a, vasp_b, _ = on_chain
    record = await vasp_a.service.originate(request(funded, vasp_b, alice, bob.address))
    assert (record.status, record.beneficiary) == ("approved", bob.address)

    receipt = funded.transfer(record.beneficiary, record.amount, sender=alice)
    confirmed = await vasp_a.service.confirm(record.id, receipt.txn_hash)

    assert confirmed.status == "confirmed"
    assert [(r["status"], r["tx_hash"]) for r in vasp_b.rows()] == [("confirmed", receipt.txn_hash)]
    assert funded.balanceOf(bob) == 5 * SHARE


async def test_a_beneficiary_the_registry_does_not_approve_is_rejected_by_its_vasp(on_chain, funded, alice, mallory):
    vasp_a, vasp_b, _ = on_chain

    record = await vasp_a.service.originate(request(funded, vasp_b, alice, mallory.address))

    assert record.status == "rejected"
    assert record.reason == ("the beneficiary cannot receive this asset: the recipient has no KYC record at the "
                             "asset's minimum tier")


async def test_more_than_the_originator_holds_is_blocked_at_the_originators_vasp(on_chain, funded, alice, bob):
    vasp_a, vasp_b, _ = on_chain

    record = await vasp_a.service.originate(request(funded, vasp_b, alice, bob.address, amount=1_000 * SHARE))

    assert (record.status, record.reason) == ("blocked", "the registry refuses this transfer: the sender's balance "
                                                         "is too low")
    assert [r["status"] for r in vasp_b.rows()] == ["canceled"]
