// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Cheats} from "../helpers/RatTest.sol";
import {RatEquityOracle} from "../../../contracts/venues/RatEquityOracle.sol";
import {MockV3Aggregator} from "../../../contracts/mocks/MockV3Aggregator.sol";
import {MockMultiplierSource, MockReserveRoundSource} from "../../../contracts/mocks/MockMultiplierSource.sol";
import {MultiplierState, ShareMultiplier} from "../../../contracts/token/ShareMultiplier.sol";

/// @title Drives a RatEquityOracle through time, feed rounds, keeper updates, reviewed acceptances, splits and
/// custodian rounds, and after every action reads `price()` in each pricing context (the handler is the oracle's
/// gateway) and the views `borrowPrice()` / `liquidationPrice()`. Each rule of ADR 0102 is modelled here from the
/// oracle's public quote and accepted data, independently of the branches in `price()`, and every disagreement is
/// counted.
contract OracleHandler is Cheats {
    uint256 private constant BPS = 10_000;

    RatEquityOracle public immutable ORACLE;
    MockV3Aggregator public immutable FEED;
    MockMultiplierSource public immutable MULTIPLIER;
    MockReserveRoundSource public immutable RESERVES;

    /// Rule => times the oracle disagreed with the model.
    mapping(bytes32 rule => uint256) public violations;
    /// State => times the rules were checked in it (so a run that never left OPEN is visible).
    mapping(uint8 state => uint256) public checksInState;

    bytes32 public constant RULE_NO_DIRECT_PRICE = "no-direct-price";
    bytes32 public constant RULE_VIEWS_MATCH_CONTEXT_PRICES = "views-match-context-prices";
    bytes32 public constant RULE_BORROW_NEVER_ABOVE_QUOTE = "borrow-never-above-quote";
    bytes32 public constant RULE_BORROW_REFUSED_STALE_OR_SPLIT = "borrow-refused-stale-or-split";
    bytes32 public constant RULE_CLOSURE_NEVER_LOWERS_LIQUIDATION = "closure-never-lowers-liq";
    bytes32 public constant RULE_STALE_LIQUIDATION_AT_LEAST_ACCEPTED = "stale-liq-at-least-accepted";
    bytes32 public constant RULE_OPEN_PRICE_IS_FEED_TIMES_MULTIPLIER = "open-price-is-feed-x-multiplier";

    constructor(RatEquityOracle oracle, MockV3Aggregator feed, MockMultiplierSource multiplier,
        MockReserveRoundSource reserves) {
        ORACLE = oracle;
        FEED = feed;
        MULTIPLIER = multiplier;
        RESERVES = reserves;
    }

    // ------------------------------------------------------------------ actions

    /// Moves the clock forward by up to four days.
    function elapse(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 4 days));
        _check();
    }

    /// Publishes a feed round now, moved up to +-20% from the latest answer (sometimes a non-positive one).
    function publishRound(uint256 moveBps, bool up, bool broken) external {
        (uint80 id, int256 answer,,,) = FEED.latestRoundData();
        int256 next = broken ? int256(0) : _moved(answer, bound(moveBps, 0, 2_000), up);
        FEED.setRound(id + 1, next, block.timestamp, block.timestamp, id + 1);
        _check();
    }

    /// The keeper's update (allowed to fail: the oracle refuses what it must).
    function keeperUpdate() external {
        try ORACLE.update() {} catch {}
        _check();
    }

    /// The oracle admin accepts the latest round after review (allowed to fail on the checks that remain).
    function reviewedAccept() external {
        try ORACLE.acceptReviewedPrice() {} catch {}
        _check();
    }

    /// Schedules a split (2:1, 1:2 or 3:1) between now and five days ahead, from the current multiplier.
    function scheduleSplit(uint256 kind, uint256 delay) external {
        (MultiplierState memory s,) = MULTIPLIER.multiplierState();
        if (s.numerator != 0 && block.timestamp < s.splitAt) return; // one pending split at a time
        uint256 m = ShareMultiplier.at(s, block.timestamp);
        kind = kind % 3;
        (uint32 num, uint32 den) = kind == 0 ? (uint32(2), uint32(1)) : kind == 1 ? (uint32(1), uint32(2)) : (uint32(3), uint32(1));
        uint40 at = uint40(block.timestamp + bound(delay, 1 hours, 5 days));
        MULTIPLIER.setState(MultiplierState(uint96(m), uint40(block.timestamp), 0, at, num, den));
        _check();
    }

    /// The custodian publishes a reserve round as of now.
    function custodianRound() external {
        RESERVES.setAsOf(address(MULTIPLIER), block.timestamp);
        _check();
    }

    // ------------------------------------------------------------------ the model

    function _check() private {
        RatEquityOracle.Quote memory q = ORACLE.quote();
        uint8 state = uint8(q.state);
        checksInState[state]++;

        (bool directOk,) = _priceIn(RatEquityOracle.Context.NONE);
        (bool borrowOk, uint256 borrowPrice) = _priceIn(RatEquityOracle.Context.BORROW);
        (bool liqOk, uint256 liquidation) = _priceIn(RatEquityOracle.Context.LIQUIDATION);

        // Outside a context the oracle prices nothing, whatever the state: a direct Morpho.borrow always fails.
        if (directOk) violations[RULE_NO_DIRECT_PRICE]++;
        (bool borrowViewOk, uint256 borrowView) = _view(ORACLE.borrowPrice);
        (bool liqViewOk, uint256 liqView) = _view(ORACLE.liquidationPrice);
        if (borrowViewOk != borrowOk || borrowView != borrowPrice || liqViewOk != liqOk || liqView != liquidation) {
            violations[RULE_VIEWS_MATCH_CONTEXT_PRICES]++;
        }
        if (q.state == RatEquityOracle.State.OPEN) {
            (, int256 answer,, uint256 at,) = FEED.latestRoundData();
            uint256 used = at > ORACLE.acceptedAt() ? uint256(answer) : ORACLE.acceptedAnswer();
            (MultiplierState memory s,) = MULTIPLIER.multiplierState();
            // 8-decimal feed, 18-decimal collateral, 6-decimal loan: 1e36 scale => divide by 100.
            uint256 expected = used * ShareMultiplier.at(s, block.timestamp) / 100;
            if (!borrowOk || borrowPrice != expected || !liqOk || liquidation != expected) {
                violations[RULE_OPEN_PRICE_IS_FEED_TIMES_MULTIPLIER]++;
            }
        }
        if (borrowOk && borrowPrice > q.price) violations[RULE_BORROW_NEVER_ABOVE_QUOTE]++;
        bool staleOrSplit = q.state == RatEquityOracle.State.STALE || q.state == RatEquityOracle.State.SPLIT_WINDOW;
        if (staleOrSplit && borrowOk) violations[RULE_BORROW_REFUSED_STALE_OR_SPLIT]++;
        if (q.state == RatEquityOracle.State.CLOSED && (!liqOk || liquidation < borrowPrice || liquidation != q.price)) {
            violations[RULE_CLOSURE_NEVER_LOWERS_LIQUIDATION]++;
        }
        if (staleOrSplit && ORACLE.acceptedAt() != 0) {
            // At least what the accepted data says the token is worth, under either multiplier.
            uint256 acceptedValue = uint256(ORACLE.acceptedAnswer()) * ORACLE.acceptedMultiplier() / 100;
            if (!liqOk || liquidation < acceptedValue) violations[RULE_STALE_LIQUIDATION_AT_LEAST_ACCEPTED]++;
        }
    }

    function _priceIn(RatEquityOracle.Context context) private returns (bool ok, uint256 value) {
        if (context != RatEquityOracle.Context.NONE) ORACLE.enterContext(context);
        try ORACLE.price() returns (uint256 p) {
            (ok, value) = (true, p);
        } catch {}
        if (context != RatEquityOracle.Context.NONE) ORACLE.exitContext();
    }

    function _view(function() external view returns (uint256) read) private view returns (bool ok, uint256 value) {
        try read() returns (uint256 p) {
            (ok, value) = (true, p);
        } catch {}
    }

    function _moved(int256 answer, uint256 bps, bool up) private pure returns (int256) {
        if (answer <= 0) return 100e8;
        uint256 a = uint256(answer);
        uint256 delta = a * bps / BPS;
        return int256(up ? a + delta : a - delta);
    }

    function bound(uint256 x, uint256 min, uint256 max) private pure returns (uint256) {
        return min + x % (max - min + 1);
    }
}
