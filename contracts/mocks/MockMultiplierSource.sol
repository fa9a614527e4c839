// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MultiplierState, ShareMultiplier} from "../token/ShareMultiplier.sol";

/// @notice Test double of a RAT equity's multiplier state, for plain-ERC-20 collateral markets in tests and the
/// collateral benchmark: the oracle reads `multiplierState()` exactly as it reads a RealAssetToken's.
contract MockMultiplierSource {
    MultiplierState private _state;
    uint32 private _version;
    uint256 private _priorSplitAt;
    uint8 private immutable DECIMALS;

    constructor(uint8 decimals_) {
        DECIMALS = decimals_;
    }

    /// @notice Decimals the oracle reads for the collateral (a plain ERC-20 stands in for the RAT).
    function decimals() external view returns (uint8) {
        return DECIMALS;
    }

    /// @notice Schedules a split `numerator`-for-`denominator` at `splitAt` (anchor kept).
    function scheduleSplit(uint40 splitAt, uint32 numerator, uint32 denominator) external {
        _priorSplitAt = lastSplitActivatedAt();
        _state.splitAt = splitAt;
        _state.numerator = numerator;
        _state.denominator = denominator;
        _version++;
    }

    /// @notice Replaces the whole state.
    function setState(MultiplierState calldata state) external {
        _state = state;
        _version++;
    }

    function multiplierState() external view returns (MultiplierState memory state, uint32 version) {
        return (_state, _version);
    }

    /// @notice When the last split took effect, as the token answers: kept while another one is scheduled.
    function lastSplitActivatedAt() public view returns (uint256 at) {
        at = ShareMultiplier.lastSplitAt(_state, block.timestamp);
        if (at == 0 && _state.numerator != 0) at = _priorSplitAt;
    }
}

/// @notice Test double of the reserve records: a Chainlink-shaped latest round per asset with a settable as-of.
contract MockReserveRoundSource {
    mapping(address asset => uint256 asOf) public asOf;

    function setAsOf(address asset, uint256 time) external {
        asOf[asset] = time;
    }

    function latestRoundData(address asset) external view returns (uint80, int256, uint256, uint256, uint80) {
        return (1, 1e18, asOf[asset], asOf[asset], 1);
    }
}
