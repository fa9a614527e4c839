// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {
    IComplianceRegistry,
    IComplianceRecords,
    Investor,
    AssetPolicy,
    InvestorUpdate,
    TransferFacts,
    TransferStatus,
    HolderClass,
    VenueStatus
} from "../interfaces/IComplianceRegistry.sol";
import {ComplianceRecords} from "./ComplianceRecords.sol";
import {ComplianceRules} from "./ComplianceRules.sol";
import {Jurisdiction} from "./Jurisdiction.sol";

interface IHolderCount {
    function holderCount() external view returns (uint256);
}

/// @title ComplianceRegistry
/// @notice One registry gates every RAT equity: investor KYC records (tier, jurisdiction, expiry, freeze) packed
/// in one slot per address, and per-asset policy (minimum tier, blocked jurisdictions, holder cap, pause) packed
/// in one slot per asset. Only hashes of the KYC provider's references are stored; no personal data.
/// @dev The records live in `ComplianceRecords`, a plain store created by this registry and written only by it.
/// Tokens read the store directly (one call, one slot per party plus the policy) and judge with
/// `ComplianceRules`, so a transfer pays no delegatecall into this upgradeable contract.
contract ComplianceRegistry is IComplianceRegistry, Initializable, AccessControlUpgradeable, UUPSUpgradeable {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice May write and revoke KYC records.
    bytes32 public constant KYC_OPERATOR_ROLE = keccak256("KYC_OPERATOR_ROLE");
    /// @notice May freeze and unfreeze accounts (sanctions, court orders).
    bytes32 public constant SANCTIONS_OFFICER_ROLE = keccak256("SANCTIONS_OFFICER_ROLE");
    /// @notice May register assets and change their transfer policy, including which contracts are protocol
    /// holders (governance: the timelock).
    bytes32 public constant ASSET_POLICY_ROLE = keccak256("ASSET_POLICY_ROLE");
    /// @notice May register, remove and resume venues per asset, suspend them and set their exits (governance: the
    /// timelock).
    bytes32 public constant VENUE_LISTING_ROLE = keccak256("VENUE_LISTING_ROLE");
    /// @notice May only suspend an active venue (the EmergencyGuardian contract); never register, resume or remove.
    bytes32 public constant VENUE_GUARDIAN_ROLE = keccak256("VENUE_GUARDIAN_ROLE");
    /// @notice May upgrade the registry implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    uint8 public constant TIER_NONE = 0;
    uint8 public constant TIER_RETAIL = 1;
    uint8 public constant TIER_PROFESSIONAL = 2;
    uint8 public constant TIER_INSTITUTIONAL = 3;
    uint8 public constant MAX_TIER = TIER_INSTITUTIONAL;

    /// @custom:storage-location erc7201:rat.storage.ComplianceRegistry
    struct RegistryStorage {
        IComplianceRecords records;
        // Appended (ADR 0101): the venues registered per asset, ACTIVE or SUSPENDED, for `venues(asset)`.
        mapping(address asset => EnumerableSet.AddressSet) venues;
    }

    // keccak256(abi.encode(uint256(keccak256("rat.storage.ComplianceRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xa25b49a683c4fcc01cd77df6853af741132a0476ea4c94e82727758f612de400;

    function _s() private pure returns (RegistryStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    function _records() private view returns (IComplianceRecords) {
        return _s().records;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets up the registry behind its proxy; callable once, atomically with the proxy deployment.
    /// @param admin Receives DEFAULT_ADMIN_ROLE and UPGRADER_ROLE (handed to the timelock by governance).
    function initialize(address admin) external initializer {
        if (admin == address(0)) revert ZeroAddress();
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(UPGRADER_ROLE, admin);
        // Created from the proxy's context, so the store's only writer is the proxy address for good.
        _s().records = new ComplianceRecords();
    }

    // ---------------------------------------------------------------- KYC records

    /// @notice Writes one investor's KYC record; keeps the account's freeze flag untouched.
    /// @param account The wallet.
    /// @param tier 1 retail, 2 professional, 3 institutional (0 is only reachable through `revokeInvestor`).
    /// @param jurisdiction ISO 3166-1 alpha-2 code of the investor's residence.
    /// @param expiry Unix time at which the KYC check lapses; must be in the future.
    /// @param providerRef Hash of the KYC provider's applicant reference (never personal data).
    function setInvestor(address account, uint8 tier, bytes2 jurisdiction, uint40 expiry, bytes32 providerRef)
        external
        onlyRole(KYC_OPERATOR_ROLE)
    {
        _setInvestor(InvestorUpdate(account, tier, jurisdiction, expiry, providerRef));
    }

    /// @notice Writes many KYC records in one transaction; reverts whole on any bad row.
    /// @param updates The rows to write.
    function setInvestors(InvestorUpdate[] calldata updates) external onlyRole(KYC_OPERATOR_ROLE) {
        for (uint256 i; i < updates.length; ++i) {
            _setInvestor(updates[i]);
        }
    }

    /// @notice Revokes an investor's KYC (tier 0). A freeze, if any, stays in force.
    /// @param account The wallet.
    /// @param providerRef Hash of the provider's reference for the revocation.
    function revokeInvestor(address account, bytes32 providerRef) external onlyRole(KYC_OPERATOR_ROLE) {
        _revoke(account, providerRef);
    }

    /// @notice Revokes many investors; `providerRefs` pairs with `accounts` by index.
    /// @param accounts The wallets.
    /// @param providerRefs Hashes of the provider's references.
    function revokeInvestors(address[] calldata accounts, bytes32[] calldata providerRefs)
        external
        onlyRole(KYC_OPERATOR_ROLE)
    {
        if (accounts.length != providerRefs.length) revert LengthMismatch();
        for (uint256 i; i < accounts.length; ++i) {
            _revoke(accounts[i], providerRefs[i]);
        }
    }

    // ---------------------------------------------------------------- sanctions

    /// @notice Freezes accounts: they can neither send, receive, approve nor be approved on any RAT asset.
    /// @param accounts The wallets to freeze.
    /// @param reasonRef Hash of the sanctions list entry or court order.
    function freeze(address[] calldata accounts, bytes32 reasonRef) external onlyRole(SANCTIONS_OFFICER_ROLE) {
        IComplianceRecords store = _records();
        for (uint256 i; i < accounts.length; ++i) {
            address account = accounts[i];
            if (account == address(0)) revert ZeroAddress();
            Investor memory record = store.investor(account);
            if (record.frozen) revert AlreadyFrozen(account);
            // Freezing the Minter or a vault would lock every investor's escrow in it; freeze the investors.
            if (record.holderClass == HolderClass.PROTOCOL) revert ProtocolAccountNotFreezable(account);
            // A venue holds for many investors: the guardian suspends it per asset instead (ADR 0101).
            if (record.holderClass == HolderClass.VENUE) revert VenueAccountNotFreezable(account);
            store.writeFrozen(account, true);
            emit AccountFrozen(account, reasonRef);
        }
    }

    /// @notice Lifts a freeze.
    /// @param accounts The wallets to unfreeze.
    /// @param reasonRef Hash of the delisting decision or court order.
    function unfreeze(address[] calldata accounts, bytes32 reasonRef) external onlyRole(SANCTIONS_OFFICER_ROLE) {
        IComplianceRecords store = _records();
        for (uint256 i; i < accounts.length; ++i) {
            address account = accounts[i];
            if (!store.isFrozen(account)) revert NotFrozen(account);
            store.writeFrozen(account, false);
            emit AccountUnfrozen(account, reasonRef);
        }
    }

    // ---------------------------------------------------------------- asset policy

    /// @notice Admits an asset to the registry so that it can mint and transfer.
    /// @param asset The equity token proxy.
    /// @param minTier Lowest KYC tier that may hold the asset (at least retail).
    /// @param maxHolders Holder cap, 0 for none.
    function registerAsset(address asset, uint8 minTier, uint32 maxHolders) external onlyRole(ASSET_POLICY_ROLE) {
        if (asset == address(0)) revert ZeroAddress();
        if (_records().policy(asset).registered) revert AssetAlreadyRegistered(asset);
        emit AssetRegistered(asset);
        _setPolicy(asset, minTier, maxHolders);
    }

    /// @notice Changes an asset's minimum tier and holder cap.
    /// @param asset The equity token proxy.
    /// @param minTier Lowest KYC tier that may hold the asset (at least retail).
    /// @param maxHolders Holder cap, 0 for none; lowering it below the current count only blocks new holders.
    function setAssetPolicy(address asset, uint8 minTier, uint32 maxHolders) external onlyRole(ASSET_POLICY_ROLE) {
        _requireRegistered(asset);
        _setPolicy(asset, minTier, maxHolders);
    }

    /// @notice Blocks or unblocks holders of a jurisdiction for one asset (e.g. US persons for a Reg S offering).
    /// @param asset The equity token proxy.
    /// @param jurisdictions ISO 3166-1 alpha-2 codes.
    /// @param blocked_ True to block, false to lift the block.
    function setJurisdictionsBlocked(address asset, bytes2[] calldata jurisdictions, bool blocked_)
        external
        onlyRole(ASSET_POLICY_ROLE)
    {
        _requireRegistered(asset);
        IComplianceRecords store = _records();
        for (uint256 i; i < jurisdictions.length; ++i) {
            bytes2 code = jurisdictions[i];
            if (!Jurisdiction.isValid(code)) revert InvalidJurisdiction(code);
            if (store.isBlocked(asset, code) == blocked_) revert JurisdictionBlockUnchanged(asset, code);
            store.writeBlocked(asset, code, blocked_);
            emit JurisdictionBlockUpdated(asset, code, blocked_);
        }
    }

    /// @notice Classifies a contract as a PROTOCOL holder (it holds tokens on investors' behalf: the Minter's
    /// escrow, the dividend and conversion vaults) or back as an INVESTOR (ADR 0084). Protocol holders are not
    /// counted towards holder caps, movements to and from them bind only freezes, and they cannot be frozen.
    /// Classify a contract before it holds any RAT: the holder count of an asset it already holds is not revisited.
    /// @param account A contract (an EOA can never be a protocol holder).
    /// @param holderClass The class.
    /// @param reasonRef Hash of the governance decision.
    function setHolderClass(address account, HolderClass holderClass, bytes32 reasonRef)
        external
        onlyRole(ASSET_POLICY_ROLE)
    {
        if (account.code.length == 0) revert NotAContract(account);
        IComplianceRecords store = _records();
        HolderClass current = store.investor(account).holderClass;
        // VENUE is set only by registerVenue and is permanent: a venue's tokens were never counted as a holder's.
        if (holderClass == HolderClass.VENUE || current == HolderClass.VENUE) revert VenueClassReserved(account);
        if (current == holderClass) revert HolderClassUnchanged(account, holderClass);
        store.writeHolderClass(account, holderClass);
        emit HolderClassUpdated(account, holderClass, reasonRef);
    }

    // ---------------------------------------------------------------- venues (ADR 0101)

    /// @notice Registers `venue` as ACTIVE for `asset`: it may then receive the asset from eligible investors and
    /// pay it to them (each investor judged in full), and exchange it with other active venues of the asset. The
    /// first registration makes the contract's holder class VENUE for good; it must be a contract that never had
    /// a KYC record, is not a PROTOCOL holder, is not frozen and holds none of the asset. A venue is never counted
    /// as a holder, never receives a mint and cannot be frozen.
    /// @param asset A registered equity.
    /// @param venue The contract holding the asset for its users (e.g. Uniswap v4's PoolManager).
    /// @param reasonRef Hash of the governance decision.
    function registerVenue(address asset, address venue, bytes32 reasonRef) external onlyRole(VENUE_LISTING_ROLE) {
        _requireRegistered(asset);
        if (venue.code.length == 0) revert NotAContract(venue);
        IComplianceRecords store = _records();
        Investor memory record = store.investor(venue);
        if (record.holderClass == HolderClass.PROTOCOL) revert VenueIsProtocolHolder(venue);
        bool becomesVenue = record.holderClass == HolderClass.INVESTOR;
        if (becomesVenue) {
            // Never KYC'd: the registry writes a valid jurisdiction with every record and revocation keeps it.
            if (record.tier != TIER_NONE || record.jurisdiction != bytes2(0)) revert VenueHasKycRecord(venue);
            if (record.frozen) revert VenueAccountFrozen(venue);
            // A balance held as an investor would leave the holder count one too high for good.
            if (IERC20(asset).balanceOf(venue) != 0) revert VenueHoldsBalance(asset, venue);
        }
        // The list and the store's standing are written together, by this registry only, so they always agree.
        if (!_s().venues[asset].add(venue)) revert VenueAlreadyRegistered(asset, venue);
        if (becomesVenue) {
            store.writeHolderClass(venue, HolderClass.VENUE);
            emit HolderClassUpdated(venue, HolderClass.VENUE, reasonRef);
        }
        store.writeVenueStatus(asset, venue, VenueStatus.ACTIVE);
        emit VenueRegistered(asset, venue, reasonRef);
    }

    /// @notice Removes a venue of `asset` (ACTIVE or SUSPENDED): every movement in or out is refused from now on;
    /// what it still holds leaves only by the token's forced transfer. Its holder class stays VENUE.
    /// @param asset The equity.
    /// @param venue A registered venue of `asset`.
    /// @param reasonRef Hash of the governance decision.
    function removeVenue(address asset, address venue, bytes32 reasonRef) external onlyRole(VENUE_LISTING_ROLE) {
        if (!_s().venues[asset].remove(venue)) revert VenueNotRegistered(asset, venue);
        IComplianceRecords store = _records();
        store.writeVenueStatus(asset, venue, VenueStatus.NONE);
        // A later re-registration starts without an exit, as a first registration does.
        if (store.exitOf(asset, venue) != address(0)) {
            store.writeVenueExit(asset, venue, address(0));
            emit VenueExitSet(asset, venue, address(0), reasonRef);
        }
        emit VenueRemoved(asset, venue, reasonRef);
    }

    /// @notice Gives `venue` one exit for `asset` (ADR 0102): from now on the venue pays the asset only to `exit`,
    /// every other payout is refused with VENUE_EXIT_REQUIRED; forced transfers are unaffected. For a venue that
    /// cannot tell the token whose tokens it pays out (Morpho Blue), the exit is the gateway that can (the
    /// RatMorphoGateway refuses a frozen borrower), so every way out of the venue passes through it. If the exit
    /// is later suspended or removed, the venue pays out nothing until the exit is resumed, replaced or cleared.
    /// @param asset The equity.
    /// @param venue A registered venue of `asset` (ACTIVE or SUSPENDED).
    /// @param exit An ACTIVE venue of `asset` other than `venue`, or address(0) to clear the exit.
    /// @param reasonRef Hash of the governance decision.
    function setVenueExit(address asset, address venue, address exit, bytes32 reasonRef)
        external
        onlyRole(VENUE_LISTING_ROLE)
    {
        if (!_s().venues[asset].contains(venue)) revert VenueNotRegistered(asset, venue);
        IComplianceRecords store = _records();
        if (exit != address(0)) {
            if (exit == venue) revert VenueExitIsVenue(venue);
            if (store.venueStatus(asset, exit) != VenueStatus.ACTIVE) revert VenueExitNotActiveVenue(asset, exit);
        }
        if (store.exitOf(asset, venue) == exit) revert VenueExitUnchanged(asset, venue, exit);
        store.writeVenueExit(asset, venue, exit);
        emit VenueExitSet(asset, venue, exit, reasonRef);
    }

    /// @notice Suspends an active venue of `asset`: movements in and out are refused until the listing role
    /// resumes it. The guardian's emergency brake for one venue; the listing role may use it too.
    /// @param asset The equity.
    /// @param venue An ACTIVE venue of `asset`.
    /// @param reasonRef Hash of the incident report or governance decision.
    function suspendVenue(address asset, address venue, bytes32 reasonRef) external {
        address caller = _msgSender();
        if (!hasRole(VENUE_GUARDIAN_ROLE, caller) && !hasRole(VENUE_LISTING_ROLE, caller)) {
            revert AccessControlUnauthorizedAccount(caller, VENUE_GUARDIAN_ROLE);
        }
        IComplianceRecords store = _records();
        if (store.venueStatus(asset, venue) != VenueStatus.ACTIVE) revert VenueNotActive(asset, venue);
        store.writeVenueStatus(asset, venue, VenueStatus.SUSPENDED);
        emit VenueSuspended(asset, venue, reasonRef);
    }

    /// @notice Resumes a suspended venue of `asset` (governance only: the guardian can stop, never restart).
    /// @param asset The equity.
    /// @param venue A SUSPENDED venue of `asset`.
    /// @param reasonRef Hash of the governance decision.
    function resumeVenue(address asset, address venue, bytes32 reasonRef) external onlyRole(VENUE_LISTING_ROLE) {
        IComplianceRecords store = _records();
        if (store.venueStatus(asset, venue) != VenueStatus.SUSPENDED) revert VenueNotSuspended(asset, venue);
        store.writeVenueStatus(asset, venue, VenueStatus.ACTIVE);
        emit VenueResumed(asset, venue, reasonRef);
    }

    /// @notice Called by a registered token on itself when its pauser pauses or unpauses it. Keeping the flag
    /// beside the policy lets one slot answer both questions on every transfer.
    /// @param paused_ The new state.
    function setAssetPaused(bool paused_) external {
        _requireRegistered(msg.sender);
        _records().writePaused(msg.sender, paused_);
        emit AssetPauseUpdated(msg.sender, paused_);
    }

    // ---------------------------------------------------------------- reads

    /// @notice The store holding every record; tokens read it directly.
    function records() external view returns (IComplianceRecords) {
        return _records();
    }

    /// @notice The KYC record of `account`.
    function investor(address account) external view returns (Investor memory) {
        return _records().investor(account);
    }

    /// @notice The transfer policy of `asset`.
    function policy(address asset) external view returns (AssetPolicy memory) {
        return _records().policy(asset);
    }

    /// @notice Whether holders resident in `jurisdiction` are barred from `asset`.
    function isJurisdictionBlocked(address asset, bytes2 jurisdiction) external view returns (bool) {
        return _records().isBlocked(asset, jurisdiction);
    }

    /// @notice Whether `account` is frozen.
    function isFrozen(address account) external view returns (bool) {
        return _records().isFrozen(account);
    }

    /// @notice The standing of `venue` for `asset` (NONE, ACTIVE or SUSPENDED).
    function venueStatus(address asset, address venue) external view returns (VenueStatus) {
        return _records().venueStatus(asset, venue);
    }

    /// @notice The one address `venue` may pay `asset` to, or address(0) when it has none (ADR 0102).
    function venueExit(address asset, address venue) external view returns (address) {
        return _records().exitOf(asset, venue);
    }

    /// @notice Every venue registered for `asset`, ACTIVE or SUSPENDED, in no particular order.
    function venues(address asset) external view returns (address[] memory) {
        return _s().venues[asset].values();
    }

    /// @notice Pre-checks a transfer for wallets and UIs, with the same codes the token reverts with.
    /// @param asset The equity token.
    /// @param from Sender (address(0) to pre-check a mint).
    /// @param to Recipient.
    /// @param amount Amount in token units (18 decimals, 1e18 = one share).
    function canTransfer(address asset, address from, address to, uint256 amount)
        external
        view
        returns (TransferStatus)
    {
        TransferFacts memory f = _records().transferFacts(asset, from, from, to);
        TransferStatus status = ComplianceRules.evaluate(f, from, to);
        if (status != TransferStatus.OK) return status;
        if (from != address(0) && IERC20(asset).balanceOf(from) < amount) return TransferStatus.INSUFFICIENT_BALANCE;
        // As the token counts: protocol holders and venues never join or leave, and a return from a protocol
        // holder is never capped (a venue paying out to a new holder is).
        uint32 maxHolders = ComplianceRules.maxHolders(f);
        if (
            maxHolders != 0 && to != address(0) && amount != 0 && ComplianceRules.isCounted(f.recipient)
                && !ComplianceRules.isProtocol(f.sender) && IERC20(asset).balanceOf(to) == 0
                && (from == address(0) || !ComplianceRules.isCounted(f.sender)
                    || IERC20(asset).balanceOf(from) != amount) && IHolderCount(asset).holderCount() >= maxHolders
        ) return TransferStatus.MAX_HOLDERS_REACHED;
        return TransferStatus.OK;
    }

    // ---------------------------------------------------------------- internals

    function _setInvestor(InvestorUpdate memory u) private {
        if (u.account == address(0)) revert ZeroAddress();
        if (u.tier == TIER_NONE || u.tier > MAX_TIER) revert InvalidTier(u.tier);
        if (!Jurisdiction.isValid(u.jurisdiction)) revert InvalidJurisdiction(u.jurisdiction);
        if (u.expiry <= block.timestamp) revert ExpiryInPast(u.expiry);
        _records().writeKyc(u.account, u.tier, u.jurisdiction, u.expiry);
        emit InvestorUpdated(u.account, u.tier, u.jurisdiction, u.expiry, u.providerRef);
    }

    function _revoke(address account, bytes32 providerRef) private {
        if (account == address(0)) revert ZeroAddress();
        Investor memory current = _records().investor(account);
        _records().writeKyc(account, TIER_NONE, current.jurisdiction, 0);
        emit InvestorRevoked(account, providerRef);
    }

    function _setPolicy(address asset, uint8 minTier, uint32 maxHolders) private {
        if (minTier == TIER_NONE || minTier > MAX_TIER) revert InvalidTier(minTier);
        _records().writePolicy(asset, true, minTier, maxHolders);
        emit AssetPolicyUpdated(asset, minTier, maxHolders);
    }

    function _requireRegistered(address asset) private view {
        if (!_records().policy(asset).registered) revert AssetNotRegistered(asset);
    }

    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
