// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {
    IComplianceRegistry,
    Investor,
    AssetPolicy,
    InvestorUpdate,
    TransferStatus
} from "../interfaces/IComplianceRegistry.sol";
import {Jurisdiction} from "./Jurisdiction.sol";

interface IHolderCount {
    function holderCount() external view returns (uint256);
}

/// @title ComplianceRegistry
/// @notice One registry gates every RAT equity: investor KYC records (tier, jurisdiction, expiry, freeze) packed
/// in one slot per address, and per-asset policy (minimum tier, blocked jurisdictions, holder cap, pause) packed
/// in one slot per asset. Only hashes of the KYC provider's references are stored; no personal data.
/// @dev Tokens call `checkTransfer` with themselves as `msg.sender`; that single call reads at most one policy
/// slot and one record slot per party, which is what keeps a compliant transfer close to a plain ERC-20 one.
contract ComplianceRegistry is IComplianceRegistry, Initializable, AccessControlUpgradeable, UUPSUpgradeable {
    /// @notice May write and revoke KYC records.
    bytes32 public constant KYC_OPERATOR_ROLE = keccak256("KYC_OPERATOR_ROLE");
    /// @notice May freeze and unfreeze accounts (sanctions, court orders).
    bytes32 public constant SANCTIONS_OFFICER_ROLE = keccak256("SANCTIONS_OFFICER_ROLE");
    /// @notice May register assets and change their transfer policy.
    bytes32 public constant ASSET_POLICY_ROLE = keccak256("ASSET_POLICY_ROLE");
    /// @notice May upgrade the registry implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    uint8 public constant TIER_NONE = 0;
    uint8 public constant TIER_RETAIL = 1;
    uint8 public constant TIER_PROFESSIONAL = 2;
    uint8 public constant TIER_INSTITUTIONAL = 3;
    uint8 public constant MAX_TIER = TIER_INSTITUTIONAL;

    /// @custom:storage-location erc7201:rat.storage.ComplianceRegistry
    struct RegistryStorage {
        mapping(address account => Investor) investors;
        mapping(address asset => AssetPolicy) policies;
        mapping(address asset => mapping(bytes2 jurisdiction => bool)) blocked;
    }

    // keccak256(abi.encode(uint256(keccak256("rat.storage.ComplianceRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xa25b49a683c4fcc01cd77df6853af741132a0476ea4c94e82727758f612de400;

    function _s() private pure returns (RegistryStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
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
        RegistryStorage storage $ = _s();
        for (uint256 i; i < accounts.length; ++i) {
            address account = accounts[i];
            if (account == address(0)) revert ZeroAddress();
            Investor storage inv = $.investors[account];
            if (inv.frozen) revert AlreadyFrozen(account);
            inv.frozen = true;
            emit AccountFrozen(account, reasonRef);
        }
    }

    /// @notice Lifts a freeze.
    /// @param accounts The wallets to unfreeze.
    /// @param reasonRef Hash of the delisting decision or court order.
    function unfreeze(address[] calldata accounts, bytes32 reasonRef) external onlyRole(SANCTIONS_OFFICER_ROLE) {
        RegistryStorage storage $ = _s();
        for (uint256 i; i < accounts.length; ++i) {
            address account = accounts[i];
            Investor storage inv = $.investors[account];
            if (!inv.frozen) revert NotFrozen(account);
            inv.frozen = false;
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
        AssetPolicy storage p = _s().policies[asset];
        if (p.registered) revert AssetAlreadyRegistered(asset);
        p.registered = true;
        emit AssetRegistered(asset);
        _setPolicy(p, asset, minTier, maxHolders);
    }

    /// @notice Changes an asset's minimum tier and holder cap.
    /// @param asset The equity token proxy.
    /// @param minTier Lowest KYC tier that may hold the asset (at least retail).
    /// @param maxHolders Holder cap, 0 for none; lowering it below the current count only blocks new holders.
    function setAssetPolicy(address asset, uint8 minTier, uint32 maxHolders) external onlyRole(ASSET_POLICY_ROLE) {
        AssetPolicy storage p = _registered(asset);
        _setPolicy(p, asset, minTier, maxHolders);
    }

    /// @notice Blocks or unblocks holders of a jurisdiction for one asset (e.g. US persons for a Reg S offering).
    /// @param asset The equity token proxy.
    /// @param jurisdictions ISO 3166-1 alpha-2 codes.
    /// @param blocked_ True to block, false to lift the block.
    function setJurisdictionsBlocked(address asset, bytes2[] calldata jurisdictions, bool blocked_)
        external
        onlyRole(ASSET_POLICY_ROLE)
    {
        RegistryStorage storage $ = _s();
        AssetPolicy storage p = _registered(asset);
        uint16 count = p.blockedJurisdictionCount;
        for (uint256 i; i < jurisdictions.length; ++i) {
            bytes2 code = jurisdictions[i];
            if (!Jurisdiction.isValid(code)) revert InvalidJurisdiction(code);
            if ($.blocked[asset][code] == blocked_) revert JurisdictionBlockUnchanged(asset, code);
            $.blocked[asset][code] = blocked_;
            if (blocked_) ++count;
            else --count;
            emit JurisdictionBlockUpdated(asset, code, blocked_);
        }
        p.blockedJurisdictionCount = count;
    }

    /// @notice Called by a registered token on itself when its pauser pauses or unpauses it. Keeping the flag
    /// beside the policy lets one slot answer both questions on every transfer.
    /// @param paused_ The new state.
    function setAssetPaused(bool paused_) external {
        AssetPolicy storage p = _registered(msg.sender);
        p.paused = paused_;
        emit AssetPauseUpdated(msg.sender, paused_);
    }

    // ---------------------------------------------------------------- reads

    /// @notice The KYC record of `account`.
    function investor(address account) external view returns (Investor memory) {
        return _s().investors[account];
    }

    /// @notice The transfer policy of `asset`.
    function policy(address asset) external view returns (AssetPolicy memory) {
        return _s().policies[asset];
    }

    /// @notice Whether holders resident in `jurisdiction` are barred from `asset`.
    function isJurisdictionBlocked(address asset, bytes2 jurisdiction) external view returns (bool) {
        return _s().blocked[asset][jurisdiction];
    }

    /// @notice Whether `account` is frozen.
    function isFrozen(address account) external view returns (bool) {
        return _s().investors[account].frozen;
    }

    /// @notice The check a token runs on itself (`msg.sender` is the asset) before moving tokens.
    /// @param operator The caller moving the tokens (the spender for transferFrom), checked for a freeze.
    /// @param from Sender; address(0) for a mint or a forced transfer (sender checks skipped).
    /// @param to Recipient; address(0) for a burn (only a freeze and the pause bind the sender).
    /// @return status OK or the first rule that fails.
    /// @return maxHolders The asset's holder cap, for the token to enforce against its own count.
    function checkTransfer(address operator, address from, address to)
        external
        view
        returns (TransferStatus status, uint32 maxHolders)
    {
        AssetPolicy memory p = _s().policies[msg.sender];
        return (_evaluate(msg.sender, p, operator, from, to), p.maxHolders);
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
        AssetPolicy memory p = _s().policies[asset];
        TransferStatus status = _evaluate(asset, p, from, from, to);
        if (status != TransferStatus.OK) return status;
        if (from != address(0) && IERC20(asset).balanceOf(from) < amount) return TransferStatus.INSUFFICIENT_BALANCE;
        if (
            p.maxHolders != 0 && to != address(0) && amount != 0 && IERC20(asset).balanceOf(to) == 0
                && (from == address(0) || IERC20(asset).balanceOf(from) != amount)
                && IHolderCount(asset).holderCount() >= p.maxHolders
        ) return TransferStatus.MAX_HOLDERS_REACHED;
        return TransferStatus.OK;
    }

    // ---------------------------------------------------------------- internals

    function _evaluate(address asset, AssetPolicy memory p, address operator, address from, address to)
        private
        view
        returns (TransferStatus)
    {
        if (!p.registered) return TransferStatus.ASSET_NOT_REGISTERED;
        if (p.paused) return TransferStatus.PAUSED;
        RegistryStorage storage $ = _s();
        if (operator != from && operator != address(0) && $.investors[operator].frozen) {
            return TransferStatus.OPERATOR_FROZEN;
        }
        if (from != address(0)) {
            Investor memory sender = $.investors[from];
            if (sender.frozen) return TransferStatus.SENDER_FROZEN;
            if (to != address(0)) {
                if (sender.tier < p.minTier) return TransferStatus.SENDER_NOT_ELIGIBLE;
                if (sender.expiry <= block.timestamp) return TransferStatus.SENDER_KYC_EXPIRED;
                if (p.blockedJurisdictionCount != 0 && $.blocked[asset][sender.jurisdiction]) {
                    return TransferStatus.SENDER_JURISDICTION_BLOCKED;
                }
            }
        }
        if (to != address(0)) {
            Investor memory recipient = $.investors[to];
            if (recipient.frozen) return TransferStatus.RECIPIENT_FROZEN;
            if (recipient.tier < p.minTier) return TransferStatus.RECIPIENT_NOT_ELIGIBLE;
            if (recipient.expiry <= block.timestamp) return TransferStatus.RECIPIENT_KYC_EXPIRED;
            if (p.blockedJurisdictionCount != 0 && $.blocked[asset][recipient.jurisdiction]) {
                return TransferStatus.RECIPIENT_JURISDICTION_BLOCKED;
            }
        }
        return TransferStatus.OK;
    }

    function _setInvestor(InvestorUpdate memory u) private {
        if (u.account == address(0)) revert ZeroAddress();
        if (u.tier == TIER_NONE || u.tier > MAX_TIER) revert InvalidTier(u.tier);
        if (!Jurisdiction.isValid(u.jurisdiction)) revert InvalidJurisdiction(u.jurisdiction);
        if (u.expiry <= block.timestamp) revert ExpiryInPast(u.expiry);
        Investor storage inv = _s().investors[u.account];
        inv.tier = u.tier;
        inv.jurisdiction = u.jurisdiction;
        inv.expiry = u.expiry;
        emit InvestorUpdated(u.account, u.tier, u.jurisdiction, u.expiry, u.providerRef);
    }

    function _revoke(address account, bytes32 providerRef) private {
        if (account == address(0)) revert ZeroAddress();
        Investor storage inv = _s().investors[account];
        inv.tier = TIER_NONE;
        inv.expiry = 0;
        emit InvestorRevoked(account, providerRef);
    }

    function _setPolicy(AssetPolicy storage p, address asset, uint8 minTier, uint32 maxHolders) private {
        if (minTier == TIER_NONE || minTier > MAX_TIER) revert InvalidTier(minTier);
        p.minTier = minTier;
        p.maxHolders = maxHolders;
        emit AssetPolicyUpdated(asset, minTier, maxHolders);
    }

    function _registered(address asset) private view returns (AssetPolicy storage p) {
        p = _s().policies[asset];
        if (!p.registered) revert AssetNotRegistered(asset);
    }

    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
