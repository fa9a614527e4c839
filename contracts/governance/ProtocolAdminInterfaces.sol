// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AssetStatus} from "../interfaces/IMinter.sol";
import {AssetTerms} from "../token/RealAssetToken.sol";

/// @notice The administrative entry points of the ComplianceRegistry that governance contracts call.
interface IRegistryAdmin {
    function registerAsset(address asset, uint8 minTier, uint32 maxHolders) external;
    function freeze(address[] calldata accounts, bytes32 reasonRef) external;
    function suspendVenue(address asset, address venue, bytes32 reasonRef) external;
}

/// @notice The administrative entry points of the Minter that governance contracts call.
interface IMinterAdmin {
    function listAsset(
        address asset,
        address reserveFeed,
        uint32 reserveHeartbeat,
        uint128 mintCap,
        uint128 mintRatePerDay
    ) external;
    function setAssetStatus(address asset, AssetStatus status) external;
}

/// @notice The administrative entry points of the ReserveRegistry that governance contracts call.
interface IReserveAdmin {
    function setCustodian(address asset, address custodian) external;
}

/// @notice The administrative entry points of the FeeVault that governance contracts call.
interface IFeeAdmin {
    function setFees(address asset, uint16 mintBps, uint16 burnBps) external;
}

/// @notice The administrative entry points of a RealAssetToken that governance contracts call.
interface IEquityAdmin {
    function initialize(AssetTerms calldata terms, address admin) external;
    function grantRole(bytes32 role, address account) external;
    function renounceRole(bytes32 role, address callerConfirmation) external;
    function pause() external;
    function unpause() external;
    function paused() external view returns (bool);
}
