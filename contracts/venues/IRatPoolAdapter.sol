// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title The adapter side of a compliant RAT pool's hook (RatPoolHook), as routers use it.
interface IRatPoolAdapter {
    /// @notice Moves `amount` RAT from `from` into the venue and mints as many adapter units to the PoolManager.
    function wrap(address from, uint256 amount) external;

    /// @notice Burns `amount` adapter units held by the adapter and pays as much RAT to `to`.
    function unwrap(address to, uint256 amount) external;
}
