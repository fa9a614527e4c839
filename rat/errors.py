"""Readable names for RAT's on-chain reason codes, shared by the demo, the CLIs and the tests."""

from __future__ import annotations

from enum import IntEnum


class TransferStatus(IntEnum):
    """Mirror of `TransferStatus` in contracts/interfaces/IComplianceRegistry.sol (order matters)."""

    OK = 0
    PAUSED = 1
    SENDER_NOT_ELIGIBLE = 2
    RECIPIENT_NOT_ELIGIBLE = 3
    SENDER_FROZEN = 4
    RECIPIENT_FROZEN = 5
    SENDER_KYC_EXPIRED = 6
    RECIPIENT_KYC_EXPIRED = 7
    SENDER_JURISDICTION_BLOCKED = 8
    RECIPIENT_JURISDICTION_BLOCKED = 9
    OPERATOR_FROZEN = 10
    MAX_HOLDERS_REACHED = 11
    INSUFFICIENT_BALANCE = 12
    ASSET_NOT_REGISTERED = 13
    SENDER_VENUE_NOT_ACTIVE = 14
    RECIPIENT_VENUE_NOT_ACTIVE = 15
    VENUE_MINT_OR_BURN_REFUSED = 16
    VENUE_EXIT_REQUIRED = 17

    def explain(self) -> str:
        return _EXPLANATIONS[self]


_EXPLANATIONS = {
    TransferStatus.OK: "transfer allowed",
    TransferStatus.PAUSED: "the asset is paused",
    TransferStatus.SENDER_NOT_ELIGIBLE: "the sender has no KYC record at the asset's minimum tier",
    TransferStatus.RECIPIENT_NOT_ELIGIBLE: "the recipient has no KYC record at the asset's minimum tier",
    TransferStatus.SENDER_FROZEN: "the sender is frozen (sanctions or court order)",
    TransferStatus.RECIPIENT_FROZEN: "the recipient is frozen (sanctions or court order)",
    TransferStatus.SENDER_KYC_EXPIRED: "the sender's KYC has expired (it can still redeem through the Minter)",
    TransferStatus.RECIPIENT_KYC_EXPIRED: "the recipient's KYC has expired",
    TransferStatus.SENDER_JURISDICTION_BLOCKED: "the sender's jurisdiction is blocked for this asset",
    TransferStatus.RECIPIENT_JURISDICTION_BLOCKED: "the recipient's jurisdiction is blocked for this asset",
    TransferStatus.OPERATOR_FROZEN: "the spender moving the tokens is frozen",
    TransferStatus.MAX_HOLDERS_REACHED: "the asset's holder cap is reached",
    TransferStatus.INSUFFICIENT_BALANCE: "the sender's balance is too low",
    TransferStatus.ASSET_NOT_REGISTERED: "the asset is not registered with the compliance registry",
    TransferStatus.SENDER_VENUE_NOT_ACTIVE: "the sender is a venue not registered for this asset, or suspended",
    TransferStatus.RECIPIENT_VENUE_NOT_ACTIVE: "the recipient is a venue not registered for this asset, or suspended",
    TransferStatus.VENUE_MINT_OR_BURN_REFUSED: "a venue never receives a mint and never burns: it holds RAT by trade only",
    TransferStatus.VENUE_EXIT_REQUIRED: "the sender is a venue that pays this asset only to its exit "
                                        "(Morpho: through the RatMorphoGateway)",
}
