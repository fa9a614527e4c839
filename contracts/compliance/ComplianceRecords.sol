// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {
    IComplianceRecords,
    Investor,
    AssetPolicy,
    TransferFacts,
    HolderClass,
    VenueStatus
} from "../interfaces/IComplianceRegistry.sol";
import {ComplianceRules} from "./ComplianceRules.sol";

/// @title ComplianceRecords
/// @notice The data behind the ComplianceRegistry: one packed slot per investor, one per asset policy, and the
/// per-asset jurisdiction blocks and venue standings. It holds no rules and no roles: every write comes from the
/// registry (which validates, authorises and emits events), every read is open. Keeping it out of the registry's
/// proxy lets a token read all it needs for a transfer in one plain call.
/// @dev Deliberately not upgradeable: its layout is the contract. Rule changes live in the registry (UUPS) and in
/// the token implementation (beacon), both of which read these records through `ComplianceRules`.
contract ComplianceRecords is IComplianceRecords {
    /// @notice The registry proxy that created this store and is its only writer.
    address public immutable REGISTRY;

    uint256 private constant VENUE_STATUS_MASK = 0xff;
    uint256 private constant VENUE_EXIT_SHIFT = 8;

    mapping(address account => Investor) private _investors;
    mapping(address asset => AssetPolicy) private _policies;
    mapping(address asset => mapping(bytes2 jurisdiction => bool)) private _blocked;

    /// @dev A venue's standing for one asset and, in the same slot, its exit (ADR 0102): status in bits 0-7 (where
    /// the VenueStatus alone lived before), exit in bits 8-167. Read by `transferFacts` only for a party whose class
    /// is VENUE, so investors pay nothing for it, and a venue's payout reads the exit with the standing it already
    /// reads (no further storage access).
    struct VenueRecord {
        VenueStatus status;
        address exit;
    }

    mapping(address asset => mapping(address venue => VenueRecord)) private _venues;

    constructor() {
        REGISTRY = msg.sender;
    }

    modifier onlyRegistry() {
        if (msg.sender != REGISTRY) revert OnlyRegistry(msg.sender);
        _;
    }

    /// @notice Writes an investor's KYC fields, leaving the freeze flag as it is.
    function writeKyc(address account, uint8 tier, bytes2 jurisdiction, uint40 expiry) external onlyRegistry {
        Investor storage inv = _investors[account];
        inv.tier = tier;
        inv.jurisdiction = jurisdiction;
        inv.expiry = expiry;
    }

    /// @notice Sets or lifts a freeze, leaving the KYC fields as they are.
    function writeFrozen(address account, bool frozen) external onlyRegistry {
        _investors[account].frozen = frozen;
    }

    /// @notice Sets an account's holder class, leaving its KYC fields and freeze as they are.
    function writeHolderClass(address account, HolderClass holderClass) external onlyRegistry {
        _investors[account].holderClass = holderClass;
    }

    /// @notice Sets a venue's standing for one asset (ADR 0101).
    function writeVenueStatus(address asset, address venue, VenueStatus status) external onlyRegistry {
        _venues[asset][venue].status = status;
    }

    /// @notice Sets the one address `venue` may pay `asset` to (ADR 0102), leaving its standing as it is;
    /// address(0) lifts the restriction.
    function writeVenueExit(address asset, address venue, address exit) external onlyRegistry {
        _venues[asset][venue].exit = exit;
    }

    /// @notice Writes an asset's registration, minimum tier and holder cap, leaving pause and blocks as they are.
    function writePolicy(address asset, bool registered, uint8 minTier, uint32 maxHolders) external onlyRegistry {
        AssetPolicy storage p = _policies[asset];
        p.registered = registered;
        p.minTier = minTier;
        p.maxHolders = maxHolders;
    }

    /// @notice Sets an asset's pause flag.
    function writePaused(address asset, bool paused) external onlyRegistry {
        _policies[asset].paused = paused;
    }

    /// @notice Blocks or unblocks a jurisdiction for an asset and keeps the count that lets reads skip the lookup.
    /// @dev The registry only calls this for a real change, so the count cannot drift.
    function writeBlocked(address asset, bytes2 jurisdiction, bool blocked) external onlyRegistry {
        _blocked[asset][jurisdiction] = blocked;
        if (blocked) ++_policies[asset].blockedJurisdictionCount;
        else --_policies[asset].blockedJurisdictionCount;
    }

    /// @notice The KYC record of `account`.
    function investor(address account) external view returns (Investor memory) {
        return _investors[account];
    }

    /// @notice The policy of `asset`.
    function policy(address asset) external view returns (AssetPolicy memory) {
        return _policies[asset];
    }

    /// @notice Whether `jurisdiction` is blocked for `asset`.
    function isBlocked(address asset, bytes2 jurisdiction) external view returns (bool) {
        return _blocked[asset][jurisdiction];
    }

    /// @notice Whether `account` is frozen.
    function isFrozen(address account) external view returns (bool) {
        return _investors[account].frozen;
    }

    /// @notice The standing of `venue` for `asset`.
    function venueStatus(address asset, address venue) external view returns (VenueStatus) {
        return _venues[asset][venue].status;
    }

    /// @notice The one address `venue` may pay `asset` to, or address(0) when it has none (ADR 0102).
    /// @dev Named so that its selector sorts above `transferFacts`'s: the dispatcher then reaches `transferFacts`
    /// with as few comparisons as before the exit existed (every RAT transfer calls it).
    function exitOf(address asset, address venue) external view returns (address) {
        return _venues[asset][venue].exit;
    }

    /// @notice Everything `ComplianceRules.evaluate` needs for one movement, reading only the slots that matter:
    /// no sender record for a mint, no recipient record for a burn, jurisdiction lookups only when the asset
    /// blocks any, the operator's record only when a third party moves the tokens, a venue's standing for the asset
    /// only when the party's class is VENUE (ADR 0101), and with it the sending venue's exit (ADR 0102).
    /// @param asset The token.
    /// @param operator Whoever moves the tokens (spender for transferFrom); equal to `from` otherwise.
    /// @param from Sender, address(0) for a mint.
    /// @param to Recipient, address(0) for a burn.
    function transferFacts(address asset, address operator, address from, address to)
        external
        view
        returns (TransferFacts memory f)
    {
        AssetPolicy storage p = _policies[asset];
        f.policy = _word(p);
        bool checkBlocks = p.blockedJurisdictionCount != 0;
        if (from != address(0)) {
            Investor storage sender = _investors[from];
            uint256 word = _word(sender);
            f.sender = word;
            if (ComplianceRules.isVenue(word)) {
                uint256 venue = _word(_venues[asset][from]);
                if (venue & VENUE_STATUS_MASK == uint256(VenueStatus.ACTIVE)) {
                    f.flags |= ComplianceRules.SENDER_VENUE_ACTIVE;
                }
                address exit = address(uint160(venue >> VENUE_EXIT_SHIFT));
                if (exit != address(0) && exit != to) f.flags |= ComplianceRules.SENDER_VENUE_EXIT_BYPASSED;
            } else if (checkBlocks && _blocked[asset][sender.jurisdiction]) {
                f.flags |= ComplianceRules.SENDER_BLOCKED;
            }
        }
        if (to != address(0)) {
            Investor storage recipient = _investors[to];
            uint256 word = _word(recipient);
            f.recipient = word;
            if (ComplianceRules.isVenue(word)) {
                if (_venues[asset][to].status == VenueStatus.ACTIVE) f.flags |= ComplianceRules.RECIPIENT_VENUE_ACTIVE;
            } else if (checkBlocks && _blocked[asset][recipient.jurisdiction]) {
                f.flags |= ComplianceRules.RECIPIENT_BLOCKED;
            }
        }
        if (operator != from && operator != address(0) && _investors[operator].frozen) {
            f.flags |= ComplianceRules.OPERATOR_FROZEN;
        }
    }

    function _word(Investor storage record) private view returns (uint256 word) {
        assembly {
            word := sload(record.slot)
        }
    }

    function _word(VenueRecord storage record) private view returns (uint256 word) {
        assembly {
            word := sload(record.slot)
        }
    }

    function _word(AssetPolicy storage record) private view returns (uint256 word) {
        assembly {
            word := sload(record.slot)
        }
    }
}
