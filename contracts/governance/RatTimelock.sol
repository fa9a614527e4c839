// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title RatTimelock
/// @notice OpenZeppelin's TimelockController under RAT's name: the only holder of every admin, upgrade, fee and
/// listing power in the protocol. Operations are proposed by the RatGovernor only, wait `getMinDelay()` seconds
/// (per network: seconds on a local chain, two days on mainnet) and may then be executed by anyone.
contract RatTimelock is TimelockController {
    /// @param minDelay Seconds between queueing and execution.
    /// @param proposers Accounts allowed to schedule and cancel (the governor).
    /// @param executors Accounts allowed to execute; `address(0)` opens execution to anyone.
    /// @param admin Optional bootstrap admin (the deployer until `handover` renounces it); zero for none.
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
