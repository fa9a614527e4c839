// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Request, TierLimits, AttestorRole, AssetStatus} from "../interfaces/IMinter.sol";

/// @title MinterState
/// @notice The Minter's ERC-7201 storage, shared by the Minter (the hot path: requests and fills) and its
/// configuration module `MinterConfig` (the cold path, entered by delegatecall), so both read and write the same
/// slots through one definition (ADR 0084).
/// @dev Append-only: `tests/governance/test_storage_layout.py` checks the namespace against the deployed layout.
abstract contract MinterState {
    uint8 internal constant FLAG_RESERVE_FROM_REGISTRY = 1;
    uint8 internal constant FLAG_PRICE_BAND = 2;
    /// @dev With a band set: a stale or invalid price feed lets fills through (fail-open, event
    /// PriceBandNotChecked) instead of refusing them (fail-closed, the default). ADR 0084.
    uint8 internal constant FLAG_PRICE_BAND_FAIL_OPEN = 4;

    struct AssetConfig {
        // slot 0: everything a request or fill reads
        address reserveSource; // an AggregatorV3Interface feed, or RESERVES read directly
        uint32 reserveHeartbeat;
        uint16 id;
        AssetStatus status;
        uint8 tokenDecimals;
        uint8 reserveDecimals; // the feed's decimals, cached when it is set
        uint8 flags; // FLAG_RESERVE_FROM_REGISTRY | FLAG_PRICE_BAND | FLAG_PRICE_BAND_FAIL_OPEN
        uint8 mintFeeBps; // copy of the FeeVault's rate (<= 100), pushed by the vault
        uint8 burnFeeBps;
        // slot 1: read by mint fills
        uint128 mintCap;
        uint96 mintRatePerDay;
        // slot 2: written by mint fills; the band parameters ride along
        uint96 mintedUsed; // leaky bucket of minted token units
        uint40 mintedUpdatedAt;
        uint32 priceHeartbeat;
        uint16 priceBandBps;
        // slot 3: read only when a band is set
        address priceFeed;
    }

    struct PaymentToken {
        uint8 id;
        uint8 decimals;
        bool allowed;
    }

    /// @dev One slot: the rolling daily notional (18 decimals) and the request nonce.
    struct AccountState {
        uint96 dailyUsed;
        uint40 dailyUpdatedAt;
        uint64 nonce;
    }

    /// @custom:storage-location erc7201:rat.storage.Minter
    struct MinterStorage {
        mapping(bytes32 requestId => Request) requests;
        mapping(address asset => AssetConfig) assets;
        mapping(uint16 assetId => address) assetById;
        mapping(address token => PaymentToken) paymentTokens;
        mapping(uint8 paymentTokenId => address) paymentTokenById;
        mapping(address attestor => AttestorRole) attestors;
        mapping(uint8 tier => TierLimits) tierLimits;
        mapping(address account => AccountState) accounts;
        address settlement;
        uint16 assetCount;
        uint8 paymentTokenCount;
        uint8 quorum;
    }

    // keccak256(abi.encode(uint256(keccak256("rat.storage.Minter")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x4937961c97ba388821230c2a8a6fa3757a926170a09d8e3b910bb75f7bb98700;

    function _s() internal pure returns (MinterStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
