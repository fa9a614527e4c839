// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RequestKind} from "./IMinter.sol";

/// @notice The two pots every booked fee is split into.
enum FeeBucket {
    TREASURY,
    INSURANCE
}

/// @title IFeeVault: per-asset mint/burn fees in basis points, received in the payment token and split between
/// the treasury and an insurance reserve. Invariant per token, once booked: balance == booked - withdrawn.
/// @dev The Minter transfers each fee straight here (no call into the vault on a fill) and checks it against the
/// copy of the rates the vault pushes to it on every change. Arrivals are booked, split at the insurance share in
/// force, by `book` (anyone), and always before a withdrawal or a change of the share.
interface IFeeVault {
    event FeesUpdated(address indexed asset, uint16 mintBps, uint16 burnBps);
    event InsuranceShareUpdated(uint16 insuranceShareBps);
    event MinterSet(address indexed minter);
    event TokenTracked(address indexed token);
    /// @notice Fees that arrived since the last booking were split into the buckets. Each fee is also in the
    /// Minter's MintFulfilled / BurnFulfilled event (`fees`, with its asset, payment token and notional).
    event FeesBooked(address indexed token, uint256 amount, uint256 toTreasury, uint256 toInsurance);
    /// @notice Governance set the annual management fee of `asset` (it accrues through the token's multiplier).
    event ManagementFeeSet(address indexed asset, uint16 bps);
    /// @notice The fee accrued over [since, until] was folded into the token's multiplier: holders' shares per
    /// token went from `multiplierBefore` to `multiplierAfter` (a split in between included) and `feeShares` shares
    /// are now the custodian's to sell for the fee. The token's MultiplierCheckpointed events carry every fold.
    event ManagementFeeAccrued(
        address indexed asset,
        uint40 since,
        uint40 until,
        uint256 multiplierBefore,
        uint256 multiplierAfter,
        uint256 feeShares
    );
    /// @notice The custodian sold `shares` of accrued fee for `proceeds` of `token`, deposited here and booked.
    event ManagementFeeCollected(
        address indexed asset, address indexed token, uint256 shares, uint256 proceeds, bytes32 custodyRef
    );
    event FeeWithdrawn(address indexed token, FeeBucket indexed bucket, address indexed to, uint256 amount);

    error ZeroAddress();
    error FeeTooHigh(uint16 bps, uint16 maxBps);
    error InvalidShare(uint16 bps);
    error InsufficientBucket(FeeBucket bucket, uint256 requested, uint256 available);
    error MinterAlreadySet(address minter);
    error MinterNotSet();
    error OnlyMinter(address caller);
    error AssetNotListed(address asset);
    error TokenNotTracked(address token);
    error ZeroAmount();

    /// @notice The fee a fill of `notional` payment-token units owes.
    function quote(address asset, RequestKind kind, uint256 notional) external view returns (uint256);

    /// @notice Books every `token` unit that arrived since the last booking, split treasury/insurance.
    function book(address token) external returns (uint256 amount);

    /// @notice Adds a payment token to the list booked before every change of the insurance share (Minter only).
    function trackToken(address token) external;

    /// @notice Names the Minter the vault pushes fee rates to and accepts token registrations from (once).
    function setMinter(address minter) external;

    /// @notice Sets the mint and burn fee of `asset` (governance only, each at most MAX_FEE_BPS) and pushes them to
    /// the Minter.
    function setFees(address asset, uint16 mintBps, uint16 burnBps) external;

    /// @notice Sets the annual management fee of a listed equity (governance only), accrued through its multiplier.
    function setManagementFee(address asset, uint16 bps) external;

    /// @notice Folds the accrued management fee into the token's multiplier and reports the shares it took.
    function accrueManagementFee(address asset) external returns (uint256 feeShares);

    /// @notice Records the custodian's sale of accrued fee shares and deposits the proceeds.
    function recordManagementFeeSale(address asset, address token, uint256 shares, uint256 proceeds, bytes32 custodyRef)
        external;

    /// @notice Sets the share of every future fee booked to the insurance reserve (governance only).
    function setInsuranceShare(uint16 insuranceShareBps) external;

    /// @notice Pays `amount` of `token` out of `bucket` to `to` (governance only).
    function withdraw(address token, FeeBucket bucket, address to, uint256 amount) external;

    /// @notice The fees of `asset`.
    function fees(address asset) external view returns (uint16 mintBps, uint16 burnBps);

    /// @notice What `token` balance each bucket holds, arrivals not yet booked included at the current share.
    function buckets(address token) external view returns (uint256 treasury, uint256 insurance);
}
