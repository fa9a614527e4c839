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
