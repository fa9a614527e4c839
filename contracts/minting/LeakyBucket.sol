// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title LeakyBucket
/// @notice A rolling 24 h limit kept in two packed fields (usage and the time it was last written): usage drains
/// linearly at `capacity` per day, and a new use is accepted only if it fits in what has drained. Unlike a fixed
/// daily window there is no reset instant to game, and unlike an exact sliding log it costs part of one slot.
/// @dev Works on values rather than a storage struct so callers can pack the two fields beside other hot data
/// (an account's nonce, an asset's daily rate) and pay for one slot instead of two.
library LeakyBucket {
    uint256 internal constant WINDOW = 1 days;

    /// @notice Usage left after draining `used` (written at `updatedAt`) for the time since, at `capacity`/day.
    function drained(uint256 used, uint256 updatedAt, uint256 capacity) internal view returns (uint256) {
        if (used == 0) return 0;
        uint256 leaked = capacity * (block.timestamp - updatedAt) / WINDOW;
        return leaked >= used ? 0 : used - leaked;
    }

    /// @notice Room left under `capacity` for usage that has drained to `usedNow`.
    function room(uint256 usedNow, uint256 capacity) internal pure returns (uint256) {
        return usedNow >= capacity ? 0 : capacity - usedNow;
    }
}
