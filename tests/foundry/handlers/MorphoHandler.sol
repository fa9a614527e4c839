// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Cheats} from "../helpers/RatTest.sol";
import {RealAssetToken} from "../../../contracts/token/RealAssetToken.sol";
import {ShareMultiplier, MultiplierState} from "../../../contracts/token/ShareMultiplier.sol";
import {IComplianceRecords} from "../../../contracts/interfaces/IComplianceRegistry.sol";
import {ComplianceRegistry} from "../../../contracts/compliance/ComplianceRegistry.sol";
import {RatEquityOracle} from "../../../contracts/venues/RatEquityOracle.sol";
import {RatMorphoGateway} from "../../../contracts/venues/RatMorphoGateway.sol";
import {IMorphoBlue, MorphoMarketParams, MorphoMarket} from "../../../contracts/venues/interfaces/IMorphoBlue.sol";
import {MockV3Aggregator} from "../../../contracts/mocks/MockV3Aggregator.sol";
import {TestStablecoin} from "../../../contracts/mocks/TestStablecoin.sol";

/// @notice The rest of Morpho Blue's ABI the handler drives (the deployed engine is the unmodified npm build).
interface IMorphoFull is IMorphoBlue {
    function supplyCollateral(MorphoMarketParams memory, uint256, address, bytes memory) external;
    function market(bytes32 id) external view returns (MorphoMarket memory);
}

/// @notice The suite publishes the custodian's reserve rounds (it holds the fixture's signing key).
interface IReservePublisher {
    function publishReserveRound() external;
}

/// @title Drives borrowers, liquidators, the clock, the price feed, splits and freezes against the real Morpho Blue
/// through the RatMorphoGateway, and counts every outcome ADR 0102 forbids:
/// - a borrow that leaves a position above what the oracle's state allows (OPEN: the price; CLOSED: the price less
///   the haircut; STALE / SPLIT_WINDOW: nothing), or a direct Morpho borrow outside OPEN;
/// - a split (with its post-split price and custodian round) that changes a position's health;
/// - a liquidation in CLOSED of a position healthy at the last close;
/// - collateral reaching an address the token would not let receive (no KYC, frozen), by any path;
/// - collateral leaving Morpho other than through the gateway (its venue exit), or a frozen borrower withdrawing.
contract MorphoHandler is Cheats {
    uint256 private constant BPS = 10_000;
    uint256 private constant WAD = 1e18;
    uint256 private constant PRICE_SCALE = 1e36;
    uint256 private constant MONDAY = 1_767_571_200; // 2026-01-05T00:00:00Z
    uint256 private constant OPEN_OFFSET = 14 hours + 30 minutes;

    IMorphoFull public immutable MORPHO;
    RatMorphoGateway public immutable GATEWAY;
    RatEquityOracle public immutable ORACLE;
    RealAssetToken public immutable TOKEN;
    TestStablecoin public immutable USDC;
    MockV3Aggregator public immutable FEED;
    ComplianceRegistry public immutable REGISTRY;
    IComplianceRecords public immutable RECORDS;
    address public immutable GOVERNANCE;
    address public immutable OPERATOR;
    IReservePublisher public immutable PUBLISHER;
    bytes32 public immutable MARKET_ID;
    uint256 public immutable LLTV;

    address[] public actors; // KYC'd investors, then the stranger without KYC
    MorphoMarketParams private params;

    mapping(bytes32 rule => uint256) public violations;
    mapping(bytes32 outcome => uint256) public counts;

    bytes32 public constant RULE_BORROW_BEYOND_ALLOWED_PRICE = "borrow-beyond-allowed-price";
    bytes32 public constant RULE_SPLIT_CHANGES_HEALTH = "split-changes-health";
    bytes32 public constant RULE_CLOSURE_LIQUIDATES = "closure-liquidates";
    bytes32 public constant RULE_COLLATERAL_TO_INELIGIBLE = "collateral-to-ineligible";
    bytes32 public constant RULE_PAID_OUT_PAST_THE_GATEWAY = "paid-out-past-the-gateway";
    bytes32 public constant RULE_FROZEN_BORROWER_WITHDRAWS = "frozen-borrower-withdraws";
    bytes32 public constant RULE_FROZEN_BORROWER_BORROWS = "frozen-borrower-borrows";

    constructor(
        IMorphoFull morpho,
        RatMorphoGateway gateway,
        MorphoMarketParams memory marketParams,
        ComplianceRegistry registry,
        address governance,
        address operator,
        IReservePublisher publisher,
        address[] memory actors_
    ) {
        MORPHO = morpho;
        GATEWAY = gateway;
        params = marketParams;
        ORACLE = RatEquityOracle(marketParams.oracle);
        TOKEN = RealAssetToken(marketParams.collateralToken);
        USDC = TestStablecoin(marketParams.loanToken);
        FEED = MockV3Aggregator(address(ORACLE.FEED()));
        REGISTRY = registry;
        RECORDS = registry.records();
        GOVERNANCE = governance;
        OPERATOR = operator;
        PUBLISHER = publisher;
        MARKET_ID = keccak256(abi.encode(marketParams));
        LLTV = marketParams.lltv;
        actors = actors_;
    }

    // ------------------------------------------------------------------ borrowers

    /// An actor pledges part of its RAT (the stranger holds none).
    function pledge(uint256 actorSeed, uint256 amount) external {
        address a = _actor(actorSeed);
        uint256 balance = TOKEN.balanceOf(a);
        if (balance == 0) return;
        vm.prank(a);
        try MORPHO.supplyCollateral(params, _bound(amount, 1, balance), a, "") {} catch {}
    }

    /// An actor borrows through the gateway (BORROW context) or directly at Morpho (no context: the oracle prices
    /// nothing, so a direct borrow never succeeds).
    function borrow(uint256 actorSeed, uint256 amount, bool viaGateway) external {
        address a = _actor(actorSeed);
        bool frozen = RECORDS.isFrozen(a);
        RatEquityOracle.Quote memory q = ORACLE.quote();
        uint256 allowed = !viaGateway
            ? 0
            : q.state == RatEquityOracle.State.OPEN
                ? q.price
                : q.state == RatEquityOracle.State.CLOSED ? q.price * (BPS - q.haircutBps) / BPS : 0;
        // Up to 110% of the position's capacity at the quote's price, so borrows near the limit are tried.
        (,, uint128 pledged) = MORPHO.position(MARKET_ID, a);
        uint256 capacity = uint256(pledged) * (q.price == 0 ? ORACLE.favourablePrice() : q.price) / PRICE_SCALE * LLTV
            / WAD;
        if (capacity < 10) return;
        amount = _bound(amount, 1, capacity * 11 / 10);
        vm.prank(a);
        bool ok;
        if (viaGateway) {
            try GATEWAY.borrow(params, amount, a) returns (uint256) {
                ok = true;
            } catch {}
        } else {
            try MORPHO.borrow(params, amount, 0, a, a) returns (uint256, uint256) {
                ok = true;
            } catch {}
        }
        if (!ok) return;
        counts[viaGateway ? bytes32("borrow-gateway") : bytes32("borrow-direct")]++;
        if (allowed == 0 || !_healthyAt(a, allowed)) violations[RULE_BORROW_BEYOND_ALLOWED_PRICE]++;
        if (frozen) violations[RULE_FROZEN_BORROWER_BORROWS]++;
    }

    /// An actor repays all its debt (repay never reads the oracle).
    function repayAll(uint256 actorSeed) external {
        address a = _actor(actorSeed);
        (, uint128 shares,) = MORPHO.position(MARKET_ID, a);
        if (shares == 0) return;
        USDC.mint(a, 1_000_000e6);
        vm.startPrank(a);
        USDC.approve(address(MORPHO), type(uint256).max);
        MORPHO.repay(params, 0, shares, a, "");
        vm.stopPrank();
        counts["repay"]++;
    }

    /// An actor withdraws collateral to any receiver, through the gateway or directly.
    function withdrawCollateral(uint256 actorSeed, uint256 receiverSeed, uint256 amount, bool viaGateway) external {
        address a = _actor(actorSeed);
        address receiver = _actor(receiverSeed);
        (,, uint128 pledged) = MORPHO.position(MARKET_ID, a);
        if (pledged == 0) return;
        amount = _bound(amount, 1, pledged);
        bool eligible = _eligible(receiver);
        bool frozen = RECORDS.isFrozen(a);
        vm.prank(a);
        bool ok;
        if (viaGateway) {
            try GATEWAY.withdrawCollateral(params, amount, receiver) {
                ok = true;
            } catch {}
        } else {
            try MORPHO.withdrawCollateral(params, amount, a, receiver) {
                ok = true;
            } catch {}
        }
        if (ok && !eligible) violations[RULE_COLLATERAL_TO_INELIGIBLE]++;
        if (ok && !viaGateway) violations[RULE_PAID_OUT_PAST_THE_GATEWAY]++;
        if (ok && frozen) violations[RULE_FROZEN_BORROWER_WITHDRAWS]++;
        if (ok) counts["withdraw"]++;
    }

    // ------------------------------------------------------------------ liquidators

    /// Any actor (eligible or not) liquidates a tenth of another's collateral, through the gateway or directly.
    function liquidate(uint256 liquidatorSeed, uint256 borrowerSeed, bool viaGateway) external {
        address liquidator = _actor(liquidatorSeed);
        address borrower = _actor(borrowerSeed);
        for (uint256 i; i < actors.length; ++i) {
            (, uint128 debtShares,) = MORPHO.position(MARKET_ID, borrower);
            if (debtShares != 0) break;
            borrower = _actor(borrowerSeed + i + 1); // the next actor with debt
        }
        (, uint128 shares, uint128 pledged) = MORPHO.position(MARKET_ID, borrower);
        if (shares == 0 || pledged < 10) return;
        RatEquityOracle.Quote memory q = ORACLE.quote();
        bool healthyAtClose = q.state == RatEquityOracle.State.CLOSED && _healthyAt(borrower, q.price);
        bool eligible = _eligible(liquidator);
        USDC.mint(liquidator, 1_000_000e6);
        vm.startPrank(liquidator);
        USDC.approve(address(GATEWAY), type(uint256).max);
        USDC.approve(address(MORPHO), type(uint256).max);
        bool ok;
        if (viaGateway) {
            try GATEWAY.liquidate(params, borrower, pledged / 10, 0, type(uint256).max) returns (uint256, uint256) {
                ok = true;
            } catch {}
        } else {
            try MORPHO.liquidate(params, borrower, pledged / 10, 0, "") returns (uint256, uint256) {
                ok = true;
            } catch {}
        }
        vm.stopPrank();
        if (!ok) return;
        counts["liquidation"]++;
        if (!eligible) violations[RULE_COLLATERAL_TO_INELIGIBLE]++;
        if (!viaGateway) violations[RULE_PAID_OUT_PAST_THE_GATEWAY]++;
        if (healthyAtClose) violations[RULE_CLOSURE_LIQUIDATES]++;
    }

    // ------------------------------------------------------------------ the world

    /// Moves the clock forward by up to an hour, or (one call in four) up to two days: sessions, nights and weekends
    /// (KYC records and the published calendar outlast the run).
    function elapse(uint256 seconds_, bool long) external {
        vm.warp(block.timestamp + _bound(seconds_, 1, long && seconds_ % 2 == 0 ? 2 days : 20 minutes));
    }

    /// The oracle admin accepts the latest round after review (a move beyond the bound; may fail on other checks).
    function reviewedAccept() external {
        try ORACLE.acceptReviewedPrice() {} catch {}
    }

    /// A minute later, publishes a feed round moved up to +-12% from the latest answer, and runs the keeper's update.
    function publishRound(uint256 moveBps, bool up) external {
        vm.warp(block.timestamp + 1 minutes); // a round newer than the accepted one
        (uint80 id, int256 answer,,,) = FEED.latestRoundData();
        uint256 a = uint256(answer);
        uint256 delta = a * _bound(moveBps, 0, 1_200) / BPS;
        FEED.setRound(id + 1, int256(up ? a + delta : a - delta), block.timestamp, block.timestamp, id + 1);
        try ORACLE.update() {} catch {}
    }

    /// A minute later, the price falls 5-10% in one accepted round (positions near the limit become liquidatable).
    function fall(uint256 moveBps) external {
        vm.warp(block.timestamp + 1 minutes);
        (uint80 id, int256 answer,,,) = FEED.latestRoundData();
        uint256 a = uint256(answer);
        FEED.setRound(id + 1, int256(a - a * _bound(moveBps, 500, 1_000) / BPS), block.timestamp, block.timestamp,
            id + 1);
        try ORACLE.update() {} catch {}
    }

    /// The sanctions officer freezes or unfreezes an investor.
    function setFrozen(uint256 actorSeed, bool frozen) external {
        address a = _actor(actorSeed);
        address[] memory list = new address[](1);
        list[0] = a;
        vm.prank(OPERATOR);
        if (frozen) {
            try REGISTRY.freeze(list, "fuzz-freeze") {} catch {}
        } else {
            try REGISTRY.unfreeze(list, "fuzz-unfreeze") {} catch {}
        }
    }

    /// A whole split while the market is OPEN: governance schedules it (2:1 or 1:2), the clock moves to the first
    /// session after its activation, the feed publishes the post-split price, the keeper accepts it and the custodian
    /// publishes a post-split round. Every position's health at the new price must equal its health at the old one.
    function splitThrough(bool forward, uint256 delay) external {
        try ORACLE.update() {} catch {}
        RatEquityOracle.Quote memory before = ORACLE.quote();
        if (before.state != RatEquityOracle.State.OPEN) return;
        (uint32 num, uint32 den) = forward ? (uint32(2), uint32(1)) : (uint32(1), uint32(2));
        uint256 answer = ORACLE.acceptedAnswer();
        if (answer % 2 != 0) return; // keep the post-split price exact, so the health comparison is exact
        uint40 at = uint40(block.timestamp + 1 days + _bound(delay, 1, 2 days));
        (, uint32 version) = TOKEN.multiplierState();
        vm.prank(GOVERNANCE);
        try TOKEN.scheduleSplit(num, den, at, version, "fuzz-split") {}
        catch {
            return;
        }
        bool[] memory healthy = new bool[](actors.length);
        for (uint256 i; i < actors.length; ++i) {
            healthy[i] = _healthyAt(actors[i], before.price);
        }
        vm.warp(_nextSessionAfter(at));
        uint256 post = answer * den / num;
        (uint80 id,,,,) = FEED.latestRoundData();
        FEED.setRound(id + 1, int256(post), block.timestamp, block.timestamp, id + 1);
        try ORACLE.update() {} catch {}
        PUBLISHER.publishReserveRound();
        RatEquityOracle.Quote memory afterSplit = ORACLE.quote();
        if (afterSplit.state != RatEquityOracle.State.OPEN) {
            counts["split-unsettled"]++;
            return;
        }
        counts["split"]++;
        for (uint256 i; i < actors.length; ++i) {
            if (_healthyAt(actors[i], afterSplit.price) != healthy[i]) violations[RULE_SPLIT_CHANGES_HEALTH]++;
        }
        if (afterSplit.price != before.price) violations[RULE_SPLIT_CHANGES_HEALTH]++;
    }

    // ------------------------------------------------------------------ model

    /// Morpho's own health rule (`_isHealthy`) at `price`, with its share maths (virtual shares, rounding up).
    function _healthyAt(address borrower, uint256 price) private view returns (bool) {
        (, uint128 shares, uint128 pledged) = MORPHO.position(MARKET_ID, borrower);
        if (shares == 0) return true;
        MorphoMarket memory m = MORPHO.market(MARKET_ID);
        uint256 debt = _mulDivUp(shares, uint256(m.totalBorrowAssets) + 1, uint256(m.totalBorrowShares) + 1e6);
        uint256 maxBorrow = uint256(pledged) * price / PRICE_SCALE * LLTV / WAD;
        return maxBorrow >= debt;
    }

    /// Whether the token would let `account` receive: a KYC record that has not expired, and not frozen.
    function _eligible(address account) private view returns (bool) {
        return RECORDS.investor(account).expiry > block.timestamp && !RECORDS.isFrozen(account);
    }

    function _nextSessionAfter(uint256 t) private pure returns (uint256 s) {
        s = (t / 1 days) * 1 days + OPEN_OFFSET + 60;
        if (s < t) s += 1 days;
        while (((s - MONDAY) / 1 days) % 7 >= 5) s += 1 days;
    }

    function _actor(uint256 seed) private view returns (address) {
        return actors[seed % actors.length];
    }

    function _mulDivUp(uint256 x, uint256 y, uint256 d) private pure returns (uint256) {
        return (x * y + (d - 1)) / d;
    }

    function _bound(uint256 x, uint256 min, uint256 max) private pure returns (uint256) {
        return min + x % (max - min + 1);
    }
}
