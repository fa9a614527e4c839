// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title RatMarketCalendar
/// @notice The exchange's trading sessions on-chain, one entry per UTC day, written ahead of time by the calendar
/// keeper from the same `exchange_calendars` calendar the relayer routes orders with (relayer/market_hours.py,
/// `rat.venues.calendar.sessions_for_days`). Holidays, early closes and daylight-saving shifts are therefore exactly
/// the relayer's; a day nobody published is UNKNOWN and the equity oracle fails safe on it.
/// @dev A US session always lies inside one UTC day (13:30-21:00 UTC at the latest), so a day holds at most one
/// session. Entries are immutable once their day has begun (today may be published once, if it was not): a
/// keeper can only shape the future, never re-open or close the market under a running position. Governance
/// (DEFAULT_ADMIN_ROLE) grants the keeper role.
contract RatMarketCalendar is AccessControl {
    /// @notice May publish sessions for days that have not begun.
    bytes32 public constant CALENDAR_KEEPER_ROLE = keccak256("CALENDAR_KEEPER_ROLE");
    uint256 public constant DAY = 1 days;
    /// @notice How far back `lastCloseBefore` walks (a long holiday weekend is 4 days; 10 is ample).
    uint256 public constant MAX_LOOKBACK_DAYS = 10;
    /// @notice How many days one `publish` call may write.
    uint256 public constant MAX_DAYS_PER_CALL = 400;

    uint64 private constant KNOWN = uint64(1) << 63;
    uint64 private constant OFFSET_MASK = type(uint32).max >> 1; // 31 bits: seconds into the day

    /// @notice The exchange the sessions are for (an ISO MIC such as XNYS).
    bytes4 public immutable EXCHANGE;

    /// @dev day index (unix time / 1 day) => KNOWN | open offset << 31 | close offset; zero = not published.
    mapping(uint256 day => uint64 entry) private _days;

    /// @notice Sessions were published for `count` days from `firstDay`.
    event SessionsPublished(uint256 indexed firstDay, uint256 count, address indexed keeper);

    error DayAlreadyStarted(uint256 day, uint256 today);
    error InvalidSession(uint256 day, uint32 openOffset, uint32 closeOffset);
    error TooManyDays(uint256 count, uint256 max);
    error EmptyBatch();
    error ZeroAddress();

    /// @param exchange The exchange's MIC (4 ASCII bytes, e.g. "XNYS").
    /// @param admin Governance: grants and revokes the keeper role.
    /// @param keeper The relayer's calendar keeper.
    constructor(bytes4 exchange, address admin, address keeper) {
        if (admin == address(0) || keeper == address(0)) revert ZeroAddress();
        EXCHANGE = exchange;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(CALENDAR_KEEPER_ROLE, keeper);
    }

    /// @notice Publishes the sessions of consecutive days starting at `firstDay` (unix day index). For each day,
    /// `openOffsets[i] == closeOffsets[i] == 0` means closed all day; otherwise open in [open, close) seconds after
    /// 00:00 UTC. Only days that have not begun can be written (re-publishing a future day overwrites it), plus
    /// today while it is unpublished.
    /// @param firstDay The unix day index (timestamp / 86400) of the first entry; today (if unpublished) or later.
    /// @param openOffsets Seconds after midnight UTC the session opens, per day.
    /// @param closeOffsets Seconds after midnight UTC the session closes, per day.
    function publish(uint256 firstDay, uint32[] calldata openOffsets, uint32[] calldata closeOffsets)
        external
        onlyRole(CALENDAR_KEEPER_ROLE)
    {
        uint256 count = openOffsets.length;
        if (count == 0) revert EmptyBatch();
        if (count > MAX_DAYS_PER_CALL) revert TooManyDays(count, MAX_DAYS_PER_CALL);
        if (closeOffsets.length != count) revert InvalidSession(firstDay, 0, 0);
        uint256 today = block.timestamp / DAY;
        // Past days never; today only while it is still unpublished (the first publication after deployment).
        if (firstDay < today || (firstDay == today && _days[today] & KNOWN != 0)) {
            revert DayAlreadyStarted(firstDay, today);
        }
        for (uint256 i; i < count; ++i) {
            uint32 open = openOffsets[i];
            uint32 close = closeOffsets[i];
            bool closedAllDay = open == 0 && close == 0;
            if (!closedAllDay && (open >= close || close > DAY)) revert InvalidSession(firstDay + i, open, close);
            _days[firstDay + i] = KNOWN | (uint64(open) << 31) | uint64(close);
        }
        emit SessionsPublished(firstDay, count, msg.sender);
    }

    /// @notice The session of a day: whether it was published, and its open/close times (0, 0 when closed).
    /// @param day The unix day index.
    function sessionOf(uint256 day) public view returns (bool known, uint256 opensAt, uint256 closesAt) {
        uint64 entry = _days[day];
        if (entry & KNOWN == 0) return (false, 0, 0);
        uint256 open = (entry >> 31) & OFFSET_MASK;
        uint256 close = entry & OFFSET_MASK;
        if (open == 0 && close == 0) return (true, 0, 0);
        return (true, day * DAY + open, day * DAY + close);
    }

    /// @notice The market's status at `timestamp`: `known` is false when its day was never published; `open` when
    /// inside a session; `lastClose` is the close of the latest session that ended at or before `timestamp`
    /// (0 when none within `MAX_LOOKBACK_DAYS` or an unpublished day lies in between).
    /// @param timestamp The unix time to ask about.
    function statusAt(uint256 timestamp) public view returns (bool known, bool open, uint256 lastClose) {
        uint256 day = timestamp / DAY;
        (bool todayKnown, uint256 opensAt, uint256 closesAt) = sessionOf(day);
        if (!todayKnown) return (false, false, 0);
        if (closesAt != 0 && timestamp >= opensAt && timestamp < closesAt) return (true, true, 0);
        if (closesAt != 0 && timestamp >= closesAt) return (true, false, closesAt);
        for (uint256 back = 1; back <= MAX_LOOKBACK_DAYS && back <= day; ++back) {
            (bool dayKnown,, uint256 close) = sessionOf(day - back);
            if (!dayKnown) return (true, false, 0);
            if (close != 0) return (true, false, close);
        }
        return (true, false, 0);
    }

    /// @notice `statusAt(block.timestamp)`.
    function status() external view returns (bool known, bool open, uint256 lastClose) {
        return statusAt(block.timestamp);
    }
}
