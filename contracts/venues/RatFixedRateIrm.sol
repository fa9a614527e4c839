// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMorphoIrm, MorphoMarketParams, MorphoMarket} from "./interfaces/IMorphoBlue.sol";

/// @title RatFixedRateIrm
/// @notice A fixed borrow rate per second for RAT-collateral Morpho Blue markets on local chains and test networks.
/// Morpho's AdaptiveCurveIrm is not published on npm (docs/decisions/0102); production markets use Morpho's
/// canonical AdaptiveCurveIrm deployment instead.
/// @dev Immutable: Morpho Blue markets cannot change their IRM, so neither can this model change its rate.
contract RatFixedRateIrm is IMorphoIrm {
    /// @notice The highest rate accepted: 100% a year, per second, in WAD (Morpho's own cap is far above).
    uint256 public constant MAX_RATE_PER_SECOND = 1e18 / uint256(365 days);

    /// @notice The Morpho Blue instance the model serves (informational; any caller gets the same rate).
    address public immutable MORPHO;
    /// @notice The borrow rate per second, WAD.
    uint256 public immutable RATE_PER_SECOND;

    error RateTooHigh(uint256 ratePerSecond, uint256 maxRatePerSecond);
    error ZeroAddress();

    /// @param morpho The Morpho Blue instance.
    /// @param ratePerSecond The fixed borrow rate per second, WAD (e.g. 5%/year = 0.05e18 / 365 days).
    constructor(address morpho, uint256 ratePerSecond) {
        if (morpho == address(0)) revert ZeroAddress();
        if (ratePerSecond > MAX_RATE_PER_SECOND) revert RateTooHigh(ratePerSecond, MAX_RATE_PER_SECOND);
        MORPHO = morpho;
        RATE_PER_SECOND = ratePerSecond;
    }

    /// @inheritdoc IMorphoIrm
    function borrowRate(MorphoMarketParams memory, MorphoMarket memory) external view returns (uint256) {
        return RATE_PER_SECOND;
    }

    /// @inheritdoc IMorphoIrm
    function borrowRateView(MorphoMarketParams memory, MorphoMarket memory) external view returns (uint256) {
        return RATE_PER_SECOND;
    }
}
