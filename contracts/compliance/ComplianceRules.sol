// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TransferFacts, TransferStatus} from "../interfaces/IComplianceRegistry.sol";

/// @title The transfer rules, in one place for the token (which enforces them) and the registry (whose
/// `canTransfer` pre-check must agree with the token to the reason code).
/// @dev Works on the raw packed words of `Investor` and `AssetPolicy`, laid out by the compiler from the lowest
/// bits upwards in declaration order; `tests/token/test_upgrades.py` pins the layout against real storage.
library ComplianceRules {
    uint256 internal constant SENDER_BLOCKED = 1;
    uint256 internal constant RECIPIENT_BLOCKED = 2;
    uint256 internal constant OPERATOR_FROZEN = 4;
    uint256 internal constant SENDER_VENUE_ACTIVE = 8;
    uint256 internal constant RECIPIENT_VENUE_ACTIVE = 16;
    uint256 internal constant FORCED = 32;
    uint256 internal constant SENDER_VENUE_EXIT_BYPASSED = 64;

    // Investor: tier (bits 0-7), jurisdiction (8-23), expiry (24-63), frozen (64-71), holder class (72-79).
    uint256 private constant EXPIRY_SHIFT = 24;
    uint256 private constant FROZEN_SHIFT = 64;
    uint256 private constant CLASS_SHIFT = 72;
    uint256 private constant CLASS_PROTOCOL = 1; // HolderClass.PROTOCOL
    uint256 internal constant CLASS_VENUE = 2; // HolderClass.VENUE
    uint256 private constant BYTE_MASK = 0xff;
    uint256 private constant EXPIRY_MASK = 0xffffffffff;
    // AssetPolicy: registered (bits 0-7), paused (8-15), minTier (16-23), blocked count (24-39), maxHolders (40-71).
    uint256 private constant PAUSED_SHIFT = 8;
    uint256 private constant MIN_TIER_SHIFT = 16;
    uint256 private constant MAX_HOLDERS_SHIFT = 40;
    uint256 private constant MAX_HOLDERS_MASK = 0xffffffff;

    /// @notice Judges one movement. `from == 0` is a mint or a forced transfer (sender rules skipped; the token
    /// sets the FORCED flag on the latter); `to == 0` is a burn (only a freeze binds the sender, so a lapsed holder
    /// can still redeem). A movement to or from a PROTOCOL holder (the Minter's escrow, the vaults) is judged the
    /// same way: only freezes bind, so a holder whose KYC lapsed can still escrow a redemption and always gets
    /// their own escrow back (ADR 0084). A VENUE party (ADR 0101) must be ACTIVE for this asset and is otherwise
    /// not judged (no KYC, never frozen); the investor on the other side is judged in full, as in any trade. A
    /// venue never receives a mint and never burns; a venue with an exit for the asset (ADR 0102: Morpho, whose
    /// exit is the RatMorphoGateway) pays it to that exit only; a forced transfer may take from any venue and give
    /// to an active one.
    function evaluate(TransferFacts memory f, address from, address to) internal view returns (TransferStatus) {
        uint256 policy = f.policy;
        if (policy & BYTE_MASK == 0) return TransferStatus.ASSET_NOT_REGISTERED;
        if ((policy >> PAUSED_SHIFT) & BYTE_MASK != 0) return TransferStatus.PAUSED;
        uint256 flags = f.flags;
        if (flags & OPERATOR_FROZEN != 0) return TransferStatus.OPERATOR_FROZEN;
        uint256 minTier = (policy >> MIN_TIER_SHIFT) & BYTE_MASK;
        uint256 senderClass = from == address(0) ? 0 : _class(f.sender);
        uint256 recipientClass = to == address(0) ? 0 : _class(f.recipient);
        // A protocol holder on either side: an escrow, its return, or a mint into one (a bridge pool's quarantine),
        // judged on freezes only.
        bool escrow = senderClass == CLASS_PROTOCOL || recipientClass == CLASS_PROTOCOL;
        if (from != address(0)) {
            if (senderClass == CLASS_VENUE) {
                if (flags & SENDER_VENUE_ACTIVE == 0) return TransferStatus.SENDER_VENUE_NOT_ACTIVE;
                if (to == address(0)) return TransferStatus.VENUE_MINT_OR_BURN_REFUSED;
                if (flags & SENDER_VENUE_EXIT_BYPASSED != 0) return TransferStatus.VENUE_EXIT_REQUIRED;
            } else {
                uint256 sender = f.sender;
                if (_frozen(sender)) return TransferStatus.SENDER_FROZEN;
                if (to != address(0) && !escrow) {
                    if (sender & BYTE_MASK < minTier) return TransferStatus.SENDER_NOT_ELIGIBLE;
                    if (_expiry(sender) <= block.timestamp) return TransferStatus.SENDER_KYC_EXPIRED;
                    if (flags & SENDER_BLOCKED != 0) return TransferStatus.SENDER_JURISDICTION_BLOCKED;
                }
            }
        }
        if (to != address(0)) {
            if (recipientClass == CLASS_VENUE) {
                if (flags & RECIPIENT_VENUE_ACTIVE == 0) return TransferStatus.RECIPIENT_VENUE_NOT_ACTIVE;
                if (from == address(0) && flags & FORCED == 0) return TransferStatus.VENUE_MINT_OR_BURN_REFUSED;
                return TransferStatus.OK;
            }
            uint256 recipient = f.recipient;
            if (_frozen(recipient)) return TransferStatus.RECIPIENT_FROZEN;
            if (escrow) return TransferStatus.OK;
            if (recipient & BYTE_MASK < minTier) return TransferStatus.RECIPIENT_NOT_ELIGIBLE;
            if (_expiry(recipient) <= block.timestamp) return TransferStatus.RECIPIENT_KYC_EXPIRED;
            if (flags & RECIPIENT_BLOCKED != 0) return TransferStatus.RECIPIENT_JURISDICTION_BLOCKED;
        }
        return TransferStatus.OK;
    }

    /// @notice The asset's holder cap from its packed policy word (0 = unlimited).
    function maxHolders(TransferFacts memory f) internal pure returns (uint32) {
        return uint32((f.policy >> MAX_HOLDERS_SHIFT) & MAX_HOLDERS_MASK);
    }

    /// @notice Whether a packed Investor word is a PROTOCOL holder's (not counted as a holder, ADR 0084).
    function isProtocol(uint256 investor) internal pure returns (bool) {
        return (investor >> CLASS_SHIFT) & BYTE_MASK == CLASS_PROTOCOL;
    }

    /// @notice Whether a packed Investor word counts towards the holder cap: investors only, never PROTOCOL or VENUE
    /// holders (ADR 0084, 0101).
    function isCounted(uint256 investor) internal pure returns (bool) {
        return (investor >> CLASS_SHIFT) & BYTE_MASK == 0;
    }

    /// @notice Whether a packed Investor word is a venue's (ADR 0101).
    function isVenue(uint256 investor) internal pure returns (bool) {
        return _class(investor) == CLASS_VENUE;
    }

    function _class(uint256 investor) private pure returns (uint256) {
        return (investor >> CLASS_SHIFT) & BYTE_MASK;
    }

    function _frozen(uint256 investor) private pure returns (bool) {
        return (investor >> FROZEN_SHIFT) & BYTE_MASK != 0;
    }

    function _expiry(uint256 investor) private pure returns (uint256) {
        return (investor >> EXPIRY_SHIFT) & EXPIRY_MASK;
    }
}
