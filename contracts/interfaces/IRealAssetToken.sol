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
    /// @notice A split (numerator > denominator) or reverse split was scheduled; it applies by itself at
    /// `activatesAt`. `version` is the new compare-and-swap version.
    event SplitScheduled(
        uint32 indexed version, uint32 numerator, uint32 denominator, uint40 activatesAt, bytes32 indexed actionRef
    );
    event SplitCancelled(uint32 indexed version, bytes32 indexed actionRef);
    /// @notice The annual management fee changed; `multiplier` is the multiplier at the change.
    event ManagementFeeUpdated(uint16 bps, uint256 multiplier);
    /// @notice The fee accrued since `since` (and a split that took effect) was folded into the anchor.
    event MultiplierCheckpointed(uint256 multiplier, uint256 feeShares, uint40 since);

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
    error InvalidSplitRatio(uint32 numerator, uint32 denominator);
    error InvalidActivationTime(uint40 activatesAt, uint256 earliest);
    error MultiplierVersionMismatch(uint32 expected, uint32 actual);
    error SplitAlreadyScheduled(uint40 activatesAt);
    error NoSplitScheduled();
    error MultiplierOutOfRange(uint256 multiplier);
    error ManagementFeeTooHigh(uint16 bps, uint16 maxBps);
    error MultiplierHistoryUnavailable(uint256 timestamp, uint256 earliest);

    function mint(address to, uint256 amount) external;
    function burn(uint256 amount) external;
    function holderCount() external view returns (uint256);
    function isin() external view returns (string memory);
    function paused() external view returns (bool);
    function multiplier() external view returns (uint256);
    function toShares(uint256 tokens) external view returns (uint256);
    function toTokens(uint256 shares) external view returns (uint256);
    function supplyAfterMint(uint256 tokens)
        external
        view
        returns (uint256 supplyAfter, uint256 sharesAfter, uint256 splitActivatedAt);
    function lastSplitActivatedAt() external view returns (uint256);
    function checkpoint()
        external
        returns (uint256 multiplierBefore, uint256 multiplierAfter, uint256 feeShares, uint40 since);
    function setManagementFee(uint16 bps) external;
}
