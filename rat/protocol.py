"""The Minter's enums as Python sees them: one definition for the SDK, the relayer and the governance tooling.
Kept free of Ape imports so the daemon can use it. Values mirror contracts/interfaces/IMinter.sol (order matters)."""

from __future__ import annotations

from enum import IntEnum


class RequestKind(IntEnum):
    MINT = 0
    BURN = 1


class RequestStatus(IntEnum):
    NONE = 0
    PENDING = 1
    FULFILLED = 2
    CANCELLED = 3
    REJECTED = 4


class AssetStatus(IntEnum):
    UNLISTED = 0
    ACTIVE = 1
    REDEEM_ONLY = 2
    HALTED = 3


class HolderClass(IntEnum):
    """ComplianceRegistry holder classes (ADR 0084, 0101): protocol holders and venues are never counted towards
    holder caps; VENUE is set only by `registerVenue`."""

    INVESTOR = 0
    PROTOCOL = 1
    VENUE = 2


class VenueStatus(IntEnum):
    """A venue's standing for one asset in the ComplianceRegistry (ADR 0101)."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2


class AttestorRole(IntEnum):
    NONE = 0
    BROKERAGE = 1
    CUSTODY = 2


class FeeBucket(IntEnum):
    TREASURY = 0
    INSURANCE = 1


class RejectReason(IntEnum):
    """Reason codes operators pass to Minter.reject (the contract stores none of them; indexers read the event)."""

    UNSPECIFIED = 0
    MARKET_CLOSED = 1
    BROKER_REJECTED = 2
    PRICE_LIMIT_UNREACHABLE = 3
    COMPLIANCE_HOLD = 4
    ASSET_HALTED = 5
    RESERVES_UNAVAILABLE = 6


class OracleState(IntEnum):
    """RatEquityOracle.State (ADR 0102)."""

    OPEN = 0
    CLOSED = 1
    STALE = 2
    SPLIT_WINDOW = 3


class OracleReason(IntEnum):
    """RatEquityOracle.Reason (ADR 0102)."""

    NONE = 0
    MARKET_CLOSED = 1
    CALENDAR_UNKNOWN = 2
    NO_ACCEPTED_PRICE = 3
    INVALID_ANSWER = 4
    HEARTBEAT_MISSED = 5
    DEVIATION_TOO_LARGE = 6
    SPLIT_PENDING = 7
    SPLIT_UNCONFIRMED = 8


# What each reason means for borrowers and liquidators (`ape run collateral oracle`, GET /v1/assets/{asset}/oracle).
ORACLE_REASON_TEXT = {
    "NONE": "fresh price inside a session: borrows, withdrawals and liquidations use it",
    "MARKET_CLOSED": "outside a session: borrows use the last close minus the haircut, liquidations the last close",
    "CALENDAR_UNKNOWN": "the calendar keeper has not published today's session: new borrows are refused",
    "NO_ACCEPTED_PRICE": "no price accepted yet (acceptReviewedPrice): new borrows are refused",
    "INVALID_ANSWER": "the feed's latest answer is not positive or is dated in the future: new borrows are refused",
    "HEARTBEAT_MISSED": "no feed update within the heartbeat: new borrows are refused; repay and add collateral work",
    "DEVIATION_TOO_LARGE": "the feed moved beyond the deviation bound: new borrows are refused until governance "
                           "reviews the move (acceptReviewedPrice)",
    "SPLIT_PENDING": "a split activates soon: new borrows are refused until the post-split price is confirmed",
    "SPLIT_UNCONFIRMED": "a split took effect: new borrows wait for a post-split price and a post-split reserve round",
}
