// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RatTest} from "./helpers/RatTest.sol";
import {OracleHandler} from "./handlers/OracleHandler.sol";
import {RatEquityOracle, IReserveRoundSource} from "../../contracts/venues/RatEquityOracle.sol";
import {RatMarketCalendar} from "../../contracts/venues/RatMarketCalendar.sol";
import {MockV3Aggregator} from "../../contracts/mocks/MockV3Aggregator.sol";
import {MockMultiplierSource, MockReserveRoundSource} from "../../contracts/mocks/MockMultiplierSource.sol";
import {TestStablecoin} from "../../contracts/mocks/TestStablecoin.sol";

/// @title ADR 0102's pricing rules hold whatever the order of clock moves, feed rounds, keeper updates, reviewed
/// acceptances, splits and custodian rounds: no price outside OPEN without a context, no borrow price above the
/// quote nor any in STALE / SPLIT_WINDOW, closure never lowers the liquidation price, a stale liquidation price is
/// never below the accepted data's value, and an OPEN price is the feed x the multiplier.
contract CollateralOracleInvariants is RatTest {
    OracleHandler private handler;
    uint256 private constant MONDAY_2027_01_04 = 1_798_329_600; // 00:00 UTC
    uint32 private constant OPEN_OFFSET = 14 hours + 30 minutes;
    uint32 private constant CLOSE_OFFSET = 21 hours;

    function setUp() public {
        vm.warp(MONDAY_2027_01_04 + OPEN_OFFSET + 60);
        RatMarketCalendar calendar = new RatMarketCalendar(bytes4("XNYS"), address(this), address(this));
        uint256 days_ = 180;
        uint32[] memory opens = new uint32[](days_);
        uint32[] memory closes = new uint32[](days_);
        for (uint256 i; i < days_; ++i) {
            if (i % 7 < 5) (opens[i], closes[i]) = (OPEN_OFFSET, CLOSE_OFFSET); // Mon-Fri sessions
        }
        calendar.publish(MONDAY_2027_01_04 / 1 days, opens, closes);
        MockV3Aggregator feed = new MockV3Aggregator(8, 100e8);
        MockMultiplierSource multiplier = new MockMultiplierSource(18);
        MockReserveRoundSource reserves = new MockReserveRoundSource();
        TestStablecoin usdc = new TestStablecoin("USD Coin", "USDC", 6, address(this));
        RatEquityOracle oracle = new RatEquityOracle(feed, address(multiplier), address(usdc),
            IReserveRoundSource(address(reserves)), calendar,
            address(this), RatEquityOracle.Params(3_600, 1_000, 200, 100, 1_500, 1 days));
        oracle.acceptReviewedPrice();
        handler = new OracleHandler(oracle, feed, multiplier, reserves);
        oracle.setGateway(address(handler));
        oracle.grantRole(oracle.ORACLE_ADMIN_ROLE(), address(handler));
        targetContract(address(handler));
    }

    function invariant_noPriceOutsideAGatewayContext() public view {
        assertEq(handler.violations(handler.RULE_NO_DIRECT_PRICE()), 0, "price outside a pricing context");
    }

    function invariant_theViewsMatchThePriceInEachContext() public view {
        assertEq(handler.violations(handler.RULE_VIEWS_MATCH_CONTEXT_PRICES()), 0, "view differs from context price");
    }

    function invariant_openPriceIsFeedTimesMultiplier() public view {
        assertEq(handler.violations(handler.RULE_OPEN_PRICE_IS_FEED_TIMES_MULTIPLIER()), 0, "OPEN price");
    }

    function invariant_borrowPriceNeverAboveTheQuote() public view {
        assertEq(handler.violations(handler.RULE_BORROW_NEVER_ABOVE_QUOTE()), 0, "borrow price above quote");
    }

    function invariant_noBorrowPriceWhenStaleOrInTheSplitWindow() public view {
        assertEq(handler.violations(handler.RULE_BORROW_REFUSED_STALE_OR_SPLIT()), 0, "borrow price when stale");
    }

    function invariant_closureNeverLowersTheLiquidationPrice() public view {
        assertEq(handler.violations(handler.RULE_CLOSURE_NEVER_LOWERS_LIQUIDATION()), 0, "closure liquidation");
    }

    function invariant_staleLiquidationPriceNeverBelowTheAcceptedValue() public view {
        assertEq(handler.violations(handler.RULE_STALE_LIQUIDATION_AT_LEAST_ACCEPTED()), 0, "stale liquidation");
    }
}
