// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IReserveRegistry, IReserveRecords, RoundReport, StoredRound} from "../interfaces/IReserveRegistry.sol";
import {ReserveRecords} from "./ReserveRecords.sol";

/// @title ReserveRegistry
/// @notice Proof of reserve for every RAT equity: each round states the shares the custodian holds for the SPV at
/// a point in time, commits to the per-holder statement with a Merkle root and to the published document with its
/// hash, and is signed by that asset's custodian key. A publisher submits rounds; neither can act alone.
/// @dev Rounds are strictly sequential and their as-of times strictly increase, so `latestRoundData` can never go
/// back to an older, larger balance. Consumers read rounds through Chainlink-shaped getters (see ReserveFeed); the
/// latest round of each asset is also written to a plain ReserveRecords store so the Minter reads it without
/// entering this proxy.
contract ReserveRegistry is
    IReserveRegistry,
    Initializable,
    AccessControlUpgradeable,
    EIP712Upgradeable,
    UUPSUpgradeable
{
    /// @notice May submit custodian-signed rounds.
    bytes32 public constant PUBLISHER_ROLE = keccak256("PUBLISHER_ROLE");
    /// @notice May set which key signs an asset's rounds.
    bytes32 public constant CUSTODIAN_MANAGER_ROLE = keccak256("CUSTODIAN_MANAGER_ROLE");
    /// @notice May upgrade the registry implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    bytes32 public constant ROUND_TYPEHASH = keccak256(
        "Round(address asset,uint80 roundId,uint256 shares,uint64 asOf,bytes32 merkleRoot,string statementURI,"
        "bytes32 statementHash)"
    );

    string private constant EIP712_NAME = "RAT ReserveRegistry";
    string private constant EIP712_VERSION = "1";

    /// @custom:storage-location erc7201:rat.storage.ReserveRegistry
    struct ReserveStorage {
        mapping(address asset => address) custodians;
        mapping(address asset => uint80) latest;
        mapping(address asset => mapping(uint80 roundId => StoredRound)) rounds;
        IReserveRecords records; // each asset's latest round, for hot-path readers
    }

    // keccak256(abi.encode(uint256(keccak256("rat.storage.ReserveRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x52fbebe7b07ae5a0536cdac7a0433b36fc7128a09ee1f186f3b3e9a94cb3f400;

    function _s() private pure returns (ReserveStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets up the registry behind its proxy.
    /// @param admin Receives DEFAULT_ADMIN_ROLE and UPGRADER_ROLE.
    function initialize(address admin) external initializer {
        if (admin == address(0)) revert ZeroAddress();
        __AccessControl_init();
        __EIP712_init(EIP712_NAME, EIP712_VERSION);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(UPGRADER_ROLE, admin);
        _s().records = new ReserveRecords();
    }

    /// @notice Stores a round the asset's custodian signed.
    /// @param report The round; `roundId` must follow the latest and `asOf` must be newer and not in the future.
    /// @param custodianSignature EIP-712 signature of the custodian key (ECDSA, or ERC-1271 for a custodian Safe).
    function publishRound(RoundReport calldata report, bytes calldata custodianSignature)
        external
        onlyRole(PUBLISHER_ROLE)
    {
        ReserveStorage storage $ = _s();
        address asset = report.asset;
        address custodian = $.custodians[asset];
        if (custodian == address(0)) revert CustodianNotSet(asset);
        uint80 previousId = $.latest[asset];
        if (report.roundId != previousId + 1) revert RoundOutOfOrder(report.roundId, previousId + 1);
        uint64 previousAsOf = $.rounds[asset][previousId].asOf;
        if (report.asOf <= previousAsOf) revert AsOfNotIncreasing(report.asOf, previousAsOf);
        if (report.asOf > block.timestamp) revert AsOfInFuture(report.asOf);
        if (report.shares > type(uint128).max) revert SharesTooLarge(report.shares);
        if (bytes(report.statementURI).length == 0 || report.statementHash == bytes32(0)) revert EmptyStatement();
        if (!SignatureChecker.isValidSignatureNow(custodian, _roundDigest(report), custodianSignature)) {
            revert InvalidCustodianSignature(asset, custodian);
        }

        $.latest[asset] = report.roundId;
        $.rounds[asset][report.roundId] = StoredRound({
            shares: uint128(report.shares),
            asOf: report.asOf,
            publishedAt: uint64(block.timestamp),
            merkleRoot: report.merkleRoot,
            statementHash: report.statementHash
        });
        $.records.writeLatest(asset, report.roundId, uint128(report.shares), report.asOf);
        _emitRound(report, custodian);
    }

    /// @notice Sets the key whose signature rounds of `asset` need; rotating it does not touch past rounds.
    /// @param asset The equity token.
    /// @param custodian The custodian's signing key or ERC-1271 wallet.
    function setCustodian(address asset, address custodian) external onlyRole(CUSTODIAN_MANAGER_ROLE) {
        if (asset == address(0) || custodian == address(0)) revert ZeroAddress();
        _s().custodians[asset] = custodian;
        emit CustodianUpdated(asset, custodian);
    }

    /// @notice The custodian signer of `asset`.
    function custodianOf(address asset) external view returns (address) {
        return _s().custodians[asset];
    }

    /// @notice The EIP-712 digest the custodian signs for `report`.
    function roundDigest(RoundReport calldata report) external view returns (bytes32) {
        return _roundDigest(report);
    }

    /// @notice A stored round (all zero when it does not exist).
    function round(address asset, uint80 roundId) external view returns (StoredRound memory) {
        return _s().rounds[asset][roundId];
    }

    /// @notice The plain store holding each asset's latest round, written with every accepted round.
    function records() external view returns (IReserveRecords) {
        return _s().records;
    }

    /// @notice Id of the latest round of `asset`, 0 before the first.
    function latestRoundId(address asset) external view returns (uint80) {
        return _s().latest[asset];
    }

    /// @notice Chainlink-shaped latest round: answer = shares in custody (18 decimals), updatedAt = as-of time.
    /// Before the first round everything is zero, which every staleness check treats as stale.
    function latestRoundData(address asset)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        ReserveStorage storage $ = _s();
        roundId = $.latest[asset];
        StoredRound storage r = $.rounds[asset][roundId];
        return (roundId, int256(uint256(r.shares)), r.asOf, r.asOf, roundId);
    }

    /// @notice Chainlink-shaped past round; reverts `NoRound` for a round that was never published.
    function getRoundData(address asset, uint80 roundId)
        external
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        ReserveStorage storage $ = _s();
        if (roundId == 0 || roundId > $.latest[asset]) revert NoRound(asset, roundId);
        StoredRound storage r = $.rounds[asset][roundId];
        return (roundId, int256(uint256(r.shares)), r.asOf, r.asOf, roundId);
    }

    /// @notice The EIP-712 domain separator (recomputed from the current chain id).
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function _emitRound(RoundReport calldata report, address custodian) private {
        emit RoundPublished(
            report.asset,
            report.roundId,
            report.shares,
            report.asOf,
            report.merkleRoot,
            report.statementURI,
            report.statementHash,
            custodian
        );
    }

    function _roundDigest(RoundReport calldata report) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    ROUND_TYPEHASH,
                    report.asset,
                    report.roundId,
                    report.shares,
                    report.asOf,
                    report.merkleRoot,
                    keccak256(bytes(report.statementURI)),
                    report.statementHash
                )
            )
        );
    }

    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
