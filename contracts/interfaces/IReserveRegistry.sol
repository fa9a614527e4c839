// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A custodian's statement of the shares of one equity held for the SPV (EIP-712 type `Round`).
struct RoundReport {
    address asset; // the equity token
    uint80 roundId; // must be exactly the previous round id + 1 (first round is 1)
    uint256 shares; // token units, 1e18 = one share, held in custody at `asOf`
    uint64 asOf; // unix time the statement is true at; strictly increasing, never in the future
    bytes32 merkleRoot; // root of the per-holder statement tree (OpenZeppelin StandardMerkleTree)
    string statementURI; // where the full statement is published
    bytes32 statementHash; // keccak256 of the statement document
}

/// @notice A round as stored and served to consumers.
struct StoredRound {
    uint128 shares;
    uint64 asOf;
    uint64 publishedAt;
    bytes32 merkleRoot;
    bytes32 statementHash;
}

/// @title IReserveRegistry: custodian-signed, publisher-submitted, monotonic proof-of-reserve rounds per asset.
interface IReserveRegistry {
    /// @notice A round was accepted. Carries everything an indexer needs, including the URI (not stored).
    event RoundPublished(
        address indexed asset,
        uint80 indexed roundId,
        uint256 shares,
        uint64 asOf,
        bytes32 merkleRoot,
        string statementURI,
        bytes32 statementHash,
        address custodian
    );
    event CustodianUpdated(address indexed asset, address indexed custodian);

    error ZeroAddress();
    error CustodianNotSet(address asset);
    error InvalidCustodianSignature(address asset, address custodian);
    error RoundOutOfOrder(uint80 roundId, uint80 expected);
    error AsOfNotIncreasing(uint64 asOf, uint64 previous);
    error AsOfInFuture(uint64 asOf);
    error SharesTooLarge(uint256 shares);
    error EmptyStatement();
    error NoRound(address asset, uint80 roundId);

    /// @notice Stores a custodian-signed round; only the publisher role.
    function publishRound(RoundReport calldata report, bytes calldata custodianSignature) external;

    /// @notice Sets the key whose signature a round of `asset` needs.
    function setCustodian(address asset, address custodian) external;

    /// @notice The custodian signer of `asset`.
    function custodianOf(address asset) external view returns (address);

    /// @notice The EIP-712 digest the custodian signs for `report`.
    function roundDigest(RoundReport calldata report) external view returns (bytes32);

    /// @notice A stored round.
    function round(address asset, uint80 roundId) external view returns (StoredRound memory);

    /// @notice The plain store holding each asset's latest round (read directly by the Minter).
    function records() external view returns (IReserveRecords);

    /// @notice Id of the latest round of `asset` (0 before the first).
    function latestRoundId(address asset) external view returns (uint80);

    /// @notice Chainlink AggregatorV3Interface-shaped latest round of `asset`: answer = shares (18 decimals),
    /// startedAt = updatedAt = asOf (staleness runs from when the statement was true, not when it was posted).
    function latestRoundData(address asset)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice Same as `latestRoundData` for a past round; reverts `NoRound` when it does not exist.
    function getRoundData(address asset, uint80 roundId)
        external
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

/// @title IReserveRecords: the latest round of every asset in one packed slot, in a plain (non-proxy) store the
/// ReserveRegistry creates and alone writes, so a consumer on a hot path (the Minter's secure-mint guard) reads it
/// with one call and one slot.
interface IReserveRecords {
    error OnlyRegistry(address caller);

    /// @notice The registry proxy that created the store and is its only writer.
    function REGISTRY() external view returns (address);

    /// @notice Records the latest accepted round of `asset` (registry only).
    function writeLatest(address asset, uint80 roundId, uint128 shares, uint64 asOf) external;

    /// @notice Chainlink-shaped latest round of `asset`, identical to `IReserveRegistry.latestRoundData(asset)`.
    function latestRoundData(address asset)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
