// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TransferStatus} from "./IComplianceRegistry.sol";

/// @title What the Minter, the registry and integrators rely on in a RAT equity token.
interface IRealAssetToken is IERC20 {
    event ForcedTransfer(address indexed from, address indexed to, uint256 amount, bytes32 indexed legalRef);
    event ForcedBurn(address indexed from, uint256 amount, bytes32 indexed legalRef);
    event LegalTermsUpdated(string uri, bytes32 indexed contentHash);
    event Paused(address account);
    event Unpaused(address account);

    error TransferRestricted(TransferStatus status);
    error InvalidIsin(string isin);
    error InvalidMic(string mic);
    error InvalidLegalTerms();
    error EmptyField(string field);
    error ZeroAddress();
    error ForcedTransferToSelf(address account);
    error PermitExpired(uint256 deadline);
    error PermitInvalidSignature(address owner);
    error AccountFrozen(address account);

    function mint(address to, uint256 amount) external;
    function burn(uint256 amount) external;
    function holderCount() external view returns (uint256);
    function isin() external view returns (string memory);
    function paused() external view returns (bool);
}
