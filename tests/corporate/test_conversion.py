"""Mergers, tender offers and delistings through the ConversionVault (ADR 0082): a cash delisting converts every
holder at shares x cash per share, a stock merger after a 2-for-1 split pays target tokens under the target's reserve
guard, frozen holders and holders the target refuses (its holder cap included) are deferred, tender offers are
voluntary, and every privileged call and bad input reverts."""

from __future__ import annotations

import ape
import pytest
from eth_account import Account
from eth_utils import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rat.conversions import (
    MAX_BATCH,
    ConversionKind,
    ConversionState,
    ConversionTerms,
    cash_payout,
    close_conversion,
    convert_all,
    deferred_holders,
    deploy_conversion_vault,
    fund_conversion,
    grant_conversion_roles,
    holders_of,
    open_conversion,
    token_payout,
)
from rat.deploy import AssetTerms, jurisdiction, list_equity, role
from rat.errors import TransferStatus as S
from rat.minting import (
    DAY,
    SHARE,
    AssetStatus,
    deploy_minting_stack,
    deploy_test_stablecoin,
    grant_minting_roles,
    list_asset,
    list_payment_token,
    publish_reserves,
    request_burn,
    set_tier_limits,
)

USDC = 10**6
CASH_PER_SHARE = 187_530_000  # 187.53 USDC per share
NOTICE = keccak(text="issuer notice: merger / delisting 2026-12")
SPLIT_NOTICE = keccak(text="issuer notice: 2-for-1 split")
FREEZE_REF = keccak(text="sanctions case 2026/7")
MINT_CAP = 10**9 * SHARE
MINT_RATE = 10**8 * SHARE
TARGET_RESERVES = 10_000 * SHARE
EXTRA_HOLDERS = 3


def _move_to(chain, timestamp):
    chain.pending_timestamp = timestamp
    chain.mine()


@pytest.fixture(scope="module")
def conversion_custodian():
    return Account.from_key(keccak(text="rat-test:conversion-custodian"))


@pytest.fixture(scope="module")
def conversion_roles(new_account):
    """settlement (the SPV's settlement account), manager (CONVERSION_MANAGER_ROLE), treasury, publisher (reserve
    rounds), actions (CORPORATE_ACTIONS_ROLE on the source) and a keeper with no role that pushes convertAll."""
    return {name: new_account() for name in ("settlement", "manager", "treasury", "publisher", "actions", "keeper")}


@pytest.fixture(scope="module")
def conversion_holders(new_account, kyc, alice, bob, carol):
    extra = [new_account() for _ in range(EXTRA_HOLDERS)]
    for who in extra:
        kyc(who)
    kyc(alice)
    kyc(bob)
    kyc(carol)
    return [alice, bob, carol, *extra]


@pytest.fixture(scope="module")
def conversion_stack(stack, admin, kyc_operator, conversion_roles, chain):
    s = deploy_minting_stack(admin, stack, kyc_operator, settlement=conversion_roles["settlement"].address,
                             now=chain.pending_timestamp)
    grant_minting_roles(s, admin, publisher=conversion_roles["publisher"])
    return s


@pytest.fixture(scope="module")
def conversion_source(token, conversion_stack, admin, conversion_custodian, conversion_roles):
    """The root equity (rAAPL), listed in the Minter, with a 2-for-1 split power for the test."""
    list_asset(conversion_stack, admin, token, conversion_custodian.address, MINT_CAP, MINT_RATE, DAY)
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), conversion_roles["actions"], sender=admin)
    return token


@pytest.fixture(scope="module")
def conversion_target(stack, conversion_stack, admin, conversion_custodian, conversion_roles, chain):
    """A second listed RAT equity (rMSFT) with 10,000 shares in custody."""
    t = list_equity(admin, stack, AssetTerms.example("rMSFT", "RAT Microsoft Corp.", "US5949181045"), admin)
    list_asset(conversion_stack, admin, t, conversion_custodian.address, MINT_CAP, MINT_RATE, DAY)
    publish_reserves(conversion_stack, conversion_roles["publisher"], conversion_custodian.key, t, TARGET_RESERVES,
                     chain.pending_timestamp - 1)
    return t


@pytest.fixture(scope="module")
def conversion_usdc(admin, conversion_roles):
    usdc = deploy_test_stablecoin(admin)
    usdc.mint(conversion_roles["settlement"], 10**15 * USDC, sender=admin)
    return usdc


@pytest.fixture(scope="module")
def conversion_vault(admin, conversion_stack, stack, conversion_roles, conversion_source, conversion_target,
                     conversion_holders, conversion_usdc):
    vault = deploy_conversion_vault(admin, conversion_stack.minter, stack.registry,
                                    treasury=conversion_roles["treasury"], manager=conversion_roles["manager"])
    grant_conversion_roles(vault, admin, source=conversion_source, target=conversion_target)
    return vault


@pytest.fixture
def env(conversion_vault, conversion_stack, conversion_source, conversion_target, conversion_usdc, conversion_roles,
        conversion_holders, conversion_custodian, admin, minter, chain):
    class Env:
        vault = conversion_vault
        minter_contract = conversion_stack.minter
        minting = conversion_stack
        source = conversion_source
        target = conversion_target
        usdc = conversion_usdc
        roles = conversion_roles
        holders = conversion_holders
        manager = conversion_roles["manager"]
        settlement = conversion_roles["settlement"]
        treasury = conversion_roles["treasury"]
        keeper = conversion_roles["keeper"]

        @staticmethod
        def give(balances):
            for holder, amount in zip(conversion_holders, balances, strict=False):
                conversion_source.mint(holder, amount, sender=minter)

        @staticmethod
        def halt(status=AssetStatus.REDEEM_ONLY):
            conversion_stack.minter.setAssetStatus(conversion_source, status, sender=admin)

        @staticmethod
        def open(terms_kind="cash", rate=CASH_PER_SHARE, mandatory=True, delay=10, window=30 * DAY):
            effective = chain.pending_timestamp + delay
            if terms_kind == "cash":
                terms = ConversionTerms.cash(conversion_usdc, rate, NOTICE, effective, window, mandatory)
            else:
                terms = ConversionTerms.token(conversion_target, rate, NOTICE, effective, window, mandatory)
            cid = open_conversion(conversion_vault, conversion_roles["manager"], conversion_source, terms)
            _move_to(chain, effective)
            return cid, terms

        @staticmethod
        def fund_required():
            amount = conversion_vault.fundingRequired(conversion_source)
            if amount:
                fund_conversion(conversion_vault, conversion_roles["settlement"], conversion_source, amount)
            return amount

        @staticmethod
        def publish_target(shares=TARGET_RESERVES):
            _move_to(chain, chain.pending_timestamp + 5)  # a round's asOf must be newer than the last one
            publish_reserves(conversion_stack, conversion_roles["publisher"], conversion_custodian.key,
                             conversion_target, shares, chain.pending_timestamp - 1)

    return Env


# ============================================================================================ cash delisting


@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    balances=st.lists(st.integers(1, 10**24), min_size=1, max_size=3 + EXTRA_HOLDERS),
    cash_per_share=st.integers(1, 10**12),
)
def test_a_cash_delisting_converts_every_holder_at_shares_times_cash_per_share(env, chain, balances, cash_per_share):
    snapshot = chain.snapshot()
    try:
        env.give(balances)
        holders = env.holders[: len(balances)]
        env.halt(AssetStatus.HALTED)
        cid, _ = env.open("cash", cash_per_share)
        multiplier = env.source.multiplier()
        funded = env.fund_required()
        expected = [cash_payout(b, multiplier, cash_per_share) for b in balances]
        assert [env.vault.quote(env.source, b).payout for b in balances] == expected

        [receipt] = convert_all(env.vault, env.keeper, env.source, holders)

        assert [env.usdc.balanceOf(h) for h in holders] == expected
        assert [env.source.balanceOf(h) for h in holders] == [0] * len(holders)
        assert env.source.totalSupply() == 0
        assert env.source.holderCount() == 0
        events = list(receipt.events.filter(env.vault.Converted))
        assert [(e.holder, e.tokens, e.payout, e.forced, e.id) for e in events] == [
            (h.address, b, p, True, cid) for h, b, p in zip(holders, balances, expected, strict=True)
        ]
        burns = list(receipt.events.filter(env.source.ForcedBurn))
        assert {bytes(e.legalRef) for e in burns} == {NOTICE}
        # Funding is computed on the whole supply, so the per-holder floors leave less than one unit per holder.
        dust = funded - sum(expected)
        assert 0 <= dust < len(holders)
        tx = close_conversion(env.vault, env.manager, env.source)
        assert env.usdc.balanceOf(env.treasury) == dust
        [closed] = tx.events.filter(env.vault.ConversionClosed)
        assert (closed.returned, closed.tokensConverted, closed.paid) == (dust, sum(balances), sum(expected))
        assert env.vault.conversion(env.source).state == ConversionState.CLOSED
    finally:
        chain.restore(snapshot)


def test_a_frozen_holder_is_deferred_and_converted_once_unfrozen(env, registry, sanctions_officer):
    alice, bob = env.holders[:2]
    env.give([10 * SHARE, 4 * SHARE])
    env.halt()
    cid, _ = env.open("cash")
    env.fund_required()
    registry.freeze([bob], FREEZE_REF, sender=sanctions_officer)

    receipts = convert_all(env.vault, env.keeper, env.source, [alice, bob])

    assert deferred_holders(env.vault, receipts) == [bob.address]
    [deferred] = receipts[0].events.filter(env.vault.ConversionDeferred)
    assert (deferred.tokens, deferred.reason, deferred.id) == (4 * SHARE, int(S.RECIPIENT_FROZEN), cid)
    assert env.source.balanceOf(bob) == 4 * SHARE and env.usdc.balanceOf(bob) == 0
    assert env.usdc.balanceOf(alice) == 10 * CASH_PER_SHARE
    with ape.reverts(env.vault.HolderNotEligible, holder=bob.address, reason=int(S.RECIPIENT_FROZEN)):
        env.vault.convert(env.source, SHARE, sender=bob)
    with ape.reverts(env.vault.ConversionNotFinished):
        env.vault.closeConversion(env.source, sender=env.manager)

    registry.unfreeze([bob], FREEZE_REF, sender=sanctions_officer)
    convert_all(env.vault, env.keeper, env.source, [bob])
    assert env.usdc.balanceOf(bob) == 4 * CASH_PER_SHARE
    assert env.source.totalSupply() == 0


def test_a_venue_holding_the_asset_is_deferred_not_paid(env, registry, admin):
    """A venue (ADR 0101) holds for its liquidity providers: they are converted once they withdraw."""
    from ape import project

    registry.grantRole(role("VENUE_LISTING_ROLE"), admin, sender=admin)
    venue = admin.deploy(project.ERC1271WalletMock, admin.address)
    registry.registerVenue(env.source, venue, FREEZE_REF, sender=admin)
    holder = env.holders[0]
    env.give([10 * SHARE])
    env.source.transfer(venue, 4 * SHARE, sender=holder)
    env.halt()
    cid, _ = env.open("cash")
    env.fund_required()

    receipts = convert_all(env.vault, env.keeper, env.source, [holder, venue])

    assert deferred_holders(env.vault, receipts) == [venue.address]
    [deferred] = receipts[0].events.filter(env.vault.ConversionDeferred)
    assert (deferred.tokens, deferred.reason, deferred.id) == (4 * SHARE, int(S.VENUE_MINT_OR_BURN_REFUSED), cid)
    assert env.source.balanceOf(venue) == 4 * SHARE and env.usdc.balanceOf(venue) == 0


def test_a_holder_cannot_be_converted_twice(env):
    alice = env.holders[0]
    env.give([3 * SHARE])
    env.halt()
    env.open("cash")
    env.fund_required()
    convert_all(env.vault, env.keeper, env.source, [alice, alice])
    assert env.source.balanceOf(alice) == 0
    paid = env.usdc.balanceOf(alice)
    assert paid == 3 * CASH_PER_SHARE

    [again] = convert_all(env.vault, env.keeper, env.source, [alice])
    assert list(again.events.filter(env.vault.Converted)) == []
    with ape.reverts(env.vault.InsufficientBalance, holder=alice.address, balance=0, amount=SHARE):
        env.vault.convert(env.source, SHARE, sender=alice)
    assert env.usdc.balanceOf(alice) == paid


def test_a_tender_offer_is_voluntary(env):
    alice, bob = env.holders[:2]
    env.give([10 * SHARE, 5 * SHARE])
    env.halt()
    cid, _ = env.open("cash", mandatory=False)
    env.fund_required()
    shares, payout = env.vault.quote(env.source, 4 * SHARE)
    assert (shares, payout) == (4 * SHARE, 4 * CASH_PER_SHARE)

    tx = env.vault.convert(env.source, 4 * SHARE, sender=alice)

    [event] = tx.events.filter(env.vault.Converted)
    assert (event.holder, event.tokens, event.shares, event.payout, event.forced, event.id) == (
        alice.address, 4 * SHARE, 4 * SHARE, 4 * CASH_PER_SHARE, False, cid)
    assert env.source.balanceOf(alice) == 6 * SHARE
    assert env.usdc.balanceOf(alice) == 4 * CASH_PER_SHARE
    with ape.reverts(env.vault.NotMandatory, asset=env.source.address):
        env.vault.convertAll(env.source, [bob], sender=env.keeper)
    assert env.source.balanceOf(bob) == 5 * SHARE


def test_excess_funding_returns_to_the_treasury_and_an_expired_conversion_closes(env, chain):
    alice, bob = env.holders[:2]
    env.give([2 * SHARE, 3 * SHARE])
    env.halt()
    _, terms = env.open("cash", mandatory=False)
    required = env.fund_required()
    assert required == 5 * CASH_PER_SHARE
    tx = fund_conversion(env.vault, env.settlement, env.source, 7 * USDC)
    assert [(e.asset, e.id, e["from"], e.amount)
            for e in tx.events.filter(env.vault.ConversionFunded)] == [
        (env.source.address, env.vault.conversion(env.source).id, env.settlement.address, 7 * USDC)]
    assert env.vault.excessFunding(env.source) == 7 * USDC
    assert env.vault.fundingRequired(env.source) == 0
    with ape.reverts(env.vault.ExceedsExcess, amount=7 * USDC + 1, excess=7 * USDC):
        env.vault.defund(env.source, 7 * USDC + 1, sender=env.manager)
    tx = env.vault.defund(env.source, 7 * USDC, sender=env.manager)
    assert [(e.to, e.amount) for e in tx.events.filter(env.vault.ConversionDefunded)] == [
        (env.treasury.address, 7 * USDC)]
    assert env.usdc.balanceOf(env.treasury) == 7 * USDC

    env.vault.convert(env.source, 2 * SHARE, sender=alice)
    _move_to(chain, terms.expires_at)
    with ape.reverts(env.vault.ConversionExpired, asset=env.source.address, expiresAt=terms.expires_at):
        env.vault.convert(env.source, SHARE, sender=bob)
    close_conversion(env.vault, env.manager, env.source)
    assert env.usdc.balanceOf(env.treasury) == 7 * USDC + 3 * CASH_PER_SHARE
    assert env.usdc.balanceOf(env.vault) == 0
    assert env.source.balanceOf(bob) == 3 * SHARE


def test_underfunded_conversion_reverts_and_converts_nobody(env):
    alice, bob = env.holders[:2]
    env.give([2 * SHARE, 3 * SHARE])
    env.halt()
    env.open("cash")
    fund_conversion(env.vault, env.settlement, env.source, 4 * CASH_PER_SHARE)
    with ape.reverts(env.vault.InsufficientFunding, required=3 * CASH_PER_SHARE, available=2 * CASH_PER_SHARE):
        env.vault.convertAll(env.source, [alice, bob], sender=env.keeper)
    assert env.source.balanceOf(alice) == 2 * SHARE


def test_cash_is_paid_on_shares_after_the_multiplier(env, chain):
    """A 3-for-2 split before the delisting: 2 tokens are 3 shares and are paid 3 x cash per share."""
    alice = env.holders[0]
    env.give([2 * SHARE])
    version = env.source.multiplierState()[1]
    activates = chain.pending_timestamp + DAY + 60
    env.source.scheduleSplit(3, 2, activates, version, SPLIT_NOTICE, sender=env.roles["actions"])
    _move_to(chain, activates)
    env.halt()
    env.open("cash")
    env.fund_required()
    convert_all(env.vault, env.keeper, env.source, [alice])
    assert env.usdc.balanceOf(alice) == 3 * CASH_PER_SHARE


def test_the_minters_escrow_of_pending_burns_is_never_converted(env, admin, chain):
    """Tokens escrowed by a pending burn request belong to its holder, who is converted once it is cancelled."""
    alice = env.holders[0]
    env.give([5 * SHARE])
    list_payment_token(env.minting, admin, env.usdc)
    set_tier_limits(env.minting, admin)
    deadline = chain.pending_timestamp + 3600
    request_id = request_burn(env.minting, alice, env.source, env.usdc, 2 * SHARE, 1, deadline)
    env.halt()
    env.open("cash")
    env.fund_required()
    minter_cash = env.usdc.balanceOf(env.minter_contract)  # the Minter's keep-alive unit
    convert_all(env.vault, env.keeper, env.source, [alice, env.minter_contract])
    assert env.source.balanceOf(env.minter_contract) == 2 * SHARE
    assert env.usdc.balanceOf(env.minter_contract) == minter_cash
    assert env.usdc.balanceOf(alice) == 3 * CASH_PER_SHARE

    _move_to(chain, deadline + 1)
    env.minter_contract.cancel(request_id, sender=env.keeper)
    convert_all(env.vault, env.keeper, env.source, [alice])
    assert env.usdc.balanceOf(alice) == 5 * CASH_PER_SHARE
    assert env.source.totalSupply() == 0


# ============================================================================================ stock merger


def test_a_merger_after_a_2_for_1_split_converts_all_holders_into_the_target(env, chain):
    balances = [10 * SHARE, 3 * SHARE + 7, 1]
    holders = env.holders[:3]
    env.give(balances)
    version = env.source.multiplierState()[1]
    activates = chain.pending_timestamp + DAY + 60
    env.source.scheduleSplit(2, 1, activates, version, SPLIT_NOTICE, sender=env.roles["actions"])
    _move_to(chain, activates + 1)
    assert env.source.multiplier() == 2 * SHARE
    env.publish_target()  # a fresh round: the fixture's is older than the target's one-day heartbeat
    env.halt()
    ratio = 3 * SHARE // 4  # 0.75 target share per source share
    cid, _ = env.open("token", ratio)
    target_multiplier = env.target.multiplier()
    expected = [token_payout(b, 2 * SHARE, ratio, target_multiplier) for b in balances]
    assert expected[0] == 15 * SHARE  # 10 tokens -> 20 shares -> 15 target shares
    assert [env.vault.quote(env.source, b).payout for b in balances] == expected

    found = holders_of(env.source)
    assert set(found) == {h.address for h in holders}
    [receipt] = convert_all(env.vault, env.keeper, env.source, found)

    assert [env.target.balanceOf(h) for h in holders] == expected
    assert env.source.totalSupply() == 0
    assert env.target.totalSupply() == sum(expected)
    conversion = env.vault.conversion(env.source)
    assert (conversion.kind, conversion.paid, conversion.tokensConverted, conversion.sharesConverted) == (
        ConversionKind.TOKEN, sum(expected), sum(balances), sum(b * 2 for b in balances))
    assert [e.id for e in receipt.events.filter(env.vault.Converted)] == [cid] * 3


def test_a_merger_that_would_exceed_the_target_reserves_reverts_with_the_guard_error(env):
    alice, bob = env.holders[:2]
    env.give([6 * SHARE, 6 * SHARE])
    env.publish_target(10 * SHARE)
    env.halt()
    env.open("token", SHARE)
    env.vault.convert(env.source, 6 * SHARE, sender=alice)
    with ape.reverts(env.vault.OverReserves, supplyAfter=12 * SHARE, reserves=10 * SHARE):
        env.vault.convertAll(env.source, [bob], sender=env.keeper)
    assert env.source.balanceOf(bob) == 6 * SHARE
    assert env.target.balanceOf(bob) == 0


def _reverse_split_target_and_round(env, chain, admin, custodian, as_of_after_split: int) -> int:
    """Schedules a 1-for-2 reverse split of the target, then publishes a target round of TARGET_RESERVES shares as
    of `as_of_after_split` seconds after its activation (negative: before it), and moves past both. Returns the
    activation time."""
    env.target.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)
    activates = chain.pending_timestamp + DAY + 60
    env.target.scheduleSplit(1, 2, activates, env.target.multiplierState()[1], SPLIT_NOTICE, sender=admin)
    as_of = activates + as_of_after_split
    _move_to(chain, max(activates, as_of) + 5)
    publish_reserves(env.minting, env.roles["publisher"], custodian.key, env.target, TARGET_RESERVES, as_of)
    return activates


def _open_one_for_one_merger_keeping_the_target_round(env):
    """The first holder gets two source tokens; a mandatory one-for-one stock conversion opens and takes effect."""
    env.give([2 * SHARE])
    env.halt()
    env.open("token", SHARE)


def test_a_merger_refuses_a_target_round_as_of_the_second_before_its_reverse_split_naming_both_times(
    env, chain, admin, conversion_custodian
):
    alice = env.holders[0]
    activates = _reverse_split_target_and_round(env, chain, admin, conversion_custodian, -1)
    _open_one_for_one_merger_keeping_the_target_round(env)
    with ape.reverts(env.vault.ReservesPredateSplit, roundAsOf=activates - 1, splitActivatedAt=activates):
        env.vault.convert(env.source, SHARE, sender=alice)
    assert env.target.balanceOf(alice) == 0


def test_a_merger_accepts_a_target_round_as_of_its_reverse_splits_activation_second(env, chain, admin,
                                                                                  conversion_custodian):
    alice = env.holders[0]
    _reverse_split_target_and_round(env, chain, admin, conversion_custodian, 0)
    _open_one_for_one_merger_keeping_the_target_round(env)
    env.vault.convert(env.source, SHARE, sender=alice)
    assert env.target.balanceOf(alice) == 2 * SHARE  # one share, and a target token is half a share now


def test_a_merger_accepts_a_target_round_as_of_after_its_reverse_split(env, chain, admin, conversion_custodian):
    alice = env.holders[0]
    _reverse_split_target_and_round(env, chain, admin, conversion_custodian, 1)
    _open_one_for_one_merger_keeping_the_target_round(env)
    env.vault.convert(env.source, SHARE, sender=alice)
    assert env.target.balanceOf(alice) == 2 * SHARE  # one share, and a target token is half a share now


def test_a_merger_defers_a_holder_the_target_refuses(env, registry, admin):
    """The target's holders must pass its compliance rules, as a mint by the Minter would."""
    alice, bob = env.holders[:2]
    env.give([SHARE, SHARE])
    env.publish_target()
    registry.setJurisdictionsBlocked(env.target, [jurisdiction("BR")], True, sender=admin)
    env.halt()
    env.open("token", SHARE)
    [receipt] = convert_all(env.vault, env.keeper, env.source, [alice, bob])
    assert [(e.holder, e.reason) for e in receipt.events.filter(env.vault.ConversionDeferred)] == [
        (alice.address, int(S.RECIPIENT_JURISDICTION_BLOCKED)), (bob.address, int(S.RECIPIENT_JURISDICTION_BLOCKED))]
    assert env.source.balanceOf(alice) == SHARE


def _cap_target_holders(env, registry, admin, extra_holders):
    """Caps the target at its current holder count plus `extra_holders`, keeping its minimum tier."""
    cap = env.target.holderCount() + extra_holders
    assert cap != 0, "a cap of 0 means no cap"
    registry.setAssetPolicy(env.target, registry.policy(env.target).minTier, cap, sender=admin)
    return cap


def _open_one_for_one_merger(env, balances):
    env.give(balances)
    env.publish_target()
    env.halt()
    return env.open("token", SHARE)


def test_a_merger_batch_defers_the_holder_beyond_the_targets_holder_cap_and_converts_the_rest(env, registry, admin):
    alice, bob, carol = env.holders[:3]
    cid, _ = _open_one_for_one_merger(env, [SHARE, 2 * SHARE, 3 * SHARE])
    _cap_target_holders(env, registry, admin, 2)

    [receipt] = convert_all(env.vault, env.keeper, env.source, [alice, bob, carol])

    assert [(e.holder, e.tokens, e.reason, e.id) for e in receipt.events.filter(env.vault.ConversionDeferred)] == [
        (carol.address, 3 * SHARE, int(S.MAX_HOLDERS_REACHED), cid)]
    assert [env.target.balanceOf(h) for h in (alice, bob, carol)] == [SHARE, 2 * SHARE, 0]
    assert env.source.balanceOf(carol) == 3 * SHARE


def test_a_holder_deferred_at_the_targets_holder_cap_converts_once_the_cap_is_raised(env, registry, admin):
    alice, bob = env.holders[:2]
    _open_one_for_one_merger(env, [SHARE, 2 * SHARE])
    cap = _cap_target_holders(env, registry, admin, 1)
    convert_all(env.vault, env.keeper, env.source, [alice, bob])
    assert env.source.balanceOf(bob) == 2 * SHARE

    registry.setAssetPolicy(env.target, registry.policy(env.target).minTier, cap + 1, sender=admin)
    [receipt] = convert_all(env.vault, env.keeper, env.source, [bob])

    assert list(receipt.events.filter(env.vault.ConversionDeferred)) == []
    assert env.target.balanceOf(bob) == 2 * SHARE
    assert env.source.totalSupply() == 0


def test_a_holder_already_holding_the_target_converts_at_its_holder_cap(env, registry, admin):
    alice, bob = env.holders[:2]
    _open_one_for_one_merger(env, [SHARE, 2 * SHARE])
    env.vault.convert(env.source, SHARE // 2, sender=bob)  # bob now holds the target
    _cap_target_holders(env, registry, admin, 0)

    [receipt] = convert_all(env.vault, env.keeper, env.source, [alice, bob])

    assert [e.holder for e in receipt.events.filter(env.vault.ConversionDeferred)] == [alice.address]
    assert env.target.balanceOf(bob) == 2 * SHARE


def test_a_voluntary_conversion_beyond_the_targets_holder_cap_reverts_with_the_eligibility_error(env, registry,
                                                                                                   admin):
    alice, bob = env.holders[:2]
    _open_one_for_one_merger(env, [SHARE, SHARE])
    env.vault.convert(env.source, SHARE, sender=bob)  # the target's first holder
    _cap_target_holders(env, registry, admin, 0)
    with ape.reverts(env.vault.HolderNotEligible, holder=alice.address,
                     reason=int(S.MAX_HOLDERS_REACHED)) as reverted:
        env.vault.convert(env.source, SHARE, sender=alice)
    # ape.reverts accepts any error it cannot decode, such as the target token's own TransferRestricted.
    assert type(reverted.value).__name__ == "HolderNotEligible"


def test_a_merger_needs_an_active_target(env, admin, chain):
    env.give([SHARE])
    env.publish_target()
    env.halt()
    env.minter_contract.setAssetStatus(env.target, AssetStatus.REDEEM_ONLY, sender=admin)
    terms = ConversionTerms.token(env.target, SHARE, NOTICE, chain.pending_timestamp + 10)
    with ape.reverts(env.vault.TargetNotAccepting, target=env.target.address, status=int(AssetStatus.REDEEM_ONLY)):
        env.vault.openConversion(env.source, terms.as_tuple(), sender=env.manager)
    env.minter_contract.setAssetStatus(env.target, AssetStatus.ACTIVE, sender=admin)
    env.open("token", SHARE)
    env.minter_contract.setAssetStatus(env.target, AssetStatus.HALTED, sender=admin)
    with ape.reverts(env.vault.TargetNotAccepting, target=env.target.address, status=int(AssetStatus.HALTED)):
        env.vault.convert(env.source, SHARE, sender=env.holders[0])


# ============================================================================================ governance and inputs


def test_opening_while_the_minter_still_mints_the_asset_reverts(env, chain):
    terms = ConversionTerms.cash(env.usdc, CASH_PER_SHARE, NOTICE, chain.pending_timestamp + 10)
    with ape.reverts(env.vault.AssetStillActive, asset=env.source.address, status=int(AssetStatus.ACTIVE)):
        env.vault.openConversion(env.source, terms.as_tuple(), sender=env.manager)


def test_opening_is_evented_and_a_second_open_conversion_is_refused(env, chain):
    env.halt()
    effective = chain.pending_timestamp + 100
    terms = ConversionTerms.token(env.target, SHARE // 2, NOTICE, effective, 30 * DAY)
    tx = env.vault.openConversion(env.source, terms.as_tuple(), sender=env.manager)
    [e] = tx.events.filter(env.vault.ConversionOpened)
    assert (e.asset, e.kind, e.payout, e.rate, e.mandatory, e.effectiveAt, e.expiresAt, bytes(e.actionRef)) == (
        env.source.address, ConversionKind.TOKEN, env.target.address, SHARE // 2, True, effective,
        effective + 30 * DAY, NOTICE)
    with ape.reverts(env.vault.NotYetEffective, asset=env.source.address, effectiveAt=effective):
        env.vault.convert(env.source, SHARE, sender=env.holders[0])
    with ape.reverts(env.vault.ConversionAlreadyOpen, asset=env.source.address):
        env.vault.openConversion(env.source, terms.as_tuple(), sender=env.manager)
    with ape.reverts(env.vault.NotCashConversion, asset=env.source.address):
        env.vault.fund(env.source, USDC, sender=env.settlement)
    # Before it takes effect the issuer may withdraw it: closing is allowed.
    env.vault.closeConversion(env.source, sender=env.manager)
    assert env.vault.conversion(env.source).state == ConversionState.CLOSED


def _bad_terms(env, now):
    cash = ConversionTerms.cash(env.usdc, CASH_PER_SHARE, NOTICE, now + 10, 30 * DAY)
    t = cash.as_tuple()
    return {
        "zero payout": ((t[0], "0x" + "00" * 20, *t[2:]), "ZeroAddress", {}),
        "no kind": ((0, *t[1:]), "InvalidKind", {}),
        "payout is the asset": ((t[0], env.source.address, *t[2:]), "InvalidPayout", {"payout": env.source.address}),
        "zero rate": ((*t[:2], 0, *t[3:]), "InvalidRate", {"rate": 0}),
        "huge rate": ((*t[:2], 10**36 + 1, *t[3:]), "InvalidRate", {"rate": 10**36 + 1}),
        "past effective time": ((*t[:4], now - 1000, now + 40 * DAY, t[6]), "InvalidEffectiveTime", {}),
        "window too short": ((*t[:5], now + 10 + DAY, t[6]), "InvalidExpiry", {"expiresAt": now + 10 + DAY}),
        "window too long": ((*t[:5], now + 10 + 11 * 365 * DAY, t[6]), "InvalidExpiry", {}),
        "no notice": ((*t[:6], b"\x00" * 32), "InvalidActionRef", {}),
        "unlisted target": ((2, env.usdc.address, *t[2:]), "TargetNotListed", {"target": env.usdc.address}),
    }


BAD_TERMS = ["zero payout", "no kind", "payout is the asset", "zero rate", "huge rate", "past effective time",
             "window too short", "window too long", "no notice", "unlisted target"]


@pytest.mark.parametrize("case", BAD_TERMS)
def test_bad_terms_are_refused_with_a_custom_error(env, chain, case):
    env.halt()
    terms, error, fields = _bad_terms(env, chain.pending_timestamp)[case]
    with ape.reverts(getattr(env.vault, error), **fields):
        env.vault.openConversion(env.source, terms, sender=env.manager)


def test_a_vault_without_its_token_roles_cannot_open(env, chain, admin):
    env.halt()
    env.source.revokeRole(role("FORCED_TRANSFER_ROLE"), env.vault, sender=admin)
    terms = ConversionTerms.cash(env.usdc, CASH_PER_SHARE, NOTICE, chain.pending_timestamp + 10)
    with ape.reverts(env.vault.MissingTokenRole, token=env.source.address, role=role("FORCED_TRANSFER_ROLE")):
        env.vault.openConversion(env.source, terms.as_tuple(), sender=env.manager)
    env.source.grantRole(role("FORCED_TRANSFER_ROLE"), env.vault, sender=admin)
    env.target.revokeRole(role("MINTER_ROLE"), env.vault, sender=admin)
    terms = ConversionTerms.token(env.target, SHARE, NOTICE, chain.pending_timestamp + 10)
    with ape.reverts(env.vault.MissingTokenRole, token=env.target.address, role=role("MINTER_ROLE")):
        env.vault.openConversion(env.source, terms.as_tuple(), sender=env.manager)


def test_calls_without_an_open_conversion_or_with_bad_amounts_revert(env):
    alice = env.holders[0]
    src = env.source.address
    with ape.reverts(env.vault.ConversionNotOpen, asset=src):
        env.vault.convert(src, SHARE, sender=alice)
    with ape.reverts(env.vault.ConversionNotOpen, asset=src):
        env.vault.convertAll(src, [alice], sender=env.keeper)
    with ape.reverts(env.vault.ConversionNotOpen, asset=src):
        env.vault.fund(src, USDC, sender=env.settlement)
    with ape.reverts(env.vault.ConversionNotOpen, asset=src):
        env.vault.closeConversion(src, sender=env.manager)
    with ape.reverts(env.vault.ConversionNotOpen, asset=src):
        env.vault.quote(src, SHARE)
    env.give([SHARE])
    env.halt()
    env.open("cash")
    with ape.reverts(env.vault.ZeroAmount):
        env.vault.convert(src, 0, sender=alice)
    with ape.reverts(env.vault.ZeroAmount):
        env.vault.fund(src, 0, sender=env.settlement)
    with ape.reverts(env.vault.ZeroAmount):
        env.vault.defund(src, 0, sender=env.manager)
    with ape.reverts(env.vault.EmptyBatch):
        env.vault.convertAll(src, [], sender=env.keeper)
    too_many = [alice.address] * (MAX_BATCH + 1)
    with ape.reverts(env.vault.BatchTooLarge, size=MAX_BATCH + 1, max=MAX_BATCH):
        env.vault.convertAll(src, too_many, sender=env.keeper)


def _privileged_calls(vault, asset, victim):
    return {
        "openConversion": ("CONVERSION_MANAGER_ROLE", lambda s: vault.openConversion(
            asset, ConversionTerms.cash(victim, 1, NOTICE, 2**39).as_tuple(), sender=s)),
        "closeConversion": ("CONVERSION_MANAGER_ROLE", lambda s: vault.closeConversion(asset, sender=s)),
        "defund": ("CONVERSION_MANAGER_ROLE", lambda s: vault.defund(asset, 1, sender=s)),
        "setTreasury": ("DEFAULT_ADMIN_ROLE", lambda s: vault.setTreasury(victim, sender=s)),
        "grantRole": ("DEFAULT_ADMIN_ROLE", lambda s: vault.grantRole(role("CONVERSION_MANAGER_ROLE"), s, sender=s)),
    }


PRIVILEGED = list(_privileged_calls(None, None, None))


@pytest.mark.parametrize("function", PRIVILEGED)
def test_privileged_function_refuses_a_caller_without_the_role(function, env, mallory):
    needed, call = _privileged_calls(env.vault, env.source.address, env.holders[0].address)[function]
    needed_id = b"\x00" * 32 if needed == "DEFAULT_ADMIN_ROLE" else role(needed)
    with ape.reverts(env.vault.AccessControlUnauthorizedAccount, account=mallory.address, neededRole=needed_id):
        call(mallory)


def test_the_admin_sets_the_treasury(env, admin, mallory):
    with ape.reverts(env.vault.ZeroAddress):
        env.vault.setTreasury("0x" + "00" * 20, sender=admin)
    tx = env.vault.setTreasury(mallory, sender=admin)
    assert env.vault.treasury() == mallory.address
    assert [e.treasury for e in tx.events.filter(env.vault.TreasuryUpdated)] == [mallory.address]
