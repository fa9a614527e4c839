"""RAT crossing between two anvils through Chainlink's own CCIP 1.6 lane (ADR 0106): Router.ccipSend and the OnRamp
on the source, a commit report signed by a local OCR3 committee and the OffRamp's execution on the destination, the
RatCcipPool registered in each chain's TokenAdminRegistry. Chain A is the test provider; chain B is an anvil this
module starts, snapshotted and reverted around every test as Ape does for chain A."""

from __future__ import annotations

import json

import ape
import pytest
from ape import chain, networks, project
from eth_utils import keccak
from web3.exceptions import ContractCustomError

from rat.bridge.ccip import CCIP_PACKAGE, CHAIN_A_SELECTOR, CHAIN_B_SELECTOR, CcipError, LanePairLimits, encode_address
from rat.bridge.ccip_stack import (
    ARTIFACTS,
    DEST_CHAIN_CONFIG,
    TOKEN_TRANSFER_FEE_CONFIG,
    PERMISSIONLESS_EXECUTION_SECONDS,
    ChainStack,
    LocalDon,
    connect,
    container,
    deploy_chain_stack,
    execution_state,
    leaf_hash,
    manually_execute,
    open_direction,
    extra_args,
    fee,
    ocr_keys,
    send,
    sent_messages,
)
from rat.bridge.chains import Chain
from rat.bridge.lane import approve_everywhere
from rat.bridge.relay import decode_pool_error
from rat.deploy import role
from rat.errors import TransferStatus as S

ONE = 10**18
LIMITS = LanePairLimits.symmetric(1_000 * ONE, 10 * ONE)
FEE_TOKENS = 1_000 * ONE
SIGNERS = ocr_keys("test-lane")
OUTSIDERS = ocr_keys("not-the-committee")
OTHER_SELECTOR = 4_949_039_107_694_359_620  # a third chain's selector, on no lane here

pytestmark = pytest.mark.usefixtures("isolated_chain_b")


@pytest.fixture(scope="module")
def lane(chain_b, admin, kyc_operator, sanctions_officer, minter, alice, bob, carol) -> tuple[ChainStack, ChainStack]:
    sides = []
    for chain in (Chain("A", CHAIN_A_SELECTOR), chain_b.chain):
        with chain.active():
            fee_token = admin.deploy(project.PlainERC20, admin, 10 * FEE_TOKENS)
            for payer in (alice, bob):
                fee_token.transfer(payer, FEE_TOKENS, sender=admin)
        side = deploy_chain_stack(chain, admin, kyc_operator, fee_token)
        with chain.active():
            side.stack.registry.grantRole(role("SANCTIONS_OFFICER_ROLE"), sanctions_officer, sender=admin)
        sides.append(side)
    a, b = sides
    connect(a, b, LIMITS, admin, transmitter=carol, signer_keys=SIGNERS)
    for investor in (alice, bob):
        approve_everywhere((a, b), kyc_operator, investor.address)  # type: ignore[arg-type]
    a.token.grantRole(role("MINTER_ROLE"), minter, sender=admin)
    a.token.mint(alice, 5_000 * ONE, sender=minter)
    return a, b


@pytest.fixture
def don(carol) -> LocalDon:
    return LocalDon(SIGNERS, carol)


def balance(side: ChainStack, account) -> int:
    with side.chain.active():
        return int(side.token.balanceOf(account))


def supply(side: ChainStack) -> int:
    with side.chain.active():
        return int(side.token.totalSupply())


def test_the_pool_is_the_asset_s_pool_in_each_chain_s_token_admin_registry(lane):
    for side in lane:
        with side.chain.active():
            assert side.token_admin_registry.getPool(side.token) == side.pool.address
            assert side.router.getOnRamp(CHAIN_B_SELECTOR if side is lane[0] else CHAIN_A_SELECTOR) == \
                side.on_ramp.address


def test_a_send_through_ccip_send_burns_on_a_and_the_onramp_numbers_the_message(lane, alice, bob):
    a, b = lane
    send(a, b, alice, bob.address, 100 * ONE)
    [message] = sent_messages(a, b.selector)
    assert (message.sequence_number, message.receiver, message.token_amounts[0][1], message.token_amounts[0][4]) == \
        (1, bob.address, b.token.address, 100 * ONE)
    assert balance(a, alice) == 4_900 * ONE
    assert balance(a, a.pool) == 0


def test_the_relay_hashes_a_message_as_chainlink_s_message_hasher_does(lane, alice, bob, admin):
    a, b = lane
    send(a, b, alice, bob.address, 100 * ONE)
    [message] = sent_messages(a, b.selector)
    hasher = admin.deploy(container("MessageHasher"))
    assert bytes(hasher.hash(message.as_tuple(), encode_address(a.on_ramp.address))) == \
        leaf_hash(message, a.on_ramp.address)


def test_a_rat_transfer_from_a_lands_on_b_through_the_offramp_after_a_signed_commit(lane, don, alice, bob):
    a, b = lane
    total = supply(a) + supply(b)
    send(a, b, alice, bob.address, 100 * ONE)
    [delivery] = don.run(a, b)
    assert delivery.status == "executed"
    assert execution_state(b, delivery.message) == "SUCCESS"
    assert balance(b, bob) == 100 * ONE
    assert supply(a) + supply(b) == total


def test_a_transfer_from_b_lands_back_on_a(lane, don, alice, bob):
    a, b = lane
    send(a, b, alice, bob.address, 100 * ONE)
    don.run(a, b)
    send(b, a, bob, alice.address, 40 * ONE)
    [delivery] = don.run(b, a)
    assert delivery.status == "executed"
    assert (balance(a, alice), balance(b, bob)) == (4_940 * ONE, 60 * ONE)


def test_a_recipient_frozen_on_b_in_flight_is_quarantined_and_the_offramp_records_success(
        lane, don, alice, bob, sanctions_officer):
    a, b = lane
    send(a, b, alice, bob.address, 100 * ONE)
    with b.chain.active():
        b.stack.registry.freeze([bob], keccak(text="order-1"), sender=sanctions_officer)
    [delivery] = don.run(a, b)
    assert execution_state(b, delivery.message) == "SUCCESS"
    assert balance(b, bob) == 0
    assert balance(b, b.pool) == 100 * ONE
    with b.chain.active():
        record = b.pool.quarantined(1)
        assert (record.recipient, record.amount, record.status) == (bob.address, 100 * ONE, S.RECIPIENT_FROZEN)


def test_an_ineligible_recipient_is_refused_by_ccip_send_with_nothing_burned(lane, alice, mallory):
    a, b = lane
    with a.chain.active(), ape.reverts(a.pool.RecipientNotEligible, recipient=mallory.address, tier=0,
                                       requiredTier=1):
        send(a, b, alice, mallory.address, 100 * ONE)
    assert balance(a, alice) == 5_000 * ONE
    assert sent_messages(a, b.selector) == []


def test_a_commit_signed_by_keys_outside_the_committee_is_refused_by_the_offramp(lane, don, alice, bob):
    a, b = lane
    send(a, b, alice, bob.address, 100 * ONE)
    [message] = sent_messages(a, b.selector)
    with b.chain.active(), ape.reverts(b.off_ramps[a.selector].UnauthorizedSigner):
        don.commit(a, b, [message], signer_keys=OUTSIDERS)


def test_a_commit_sent_by_an_account_that_is_not_a_transmitter_is_refused(lane, alice, bob, mallory):
    a, b = lane
    send(a, b, alice, bob.address, 100 * ONE)
    [message] = sent_messages(a, b.selector)
    with b.chain.active(), ape.reverts(b.off_ramps[a.selector].UnauthorizedTransmitter):
        LocalDon(SIGNERS, mallory).commit(a, b, [message])


def test_a_message_without_a_committed_root_is_not_executed(lane, don, alice, bob):
    a, b = lane
    send(a, b, alice, bob.address, 100 * ONE)
    [message] = sent_messages(a, b.selector)
    with b.chain.active(), ape.reverts(b.off_ramps[a.selector].RootNotCommitted):
        don.execute(a, b, [message])
    assert balance(b, bob) == 0


def test_a_message_whose_amount_was_changed_after_the_commit_is_not_executed(lane, don, alice, bob):
    a, b = lane
    send(a, b, alice, bob.address, 100 * ONE)
    [message] = sent_messages(a, b.selector)
    don.commit(a, b, [message])
    with b.chain.active(), ape.reverts(b.off_ramps[a.selector].RootNotCommitted):
        don.execute(a, b, [message.with_amount(900 * ONE)])
    assert balance(b, bob) == 0


def test_a_replayed_execution_mints_nothing(lane, don, alice, bob, mallory):
    a, b = lane
    send(a, b, alice, bob.address, 100 * ONE)
    [delivery] = don.run(a, b)
    replay = don.execute(a, b, [delivery.message])
    with b.chain.active():
        assert len(b.off_ramps[a.selector].SkippedAlreadyExecutedMessage.from_receipt(replay)) == 1
    manually_execute(a, b, [delivery.message], mallory)
    assert balance(b, bob) == 100 * ONE
    assert [d.status for d in don.run(a, b)] == ["already-executed"]


def test_anyone_executes_a_committed_message_once_the_permissionless_threshold_has_passed(
        lane, don, chain_b, alice, bob, mallory):
    a, b = lane
    send(a, b, alice, bob.address, 100 * ONE)
    [message] = sent_messages(a, b.selector)
    don.commit(a, b, [message])
    with b.chain.active(), ape.reverts(b.off_ramps[a.selector].ManualExecutionNotYetEnabled):
        manually_execute(a, b, [message], mallory)
    chain_b.advance_time(PERMISSIONLESS_EXECUTION_SECONDS + 1)
    manually_execute(a, b, [message], mallory)
    assert execution_state(b, message) == "SUCCESS"
    assert balance(b, bob) == 100 * ONE


def test_a_message_committed_by_a_run_that_stopped_before_executing_is_executed_by_the_next_run(
        lane, don, alice, bob):
    a, b = lane
    send(a, b, alice, bob.address, 100 * ONE)
    don.commit(a, b, sent_messages(a, b.selector))
    assert [d.status for d in don.run(a, b)] == ["executed"]
    assert balance(b, bob) == 100 * ONE


def test_a_batch_of_sends_is_committed_under_one_root_and_executed_together(lane, don, alice, bob):
    a, b = lane
    for amount in (10, 20, 30):
        send(a, b, alice, bob.address, amount * ONE)
    deliveries = don.run(a, b)
    assert [d.status for d in deliveries] == ["executed"] * 3
    assert balance(b, bob) == 60 * ONE


def test_a_message_b_s_inbound_bucket_cannot_take_yet_fails_on_the_offramp_and_the_next_run_delivers_it(
        lane, don, chain_b, alice, bob):
    a, b = lane
    outbound = LIMITS.a_outbound.capacity  # 950 tokens: B's inbound bucket (1,000) takes one such burst, not two
    send(a, b, alice, bob.address, outbound)
    don.run(a, b)
    chain.pending_timestamp += outbound // LIMITS.a_outbound.rate + 1  # A's outbound bucket is full again
    send(a, b, alice, bob.address, outbound)
    first = don.run(a, b)
    assert [d.status for d in first] == ["already-executed", "failed"]
    assert execution_state(b, first[1].message) == "FAILURE"
    assert [d.status for d in don.run(a, b)] == ["already-executed", "failed"]  # the retry comes too early
    chain_b.advance_time(LIMITS.b_inbound.capacity // LIMITS.b_inbound.rate + 1)
    assert [d.status for d in don.run(a, b)] == ["already-executed", "executed"]
    assert balance(b, bob) == 2 * outbound


@pytest.mark.parametrize("name", ["RMNRemote", "Router", "TokenAdminRegistry", "RegistryModuleOwnerCustom",
                                  "NonceManager", "FeeQuoter", "OnRamp", "OffRamp"])
def test_every_ccip_contract_of_the_lane_is_the_package_s_unmodified_bytecode(lane, name):
    a, b = lane
    deployed = {"RMNRemote": b.rmn, "Router": b.router, "TokenAdminRegistry": b.token_admin_registry,
                "RegistryModuleOwnerCustom": b.registry_module, "NonceManager": b.nonce_manager,
                "FeeQuoter": b.fee_quoter, "OnRamp": b.on_ramp, "OffRamp": b.off_ramps[a.selector]}[name]
    version, stem = ARTIFACTS[name]
    shipped = bytes.fromhex((CCIP_PACKAGE / "bytecode" / version / f"{stem}.bin").read_text().strip()
                            .removeprefix("0x"))
    with b.chain.active():
        creation = networks.provider.web3.eth.get_transaction(deployed.txn_hash)["input"]
        assert bytes(creation).startswith(shipped)
        assert deployed.typeAndVersion().startswith(name)


def test_the_ccip_lane_is_refused_on_a_chain_that_is_not_local(admin, kyc_operator, lane, monkeypatch):
    monkeypatch.setattr("rat.bridge.ccip.LOCAL_CHAIN_IDS", frozenset({1}))
    with pytest.raises(CcipError, match="not a local test chain"):
        deploy_chain_stack(Chain("A", CHAIN_A_SELECTOR), admin, kyc_operator, lane[0].fee_token,
                           stack=lane[0].stack, token=lane[0].token)


def test_a_delivery_to_an_asset_paused_on_b_fails_and_is_delivered_after_the_unpause(lane, don, admin, alice, bob):
    a, b = lane
    send(a, b, alice, bob.address, 100 * ONE)
    with b.chain.active():
        for name in ("PAUSER_ROLE", "UNPAUSER_ROLE"):
            b.token.grantRole(role(name), admin, sender=admin)
        b.token.pause(sender=admin)
    assert [d.status for d in don.run(a, b)] == ["failed"]
    with b.chain.active():
        b.token.unpause(sender=admin)
    assert [d.status for d in don.run(a, b)] == ["executed"]
    assert balance(b, bob) == 100 * ONE


def test_the_fee_quoter_configs_name_the_abi_s_fields_in_its_order():
    abi = json.loads((CCIP_PACKAGE / "abi/v1_6_0/fee_quoter.json").read_text())
    [constructor] = [item for item in abi if item["type"] == "constructor"]
    fields = {arg["name"]: arg for arg in constructor["inputs"]}
    dest = [c for c in fields["destChainConfigArgs"]["components"] if c["name"] == "destChainConfig"][0]
    token = [c for c in fields["tokenTransferFeeConfigArgs"]["components"][1]["components"]
             if c["name"] == "tokenTransferFeeConfig"][0]
    assert list(DEST_CHAIN_CONFIG) == [c["name"] for c in dest["components"]]
    assert list(TOKEN_TRANSFER_FEE_CONFIG) == [c["name"] for c in token["components"]]


def test_the_benchmark_s_plain_pool_carries_a_transfer_on_the_same_full_lane(lane, don, admin, kyc_operator, alice,
                                                                              bob, carol):
    """bench/ccip.py's baseline: PlainBurnMintCcipPool registered through `pool_factory` on the same chains' CCIP
    contracts burns on A and is minted on B by the OffRamp after a signed commit."""
    sides = []
    for side in lane:
        def plain_pool(router, rmn, funded=side is lane[0]):
            pool = admin.deploy(project.PlainBurnMintCcipPool, router.address, rmn.address)
            token = admin.deploy(project.PlainBurnMintToken, pool.address, alice.address, 500 * ONE if funded else 0)
            pool.setToken(token, sender=admin)
            return token, pool

        sides.append(deploy_chain_stack(side.chain, admin, kyc_operator, side.fee_token, stack=side.stack,
                                        pool_factory=plain_pool))
    a, b = sides
    open_direction(a, b, admin, carol, SIGNERS)
    with a.chain.active():
        a.pool.setLane(b.selector, encode_address(b.pool.address), encode_address(b.token.address), 1_000 * ONE, ONE,
                       sender=admin)
    with b.chain.active():
        b.pool.setLane(a.selector, encode_address(a.pool.address), encode_address(a.token.address), 1_000 * ONE, ONE,
                       sender=admin)
    send(a, b, alice, bob.address, 100 * ONE)
    [delivery] = don.run(a, b)
    assert delivery.status == "executed"
    assert (balance(a, alice), supply(a), balance(b, bob), supply(b)) == (400 * ONE, 400 * ONE, 100 * ONE, 100 * ONE)


# ---------------------------------------------------------------- RMN curses (T181)


def subject(selector: int) -> bytes:
    """RMNRemote's curse subject of a lane: `bytes16(uint128(chainSelector))`."""
    return selector.to_bytes(16, "big")


def refusal_of_a_call(side: ChainStack, caller: str, data: bytes) -> str | None:
    """The pool's custom error when `caller` (a ramp's address) calls the pool with `data` (eth_call: nothing sent),
    decoded from its ABI; None when the call succeeds."""
    with side.chain.active():
        try:
            networks.provider.web3.eth.call({"from": caller, "to": side.pool.address, "data": data})
        except ContractCustomError as error:
            raw = error.data if isinstance(error.data, str) else str(error.args[0])
            return decode_pool_error(raw, side.pool) or raw
    return None


def test_a_send_on_a_lane_rmn_remote_curses_is_refused_by_ccip_send_with_nothing_burned(lane, admin, alice, bob):
    a, b = lane
    message = (encode_address(bob.address), b"", [(a.token.address, 100 * ONE)], a.fee_token.address, extra_args())
    quoted = fee(a, b, bob.address, 100 * ONE)
    with a.chain.active():
        a.token.approve(a.router, 100 * ONE, sender=alice)
        a.fee_token.approve(a.router, quoted, sender=alice)
        a.rmn.curse(subject(b.selector), sender=admin)
        with ape.reverts(a.on_ramp.CursedByRMN, destChainSelector=b.selector):  # the Router asks its fee first
            a.router.ccipSend(b.selector, message, sender=alice)
    assert balance(a, alice) == 5_000 * ONE
    assert sent_messages(a, b.selector) == []


def test_the_pool_refuses_its_own_onramp_a_burn_on_a_lane_rmn_remote_curses(lane, admin, bob):
    """The Router and OnRamp refuse first on Chainlink's lane; the pool refuses as well, should a ramp not."""
    a, b = lane
    request = (encode_address(bob.address), b.selector, bob.address, ONE, a.token.address)
    with a.chain.active():
        a.rmn.curse(subject(b.selector), sender=admin)
        data = a.pool.lockOrBurn.encode_input(request)
    assert refusal_of_a_call(a, a.on_ramp.address, data) == f"CursedByRMN(remoteChainSelector={b.selector})"


def test_a_commit_from_a_source_rmn_remote_curses_is_refused_by_the_offramp(lane, don, admin, alice, bob):
    a, b = lane
    send(a, b, alice, bob.address, 100 * ONE)
    [message] = sent_messages(a, b.selector)
    with b.chain.active():
        b.rmn.curse(subject(a.selector), sender=admin)
        with ape.reverts(b.off_ramps[a.selector].CursedByRMN):
            don.commit(a, b, [message])
    assert balance(b, bob) == 0


def test_the_pool_refuses_its_own_offramp_a_mint_from_a_source_rmn_remote_curses(lane, admin, bob):
    a, b = lane
    request = (encode_address(bob.address), a.selector, bob.address, ONE, b.token.address,
               encode_address(a.pool.address), b"", b"")
    with b.chain.active():
        b.rmn.curse(subject(a.selector), sender=admin)
        data = b.pool.releaseOrMint.encode_input(request)
    assert refusal_of_a_call(b, b.off_ramps[a.selector].address, data) == \
        f"CursedByRMN(remoteChainSelector={a.selector})"


def test_a_curse_on_another_lane_leaves_the_full_lane_open(lane, don, admin, alice, bob):
    a, b = lane
    for side in (a, b):
        with side.chain.active():
            side.rmn.curse(subject(OTHER_SELECTOR), sender=admin)
    send(a, b, alice, bob.address, 100 * ONE)
    assert [d.status for d in don.run(a, b)] == ["executed"]
    assert balance(b, bob) == 100 * ONE
