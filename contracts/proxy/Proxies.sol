// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UpgradeableBeacon} from "@openzeppelin/contracts/proxy/beacon/UpgradeableBeacon.sol";
import {BeaconProxy} from "@openzeppelin/contracts/proxy/beacon/BeaconProxy.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

/// @title The beacon every equity proxy follows; its owner (the timelock) upgrades all equities in one call.
contract EquityBeacon is UpgradeableBeacon {
    /// @param implementation First RealAssetToken implementation.
    /// @param upgrader Owner allowed to upgrade (the deployer until handover, then the timelock).
    constructor(address implementation, address upgrader) UpgradeableBeacon(implementation, upgrader) {}
}

/// @title One equity: a beacon proxy initialised atomically at deployment so no one can front-run `initialize`.
contract EquityProxy is BeaconProxy {
    /// @param beacon The EquityBeacon.
    /// @param initData Encoded `RealAssetToken.initialize` call.
    constructor(address beacon, bytes memory initData) payable BeaconProxy(beacon, initData) {}
}

/// @title UUPS proxy for singletons (ComplianceRegistry, Minter, ReserveRegistry, FeeVault).
contract SingletonProxy is ERC1967Proxy {
    /// @param implementation First implementation.
    /// @param initData Encoded initializer call.
    constructor(address implementation, bytes memory initData) payable ERC1967Proxy(implementation, initData) {}
}
