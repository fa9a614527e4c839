"""The compliant RAT/stablecoin pool on the real Uniswap v4 engine (ADR 0100): KYC'd investors trade and provide
liquidity; every bypass route of issue 18 is tried and refused with its decoded reason."""

from __future__ import annotations

import ape
import pytest

from rat.protocol import AssetStatus
from rat.venues.compliant_pool import add_liquidity, remove_liquidity, swap, venue_revert_reason
UNIT = 10**18

OK, PAUSED, SENDER_NOT_ELIGIBLE, RECIPIENT_NOT_ELIGIBLE = 0, 1, 2, 3
SENDER_FROZEN, RECIPIENT_FROZEN, SENDER_KYC_EXPIRED, RECIPIENT_KYC_EXPIRED = 4, 5, 6, 7
RECIPIENT_JURISDICTION_BLOCKED = 9
SENDER_VENUE_NOT_ACTIVE = 14


def reason_of(action, *contracts):
    """Runs a venue operation that must fail and returns its decoded reason (hook errors unwrapped)."""
    with pytest.raises(Exception) as failure:
        action()
    return venue_revert_reason(failure.value, *contracts)


def refused(market, action):
    venue = market.venue
    return reason_of(action, venue.hook, venue.position_manager, venue.engine.router, venue.asset)


# ------------------------------------------------------------------------------------------- the legal paths


def test_a_kyc_investor_buys_rat_with_the_stablecoin(market, token, bob):
    venue = market.venue
    before = token.balanceOf(bob)
    receipt = swap(venue, bob, sell_asset=False, amount_in=100 * UNIT)
    [swapped] = receipt.decode_logs(venue.engine.router.Swapped)
    assert swapped.trader == bob.address
    assert token.balanceOf(bob) == before + swapped.amountOut > before


def test_a_kyc_investor_sells_rat_for_the_stablecoin(market, token, bob):
    venue = market.venue
    before = venue.quote.balanceOf(bob)
    swap(venue, bob, sell_asset=True, amount_in=100 * UNIT)
    assert venue.quote.balanceOf(bob) > before


def test_the_pool_manager_never_holds_rat_and_adapter_units_match_the_rat_in_the_venue(market, token, bob):
    venue = market.venue
    swap(venue, bob, sell_asset=True, amount_in=100 * UNIT)
    pool_manager = venue.engine.pool_manager.address
    assert token.balanceOf(pool_manager) == 0
    assert venue.hook.balanceOf(pool_manager) == venue.hook.totalSupply() == token.balanceOf(venue.hook)


def test_a_kyc_lp_removes_liquidity_and_gets_rat_and_stablecoin(market, token, alice):
    venue = market.venue
    rat, usd = token.balanceOf(alice), venue.quote.balanceOf(alice)
    remove_liquidity(venue, alice, market.lp_token_id, 1_000 * UNIT)
    assert token.balanceOf(alice) > rat and venue.quote.balanceOf(alice) > usd


# ------------------------------------------------------------------------------------------- swap: per-person rules


def test_an_investor_without_kyc_cannot_buy_through_the_allowed_router(market, mallory, admin):
    market.venue.quote.mint(mallory, 100 * UNIT, sender=admin)
    reason = refused(market, lambda: swap(market.venue, mallory, sell_asset=False, amount_in=100 * UNIT))
    assert reason.name == "InvestorNotEligible"
    assert reason.args == {"investor": mallory.address, "status": RECIPIENT_NOT_ELIGIBLE}


def test_a_frozen_investor_cannot_sell(market, token, registry, sanctions_officer, bob):
    token.approve(market.venue.hook.address, UNIT, sender=bob)  # a frozen account can no longer approve
    registry.freeze([bob.address], b"\x01" * 32, sender=sanctions_officer)
    reason = refused(market, lambda: swap(market.venue, bob, sell_asset=True, amount_in=UNIT, approve=False))
    assert (reason.name, reason.args["status"]) == ("InvestorNotEligible", SENDER_FROZEN)


def test_an_investor_whose_kyc_expired_cannot_buy(market, chain, bob):
    chain.pending_timestamp += 366 * 24 * 3600
    reason = refused(market, lambda: swap(market.venue, bob, sell_asset=False, amount_in=UNIT))
    assert (reason.name, reason.args["status"]) == ("InvestorNotEligible", RECIPIENT_KYC_EXPIRED)


def test_an_investor_in_a_blocked_jurisdiction_cannot_buy(market, registry, token, admin, bob):
    registry.setJurisdictionsBlocked(token.address, [b"BR"], True, sender=admin)
    reason = refused(market, lambda: swap(market.venue, bob, sell_asset=False, amount_in=UNIT))
    assert (reason.name, reason.args["status"]) == ("InvestorNotEligible", RECIPIENT_JURISDICTION_BLOCKED)


def test_an_investor_below_the_assets_minimum_tier_cannot_buy(market, registry, token, admin, bob):
    registry.setAssetPolicy(token.address, 2, 0, sender=admin)
    reason = refused(market, lambda: swap(market.venue, bob, sell_asset=False, amount_in=UNIT))
    assert (reason.name, reason.args["status"]) == ("InvestorNotEligible", RECIPIENT_NOT_ELIGIBLE)


# ------------------------------------------------------------------------------------------- swap: other routes


def test_a_router_that_is_not_allowed_cannot_swap_even_for_a_kyc_investor(market, project, admin, bob):
    venue = market.venue
    rogue = admin.deploy(project.RatSwapRouter, venue.engine.pool_manager.address)
    venue.quote.approve(rogue.address, UNIT, sender=bob)
    zero_for_one = not venue.asset_is_currency0
    params = (venue.key.as_tuple(), zero_for_one, UNIT, 0, b"")
    reason = refused(market, lambda: rogue.swapExactInputSingle(params, 2**40, sender=bob))
    assert reason.name == "RouterNotAllowed" and reason.args == {"router": rogue.address}


def test_a_contract_calling_unlock_directly_cannot_swap(market, project, admin, mallory):
    venue = market.venue
    attacker = admin.deploy(project.VenueBypassAttacker, venue.engine.pool_manager.address, venue.hook.address)
    reason = refused(market, lambda: attacker.attack(0, venue.key.as_tuple(), UNIT, mallory, sender=mallory))
    assert reason.name == "RouterNotAllowed" and reason.args == {"router": attacker.address}


# ------------------------------------------------------------------------------------------- liquidity


def test_an_investor_without_kyc_cannot_add_liquidity(market, token, minter, admin, mallory):
    venue = market.venue
    venue.quote.mint(mallory, 1_000 * UNIT, sender=admin)
    reason = refused(market, lambda: add_liquidity(venue, mallory, -600, 600, UNIT, 10 * UNIT, 10 * UNIT))
    assert reason.name == "InvestorNotEligible"
    assert reason.args == {"investor": mallory.address, "status": SENDER_NOT_ELIGIBLE}


def test_a_frozen_lp_cannot_remove_liquidity(market, registry, sanctions_officer, alice):
    registry.freeze([alice.address], b"\x02" * 32, sender=sanctions_officer)
    reason = refused(market, lambda: remove_liquidity(market.venue, alice, market.lp_token_id, UNIT))
    assert (reason.name, reason.args["status"]) == ("InvestorNotEligible", RECIPIENT_FROZEN)


def test_periphery_position_manager_is_not_an_allowed_router(market, alice):
    from rat.venues.uniswap_v4 import approve_position_manager, mint_position

    venue = market.venue
    approve_position_manager(venue.engine, venue.quote, alice)
    reason = refused(market, lambda: mint_position(venue.engine, venue.key, -600, 600, UNIT, 10 * UNIT, 10 * UNIT,
                                                   alice))
    assert reason.name == "RouterNotAllowed"
    assert reason.args == {"router": venue.engine.position_manager.address}


def test_a_contract_calling_unlock_directly_cannot_add_liquidity(market, project, admin, mallory):
    venue = market.venue
    attacker = admin.deploy(project.VenueBypassAttacker, venue.engine.pool_manager.address, venue.hook.address)
    reason = refused(market, lambda: attacker.attack(1, venue.key.as_tuple(), UNIT, mallory, sender=mallory))
    assert reason.name == "RouterNotAllowed" and reason.args == {"router": attacker.address}


# ------------------------------------------------------------------------------------------- other pools


def test_a_pool_with_our_hook_at_an_unapproved_fee_cannot_be_created(market, admin):
    venue = market.venue
    key = venue.key
    other = (key.currency0, key.currency1, 500, 10, key.hooks)
    reason = refused(market, lambda: venue.engine.pool_manager.initialize(other, 2**96, sender=admin))
    assert reason.name == "PoolNotApproved"


def test_a_hookless_pool_of_adapter_units_can_be_created_but_never_funded(market, project, admin, mallory):
    from rat.venues.uniswap_v4 import PoolKey

    venue = market.venue
    hookless = PoolKey.for_pair(venue.hook.address, venue.quote.address, 3_000, 60)
    venue.engine.pool_manager.initialize(hookless.as_tuple(), 2**96, sender=admin)
    attacker = admin.deploy(project.VenueBypassAttacker, venue.engine.pool_manager.address, venue.hook.address)
    reason = refused(market, lambda: attacker.attack(1, hookless.as_tuple(), UNIT, mallory, sender=mallory))
    assert reason.name == "RouterNotAllowed" and reason.args == {"router": attacker.address}


def test_a_hookless_pool_of_the_real_rat_cannot_take_rat(market, token, alice):
    from rat.venues.uniswap_v4 import PoolKey

    venue = market.venue
    engine = venue.engine
    plain = PoolKey.for_pair(token.address, venue.quote.address, 3_000, 60)
    engine.pool_manager.initialize(plain.as_tuple(), 2**96, sender=alice)
    # The PoolManager is neither an investor nor a venue of the asset: RAT cannot enter it, so no LP can fund it.
    with ape.reverts(token.TransferRestricted):
        token.transfer(engine.pool_manager.address, UNIT, sender=alice)


# ------------------------------------------------------------------------------------------- ERC-6909 claims


def test_adapter_units_cannot_be_minted_as_erc6909_claims(market, project, admin, mallory):
    venue = market.venue
    attacker = admin.deploy(project.VenueBypassAttacker, venue.engine.pool_manager.address, venue.hook.address)
    reason = refused(market, lambda: attacker.attack(3, venue.key.as_tuple(), UNIT, mallory, sender=mallory))
    assert reason.name == "RouterNotAllowed"
    assert venue.engine.pool_manager.balanceOf(mallory, int(venue.hook.address, 16)) == 0


def test_the_pools_adapter_units_cannot_be_taken_out_to_anyone(market, project, admin, mallory):
    venue = market.venue
    attacker = admin.deploy(project.VenueBypassAttacker, venue.engine.pool_manager.address, venue.hook.address)
    reason = refused(market, lambda: attacker.attack(2, venue.key.as_tuple(), UNIT, mallory, sender=mallory))
    assert reason.name == "AdapterUnitsLocked"
    assert reason.args == {"from": venue.engine.pool_manager.address, "to": mallory.address}


def test_adapter_units_cannot_be_transferred_by_anyone(market, alice, mallory):
    with ape.reverts(market.venue.hook.AdapterUnitsLocked):
        market.venue.hook.transfer(mallory, 0, sender=alice)


# ------------------------------------------------------------------------------------------- LP positions


def test_an_lp_position_cannot_move_to_an_address_without_kyc(market, alice, mallory):
    pm = market.venue.position_manager
    with ape.reverts(pm.PositionTransferRestricted, **{"from": alice.address, "to": mallory.address,
                                                       "status": RECIPIENT_NOT_ELIGIBLE}):
        pm.transferFrom(alice, mallory, market.lp_token_id, sender=alice)


def test_an_lp_position_moves_to_a_kyc_investor(market, alice, bob):
    pm = market.venue.position_manager
    pm.transferFrom(alice, bob, market.lp_token_id, sender=alice)
    assert pm.ownerOf(market.lp_token_id) == bob.address


def test_governance_force_exits_a_sanctioned_lps_position_to_legal_hold(market, token, registry, sanctions_officer,
                                                                        kyc, admin, alice, carol):
    venue = market.venue
    registry.freeze([alice.address], b"\x03" * 32, sender=sanctions_officer)
    kyc(carol, tier=3, country="SC")
    legal_ref = b"\x42" * 32
    receipt = venue.position_manager.forceExit(market.lp_token_id, carol, legal_ref, sender=admin)
    [event] = receipt.decode_logs(venue.position_manager.ForcedExit)
    assert (event.owner, event.legalHold, event.legalRef) == (alice.address, carol.address, legal_ref)
    assert token.balanceOf(carol) > 0 and venue.quote.balanceOf(carol) > 0
    with ape.reverts(venue.position_manager.ERC721NonexistentToken):
        venue.position_manager.ownerOf(market.lp_token_id)


# ------------------------------------------------------------------------------------------- asset state


def test_no_trading_while_the_asset_is_paused(market, token, pauser, bob):
    token.pause(sender=pauser)
    reason = refused(market, lambda: swap(market.venue, bob, sell_asset=False, amount_in=UNIT))
    assert (reason.name, reason.args["status"]) == ("InvestorNotEligible", PAUSED)


def test_no_trading_while_the_guardian_has_halted_the_asset(market, token, admin, bob):
    market.mstack.minter.setAssetStatus(token.address, AssetStatus.HALTED, sender=admin)
    reason = refused(market, lambda: swap(market.venue, bob, sell_asset=False, amount_in=UNIT))
    assert reason.name == "AssetHalted" and reason.args == {"asset": token.address}


def test_no_liquidity_is_added_while_the_guardian_has_halted_the_asset(market, token, admin, alice):
    market.mstack.minter.setAssetStatus(token.address, AssetStatus.HALTED, sender=admin)
    reason = refused(market, lambda: add_liquidity(market.venue, alice, -600, 600, UNIT, 10 * UNIT, 10 * UNIT))
    assert reason.name == "AssetHalted" and reason.args == {"asset": token.address}


def test_no_liquidity_is_removed_while_the_guardian_has_halted_the_asset(market, token, admin, alice):
    market.mstack.minter.setAssetStatus(token.address, AssetStatus.HALTED, sender=admin)
    reason = refused(market, lambda: remove_liquidity(market.venue, alice, market.lp_token_id, UNIT))
    assert reason.name == "AssetHalted" and reason.args == {"asset": token.address}


def test_trading_continues_while_the_asset_is_redeem_only_in_the_minter(market, token, admin, bob):
    """REDEEM_ONLY stops new mints in the Minter, not the secondary market: only HALTED stops the pool."""
    market.mstack.minter.setAssetStatus(token.address, AssetStatus.REDEEM_ONLY, sender=admin)
    before = token.balanceOf(bob)
    swap(market.venue, bob, sell_asset=False, amount_in=UNIT)
    assert token.balanceOf(bob) > before


def _activate_split(token, admin, chain) -> int:
    from rat.deploy import role

    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)
    activates = chain.pending_timestamp + 24 * 3600 + 60
    token.scheduleSplit(2, 1, activates, token.multiplierState()[1], b"\x07" * 32, sender=admin)
    chain.pending_timestamp = activates + 1
    chain.mine()
    return activates


def test_no_trading_between_a_splits_activation_and_the_custodians_post_split_round(market, token, admin, chain,
                                                                                     bob):
    activates = _activate_split(token, admin, chain)
    reason = refused(market, lambda: swap(market.venue, bob, sell_asset=False, amount_in=UNIT))
    assert reason.name == "SplitNotSettled" and reason.args["splitActivatedAt"] == activates


def test_scheduling_the_next_split_keeps_trading_closed_until_the_last_ones_post_split_round(market, token, admin,
                                                                                              chain, bob):
    activates = _activate_split(token, admin, chain)
    token.scheduleSplit(2, 1, chain.pending_timestamp + 2 * 24 * 3600, token.multiplierState()[1], b"\x08" * 32,
                        sender=admin)
    reason = refused(market, lambda: swap(market.venue, bob, sell_asset=False, amount_in=UNIT))
    assert reason.name == "SplitNotSettled" and reason.args["splitActivatedAt"] == activates


def test_trading_resumes_after_the_custodians_post_split_round(market, token, admin, chain, bob):
    from rat.minting import publish_reserves

    _activate_split(token, admin, chain)
    publish_reserves(market.mstack, admin, market.custodian_key.key, token, 2 * 10**6 * UNIT,
                     chain.pending_timestamp - 1)
    swap(market.venue, bob, sell_asset=False, amount_in=UNIT)


# ------------------------------------------------------------------------------------------- privileged functions


def test_only_governance_approves_the_pool(market, mallory):
    with ape.reverts(market.venue.hook.NotGovernance):
        market.venue.hook.approvePool(500, 10, sender=mallory)


def test_the_pool_is_approved_once(market, admin):
    with ape.reverts(market.venue.hook.PoolAlreadyApproved):
        market.venue.hook.approvePool(500, 10, sender=admin)


def test_only_governance_allows_routers(market, mallory):
    with ape.reverts(market.venue.hook.NotGovernance):
        market.venue.hook.setRouter(mallory, True, sender=mallory)


def test_only_allowed_routers_wrap(market, alice):
    with ape.reverts(market.venue.hook.RouterNotAllowed):
        market.venue.hook.wrap(alice, UNIT, sender=alice)


def test_only_allowed_routers_unwrap(market, alice):
    with ape.reverts(market.venue.hook.RouterNotAllowed):
        market.venue.hook.unwrap(alice, 0, sender=alice)


def test_an_allowed_router_cannot_pull_rat_from_anyone_but_the_investor_it_reports(market, project, token, admin,
                                                                                   bob, mallory):
    venue = market.venue
    hostile = admin.deploy(project.RouterImpersonationMock)
    venue.hook.setRouter(hostile.address, True, sender=admin)
    token.approve(venue.hook.address, UNIT, sender=bob)  # as a trader of the allowed routers would have
    before = token.balanceOf(bob)
    with ape.reverts(venue.hook.NotRoutersInvestor, account=bob.address, investor=mallory.address):
        hostile.wrapFor(venue.hook.address, bob, UNIT, sender=mallory)
    assert token.balanceOf(bob) == before


def test_an_allowed_router_cannot_pay_rat_to_anyone_but_the_investor_it_reports(market, project, admin, mallory,
                                                                                 carol):
    venue = market.venue
    hostile = admin.deploy(project.RouterImpersonationMock)
    venue.hook.setRouter(hostile.address, True, sender=admin)
    with ape.reverts(venue.hook.NotRoutersInvestor, account=carol.address, investor=mallory.address):
        hostile.unwrapFor(venue.hook.address, carol, 0, sender=mallory)


def test_only_the_pool_manager_calls_the_hook(market, mallory):
    venue = market.venue
    with ape.reverts(venue.hook.NotPoolManager):
        venue.hook.beforeInitialize(mallory, venue.key.as_tuple(), 2**96, sender=mallory)
    with ape.reverts(venue.hook.NotPoolManager):
        venue.hook.beforeSwap(mallory, venue.key.as_tuple(), (True, -1, 2**96), b"", sender=mallory)


def test_only_governance_force_exits(market, mallory):
    with ape.reverts(market.venue.position_manager.NotGovernance):
        market.venue.position_manager.forceExit(market.lp_token_id, mallory, b"\x01" * 32, sender=mallory)


def test_a_forced_exit_needs_a_legal_reference(market, admin, carol):
    with ape.reverts(market.venue.position_manager.MissingLegalReference):
        market.venue.position_manager.forceExit(market.lp_token_id, carol, b"\x00" * 32, sender=admin)


def test_only_the_owner_removes_liquidity(market, bob):
    with ape.reverts(market.venue.position_manager.NotApprovedForPosition):
        remove_liquidity(market.venue, bob, market.lp_token_id, UNIT)


# ------------------------------------------------------------------------------------------- venue standing


def test_no_trading_while_the_venue_is_suspended(market, registry, token, admin, bob):
    registry.grantRole(registry.VENUE_GUARDIAN_ROLE(), admin, sender=admin)
    registry.suspendVenue(token.address, market.venue.hook.address, b"\x09" * 32, sender=admin)
    reason = refused(market, lambda: swap(market.venue, bob, sell_asset=False, amount_in=UNIT))
    assert (reason.name, reason.args["status"]) == ("InvestorNotEligible", SENDER_VENUE_NOT_ACTIVE)


def test_the_adapter_is_the_assets_registered_venue_and_the_pool_manager_is_not(market, registry, token):
    venue = market.venue
    assert registry.venueStatus(token.address, venue.hook.address) == 1  # ACTIVE
    assert registry.venueStatus(token.address, venue.engine.pool_manager.address) == 0  # NONE


@pytest.mark.parametrize("name", ["RatPoolHook", "RatPositionManager", "RatSwapRouter"])
def test_venue_contracts_fit_under_eip170(project, name):
    runtime = getattr(project, name).contract_type.runtime_bytecode.bytecode
    assert len(bytes.fromhex(runtime[2:])) <= 24_576
