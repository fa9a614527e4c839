// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Storage-layout fixture: the namespaced struct lost its annotation (its data would be orphaned).
contract LayoutV2NamespaceDropped {
    uint256 public legacy;
    bool public flag;
}
