// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IFeeVault, FeeBucket} from "../interfaces/IFeeVault.sol";
import {RequestKind} from "../interfaces/IMinter.sol";

/// @title FeeVault
/// @notice Holds the protocol's mint and burn fees in the payment tokens they were charged in, split on arrival
/// between the treasury and an insurance reserve. Only governance sets fees and withdraws.
/// @dev The vault pulls each fee from the collector itself, so the books can only grow by what actually arrived:
/// per token, balance == collected - withdrawn (tokens sent to the vault by mistake are the only exception).
contract FeeVault is IFeeVault, Initializable, AccessControlUpgradeable, UUPSUpgradeable {
    using SafeERC20 for IERC20;

    /// @notice May set per-asset fees and the insurance share.
    bytes32 public constant FEE_GOVERNOR_ROLE = keccak256("FEE_GOVERNOR_ROLE");
    /// @notice May withdraw from the treasury and insurance buckets.
    bytes32 public constant FEE_WITHDRAWER_ROLE = keccak256("FEE_WITHDRAWER_ROLE");
    /// @notice May book fees it pays in (the Minter).
    bytes32 public constant COLLECTOR_ROLE = keccak256("COLLECTOR_ROLE");
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
        mapping(address token => Buckets) buckets;
        uint16 insuranceShareBps;
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

    /// @notice Pulls the fee owed on `notional` from the caller and books it, split treasury/insurance.
    /// @param token The payment token the fee is charged in.
    /// @param asset The equity the fill was for (selects the fee).
    /// @param kind Mint or burn.
    /// @param notional Fill value in `token` units.
    /// @return fee Amount pulled (0 pulls nothing).
    function collect(address token, address asset, RequestKind kind, uint256 notional)
        external
        onlyRole(COLLECTOR_ROLE)
        returns (uint256 fee)
    {
        VaultStorage storage $ = _s();
        fee = _quote($.fees[asset], kind, notional);
        if (fee == 0) return 0;
        uint256 toInsurance = fee * $.insuranceShareBps / BPS;
        uint256 toTreasury = fee - toInsurance;
        Buckets storage b = $.buckets[token];
        // Fee <= notional / 100 and notional is bounded by uint128 escrow amounts, so the casts cannot truncate.
        b.treasury += uint128(toTreasury);
        b.insurance += uint128(toInsurance);
        emit FeeCollected(token, asset, kind, notional, fee, toTreasury, toInsurance);
        IERC20(token).safeTransferFrom(msg.sender, address(this), fee);
    }

    /// @notice Sets the fees of one asset.
    /// @param asset The equity token.
    /// @param mintBps Fee on the cost of a mint fill, at most MAX_FEE_BPS.
    /// @param burnBps Fee on the proceeds of a burn fill, at most MAX_FEE_BPS.
    function setFees(address asset, uint16 mintBps, uint16 burnBps) external onlyRole(FEE_GOVERNOR_ROLE) {
        if (asset == address(0)) revert ZeroAddress();
        if (mintBps > MAX_FEE_BPS) revert FeeTooHigh(mintBps, MAX_FEE_BPS);
        if (burnBps > MAX_FEE_BPS) revert FeeTooHigh(burnBps, MAX_FEE_BPS);
        _s().fees[asset] = Fees(mintBps, burnBps);
        emit FeesUpdated(asset, mintBps, burnBps);
    }

    /// @notice Sets the share of future fees booked to the insurance reserve.
    /// @param insuranceShareBps 0 to 10,000.
    function setInsuranceShare(uint16 insuranceShareBps) external onlyRole(FEE_GOVERNOR_ROLE) {
        _setInsuranceShare(insuranceShareBps);
    }

    /// @notice Pays out of one bucket.
    /// @param token The payment token.
    /// @param bucket Treasury or insurance.
    /// @param to Recipient.
    /// @param amount Token units, at most what the bucket holds.
    function withdraw(address token, FeeBucket bucket, address to, uint256 amount)
        external
        onlyRole(FEE_WITHDRAWER_ROLE)
    {
        if (to == address(0)) revert ZeroAddress();
        Buckets storage b = _s().buckets[token];
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
        return _quote(_s().fees[asset], kind, notional);
    }

    /// @notice The mint and burn fee of `asset`, in basis points.
    function fees(address asset) external view returns (uint16 mintBps, uint16 burnBps) {
        Fees memory f = _s().fees[asset];
        return (f.mintBps, f.burnBps);
    }

    /// @notice What the treasury and insurance buckets hold in `token`.
    function buckets(address token) external view returns (uint256 treasury, uint256 insurance) {
        Buckets memory b = _s().buckets[token];
        return (b.treasury, b.insurance);
    }

    /// @notice Share of each fee booked to insurance, in basis points.
    function insuranceShareBps() external view returns (uint16) {
        return _s().insuranceShareBps;
    }

    function _quote(Fees memory f, RequestKind kind, uint256 notional) private pure returns (uint256) {
        uint256 bps = kind == RequestKind.MINT ? f.mintBps : f.burnBps;
        return notional * bps / BPS;
    }

    function _setInsuranceShare(uint16 bps) private {
        if (bps > BPS) revert InvalidShare(bps);
        _s().insuranceShareBps = bps;
        emit InsuranceShareUpdated(bps);
    }

    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
