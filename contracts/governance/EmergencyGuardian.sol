// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {AssetStatus} from "../interfaces/IMinter.sol";
import {IEquityAdmin, IMinterAdmin, IRegistryAdmin} from "./ProtocolAdminInterfaces.sol";

/// @title EmergencyGuardian
/// @notice What the guardian (a multisig in production) may do without waiting for governance: pause an asset,
/// halt its mint/burn flow in the Minter, freeze addresses, suspend a trading venue of an asset. Nothing else: it
/// cannot upgrade, mint, move funds, change fees, restart a halted asset, lift a freeze or resume a venue. It may
/// lift only its own emergency pause, and never a pause that governance imposed for a legal reason.
/// @dev Holds PAUSER/UNPAUSER on each token, ASSET_MANAGER on the Minter, SANCTIONS_OFFICER and VENUE_GUARDIAN on the
/// registry,
/// and exposes only the functions below. Governance (the timelock) is its admin and the only LEGAL_HOLD_ROLE.
contract EmergencyGuardian is AccessControl {
    /// @notice May pause, halt and freeze (the guardian multisig).
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice May pause an asset under a legal hold and lift it (the timelock).
    bytes32 public constant LEGAL_HOLD_ROLE = keccak256("LEGAL_HOLD_ROLE");

    /// @notice The Minter whose asset status the guardian may set to HALTED.
    IMinterAdmin public immutable MINTER;
    /// @notice The ComplianceRegistry in which the guardian may freeze addresses.
    IRegistryAdmin public immutable COMPLIANCE;

    /// @notice Per asset: whether the current pause is the guardian's own, and the legal hold reference if any.
    mapping(address asset => bool) public pausedByGuardian;
    mapping(address asset => bytes32) public legalHold;

    event EmergencyPause(address indexed asset, address indexed guardian, bytes32 indexed reasonRef);
    event EmergencyUnpause(address indexed asset, address indexed guardian);
    event EmergencyHalt(address indexed asset, address indexed guardian, bytes32 indexed reasonRef);
    event EmergencyFreeze(address indexed guardian, bytes32 indexed reasonRef, uint256 accounts);
    event EmergencyVenueSuspension(
        address indexed asset, address indexed venue, address indexed guardian, bytes32 reasonRef
    );
    event LegalHoldImposed(address indexed asset, bytes32 indexed legalRef);
    event LegalHoldLifted(address indexed asset, bytes32 indexed legalRef);

    error ZeroAddress();
    error MissingReference();
    error NotPausedByGuardian(address asset);
    error UnderLegalHold(address asset, bytes32 legalRef);
    error NoLegalHold(address asset);

    /// @param governance The timelock: admin and LEGAL_HOLD_ROLE.
    /// @param guardian The guardian multisig: GUARDIAN_ROLE.
    /// @param minter The Minter proxy.
    /// @param compliance The ComplianceRegistry proxy.
    constructor(address governance, address guardian, address minter, address compliance) {
        if (governance == address(0) || guardian == address(0) || minter == address(0) || compliance == address(0)) {
            revert ZeroAddress();
        }
        MINTER = IMinterAdmin(minter);
        COMPLIANCE = IRegistryAdmin(compliance);
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        _grantRole(LEGAL_HOLD_ROLE, governance);
        _grantRole(GUARDIAN_ROLE, guardian);
    }

    // ---------------------------------------------------------------- guardian

    /// @notice Stops every movement of `asset` (transfers, mints, burns, forced transfers).
    /// @param asset The equity token.
    /// @param reasonRef Hash of the incident report; must not be zero.
    function pauseAsset(address asset, bytes32 reasonRef) external onlyRole(GUARDIAN_ROLE) {
        if (reasonRef == bytes32(0)) revert MissingReference();
        IEquityAdmin token = IEquityAdmin(asset);
        // A pause already in force (a legal hold) stays governance's: the guardian does not adopt it.
        if (!token.paused()) pausedByGuardian[asset] = true;
        emit EmergencyPause(asset, _msgSender(), reasonRef);
        token.pause();
    }

    /// @notice Lifts a pause the guardian itself imposed, unless governance has put the asset under legal hold.
    /// @param asset The equity token.
    function unpauseAsset(address asset) external onlyRole(GUARDIAN_ROLE) {
        bytes32 hold = legalHold[asset];
        if (hold != bytes32(0)) revert UnderLegalHold(asset, hold);
        if (!pausedByGuardian[asset]) revert NotPausedByGuardian(asset);
        pausedByGuardian[asset] = false;
        emit EmergencyUnpause(asset, _msgSender());
        IEquityAdmin(asset).unpause();
    }

    /// @notice Sets `asset` to HALTED in the Minter: no new requests and no fills; escrow stays refundable.
    /// Only governance can reactivate it.
    /// @param asset A listed equity.
    /// @param reasonRef Hash of the incident report; must not be zero.
    function haltAsset(address asset, bytes32 reasonRef) external onlyRole(GUARDIAN_ROLE) {
        if (reasonRef == bytes32(0)) revert MissingReference();
        emit EmergencyHalt(asset, _msgSender(), reasonRef);
        MINTER.setAssetStatus(asset, AssetStatus.HALTED);
    }

    /// @notice Freezes addresses on every RAT asset. Only the registry's sanctions officers or governance unfreeze.
    /// @param accounts The wallets.
    /// @param reasonRef Hash of the sanctions entry or incident report; must not be zero.
    function freeze(address[] calldata accounts, bytes32 reasonRef) external onlyRole(GUARDIAN_ROLE) {
        if (reasonRef == bytes32(0)) revert MissingReference();
        emit EmergencyFreeze(_msgSender(), reasonRef, accounts.length);
        COMPLIANCE.freeze(accounts, reasonRef);
    }

    /// @notice Suspends a trading venue of `asset` (ADR 0101): movements into and out of it stop for that asset
    /// until governance resumes it. A venue cannot be frozen; this is the guardian's brake for it.
    /// @param asset The equity token.
    /// @param venue An ACTIVE venue of `asset` in the ComplianceRegistry.
    /// @param reasonRef Hash of the incident report; must not be zero.
    function suspendVenue(address asset, address venue, bytes32 reasonRef) external onlyRole(GUARDIAN_ROLE) {
        if (reasonRef == bytes32(0)) revert MissingReference();
        emit EmergencyVenueSuspension(asset, venue, _msgSender(), reasonRef);
        COMPLIANCE.suspendVenue(asset, venue, reasonRef);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Pauses `asset` for a legal reason; the guardian cannot lift it.
    /// @param asset The equity token.
    /// @param legalRef Hash of the court order or regulatory decision; must not be zero.
    function imposeLegalHold(address asset, bytes32 legalRef) external onlyRole(LEGAL_HOLD_ROLE) {
        if (legalRef == bytes32(0)) revert MissingReference();
        legalHold[asset] = legalRef;
        pausedByGuardian[asset] = false;
        emit LegalHoldImposed(asset, legalRef);
        IEquityAdmin token = IEquityAdmin(asset);
        if (!token.paused()) token.pause();
    }

    /// @notice Lifts a legal hold and resumes movements of `asset`.
    /// @param asset The equity token.
    function liftLegalHold(address asset) external onlyRole(LEGAL_HOLD_ROLE) {
        bytes32 hold = legalHold[asset];
        if (hold == bytes32(0)) revert NoLegalHold(asset);
        delete legalHold[asset];
        emit LegalHoldLifted(asset, hold);
        IEquityAdmin(asset).unpause();
    }
}
