// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {MultiplierState, ShareMultiplier} from "../token/ShareMultiplier.sol";
import {IMorphoOracle} from "./interfaces/IMorphoBlue.sol";
import {RatMarketCalendar} from "./RatMarketCalendar.sol";

/// @notice The share multiplier of a RAT equity (the token itself; a mock for plain-ERC-20 test markets).
interface IMultiplierSource {
    function multiplierState() external view returns (MultiplierState memory state, uint32 version);
    /// @notice When the last split took effect (0 if none), also while another one is scheduled.
    function lastSplitActivatedAt() external view returns (uint256);
}

/// @notice The custodian's proof-of-reserve rounds (ReserveRecords / ReserveRegistry), Chainlink-shaped per asset:
/// `updatedAt` is the round's as-of time.
interface IReserveRoundSource {
    function latestRoundData(address asset)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

/// @title RatEquityOracle
/// @notice Morpho Blue oracle for one RAT equity: price of 1 token base unit in loan-token base units, scaled 1e36,
/// = the Chainlink price per share x the token's share multiplier. It fails safe: every answer has a state
/// - OPEN: the session is open and the feed's price is fresh and within `maxDeviationBps` of the last accepted one;
/// - CLOSED: outside a session (calendar: RatMarketCalendar), the last price with a haircut growing with time closed;
/// - STALE: unknown calendar day, no fresh price, or a move beyond the deviation bound (until accepted);
/// - SPLIT_WINDOW: from `splitGuard` before a split's activation until both a post-split price has been accepted and
///   the custodian has published a post-split reserve round.
/// @dev Morpho reads `price()` in borrow, withdrawCollateral (with debt) and liquidate only. `price()` answers only
/// inside a transient context the RatMorphoGateway opens (docs/decisions/0102), so every borrow goes through the
/// gateway, which refuses a frozen borrower (Morpho does not tell the oracle whose position it prices):
/// | state        | no context (direct call) | BORROW context          | LIQUIDATION context                     |
/// | OPEN         | reverts NoPricingContext | price                   | price                                   |
/// | CLOSED       | reverts NoPricingContext | last price - haircut    | last price (closure alone liquidates no one) |
/// | STALE/SPLIT  | reverts NoPricingContext | reverts                 | most favourable price the data allows   |
/// Off-chain readers use the views `borrowPrice()` and `liquidationPrice()`, which return (or revert) exactly as
/// `price()` does in each context. Repay and supplyCollateral never read the oracle, so they work in every state.
contract RatEquityOracle is IMorphoOracle, AccessControl {
    enum State {
        OPEN,
        CLOSED,
        STALE,
        SPLIT_WINDOW
    }

    enum Reason {
        NONE,
        MARKET_CLOSED,
        CALENDAR_UNKNOWN,
        NO_ACCEPTED_PRICE,
        INVALID_ANSWER,
        HEARTBEAT_MISSED,
        DEVIATION_TOO_LARGE,
        SPLIT_PENDING,
        SPLIT_UNCONFIRMED
    }

    enum Context {
        NONE,
        BORROW,
        LIQUIDATION
    }

    /// @notice Risk parameters; all bounded by the constants below.
    struct Params {
        uint32 heartbeat; // seconds a price stays fresh while the market is open
        uint16 maxDeviationBps; // largest accepted move between two accepted per-token prices
        uint16 closedHaircutBps; // haircut as soon as the market closes
        uint16 haircutPerDayBps; // added per day closed
        uint16 maxHaircutBps; // cap of the closed-market haircut
        uint32 splitGuard; // seconds before a split's activation new borrows stop
    }

    /// @notice A state with its reason, the un-haircut price (1e36-scaled; 0 when unknown) and the haircut.
    struct Quote {
        State state;
        Reason reason;
        uint256 price;
        uint256 haircutBps;
        uint256 priceTime;
    }

    /// @notice Sets risk parameters and the gateway; accepts a price move beyond the bound after review.
    bytes32 public constant ORACLE_ADMIN_ROLE = keccak256("ORACLE_ADMIN_ROLE");
    uint256 public constant BPS = 10_000;
    uint256 public constant MIN_HEARTBEAT = 1 minutes;
    uint256 public constant MAX_HEARTBEAT = 7 days;
    uint256 public constant MAX_DEVIATION_BPS = 5_000;
    uint256 public constant MAX_HAIRCUT_BPS = 5_000;
    uint256 public constant MAX_SPLIT_GUARD = 7 days;

    /// @notice Chainlink AggregatorV3 price per share of the underlying equity.
    AggregatorV3Interface public immutable FEED;
    /// @notice The RAT equity token (collateral) whose `multiplierState` converts shares to tokens.
    address public immutable TOKEN;
    /// @notice The custodian's reserve rounds for TOKEN (the split window ends after a post-split round).
    IReserveRoundSource public immutable RESERVES;
    /// @notice The exchange calendar shared with the relayer.
    RatMarketCalendar public immutable CALENDAR;
    /// @dev price = answer * multiplier * SCALE_MUL / SCALE_DIV (one of them is 1).
    uint256 public immutable SCALE_MUL;
    uint256 public immutable SCALE_DIV;

    Params public params;
    /// @notice The last accepted feed answer (price per share), its feed time and round, and the multiplier then.
    uint128 public acceptedAnswer;
    uint40 public acceptedAt;
    uint80 public acceptedRound;
    uint128 public acceptedMultiplier;
    /// @notice The RatMorphoGateway allowed to open a pricing context.
    address public gateway;

    Context private transient _context;

    event PriceAccepted(uint80 indexed roundId, uint256 answer, uint256 updatedAt, uint256 multiplier, bool reviewed);
    event ParamsUpdated(Params params);
    event GatewayUpdated(address indexed previous, address indexed current);

    error OracleUnavailable(State state, Reason reason);
    /// @notice `price()` was read outside a pricing context the gateway opened (e.g. a direct Morpho.borrow).
    error NoPricingContext();
    error NotGateway(address caller);
    error ContextAlreadyOpen(Context open);
    error InvalidContext();
    error InvalidParams();
    error ZeroAddress();
    error DecimalsOutOfRange(uint256 feedDecimals, uint256 collateralDecimals, uint256 loanDecimals);
    error NothingNewToAccept(uint256 feedUpdatedAt, uint256 acceptedAt);
    error InvalidAnswer(int256 answer, uint256 updatedAt);
    error AnswerTooOld(uint256 updatedAt, uint256 heartbeat);
    error AnswerPredatesSplit(uint256 updatedAt, uint256 splitAt);
    error DeviationTooLarge(uint256 candidatePerToken, uint256 acceptedPerToken, uint256 maxDeviationBps);
    error NoAcceptedPrice();

    /// @param feed Chainlink price-per-share feed of the underlying equity.
    /// @param token The RAT equity (collateral token and multiplier source).
    /// @param loanToken The market's loan token (for its decimals).
    /// @param reserves The proof-of-reserve round source of `token`.
    /// @param calendar The exchange calendar.
    /// @param admin Governance (DEFAULT_ADMIN_ROLE and ORACLE_ADMIN_ROLE).
    /// @param initialParams Risk parameters (see `setParams`).
    constructor(
        AggregatorV3Interface feed,
        address token,
        address loanToken,
        IReserveRoundSource reserves,
        RatMarketCalendar calendar,
        address admin,
        Params memory initialParams
    ) {
        if (
            address(feed) == address(0) || token == address(0) || loanToken == address(0)
                || address(reserves) == address(0) || address(calendar) == address(0) || admin == address(0)
        ) revert ZeroAddress();
        FEED = feed;
        TOKEN = token;
        RESERVES = reserves;
        CALENDAR = calendar;
        uint256 feedDecimals = feed.decimals();
        uint256 collateralDecimals = IERC20Metadata(token).decimals();
        uint256 loanDecimals = IERC20Metadata(loanToken).decimals();
        if (feedDecimals > 36 || collateralDecimals > 36 || loanDecimals > 36) {
            revert DecimalsOutOfRange(feedDecimals, collateralDecimals, loanDecimals);
        }
        // 1e36 * loanUnits/collateralUnit = answer/10^fd * multiplier/1e18 * 10^ld / 10^cd * 1e36
        uint256 up = 36 + loanDecimals;
        uint256 down = collateralDecimals + feedDecimals + 18;
        if (up >= down) {
            SCALE_MUL = 10 ** (up - down);
            SCALE_DIV = 1;
        } else {
            SCALE_MUL = 1;
            SCALE_DIV = 10 ** (down - up);
        }
        _setParams(initialParams);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ORACLE_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- Morpho

    /// @inheritdoc IMorphoOracle
    /// @dev Answers only inside a pricing context the gateway opened: `borrowPrice()` in BORROW, `liquidationPrice()`
    /// in LIQUIDATION. Outside one (a direct Morpho.borrow, or any other caller) it reverts `NoPricingContext`, so a
    /// borrow that bypasses the gateway - and its frozen-borrower check - fails.
    function price() external view returns (uint256) {
        Context context = _context;
        if (context == Context.BORROW) return borrowPrice();
        if (context == Context.LIQUIDATION) return liquidationPrice();
        revert NoPricingContext();
    }

    // ---------------------------------------------------------------- reads

    /// @notice The 1e36-scaled price `price()` returns in the gateway's BORROW context (borrow, withdrawCollateral):
    /// OPEN the price, CLOSED the last price minus the closed-market haircut; reverts `OracleUnavailable(state,
    /// reason)` when STALE or in the SPLIT_WINDOW.
    function borrowPrice() public view returns (uint256) {
        Quote memory q = quote();
        if (q.state == State.OPEN) return q.price;
        if (q.state == State.CLOSED) return q.price * (BPS - q.haircutBps) / BPS;
        revert OracleUnavailable(q.state, q.reason);
    }

    /// @notice The 1e36-scaled price `price()` returns in the gateway's LIQUIDATION context: OPEN the price, CLOSED
    /// the last price without haircut (closure alone liquidates no one), STALE / SPLIT_WINDOW `favourablePrice()`
    /// (reverts `NoAcceptedPrice` before the first accepted price).
    function liquidationPrice() public view returns (uint256) {
        Quote memory q = quote();
        if (q.state == State.OPEN || q.state == State.CLOSED) return q.price;
        return favourablePrice();
    }

    /// @notice The oracle's state now, its reason, the un-haircut 1e36-scaled price (0 when none can be given),
    /// the closed-market haircut and the feed time of the price.
    function quote() public view returns (Quote memory q) {
        (bool known, bool open, uint256 lastClose) = CALENDAR.status();
        if (!known) return _unavailable(State.STALE, Reason.CALENDAR_UNKNOWN);
        uint256 answer = acceptedAnswer;
        uint256 answerAt = acceptedAt;
        if (answerAt == 0) return _unavailable(State.STALE, Reason.NO_ACCEPTED_PRICE);

        (MultiplierState memory ms,) = IMultiplierSource(TOKEN).multiplierState();
        Params memory p = params;
        if (ms.numerator != 0 && block.timestamp < ms.splitAt && block.timestamp + p.splitGuard >= ms.splitAt) {
            return _unavailable(State.SPLIT_WINDOW, Reason.SPLIT_PENDING);
        }
        uint256 lastSplit = _lastSplitAt(ms);
        if (lastSplit != 0 && (answerAt < lastSplit || _reserveAsOf() < lastSplit)) {
            return _unavailable(State.SPLIT_WINDOW, Reason.SPLIT_UNCONFIRMED);
        }
        uint256 m = ShareMultiplier.at(ms, block.timestamp);

        (, int256 latest,, uint256 latestAt,) = FEED.latestRoundData();
        if (latestAt > answerAt) {
            if (latest <= 0 || latestAt > block.timestamp) return _unavailable(State.STALE, Reason.INVALID_ANSWER);
            if (_deviates(uint256(latest) * m, answer * acceptedMultiplier, p.maxDeviationBps)) {
                return _unavailable(State.STALE, Reason.DEVIATION_TOO_LARGE);
            }
            (answer, answerAt) = (uint256(latest), latestAt);
        }
        uint256 value = _scale(answer * m);
        if (open) {
            if (block.timestamp - answerAt > p.heartbeat) return _unavailable(State.STALE, Reason.HEARTBEAT_MISSED);
            return Quote(State.OPEN, Reason.NONE, value, 0, answerAt);
        }
        if (lastClose == 0) return _unavailable(State.STALE, Reason.CALENDAR_UNKNOWN);
        if (answerAt + p.heartbeat < lastClose) return _unavailable(State.STALE, Reason.HEARTBEAT_MISSED);
        uint256 haircut = p.closedHaircutBps + p.haircutPerDayBps * (block.timestamp - lastClose) / 1 days;
        if (haircut > p.maxHaircutBps) haircut = p.maxHaircutBps;
        return Quote(State.CLOSED, Reason.MARKET_CLOSED, value, haircut, answerAt);
    }

    /// @notice The highest 1e36-scaled price the last accepted data allows: the accepted price per share moved up by
    /// the full deviation bound, times the larger of the multiplier now and the one it was accepted with (so a
    /// split the feed has not caught up with never lowers it). Liquidations in STALE / SPLIT_WINDOW use it: a
    /// position is liquidated only if it is unhealthy even at this price.
    function favourablePrice() public view returns (uint256) {
        uint256 answer = acceptedAnswer;
        if (answer == 0) revert NoAcceptedPrice();
        (MultiplierState memory ms,) = IMultiplierSource(TOKEN).multiplierState();
        uint256 m = ShareMultiplier.at(ms, block.timestamp);
        uint256 accepted = acceptedMultiplier;
        if (accepted > m) m = accepted;
        return _scale(answer * m * (BPS + params.maxDeviationBps) / BPS);
    }

    /// @notice The pricing context the gateway opened in this transaction (NONE outside one).
    function context() external view returns (Context) {
        return _context;
    }

    // ---------------------------------------------------------------- keeper / anyone

    /// @notice Accepts the feed's latest price: newer than the accepted one, positive, not older than the heartbeat,
    /// not from before a split now in effect, and (per token) within `maxDeviationBps` of the accepted price.
    /// Permissionless: anyone may move the oracle along the feed; a bigger move needs `acceptReviewedPrice`.
    function update() external {
        (uint80 roundId, uint256 answer, uint256 updatedAt, uint256 m) = _checkedLatest();
        if (acceptedAt == 0) revert NoAcceptedPrice();
        uint256 acceptedValue = uint256(acceptedAnswer) * acceptedMultiplier;
        if (_deviates(answer * m, acceptedValue, params.maxDeviationBps)) {
            revert DeviationTooLarge(answer * m, acceptedValue, params.maxDeviationBps);
        }
        _accept(roundId, answer, updatedAt, m, false);
    }

    // ---------------------------------------------------------------- admin

    /// @notice Accepts the feed's latest price whatever its move (the first price, or a genuine move beyond the
    /// bound after human review); the other checks of `update` still apply.
    function acceptReviewedPrice() external onlyRole(ORACLE_ADMIN_ROLE) {
        (uint80 roundId, uint256 answer, uint256 updatedAt, uint256 m) = _checkedLatest();
        _accept(roundId, answer, updatedAt, m, true);
    }

    /// @notice Replaces the risk parameters (bounded: heartbeat 1 min-7 days, deviation and haircut <= 50%,
    /// closedHaircut <= maxHaircut, split guard <= 7 days).
    /// @param newParams The new parameters.
    function setParams(Params calldata newParams) external onlyRole(ORACLE_ADMIN_ROLE) {
        _setParams(newParams);
    }

    /// @notice Sets the gateway allowed to open pricing contexts (address(0) disables contexts).
    /// @param newGateway The RatMorphoGateway.
    function setGateway(address newGateway) external onlyRole(ORACLE_ADMIN_ROLE) {
        emit GatewayUpdated(gateway, newGateway);
        gateway = newGateway;
    }

    // ---------------------------------------------------------------- gateway

    /// @notice Opens a pricing context for the rest of this call (transient storage); gateway only.
    /// @param newContext BORROW or LIQUIDATION.
    function enterContext(Context newContext) external {
        if (msg.sender != gateway) revert NotGateway(msg.sender);
        if (newContext == Context.NONE) revert InvalidContext();
        Context open = _context;
        if (open != Context.NONE) revert ContextAlreadyOpen(open);
        _context = newContext;
    }

    /// @notice Closes the pricing context; gateway only.
    function exitContext() external {
        if (msg.sender != gateway) revert NotGateway(msg.sender);
        _context = Context.NONE;
    }

    // ---------------------------------------------------------------- internals

    /// @dev When the token's last split took effect: the state holds a pending split's time instead, so while one is
    /// pending the token's kept activation time is read.
    function _lastSplitAt(MultiplierState memory ms) private view returns (uint256 at) {
        at = ShareMultiplier.lastSplitAt(ms, block.timestamp);
        if (at == 0 && ms.numerator != 0) at = IMultiplierSource(TOKEN).lastSplitActivatedAt();
    }

    function _checkedLatest() private view returns (uint80 roundId, uint256 answer, uint256 updatedAt, uint256 m) {
        int256 raw;
        (roundId, raw,, updatedAt,) = FEED.latestRoundData();
        if (updatedAt <= acceptedAt) revert NothingNewToAccept(updatedAt, acceptedAt);
        if (raw <= 0 || updatedAt > block.timestamp || uint256(raw) > type(uint128).max) {
            revert InvalidAnswer(raw, updatedAt);
        }
        if (block.timestamp - updatedAt > params.heartbeat) revert AnswerTooOld(updatedAt, params.heartbeat);
        (MultiplierState memory ms,) = IMultiplierSource(TOKEN).multiplierState();
        uint256 lastSplit = _lastSplitAt(ms);
        if (lastSplit > updatedAt) revert AnswerPredatesSplit(updatedAt, lastSplit);
        answer = uint256(raw);
        m = ShareMultiplier.at(ms, block.timestamp);
    }

    function _accept(uint80 roundId, uint256 answer, uint256 updatedAt, uint256 m, bool reviewed) private {
        acceptedAnswer = uint128(answer);
        acceptedAt = uint40(updatedAt);
        acceptedRound = roundId;
        acceptedMultiplier = uint128(m);
        emit PriceAccepted(roundId, answer, updatedAt, m, reviewed);
    }

    function _setParams(Params memory p) private {
        if (
            p.heartbeat < MIN_HEARTBEAT || p.heartbeat > MAX_HEARTBEAT || p.maxDeviationBps == 0
                || p.maxDeviationBps > MAX_DEVIATION_BPS || p.maxHaircutBps > MAX_HAIRCUT_BPS
                || p.closedHaircutBps > p.maxHaircutBps || p.splitGuard > MAX_SPLIT_GUARD
        ) revert InvalidParams();
        params = p;
        emit ParamsUpdated(p);
    }

    function _reserveAsOf() private view returns (uint256 asOf) {
        (,,, asOf,) = RESERVES.latestRoundData(TOKEN);
    }

    function _scale(uint256 answerTimesMultiplier) private view returns (uint256) {
        return answerTimesMultiplier * SCALE_MUL / SCALE_DIV;
    }

    function _deviates(uint256 candidate, uint256 acceptedValue, uint256 maxBps) private pure returns (bool) {
        uint256 diff = candidate > acceptedValue ? candidate - acceptedValue : acceptedValue - candidate;
        return diff * BPS > acceptedValue * maxBps;
    }

    function _unavailable(State state, Reason reason) private pure returns (Quote memory) {
        return Quote(state, reason, 0, 0, 0);
    }
}
