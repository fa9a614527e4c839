// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title WrappedNativeMock
/// @notice WETH-like wrapped native coin for the local CCIP Router: `ccipSend` with `feeToken == address(0)` wraps
/// the caller's `msg.value` here and pays the OnRamp in it. Local chains only.
contract WrappedNativeMock is ERC20("Wrapped Ether", "WETH") {
    /// @notice Wraps `msg.value` for the caller.
    function deposit() external payable {
        _mint(msg.sender, msg.value);
    }
}
