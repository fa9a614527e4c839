// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title LeakyBucket
/// @notice A rolling 24 h limit in one storage slot: usage drains linearly at `capacity` per day, and a new use is
/// accepted only if it fits in what has drained. Unlike a fixed daily window there is no reset instant to game,
/// and unlike an exact sliding log it costs one slot per account or asset.
library LeakyBucket {
    uint256 internal constant WINDOW = 1 days;

    struct Bucket {
        uint96 used;
        uint40 updatedAt;
    }

    /// @notice Room left in the bucket now.
    function available(Bucket storage b, uint256 capacity) internal view returns (uint256) {
        uint256 used = _drained(b, capacity);
        return used >= capacity ? 0 : capacity - used;
    }

    /// @notice Adds `amount` if it fits within `capacity`; otherwise leaves the bucket untouched.
    /// @return ok Whether it fitted.
    /// @return room What was available before the attempt.
    function tryConsume(Bucket storage b, uint256 amount, uint256 capacity)
        internal
        returns (bool ok, uint256 room)
    {
        uint256 used = _drained(b, capacity);
        room = used >= capacity ? 0 : capacity - used;
        if (amount > room) return (false, room);
        // used + amount <= capacity, and capacities are bounded to uint96 by their setters.
        b.used = uint96(used + amount);
        b.updatedAt = uint40(block.timestamp);
        return (true, room);
    }

    function _drained(Bucket storage b, uint256 capacity) private view returns (uint256) {
        uint256 used = b.used;
        if (used == 0) return 0;
        uint256 leaked = capacity * (block.timestamp - b.updatedAt) / WINDOW;
        return leaked >= used ? 0 : used - leaked;
    }
}
