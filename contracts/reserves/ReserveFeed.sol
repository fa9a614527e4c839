// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IReserveRegistry} from "../interfaces/IReserveRegistry.sol";

/// @title ReserveFeed
/// @notice One asset's proof-of-reserve rounds as a Chainlink AggregatorV3Interface, so any PoR consumer (the
/// Minter's secure-mint guard, Chainlink-aware dashboards, lending markets) can read them unchanged.
contract ReserveFeed is AggregatorV3Interface {
    /// @notice Answers are token units: 1e18 = one share.
    uint8 public constant DECIMALS = 18;
    uint256 public constant VERSION = 1;

    error ZeroAddress();

    /// @notice Where the rounds live.
    IReserveRegistry public immutable REGISTRY;
    /// @notice The equity whose reserves this feed reports.
    address public immutable ASSET;

    string private _description;

    /// @param registry The ReserveRegistry proxy.
    /// @param asset The equity token.
    /// @param description_ Human-readable name, e.g. "rAAPL / shares in custody".
    constructor(IReserveRegistry registry, address asset, string memory description_) {
        if (address(registry) == address(0) || asset == address(0)) revert ZeroAddress();
        REGISTRY = registry;
        ASSET = asset;
        _description = description_;
    }

    /// @notice 18: the answer is in token units.
    function decimals() external pure returns (uint8) {
        return DECIMALS;
    }

    /// @notice What the feed reports.
    function description() external view returns (string memory) {
        return _description;
    }

    /// @notice Interface version of this adapter.
    function version() external pure returns (uint256) {
        return VERSION;
    }

    /// @notice A past round of the asset's reserves.
    function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
        return REGISTRY.getRoundData(ASSET, roundId);
    }

    /// @notice The latest round of the asset's reserves.
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return REGISTRY.latestRoundData(ASSET);
    }
}
