"""DividendDistributor: every holder of a generated distribution is paid with only bounded rounding dust left,
double claims and wrong proofs revert, withholding per jurisdiction goes to the tax account, frozen holders wait,
expiry and sweep, every privileged function refuses an unauthorised caller, every bad input has its error."""

from __future__ import annotations

import ape
import pytest
from ape import project
from eth_utils import keccak, to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rat.deploy import jurisdiction, role
from reserves.distributor import DEFAULT_CLAIM_PERIOD, claim, create_distribution, snapshot_distribution
from reserves import merkle
from reserves.dividends import LEAF_ENCODING, as_claim_args

DAY = 24 * 3600
DIVIDEND_SHARE = 10**18
DIVIDEND_USDC = 10**6
ZERO = "0x" + "00" * 20
PER_SHARE = 24 * DIVIDEND_USDC // 100  # $0.24
COURT_ORDER = keccak(text="sanctions list entry 2026/7")


def dividend_address(label: str) -> str:
    """Same derivation as tests/corporate/conftest.py: a keyless address."""
    return to_checksum_address(keccak(text=f"rat-test:dividends:{label}")[-20:])


POOL = [dividend_address(f"holder-{i}") for i in range(6)]
POOL_COUNTRIES = ["BR", "DE", "GB", "SG", "US", "JP"]


@pytest.fixture(scope="module", autouse=True)
def deployed(dividend_distributor, dividend_usdc, dividend_holders, dividend_rpc_url, admin, token, kyc):
    """Deploys everything (and KYCs the generated-holder pool) before the first test, so every test's snapshot
    starts from the same chain."""
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)
    for address, country in zip(POOL, POOL_COUNTRIES, strict=True):
        kyc(address, country=country)


def _terms(dist, usdc, **override):
    base = {
        "asset": dist.asset, "payoutToken": usdc.address, "merkleRoot": bytes.fromhex(dist.root[2:]),
        "recordBlock": dist.record_block, "amountPerShare": dist.amount_per_share, "totalGross": dist.total_gross,
        "claimDeadline": ape.chain.pending_timestamp + DEFAULT_CLAIM_PERIOD, "metadataURI": "ipfs://rat/d.json",
        "metadataHash": keccak(text="d.json"),
    }
    base.update(override)
    return tuple(base.values())


# ============================================================================================ every holder paid


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    balances=st.lists(st.integers(1, 10**24), min_size=1, max_size=len(POOL)),
    per_share=st.one_of(st.integers(1, 10 * DIVIDEND_USDC), st.integers(1, 10**20)),
    split=st.sampled_from([None, (2, 1), (3, 2), (1, 3)]),
)
def test_every_holder_is_paid_and_only_rounding_dust_bounded_per_holder_remains(
    balances, per_share, split, dividend_distributor, dividend_usdc, dividend_rpc_url, token, minter, admin,
    mallory, chain,
):
    snap = chain.snapshot()
    try:
        for address, amount in zip(POOL, balances):
            token.mint(address, amount, sender=minter)
        if split is not None:
            (_, version) = token.multiplierState()
            at = chain.pending_timestamp + DAY + 60
            token.scheduleSplit(split[0], split[1], at, version, keccak(text="split"), sender=admin)
            chain.mine(timestamp=at + 1)
        record = chain.blocks.head.number
        dist = snapshot_distribution(dividend_rpc_url, token.address, record, per_share,
                                     distributor=dividend_distributor.address)
        held_before = {a: dividend_usdc.balanceOf(a) for a in POOL}
        before = dividend_usdc.balanceOf(dividend_distributor)
        dist_id = create_distribution(dividend_distributor, admin, dividend_usdc, dist)
        for entry in dist.claims:
            claim(dividend_distributor, mallory, dist_id, entry)  # anyone may claim for a holder

        paid = {a: dividend_usdc.balanceOf(a) - held_before[a] for a in POOL}
        assert paid == {a: (dist.claim_of(a).gross if any(c.holder == a for c in dist.claims) else 0) for a in POOL}
        dust = dividend_usdc.balanceOf(dividend_distributor) - before
        holders = dist.holder_count
        per_holder = 1 + -(-per_share // DIVIDEND_SHARE)  # one unit of payout floor + the share floor's worth
        assert dust == dist.total_gross - dist.claimable_gross
        assert 0 <= dust <= dist.dust_bound <= holders * per_holder
        assert dividend_distributor.distribution(dist_id).claimedGross == dist.claimable_gross
        assert all(dividend_distributor.claimed(dist_id, c.holder) for c in dist.claims)
    finally:
        chain.restore(snap)


def test_a_claim_pays_the_holder_whoever_sends_it_and_is_evented(dividend_create, dividend_distributor,
                                                                  dividend_usdc, dividend_holders, alice, mallory):
    dist_id, dist = dividend_create(dividend_holders)
    entry = dist.claim_of(alice.address)
    assert entry.gross == 100 * PER_SHARE
    tx = claim(dividend_distributor, mallory, dist_id, entry)
    assert dividend_usdc.balanceOf(alice) == entry.gross
    assert dividend_usdc.balanceOf(mallory) == 0
    [event] = tx.events.filter(dividend_distributor.Claimed)
    assert (event.id, event.holder, event.caller, event.gross, event.net, event.withheld) == (
        dist_id, alice.address, mallory.address, entry.gross, entry.gross, 0)
    assert bytes(event.jurisdiction) == b"BR"


def test_creation_pulls_the_gross_total_and_records_every_term(dividend_create, dividend_distributor, dividend_usdc,
                                                               dividend_holders, admin):
    before = dividend_usdc.balanceOf(admin)
    dist_id, dist = dividend_create(dividend_holders)
    stored = dividend_distributor.distribution(dist_id)
    assert dividend_usdc.balanceOf(admin) == before - dist.total_gross
    assert dividend_usdc.balanceOf(dividend_distributor) == dist.total_gross
    assert (stored.asset, stored.payoutToken, "0x" + bytes(stored.merkleRoot).hex(), stored.recordBlock,
            stored.amountPerShare, stored.totalGross, stored.claimedGross, stored.swept) == (
        dividend_holders.address, dividend_usdc.address, dist.root, dist.record_block, PER_SHARE, dist.total_gross,
        0, False)
    assert dividend_distributor.nextDistributionId() == dist_id + 1


# ============================================================================================ refused claims


def test_a_second_claim_reverts(dividend_create, dividend_distributor, dividend_holders, bob, mallory):
    dist_id, dist = dividend_create(dividend_holders)
    claim(dividend_distributor, bob, dist_id, dist.claim_of(bob.address))
    with ape.reverts(dividend_distributor.AlreadyClaimed, id=dist_id, holder=bob.address):
        claim(dividend_distributor, mallory, dist_id, dist.claim_of(bob.address))


@pytest.mark.parametrize("tamper", ["amount", "holder", "proof", "other_distribution"])
def test_a_wrong_proof_reverts(tamper, dividend_create, dividend_distributor, dividend_holders, alice, bob, mallory):
    dist_id, dist = dividend_create(dividend_holders)
    other_id, _ = dividend_create(dividend_holders, per_share=2 * PER_SHARE)
    holder, gross, proof = as_claim_args(dist.claim_of(alice.address))
    target = dist_id
    if tamper == "amount":
        gross += 1
    elif tamper == "holder":
        holder = bob.address
    elif tamper == "proof":
        proof = [bytes(32)] + proof[1:]
    else:
        target = other_id
    with ape.reverts(dividend_distributor.InvalidProof, id=target, holder=holder, grossAmount=gross):
        dividend_distributor.claim(target, holder, gross, proof, sender=mallory)


def test_claims_of_an_unknown_distribution_revert(dividend_distributor, alice, mallory):
    with ape.reverts(dividend_distributor.UnknownDistribution, id=99):
        dividend_distributor.claim(99, alice, 1, [], sender=mallory)
    with ape.reverts(dividend_distributor.UnknownDistribution, id=0):
        dividend_distributor.sweep(0, sender=mallory)


def test_a_root_worth_more_than_its_funding_cannot_pay_out_other_distributions_money(
    dividend_create, dividend_distributor, dividend_holders, alice, bob, carol, mallory,
):
    dividend_create(dividend_holders)  # another distribution's money sits in the same contract
    short_id, dist = dividend_create(dividend_holders, total_gross=100 * PER_SHARE)  # only Alice's leaf is covered
    claim(dividend_distributor, mallory, short_id, dist.claim_of(alice.address))
    bob_entry = dist.claim_of(bob.address)
    with ape.reverts(dividend_distributor.ExceedsDistribution, id=short_id, grossAmount=bob_entry.gross,
                     remaining=0):
        claim(dividend_distributor, mallory, short_id, bob_entry)


# ============================================================================================ withholding


def test_withholding_follows_the_holders_jurisdiction(dividend_create, dividend_distributor, dividend_usdc,
                                                      dividend_holders, dividend_tax_account, admin, alice, bob,
                                                      carol, mallory):
    dividend_distributor.setWithholdingRate(jurisdiction("BR"), 3_000, sender=admin)  # 30 %
    dividend_distributor.setWithholdingRate(jurisdiction("DE"), 0, sender=admin)  # treaty: nothing withheld
    dividend_distributor.setDefaultWithholdingRate(1_500, sender=admin)  # GB has no entry
    dist_id, dist = dividend_create(dividend_holders)
    gross = {h.address: dist.claim_of(h.address).gross for h in (alice, bob, carol)}
    for h in (alice, bob, carol):
        claim(dividend_distributor, mallory, dist_id, dist.claim_of(h.address))
    assert dividend_usdc.balanceOf(alice) == gross[alice.address] * 70 // 100
    assert dividend_usdc.balanceOf(bob) == gross[bob.address]
    carol_tax = gross[carol.address] * 1_500 // 10_000
    assert dividend_usdc.balanceOf(carol) == gross[carol.address] - carol_tax
    assert dividend_usdc.balanceOf(dividend_tax_account) == gross[alice.address] * 30 // 100 + carol_tax
    assert dividend_distributor.withholdingBps(jurisdiction("BR")) == 3_000
    assert dividend_distributor.withholdingBps(jurisdiction("DE")) == 0
    assert dividend_distributor.withholdingBps(jurisdiction("GB")) == 1_500
    assert dividend_distributor.withholdingBps(b"\0\0") == 1_500  # no KYC record: the default rate


def test_withholding_is_rounded_in_the_holders_favour_and_evented(dividend_create, dividend_distributor,
                                                                 dividend_holders, admin, carol, mallory):
    dividend_distributor.setWithholdingRate(jurisdiction("GB"), 3_333, sender=admin)
    dist_id, dist = dividend_create(dividend_holders, per_share=PER_SHARE + 1)
    entry = dist.claim_of(carol.address)
    tx = claim(dividend_distributor, mallory, dist_id, entry)
    [event] = tx.events.filter(dividend_distributor.Claimed)
    assert event.withheld == entry.gross * 3_333 // 10_000
    assert event.net == entry.gross - event.withheld
    assert event.withholdingBps == 3_333


def test_clearing_an_entry_restores_the_default_rate(dividend_distributor, admin):
    dividend_distributor.setDefaultWithholdingRate(3_000, sender=admin)
    dividend_distributor.setWithholdingRate(jurisdiction("SG"), 0, sender=admin)
    assert dividend_distributor.withholdingEntry(jurisdiction("SG")) == (True, 0)
    tx = dividend_distributor.clearWithholdingRate(jurisdiction("SG"), sender=admin)
    assert [bytes(e.jurisdiction) for e in tx.events.filter(dividend_distributor.WithholdingRateCleared)] == [b"SG"]
    assert dividend_distributor.withholdingBps(jurisdiction("SG")) == 3_000
    assert dividend_distributor.withholdingEntry(jurisdiction("SG")) == (False, 0)


def test_the_tax_account_and_treasury_can_be_moved(dividend_distributor, admin):
    new_tax, new_treasury = dividend_address("tax-2"), dividend_address("treasury-2")
    dividend_distributor.setTaxAccount(new_tax, sender=admin)
    dividend_distributor.setTreasury(new_treasury, sender=admin)
    assert (dividend_distributor.taxAccount(), dividend_distributor.treasury()) == (new_tax, new_treasury)


# ============================================================================================ frozen holders


def test_a_frozen_holder_is_paid_only_after_being_unfrozen(dividend_create, dividend_distributor, dividend_usdc,
                                                           dividend_holders, registry, sanctions_officer, alice,
                                                           mallory):
    dist_id, dist = dividend_create(dividend_holders)
    registry.freeze([alice], COURT_ORDER, sender=sanctions_officer)
    with ape.reverts(dividend_distributor.HolderFrozen, holder=alice.address):
        claim(dividend_distributor, mallory, dist_id, dist.claim_of(alice.address))
    assert not dividend_distributor.claimed(dist_id, alice)
    registry.unfreeze([alice], COURT_ORDER, sender=sanctions_officer)
    claim(dividend_distributor, mallory, dist_id, dist.claim_of(alice.address))
    assert dividend_usdc.balanceOf(alice) == dist.claim_of(alice.address).gross


# ============================================================================================ expiry and sweep


def test_after_the_deadline_claims_revert_and_the_rest_goes_to_the_treasury(
    dividend_create, dividend_distributor, dividend_usdc, dividend_holders, dividend_treasury, alice, bob, mallory,
    chain,
):
    dist_id, dist = dividend_create(dividend_holders)
    deadline = dividend_distributor.distribution(dist_id).claimDeadline
    with ape.reverts(dividend_distributor.ClaimPeriodNotOver, id=dist_id, claimDeadline=deadline):
        dividend_distributor.sweep(dist_id, sender=mallory)
    claim(dividend_distributor, mallory, dist_id, dist.claim_of(alice.address))
    chain.mine(timestamp=deadline + 1)
    with ape.reverts(dividend_distributor.ClaimPeriodOver, id=dist_id, claimDeadline=deadline):
        claim(dividend_distributor, mallory, dist_id, dist.claim_of(bob.address))
    tx = dividend_distributor.sweep(dist_id, sender=mallory)  # anyone may sweep; only the treasury receives
    left = dist.total_gross - dist.claim_of(alice.address).gross
    assert dividend_usdc.balanceOf(dividend_treasury) == left
    assert dividend_usdc.balanceOf(dividend_distributor) == 0
    assert [(e.id, e.treasury, e.amount) for e in tx.events.filter(dividend_distributor.Swept)] == [(dist_id, dividend_treasury, left)]
    assert dividend_distributor.distribution(dist_id).swept
    with ape.reverts(dividend_distributor.AlreadySwept, id=dist_id):
        dividend_distributor.sweep(dist_id, sender=mallory)
    with ape.reverts(dividend_distributor.ClaimPeriodOver, id=dist_id, claimDeadline=deadline):
        claim(dividend_distributor, mallory, dist_id, dist.claim_of(bob.address))


def test_a_claim_in_the_deadlines_last_second_is_paid(dividend_create, dividend_distributor, dividend_holders, bob,
                                                       mallory, chain):
    dist_id, dist = dividend_create(dividend_holders)
    chain.pending_timestamp = dividend_distributor.distribution(dist_id).claimDeadline
    claim(dividend_distributor, mallory, dist_id, dist.claim_of(bob.address))
    assert dividend_distributor.claimed(dist_id, bob)


# ============================================================================================ access control

PRIVILEGED = [
    ("createDistribution", "DISTRIBUTION_CREATOR_ROLE"),
    ("cancelDistribution", "DISTRIBUTION_CANCELLER_ROLE"),
    ("setWithholdingRate", "WITHHOLDING_MANAGER_ROLE"),
    ("clearWithholdingRate", "WITHHOLDING_MANAGER_ROLE"),
    ("setDefaultWithholdingRate", "WITHHOLDING_MANAGER_ROLE"),
    ("setTreasury", "PAYOUT_ACCOUNTS_ROLE"),
    ("setTaxAccount", "PAYOUT_ACCOUNTS_ROLE"),
    ("upgradeToAndCall", "UPGRADER_ROLE"),
    ("grantRole", "DEFAULT_ADMIN_ROLE"),
]


@pytest.mark.parametrize("method,role_name", PRIVILEGED)
def test_every_privileged_function_refuses_an_unauthorised_caller(method, role_name, dividend_distributor,
                                                                   dividend_usdc, dividend_holders, registry,
                                                                   admin, mallory, dividend_rpc_url, chain):
    if method == "createDistribution":
        dist = snapshot_distribution(dividend_rpc_url, dividend_holders.address, chain.blocks.head.number, PER_SHARE)
        dividend_usdc.transfer(mallory, dist.total_gross, sender=admin)
        dividend_usdc.approve(dividend_distributor, dist.total_gross, sender=mallory)
        args = (_terms(dist, dividend_usdc),)
    elif method == "upgradeToAndCall":
        args = (admin.deploy(project.DividendDistributor, registry.address).address, b"")
    elif method == "grantRole":
        args = (role("DISTRIBUTION_CREATOR_ROLE"), mallory.address)
    else:
        args = {
            "setWithholdingRate": (jurisdiction("US"), 3_000),
            "clearWithholdingRate": (jurisdiction("US"),),
            "setDefaultWithholdingRate": (3_000,),
            "setTreasury": (mallory.address,),
            "setTaxAccount": (mallory.address,),
            "cancelDistribution": (1,),  # the role is checked before the id
        }[method]
    needed = b"\0" * 32 if role_name == "DEFAULT_ADMIN_ROLE" else role(role_name)
    with ape.reverts(dividend_distributor.AccessControlUnauthorizedAccount, account=mallory.address,
                     neededRole=needed):
        getattr(dividend_distributor, method)(*args, sender=mallory)


def test_the_proxy_cannot_be_initialised_twice_nor_the_implementation_at_all(dividend_distributor, registry, admin,
                                                                             mallory):
    with ape.reverts(dividend_distributor.InvalidInitialization):
        dividend_distributor.initialize(mallory, mallory, mallory, sender=mallory)
    impl = admin.deploy(project.DividendDistributor, registry.address)
    with ape.reverts(impl.InvalidInitialization):
        impl.initialize(mallory, mallory, mallory, sender=mallory)


def test_the_upgrader_can_upgrade_and_state_survives(dividend_create, dividend_distributor, dividend_holders, admin,
                                                     registry):
    dist_id, dist = dividend_create(dividend_holders)
    impl = admin.deploy(project.DividendDistributor, registry.address)
    dividend_distributor.upgradeToAndCall(impl.address, b"", sender=admin)
    assert "0x" + bytes(dividend_distributor.distribution(dist_id).merkleRoot).hex() == dist.root


def test_the_deployer_hands_admin_and_upgrade_rights_to_the_named_admin(admin, registry, bob, dividend_treasury,
                                                                        dividend_tax_account):
    from reserves.distributor import deploy_dividend_distributor

    dd = deploy_dividend_distributor(admin, registry.address, treasury=dividend_treasury,
                                     tax_account=dividend_tax_account, admin=bob.address, rates={"US": 3_000},
                                     default_bps=2_500)
    assert dd.hasRole(b"\0" * 32, bob) and dd.hasRole(role("UPGRADER_ROLE"), bob)
    assert not dd.hasRole(b"\0" * 32, admin) and not dd.hasRole(role("UPGRADER_ROLE"), admin)
    assert not dd.hasRole(role("WITHHOLDING_MANAGER_ROLE"), admin)
    assert (dd.withholdingBps(jurisdiction("US")), dd.defaultWithholdingBps()) == (3_000, 2_500)


# ============================================================================================ bad input

BAD_TERMS = [
    ("asset", lambda ctx: {"asset": ZERO}, "ZeroAddress", {}),
    ("payout token", lambda ctx: {"payoutToken": ZERO}, "ZeroAddress", {}),
    ("unregistered asset", lambda ctx: {"asset": ctx["usdc"]}, "AssetNotRegistered", {}),
    ("payout in a rat asset", lambda ctx: {"payoutToken": ctx["asset"]}, "PayoutIsRatAsset", {}),
    ("empty root", lambda ctx: {"merkleRoot": b"\0" * 32}, "EmptyMerkleRoot", {}),
    ("record block now", lambda ctx: {"recordBlock": ctx["pending_block"]}, "RecordBlockNotPast", {}),
    ("zero per share", lambda ctx: {"amountPerShare": 0}, "ZeroAmount", {}),
    ("zero total", lambda ctx: {"totalGross": 0}, "ZeroAmount", {}),
    ("total above uint128", lambda ctx: {"totalGross": 2**128}, "TotalTooLarge", {}),
    ("deadline too soon", lambda ctx: {"claimDeadline": ctx["now"] + 29 * DAY}, "InvalidClaimDeadline", {}),
    ("deadline too late", lambda ctx: {"claimDeadline": ctx["now"] + 5 * 365 * DAY + DAY},
     "InvalidClaimDeadline", {}),
    ("empty uri", lambda ctx: {"metadataURI": ""}, "InvalidMetadata", {}),
    ("zero hash", lambda ctx: {"metadataHash": b"\0" * 32}, "InvalidMetadata", {}),
]


@pytest.mark.parametrize("case,override,error,_", BAD_TERMS, ids=[c[0] for c in BAD_TERMS])
def test_bad_distribution_terms_are_refused_with_their_error(case, override, error, _, dividend_distributor,
                                                             dividend_usdc, dividend_holders, dividend_rpc_url,
                                                             admin, chain):
    dist = snapshot_distribution(dividend_rpc_url, dividend_holders.address, chain.blocks.head.number, PER_SHARE)
    dividend_usdc.approve(dividend_distributor, 2**256 - 1, sender=admin)
    ctx = {"usdc": dividend_usdc.address, "asset": dist.asset, "pending_block": chain.blocks.head.number + 1,
           "now": chain.pending_timestamp}
    with ape.reverts(getattr(dividend_distributor, error)):
        dividend_distributor.createDistribution(_terms(dist, dividend_usdc, **override(ctx)), sender=admin)


def test_unfunded_creation_reverts_and_leaves_nothing_behind(dividend_distributor, dividend_usdc, dividend_holders,
                                                             dividend_rpc_url, admin, chain):
    dist = snapshot_distribution(dividend_rpc_url, dividend_holders.address, chain.blocks.head.number, PER_SHARE)
    next_id = dividend_distributor.nextDistributionId()
    with ape.reverts(dividend_usdc.ERC20InsufficientAllowance):
        dividend_distributor.createDistribution(_terms(dist, dividend_usdc), sender=admin)
    assert dividend_distributor.nextDistributionId() == next_id


@pytest.mark.parametrize("method,args,error", [
    ("setWithholdingRate", (b"us", 100), "InvalidJurisdiction"),
    ("setWithholdingRate", (b"XA", 100), "InvalidJurisdiction"),
    ("setWithholdingRate", (b"\0\0", 100), "InvalidJurisdiction"),
    ("setWithholdingRate", (b"US", 5_001), "WithholdingTooHigh"),
    ("setDefaultWithholdingRate", (5_001,), "WithholdingTooHigh"),
    ("clearWithholdingRate", (b"FR",), "NoWithholdingEntry"),
    ("setTreasury", (ZERO,), "ZeroAddress"),
    ("setTaxAccount", (ZERO,), "ZeroAddress"),
])
def test_bad_settings_are_refused_with_their_error(method, args, error, dividend_distributor, admin):
    with ape.reverts(getattr(dividend_distributor, error)):
        getattr(dividend_distributor, method)(*args, sender=admin)


def test_the_withholding_ceiling_itself_is_accepted(dividend_distributor, admin):
    dividend_distributor.setWithholdingRate(jurisdiction("US"), 5_000, sender=admin)
    assert dividend_distributor.withholdingBps(jurisdiction("US")) == dividend_distributor.MAX_WITHHOLDING_BPS()


def test_deployment_refuses_zero_addresses(admin, registry):
    with ape.reverts():
        admin.deploy(project.DividendDistributor, ZERO)
    impl = admin.deploy(project.DividendDistributor, registry.address)
    for args in ((ZERO, admin.address, admin.address), (admin.address, ZERO, admin.address),
                 (admin.address, admin.address, ZERO)):
        with ape.reverts(impl.ZeroAddress):
            admin.deploy(project.SingletonProxy, impl.address, impl.initialize.encode_input(*args))


def test_the_contracts_leaf_is_the_standard_merkle_tree_leaf(dividend_distributor, alice):
    for gross in (0, 1, 24 * DIVIDEND_USDC, 2**256 - 1):
        assert dividend_distributor.leaf(alice, gross) == merkle.leaf_hash(
            LEAF_ENCODING, [bytes.fromhex(alice.address[2:]), gross])


def test_claim_all_pays_everyone_payable_and_leaves_frozen_holders_for_later(
    dividend_create, dividend_distributor, dividend_usdc, dividend_holders, registry, sanctions_officer, alice, bob,
    carol, mallory,
):
    from reserves.distributor import claim_all

    dist_id, dist = dividend_create(dividend_holders)
    registry.freeze([carol], COURT_ORDER, sender=sanctions_officer)
    receipts = claim_all(dividend_distributor, mallory, dist_id, dist)
    assert len(receipts) == 2
    assert [dividend_distributor.claimed(dist_id, h) for h in (alice, bob, carol)] == [True, True, False]
    registry.unfreeze([carol], COURT_ORDER, sender=sanctions_officer)
    assert len(claim_all(dividend_distributor, mallory, dist_id, dist)) == 1
    assert dividend_usdc.balanceOf(carol) == dist.claim_of(carol.address).gross
