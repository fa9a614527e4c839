"""Every privileged function of the oracle, the calendar and the gateway refuses an unauthorised caller, and the
bounds on the oracle's parameters hold."""

import ape
import pytest
from morpho_support import PARAMS, USDC, build_market

from rat.deploy import role


@pytest.fixture(scope="module")
def market(project, chain, admin, pauser, bob, alice):
    return build_market(project, chain, admin, pauser, bob, alice)


def test_only_the_oracle_admin_sets_parameters(market, mallory):
    with ape.reverts(market.oracle.AccessControlUnauthorizedAccount):
        market.oracle.setParams(PARAMS.as_tuple(), sender=mallory)


def test_only_the_oracle_admin_sets_the_gateway(market, mallory):
    with ape.reverts(market.oracle.AccessControlUnauthorizedAccount):
        market.oracle.setGateway(mallory.address, sender=mallory)


def test_only_the_oracle_admin_accepts_a_reviewed_price(market, mallory):
    with ape.reverts(market.oracle.AccessControlUnauthorizedAccount):
        market.oracle.acceptReviewedPrice(sender=mallory)


def test_only_the_gateway_opens_a_pricing_context(market, mallory):
    with ape.reverts(market.oracle.NotGateway):
        market.oracle.enterContext(2, sender=mallory)


def test_only_the_gateway_closes_a_pricing_context(market, mallory):
    with ape.reverts(market.oracle.NotGateway):
        market.oracle.exitContext(sender=mallory)


def test_only_the_calendar_keeper_publishes_sessions(market, mallory, chain):
    with ape.reverts(market.calendar.AccessControlUnauthorizedAccount):
        market.calendar.publish(chain.pending_timestamp // 86_400 + 60, [0], [0], sender=mallory)


def test_the_keeper_role_is_granted_by_governance_only(market, mallory):
    with ape.reverts(market.calendar.AccessControlUnauthorizedAccount):
        market.calendar.grantRole(role("CALENDAR_KEEPER_ROLE"), mallory.address, sender=mallory)


def test_only_morpho_calls_the_liquidation_callback(market, mallory):
    with ape.reverts(market.gateway.NotMorpho):
        market.gateway.onMorphoLiquidate(1, b"\x00", sender=mallory)


def test_only_morpho_calls_the_repay_callback(market, mallory):
    with ape.reverts(market.gateway.NotMorpho):
        market.gateway.onMorphoRepay(1, b"\x00", sender=mallory)


def test_the_repay_callback_refuses_morpho_outside_a_frozen_position_closure(market, chain, accounts):
    chain.set_balance(market.morpho.address, 10**20)
    as_morpho = accounts[market.morpho.address]
    with ape.reverts(market.gateway.NoRepayInProgress):
        market.gateway.onMorphoRepay(1, b"\x00", sender=as_morpho)


def test_only_governance_grants_the_frozen_position_closer_role(market, mallory):
    with ape.reverts(market.gateway.AccessControlUnauthorizedAccount):
        market.gateway.grantRole(role("FROZEN_POSITION_CLOSER_ROLE"), mallory.address, sender=mallory)


def test_a_gateway_the_oracle_does_not_name_cannot_open_its_context(market, project, admin, alice):
    other = admin.deploy(project.RatMorphoGateway, market.morpho.address, admin.address)
    market.morpho.setAuthorization(other.address, True, sender=alice)
    with ape.reverts(market.oracle.NotGateway):
        other.borrow(market.params, 1_000 * USDC, alice.address, sender=alice)


@pytest.mark.parametrize("params", [
    (59, 1_000, 200, 100, 1_500, 86_400),  # heartbeat below a minute
    (3_600, 0, 200, 100, 1_500, 86_400),  # no deviation allowed at all
    (3_600, 5_001, 200, 100, 1_500, 86_400),  # deviation above 50%
    (3_600, 1_000, 1_600, 100, 1_500, 86_400),  # first haircut above its cap
    (3_600, 1_000, 200, 100, 5_001, 86_400),  # cap above 50%
    (3_600, 1_000, 200, 100, 1_500, 7 * 86_400 + 1),  # split guard above a week
])
def test_out_of_bound_parameters_are_refused(market, params):
    with ape.reverts(market.oracle.InvalidParams):
        market.oracle.setParams(params, sender=market.admin)


def test_the_fixed_rate_irm_refuses_a_rate_above_its_cap(project, admin, market):
    with ape.reverts(project.RatFixedRateIrm.RateTooHigh):
        admin.deploy(project.RatFixedRateIrm, market.morpho.address, 10**18)
