// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Why a transfer is or is not allowed. Wallets pre-check with `canTransfer`; tokens revert with
/// `TransferRestricted(status)` carrying the same code, so the two can never disagree.
enum TransferStatus {
    OK,
    PAUSED,
    SENDER_NOT_ELIGIBLE,
    RECIPIENT_NOT_ELIGIBLE,
    SENDER_FROZEN,
    RECIPIENT_FROZEN,
    SENDER_KYC_EXPIRED,
    RECIPIENT_KYC_EXPIRED,
    SENDER_JURISDICTION_BLOCKED,
    RECIPIENT_JURISDICTION_BLOCKED,
    OPERATOR_FROZEN,
    MAX_HOLDERS_REACHED,
    INSUFFICIENT_BALANCE,
    ASSET_NOT_REGISTERED,
    SENDER_VENUE_NOT_ACTIVE,
    RECIPIENT_VENUE_NOT_ACTIVE,
    VENUE_MINT_OR_BURN_REFUSED,
    VENUE_EXIT_REQUIRED
}

/// @notice What kind of holder an account is (ADR 0084). INVESTOR: every transfer rule applies and a non-zero
/// balance counts towards the holder cap. PROTOCOL: a RAT contract that holds tokens on investors' behalf (the
/// Minter's escrow, the dividend and conversion vaults); set by governance; never counted as a holder; an
/// investor's transfer to it, and its transfer back to an investor, are judged like a burn and a return: only a
/// freeze (and the asset's pause) binds, so a lapsed holder keeps the exit and always gets their escrow back; it
/// cannot be frozen itself. VENUE (ADR 0101): a contract holding RAT for eligible investors who trade through it
/// (a pool's PoolManager, a position manager, later a lending market or a bridge pool); set only by
/// `registerVenue` and permanent; it holds an asset only while registered ACTIVE for that asset, is never counted
/// as a holder and cannot be frozen (the guardian suspends it instead). Further classes are appended after VENUE.
enum HolderClass {
    INVESTOR,
    PROTOCOL,
    VENUE
}

/// @notice A venue's standing for one asset (ADR 0101). NONE: not registered (or removed); ACTIVE: may receive the
/// asset from and pay it to eligible investors and other active venues; SUSPENDED: registered but every movement
/// in or out is refused until the listing role resumes it (forced transfers out stay possible).
enum VenueStatus {
    NONE,
    ACTIVE,
    SUSPENDED
}

/// @notice One account's compliance record; packed by the registry into a single storage slot.
struct Investor {
    uint8 tier; // 0 none, 1 retail, 2 professional, 3 institutional
    bytes2 jurisdiction; // ISO 3166-1 alpha-2, upper-case ASCII
    uint40 expiry; // KYC valid while block.timestamp < expiry
    bool frozen; // sanctions freeze, independent of the KYC state
    HolderClass holderClass; // INVESTOR for every investor; set by governance for protocol contracts
}

/// @notice Per-asset transfer policy, packed into a single storage slot.
struct AssetPolicy {
    bool registered;
    bool paused;
    uint8 minTier;
    uint16 blockedJurisdictionCount;
    uint32 maxHolders; // 0 = unlimited
}

/// @notice Everything the rules need to judge one movement, read by `ComplianceRecords.transferFacts` in one call.
/// @dev Raw storage words (the packed `AssetPolicy` and `Investor` slots) rather than nested structs: decoding three
/// structs field by field cost more gas than the storage reads themselves. `ComplianceRules` unpacks them.
struct TransferFacts {
    uint256 policy; // packed AssetPolicy slot
    uint256 sender; // packed Investor slot of `from` (0 for a mint)
    uint256 recipient; // packed Investor slot of `to` (0 for a burn)
    uint256 flags; // bit 0 sender jurisdiction blocked, bit 1 recipient blocked, bit 2 operator frozen,
    // bit 3 sender is a venue ACTIVE for the asset, bit 4 recipient is one (read only when the class says VENUE),
    // bit 5 set by the token on a forced transfer (judged like a mint, but may target an active venue),
    // bit 6 the sender is a venue with an exit for the asset and `to` is not that exit (ADR 0102)
}

/// @notice Input row for the batch KYC writers.
struct InvestorUpdate {
    address account;
    uint8 tier;
    bytes2 jurisdiction;
    uint40 expiry;
    bytes32 providerRef;
}

/// @title The storage half of the compliance registry: plain, non-upgradeable, written only by the registry.
/// @notice Tokens read it directly, which spares every transfer the registry proxy's delegatecall.
interface IComplianceRecords {
    error OnlyRegistry(address caller);

    function REGISTRY() external view returns (address);
    function investor(address account) external view returns (Investor memory);
    function policy(address asset) external view returns (AssetPolicy memory);
    function isBlocked(address asset, bytes2 jurisdiction) external view returns (bool);
    function isFrozen(address account) external view returns (bool);
    function venueStatus(address asset, address venue) external view returns (VenueStatus);
    function exitOf(address asset, address venue) external view returns (address);
    function transferFacts(address asset, address operator, address from, address to)
        external
        view
        returns (TransferFacts memory);

    function writeKyc(address account, uint8 tier, bytes2 jurisdiction, uint40 expiry) external;
    function writeFrozen(address account, bool frozen) external;
    function writePolicy(address asset, bool registered, uint8 minTier, uint32 maxHolders) external;
    function writePaused(address asset, bool paused) external;
    function writeBlocked(address asset, bytes2 jurisdiction, bool blocked) external;
    function writeHolderClass(address account, HolderClass holderClass) external;
    function writeVenueStatus(address asset, address venue, VenueStatus status) external;
    function writeVenueExit(address asset, address venue, address exit) external;
}

/// @title The compliance registry shared by every RAT equity token.
interface IComplianceRegistry {
    event InvestorUpdated(
        address indexed account, uint8 tier, bytes2 jurisdiction, uint40 expiry, bytes32 indexed providerRef
    );
    event InvestorRevoked(address indexed account, bytes32 indexed providerRef);
    event AccountFrozen(address indexed account, bytes32 indexed reasonRef);
    event AccountUnfrozen(address indexed account, bytes32 indexed reasonRef);
    event AssetRegistered(address indexed asset);
    event AssetPolicyUpdated(address indexed asset, uint8 minTier, uint32 maxHolders);
    event JurisdictionBlockUpdated(address indexed asset, bytes2 indexed jurisdiction, bool blocked);
    event AssetPauseUpdated(address indexed asset, bool paused);
    event HolderClassUpdated(address indexed account, HolderClass holderClass, bytes32 indexed reasonRef);
    event VenueRegistered(address indexed asset, address indexed venue, bytes32 indexed reasonRef);
    event VenueRemoved(address indexed asset, address indexed venue, bytes32 indexed reasonRef);
    event VenueSuspended(address indexed asset, address indexed venue, bytes32 indexed reasonRef);
    event VenueResumed(address indexed asset, address indexed venue, bytes32 indexed reasonRef);
    /// @notice `venue` now pays `asset` only to `exit` (address(0): to anyone the rules accept again).
    event VenueExitSet(address indexed asset, address indexed venue, address exit, bytes32 indexed reasonRef);

    error InvalidTier(uint8 tier);
    error InvalidJurisdiction(bytes2 jurisdiction);
    error ExpiryInPast(uint40 expiry);
    error ZeroAddress();
    error LengthMismatch();
    error AssetNotRegistered(address asset);
    error AssetAlreadyRegistered(address asset);
    error AlreadyFrozen(address account);
    error NotFrozen(address account);
    error JurisdictionBlockUnchanged(address asset, bytes2 jurisdiction);
    error ProtocolAccountNotFreezable(address account);
    error HolderClassUnchanged(address account, HolderClass holderClass);
    error NotAContract(address account);
    error VenueAccountNotFreezable(address account);
    error VenueClassReserved(address account);
    error VenueHasKycRecord(address account);
    error VenueIsProtocolHolder(address account);
    error VenueAccountFrozen(address account);
    error VenueHoldsBalance(address asset, address venue);
    error VenueAlreadyRegistered(address asset, address venue);
    error VenueNotRegistered(address asset, address venue);
    error VenueNotActive(address asset, address venue);
    error VenueNotSuspended(address asset, address venue);
    error VenueExitNotActiveVenue(address asset, address exit);
    error VenueExitIsVenue(address venue);
    error VenueExitUnchanged(address asset, address venue, address exit);

    function investor(address account) external view returns (Investor memory);
    function policy(address asset) external view returns (AssetPolicy memory);
    function isJurisdictionBlocked(address asset, bytes2 jurisdiction) external view returns (bool);
    function isFrozen(address account) external view returns (bool);
    function venueStatus(address asset, address venue) external view returns (VenueStatus);
    function venues(address asset) external view returns (address[] memory);
    function venueExit(address asset, address venue) external view returns (address);

    function records() external view returns (IComplianceRecords);
    function canTransfer(address asset, address from, address to, uint256 amount)
        external
        view
        returns (TransferStatus);

    function setAssetPaused(bool paused) external;

    function registerVenue(address asset, address venue, bytes32 reasonRef) external;
    function removeVenue(address asset, address venue, bytes32 reasonRef) external;
    function suspendVenue(address asset, address venue, bytes32 reasonRef) external;
    function resumeVenue(address asset, address venue, bytes32 reasonRef) external;
    function setVenueExit(address asset, address venue, address exit, bytes32 reasonRef) external;
}
