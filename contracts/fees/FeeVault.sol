// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IFeeVault, FeeBucket} from "../interfaces/IFeeVault.sol";
import {IMinter, RequestKind, AssetStatus} from "../interfaces/IMinter.sol";
import {IRealAssetToken} from "../interfaces/IRealAssetToken.sol";

/// @title FeeVault
/// @notice Holds the protocol's mint and burn fees in the payment tokens they were charged in, split between the
/// treasury and an insurance reserve. Only governance sets fees and withdraws.
/// @dev Fees arrive by plain transfer from the Minter, which checks each attested fee against the rates this vault
/// pushes to it (`IMinter.applyFees`) whenever governance changes them, so the two copies cannot diverge. Books
/// only grow by what actually arrived: `book` splits `balance - booked` at the insurance share in force, and runs
/// for a token before each withdrawal and for every tracked token before the share changes. Tokens sent here by
/// mistake are booked as fees.
contract FeeVault is IFeeVault, Initializable, AccessControlUpgradeable, UUPSUpgradeable {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice May set per-asset fees and the insurance share.
    bytes32 public constant FEE_GOVERNOR_ROLE = keccak256("FEE_GOVERNOR_ROLE");
    /// @notice May withdraw from the treasury and insurance buckets.
    bytes32 public constant FEE_WITHDRAWER_ROLE = keccak256("FEE_WITHDRAWER_ROLE");
    /// @notice May report the custodian's sale of accrued management-fee shares and deposit its proceeds (the
    /// relayer's treasury key).
    bytes32 public constant MANAGEMENT_FEE_REPORTER_ROLE = keccak256("MANAGEMENT_FEE_REPORTER_ROLE");
    /// @notice May upgrade the vault implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    /// @notice Highest fee governance can set, per side: 1 %.
    uint16 public constant MAX_FEE_BPS = 100;
    uint16 private constant BPS = 10_000;

    struct Fees {
        uint16 mintBps;
        uint16 burnBps;
    }

    struct Buckets {
        uint128 treasury;
        uint128 insurance;
    }

    /// @custom:storage-location erc7201:rat.storage.FeeVault
    struct VaultStorage {
        mapping(address asset => Fees) fees;
        mapping(address token => Buckets) buckets; // booked amounts
        uint16 insuranceShareBps;
        IMinter minter;
        address[] tokens;
        mapping(address token => bool) tracked;
    }

    // keccak256(abi.encode(uint256(keccak256("rat.storage.FeeVault")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x474cd9b93ec63bd8d728dadf75064dce9d283fe38fb57765770004e704d98600;

    function _s() private pure returns (VaultStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets up the vault behind its proxy.
    /// @param admin Receives DEFAULT_ADMIN_ROLE and UPGRADER_ROLE (handed to the timelock by governance).
    /// @param insuranceShareBps Share of every fee booked to the insurance reserve.
    function initialize(address admin, uint16 insuranceShareBps) external initializer {
        if (admin == address(0)) revert ZeroAddress();
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(UPGRADER_ROLE, admin);
        _setInsuranceShare(insuranceShareBps);
    }

    /// @notice Names the Minter: the vault pushes fee rates to it and accepts payment-token registrations from it.
    /// Set once, before any fee (the Minter proxy's address never changes).
    /// @param minter The Minter proxy.
    function setMinter(address minter) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (minter == address(0)) revert ZeroAddress();
        VaultStorage storage $ = _s();
        if (address($.minter) != address(0)) revert MinterAlreadySet(address($.minter));
        $.minter = IMinter(minter);
        emit MinterSet(minter);
    }

    /// @notice Adds a payment token to the tracked list (idempotent); the Minter calls it when listing the token.
    /// @param token The payment token.
    function trackToken(address token) external {
        VaultStorage storage $ = _s();
        if (msg.sender != address($.minter)) revert OnlyMinter(msg.sender);
        if ($.tracked[token]) return;
        $.tracked[token] = true;
        $.tokens.push(token);
        emit TokenTracked(token);
    }

    /// @notice Books what arrived in `token` since the last booking. Anyone may call it: it can only book tokens
    /// that are really here.
    /// @param token The payment token.
    /// @return amount Token units booked (split treasury/insurance at the current share).
    function book(address token) external returns (uint256 amount) {
        return _book(_s(), token);
    }

    /// @notice Sets the fees of one asset and pushes them to the Minter.
    /// @param asset The equity token.
    /// @param mintBps Fee on the cost of a mint fill, at most MAX_FEE_BPS.
    /// @param burnBps Fee on the proceeds of a burn fill, at most MAX_FEE_BPS.
    function setFees(address asset, uint16 mintBps, uint16 burnBps) external onlyRole(FEE_GOVERNOR_ROLE) {
        if (asset == address(0)) revert ZeroAddress();
        if (mintBps > MAX_FEE_BPS) revert FeeTooHigh(mintBps, MAX_FEE_BPS);
        if (burnBps > MAX_FEE_BPS) revert FeeTooHigh(burnBps, MAX_FEE_BPS);
        VaultStorage storage $ = _s();
        IMinter minter = $.minter;
        if (address(minter) == address(0)) revert MinterNotSet();
        $.fees[asset] = Fees(mintBps, burnBps);
        emit FeesUpdated(asset, mintBps, burnBps);
        minter.applyFees(asset, mintBps, burnBps);
    }

    /// @notice Sets the annual management fee of a listed equity. It accrues continuously through the token's
    /// share multiplier (holders' tokens represent ever fewer shares); the custodian sells the accrued shares and
    /// `recordManagementFeeSale` deposits the proceeds here. The fee accrued at the old rate is folded in first.
    /// @param asset A listed equity (the vault holds its MANAGEMENT_FEE_ROLE).
    /// @param bps Annual rate, at most the token's MAX_MANAGEMENT_FEE_BPS (2 %).
    function setManagementFee(address asset, uint16 bps) external onlyRole(FEE_GOVERNOR_ROLE) {
        _requireListed(asset);
        _accrue(asset);
        emit ManagementFeeSet(asset, bps);
        IRealAssetToken(asset).setManagementFee(bps);
    }

    /// @notice Folds the management fee accrued since the last checkpoint into the token's multiplier and reports
    /// the shares the custodian now owes to sell. Anyone may call it (the relayer does before each sale).
    /// @param asset A listed equity.
    /// @return feeShares Shares accrued to the fee since the last checkpoint, in today's shares.
    function accrueManagementFee(address asset) external returns (uint256 feeShares) {
        _requireListed(asset);
        return _accrue(asset);
    }

    /// @notice Records that the custodian sold `shares` accrued to the management fee and deposits the proceeds
    /// (pulled from the caller, then booked to the treasury and insurance buckets like every fee).
    /// @param asset A listed equity.
    /// @param token A payment token the vault tracks.
    /// @param shares Shares sold (18 decimals).
    /// @param proceeds Token units received for them.
    /// @param custodyRef Hash of the custodian's trade confirmation.
    function recordManagementFeeSale(address asset, address token, uint256 shares, uint256 proceeds, bytes32 custodyRef)
        external
        onlyRole(MANAGEMENT_FEE_REPORTER_ROLE)
    {
        _requireListed(asset);
        VaultStorage storage $ = _s();
        if (!$.tracked[token]) revert TokenNotTracked(token);
        if (shares == 0 || proceeds == 0) revert ZeroAmount();
        emit ManagementFeeCollected(asset, token, shares, proceeds, custodyRef);
        IERC20(token).safeTransferFrom(msg.sender, address(this), proceeds);
        _book($, token);
    }

    /// @notice Sets the share of future fees booked to the insurance reserve; what arrived before is booked first,
    /// at the share in force when it arrived.
    /// @param insuranceShareBps 0 to 10,000.
    function setInsuranceShare(uint16 insuranceShareBps) external onlyRole(FEE_GOVERNOR_ROLE) {
        VaultStorage storage $ = _s();
        uint256 count = $.tokens.length;
        for (uint256 i; i < count; ++i) {
            _book($, $.tokens[i]);
        }
        _setInsuranceShare(insuranceShareBps);
    }

    /// @notice Pays out of one bucket (after booking what arrived).
    /// @param token The payment token.
    /// @param bucket Treasury or insurance.
    /// @param to Recipient.
    /// @param amount Token units, at most what the bucket holds.
    function withdraw(address token, FeeBucket bucket, address to, uint256 amount)
        external
        onlyRole(FEE_WITHDRAWER_ROLE)
    {
        if (to == address(0)) revert ZeroAddress();
        VaultStorage storage $ = _s();
        _book($, token);
        Buckets storage b = $.buckets[token];
        uint256 available = bucket == FeeBucket.TREASURY ? b.treasury : b.insurance;
        if (amount > available) revert InsufficientBucket(bucket, amount, available);
        // amount <= available <= type(uint128).max.
        if (bucket == FeeBucket.TREASURY) b.treasury -= uint128(amount);
        else b.insurance -= uint128(amount);
        emit FeeWithdrawn(token, bucket, to, amount);
        IERC20(token).safeTransfer(to, amount);
    }

    /// @notice The fee a fill of `notional` owes.
    function quote(address asset, RequestKind kind, uint256 notional) external view returns (uint256) {
        Fees memory f = _s().fees[asset];
        uint256 bps = kind == RequestKind.MINT ? f.mintBps : f.burnBps;
        return notional * bps / BPS;
    }

    /// @notice The mint and burn fee of `asset`, in basis points.
    function fees(address asset) external view returns (uint16 mintBps, uint16 burnBps) {
        Fees memory f = _s().fees[asset];
        return (f.mintBps, f.burnBps);
    }

    /// @notice What the treasury and insurance buckets hold in `token`, including arrivals not booked yet (split at
    /// the current share, exactly as `book` would).
    function buckets(address token) external view returns (uint256 treasury, uint256 insurance) {
        VaultStorage storage $ = _s();
        Buckets memory b = $.buckets[token];
        (uint256 toTreasury, uint256 toInsurance) = _split($, _unbooked(b, token));
        return (b.treasury + toTreasury, b.insurance + toInsurance);
    }

    /// @notice Token units that arrived and are not booked yet.
    function unbooked(address token) external view returns (uint256) {
        return _unbooked(_s().buckets[token], token);
    }

    /// @notice Share of each fee booked to insurance, in basis points.
    function insuranceShareBps() external view returns (uint16) {
        return _s().insuranceShareBps;
    }

    /// @notice The Minter this vault serves (address(0) until set).
    function minter() external view returns (address) {
        return address(_s().minter);
    }

    /// @notice Payment tokens booked before every change of the insurance share.
    function trackedTokens() external view returns (address[] memory) {
        return _s().tokens;
    }

    function _requireListed(address asset) private view {
        IMinter minter = _s().minter;
        if (address(minter) == address(0)) revert MinterNotSet();
        // The Minter's listing is the protocol's list of equities: nothing else can feed fee events in here.
        if (minter.assetConfig(asset).status == AssetStatus.UNLISTED) revert AssetNotListed(asset);
    }

    function _accrue(address asset) private returns (uint256 feeShares) {
        uint256 before;
        uint256 current;
        uint40 since;
        (before, current, feeShares, since) = IRealAssetToken(asset).checkpoint();
        emit ManagementFeeAccrued(asset, since, uint40(block.timestamp), before, current, feeShares);
    }

    function _book(VaultStorage storage $, address token) private returns (uint256 amount) {
        Buckets storage b = $.buckets[token];
        amount = _unbooked(b, token);
        if (amount == 0) return 0;
        (uint256 toTreasury, uint256 toInsurance) = _split($, amount);
        b.treasury += toTreasury.toUint128();
        b.insurance += toInsurance.toUint128();
        emit FeesBooked(token, amount, toTreasury, toInsurance);
    }

    function _unbooked(Buckets memory b, address token) private view returns (uint256) {
        uint256 booked = uint256(b.treasury) + b.insurance;
        uint256 balance = IERC20(token).balanceOf(address(this));
        return balance > booked ? balance - booked : 0;
    }

    function _split(VaultStorage storage $, uint256 amount)
        private
        view
        returns (uint256 toTreasury, uint256 toInsurance)
    {
        toInsurance = amount * $.insuranceShareBps / BPS;
        toTreasury = amount - toInsurance;
    }

    function _setInsuranceShare(uint16 bps) private {
        if (bps > BPS) revert InvalidShare(bps);
        _s().insuranceShareBps = bps;
        emit InsuranceShareUpdated(bps);
    }

    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
