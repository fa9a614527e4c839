// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IReserveRecords} from "../interfaces/IReserveRegistry.sol";

/// @title ReserveRecords
/// @notice The latest proof-of-reserve round of each asset, one packed slot per asset, in a plain contract: the
/// Minter's secure-mint guard reads it on every mint without entering the ReserveRegistry's proxy.
/// @dev Created by the ReserveRegistry in its initializer and written only by it, in the same transaction that
/// accepts a round, so it always equals the registry's latest round. Not upgradeable: its layout is the contract;
/// the rules (signatures, ordering) live in the registry. Same pattern as ComplianceRecords (ADR 0003).
contract ReserveRecords is IReserveRecords {
    /// @notice The registry proxy that created this store and is its only writer.
    address public immutable REGISTRY;

    struct Latest {
        uint80 roundId;
        uint128 shares;
        uint48 asOf; // <= block.timestamp when written, so 48 bits never truncate
    }

    mapping(address asset => Latest) private _latest;

    constructor() {
        REGISTRY = msg.sender;
    }

    /// @notice Records the latest accepted round of `asset`.
    /// @param asset The equity token.
    /// @param roundId The round's id.
    /// @param shares Token units in custody.
    /// @param asOf When the statement was true (not in the future: the registry checked it).
    function writeLatest(address asset, uint80 roundId, uint128 shares, uint64 asOf) external {
        if (msg.sender != REGISTRY) revert OnlyRegistry(msg.sender);
        _latest[asset] = Latest(roundId, shares, uint48(asOf));
    }

    /// @notice Chainlink-shaped latest round: answer = shares (18 decimals), startedAt = updatedAt = asOf. All zero
    /// before the first round, which every staleness check treats as stale.
    function latestRoundData(address asset)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Latest memory l = _latest[asset];
        return (l.roundId, int256(uint256(l.shares)), l.asOf, l.asOf, l.roundId);
    }
}
