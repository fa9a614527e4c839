// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title CcipLaneLimits
/// @notice The lanes of a CCIP burn/mint pool (IPoolV1) and their rate limits: for every remote chain, the remote pool
/// and remote token (abi-encoded EVM addresses) and one outbound and one inbound token bucket, with the checks a pool
/// applies on every `lockOrBurn` and `releaseOrMint` (lane supported, receiver, source pool, bucket). RatCcipPool and
/// the gas baseline PlainBurnMintCcipPool both use it, so bench/ccip.py compares pools that run the same lane and
/// bucket code per call. Written from the MIT `Pool` structs' semantics only: Chainlink's `RateLimiter` and
/// `TokenPool` are BUSL-1.1 and are not used (ADR 0106).
/// @dev A bucket holds at most `capacity` tokens and refills at `rate` tokens per second; a transfer takes its amount
/// from the bucket or reverts. A disabled bucket lets every amount pass and has capacity and rate zero. The lanes
/// live in an ERC-7201 namespace (`layout()`), apart from the embedding pool's own state; a pool keeps what else
/// it needs per lane (a destination policy, a suspension) in its own storage, keyed by the same selector.
library CcipLaneLimits {
    /// @notice ABI length of an EVM address (`abi.encode(address)`): a receiver, a remote pool, a remote token.
    uint256 internal constant EVM_ADDRESS_LENGTH = 32;

    /// @notice A token bucket's governance-set parameters. Disabled buckets must have capacity and rate zero.
    struct RateLimit {
        bool enabled;
        uint128 capacity; // most tokens that can pass at once
        uint128 rate; // tokens refilled per second
    }

    /// @notice A token bucket's state.
    struct Bucket {
        uint128 tokens; // tokens available at `updatedAt`
        uint40 updatedAt;
        bool enabled;
        uint128 capacity;
        uint128 rate;
    }

    /// @notice One lane (remote chain) of a pool.
    struct Lane {
        bool supported;
        bytes remotePool; // abi.encode(address) of the pool on the remote chain
        bytes remoteToken; // abi.encode(address) of the token on the remote chain
        Bucket outbound;
        Bucket inbound;
    }

    /// @notice Every lane of a pool.
    /// @custom:storage-location erc7201:rat.storage.CcipLaneLimits
    struct Lanes {
        mapping(uint64 remoteChainSelector => Lane) lanes;
        uint64[] selectors; // the supported lanes, in no particular order
    }

    // keccak256(abi.encode(uint256(keccak256("rat.storage.CcipLaneLimits")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x0968e56cede1e22c54bd732533c6cc88d713e1908a8f36c0b8757c794c11ae00;

    /// @notice No lane to `remoteChainSelector` is configured.
    error LaneNotSupported(uint64 remoteChainSelector);
    /// @notice A lane's selector is zero, or its remote pool or token is not an abi-encoded address.
    error InvalidLaneConfig(uint64 remoteChainSelector);
    /// @notice An enabled limit with capacity or rate zero or a rate above its capacity, or a disabled limit with
    /// a capacity or a rate.
    error InvalidRateLimit(RateLimit limit);
    /// @notice The receiver is not an abi-encoded, non-zero EVM address.
    error InvalidReceiver(bytes receiver);
    /// @notice A delivery names a source pool other than the lane's remote pool.
    error InvalidSourcePool(bytes sourcePool);
    /// @notice `amount` is above the bucket's capacity: it can never pass in one transfer.
    error AmountAboveCapacity(bool outbound, uint256 amount, uint256 capacity);
    /// @notice Not enough tokens in the bucket now; `waitSeconds` until there will be.
    error RateLimitReached(bool outbound, uint256 amount, uint256 available, uint256 waitSeconds);

    // ---------------------------------------------------------------- lanes

    /// @notice The lanes, at their ERC-7201 location.
    /// @return $ The namespaced storage.
    function layout() internal pure returns (Lanes storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    /// @notice The lane to `remoteChainSelector`; reverts `LaneNotSupported` when there is none.
    /// @param self The lanes.
    /// @param remoteChainSelector CCIP chain selector of the remote chain.
    /// @return lane The configured lane.
    function supported(Lanes storage self, uint64 remoteChainSelector) internal view returns (Lane storage lane) {
        lane = self.lanes[remoteChainSelector];
        if (!lane.supported) revert LaneNotSupported(remoteChainSelector);
    }

    /// @notice Adds or reconfigures the lane to `remoteChainSelector`. A new lane's buckets start full; a
    /// reconfigured bucket keeps what is available now, capped at its new capacity (a change never refills it).
    /// @param self The lanes.
    /// @param remoteChainSelector CCIP chain selector of the remote chain (non-zero).
    /// @param remotePool abi.encode(address) of the remote pool.
    /// @param remoteToken abi.encode(address) of the remote token.
    /// @param outbound The outbound bucket's parameters.
    /// @param inbound The inbound bucket's parameters.
    /// @return lane The lane as configured.
    function configure(
        Lanes storage self,
        uint64 remoteChainSelector,
        bytes calldata remotePool,
        bytes calldata remoteToken,
        RateLimit memory outbound,
        RateLimit memory inbound
    ) internal returns (Lane storage lane) {
        if (
            remoteChainSelector == 0 || remotePool.length != EVM_ADDRESS_LENGTH
                || remoteToken.length != EVM_ADDRESS_LENGTH
        ) revert InvalidLaneConfig(remoteChainSelector);
        validate(outbound);
        validate(inbound);
        lane = self.lanes[remoteChainSelector];
        if (!lane.supported) self.selectors.push(remoteChainSelector);
        lane.supported = true;
        lane.remotePool = remotePool;
        lane.remoteToken = remoteToken;
        lane.outbound = reconfigured(lane.outbound, outbound);
        lane.inbound = reconfigured(lane.inbound, inbound);
    }

    /// @notice Removes the lane to `remoteChainSelector` (its buckets too); reverts `LaneNotSupported` when there
    /// is none.
    /// @param self The lanes.
    /// @param remoteChainSelector A configured lane.
    function remove(Lanes storage self, uint64 remoteChainSelector) internal {
        supported(self, remoteChainSelector);
        delete self.lanes[remoteChainSelector];
        uint64[] storage selectors = self.selectors;
        uint256 last = selectors.length - 1;
        for (uint256 i; i <= last; ++i) {
            if (selectors[i] == remoteChainSelector) {
                selectors[i] = selectors[last];
                selectors.pop();
                break;
            }
        }
    }

    /// @notice Reverts `InvalidSourcePool` unless `sourcePool` is the lane's remote pool.
    /// @param lane A configured lane.
    /// @param sourcePool The source pool a delivery names (`sourcePoolAddress`).
    function checkSourcePool(Lane storage lane, bytes calldata sourcePool) internal view {
        if (keccak256(sourcePool) != keccak256(lane.remotePool)) revert InvalidSourcePool(sourcePool);
    }

    /// @notice The EVM address a transfer's receiver encodes; reverts `InvalidReceiver` unless it is exactly one
    /// ABI word holding a non-zero address.
    /// @param receiver `abi.encode(address)`.
    /// @return The address.
    function decodeReceiver(bytes calldata receiver) internal pure returns (address) {
        if (receiver.length != EVM_ADDRESS_LENGTH) revert InvalidReceiver(receiver);
        uint256 word = abi.decode(receiver, (uint256));
        if (word > type(uint160).max || word == 0) revert InvalidReceiver(receiver);
        return address(uint160(word));
    }

    // ---------------------------------------------------------------- buckets

    /// @notice Reverts `InvalidRateLimit` unless `limit` is enabled with 0 < rate <= capacity, or disabled with
    /// capacity and rate zero.
    /// @param limit A bucket's parameters.
    function validate(RateLimit memory limit) internal pure {
        if (limit.enabled ? (limit.capacity == 0 || limit.rate == 0 || limit.rate > limit.capacity)
                : (limit.capacity != 0 || limit.rate != 0)) revert InvalidRateLimit(limit);
    }

    /// @notice The bucket `current` becomes under `limit` now: what is available now capped at the new capacity
    /// (full at capacity when `current` was disabled).
    /// @param current The bucket's state.
    /// @param limit Its new parameters (valid).
    /// @return The new state.
    function reconfigured(Bucket storage current, RateLimit memory limit) internal view returns (Bucket memory) {
        uint256 tokens = limit.capacity;
        if (current.enabled) {
            uint256 available_ = available(current);
            if (available_ < tokens) tokens = available_;
        }
        return Bucket({
            tokens: uint128(tokens),
            updatedAt: uint40(block.timestamp),
            enabled: limit.enabled,
            capacity: limit.capacity,
            rate: limit.rate
        });
    }

    /// @notice Tokens in an enabled bucket now: what it held, refilled at its rate since, capped at its capacity.
    /// @param bucket The bucket.
    /// @return Tokens available now.
    function available(Bucket storage bucket) internal view returns (uint256) {
        uint256 refilled = uint256(bucket.tokens) + (block.timestamp - bucket.updatedAt) * uint256(bucket.rate);
        return refilled < bucket.capacity ? refilled : bucket.capacity;
    }

    /// @notice Takes `amount` from the bucket (nothing when it is disabled); reverts `AmountAboveCapacity` above its
    /// capacity and `RateLimitReached`, with the seconds to wait, when it holds less than `amount` now.
    /// @param bucket The lane's outbound or inbound bucket.
    /// @param amount Token units of the transfer.
    /// @param outbound True for the outbound bucket (reported in the errors).
    function consume(Bucket storage bucket, uint256 amount, bool outbound) internal {
        if (!bucket.enabled) return;
        if (amount > bucket.capacity) revert AmountAboveCapacity(outbound, amount, bucket.capacity);
        uint256 available_ = available(bucket);
        if (amount > available_) {
            revert RateLimitReached(
                outbound, amount, available_, (amount - available_ + bucket.rate - 1) / bucket.rate
            );
        }
        bucket.tokens = uint128(available_ - amount);
        bucket.updatedAt = uint40(block.timestamp);
    }

    /// @notice A bucket as a pool reports it.
    /// @param bucket The bucket.
    /// @return available_ Tokens available now (type(uint256).max when the bucket is disabled).
    /// @return capacity Its capacity.
    /// @return rate Its refill per second.
    function state(Bucket storage bucket)
        internal
        view
        returns (uint256 available_, uint256 capacity, uint256 rate)
    {
        if (!bucket.enabled) return (type(uint256).max, 0, 0);
        return (available(bucket), bucket.capacity, bucket.rate);
    }
}
