// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RequestKind} from "./IMinter.sol";

/// @notice The two pots every collected fee is split into.
enum FeeBucket {
    TREASURY,
    INSURANCE
}

/// @title IFeeVault: per-asset mint/burn fees in basis points, collected in the payment token and split between
/// the treasury and an insurance reserve. Invariant per token: balance == collected - withdrawn.
interface IFeeVault {
    event FeesUpdated(address indexed asset, uint16 mintBps, uint16 burnBps);
    event InsuranceShareUpdated(uint16 insuranceShareBps);
    event FeeCollected(
        address indexed token,
        address indexed asset,
        RequestKind kind,
        uint256 notional,
        uint256 fee,
        uint256 toTreasury,
        uint256 toInsurance
    );
    event FeeWithdrawn(address indexed token, FeeBucket indexed bucket, address indexed to, uint256 amount);

    error ZeroAddress();
    error FeeTooHigh(uint16 bps, uint16 maxBps);
    error InvalidShare(uint16 bps);
    error InsufficientBucket(FeeBucket bucket, uint256 requested, uint256 available);

    /// @notice The fee a fill of `notional` payment-token units owes.
    function quote(address asset, RequestKind kind, uint256 notional) external view returns (uint256);

    /// @notice Pulls the fee for `notional` from the caller (the Minter) and books it; returns the fee.
    function collect(address token, address asset, RequestKind kind, uint256 notional) external returns (uint256);

    /// @notice Sets the mint and burn fee of `asset` (governance only, each at most MAX_FEE_BPS).
    function setFees(address asset, uint16 mintBps, uint16 burnBps) external;

    /// @notice Sets the share of every future fee booked to the insurance reserve (governance only).
    function setInsuranceShare(uint16 insuranceShareBps) external;

    /// @notice Pays `amount` of `token` out of `bucket` to `to` (governance only).
    function withdraw(address token, FeeBucket bucket, address to, uint256 amount) external;

    /// @notice The fees of `asset`.
    function fees(address asset) external view returns (uint16 mintBps, uint16 burnBps);

    /// @notice What `token` balance each bucket holds.
    function buckets(address token) external view returns (uint256 treasury, uint256 insurance);
}
