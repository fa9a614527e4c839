// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Storage-layout fixture for tests/governance/test_storage_layout.py (compiled by that test only, not by Ape).
contract LayoutV2StateInserted {
    struct Inner {
        uint16 x;
        uint16 y;
    }

    /// @custom:storage-location erc7201:rat.storage.LayoutFixture
    struct FixtureStorage {
        uint256 supply;
        address owner;
        mapping(address account => Inner) records;
    }

    uint256 public inserted;
    uint256 public legacy;
    bool public flag;
}
