// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title CcipLocalRmn
/// @notice Local stand-in for CCIP's Risk Management Network proxy, which the Router asks before every `ccipSend`
/// (`isCursed()`); never cursed. Local chains only (ADR 0106: RMNRemote belongs to the full-stack step).
contract CcipLocalRmn {
    /// @notice Whether the network is cursed: never, locally.
    /// @return Always false.
    function isCursed() external pure returns (bool) {
        return false;
    }

    /// @notice Whether a subject is cursed: never, locally.
    /// @return Always false.
    function isCursed(bytes16) external pure returns (bool) {
        return false;
    }
}
