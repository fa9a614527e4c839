// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";

/// @dev The cheatcode handle for contracts that are not tests (the handlers).
abstract contract Cheats {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
}

/// @title The slice of forge-std the suites need: cheatcodes, invariant targeting and a few assertions.
/// @dev forge-std's `Test` pulls in console/safeconsole (~16k lines); analysed together with RAT's contracts that
/// exceeds what solc-js (the offline compiler, docs/decisions/0002) can hold in WebAssembly memory. Vm.sol and
/// StdInvariant.sol come from the forge-std copy vendored in the pinned chainlink contracts 1.2.0 npm package.
abstract contract RatTest is Cheats, StdInvariant {
    bool public IS_TEST = true;

    event log_named_uint(string key, uint256 val);

    function makeAddr(string memory name) internal returns (address who) {
        who = vm.addr(uint256(keccak256(bytes(name))));
        vm.label(who, name);
    }

    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertEq(address a, address b, string memory what) internal pure {
        if (a != b) revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertEq(bool a, bool b, string memory what) internal pure {
        if (a != b) revert(string.concat(what, ": ", a ? "true" : "false", " != ", b ? "true" : "false"));
    }

    function assertEq(bytes32 a, bytes32 b, string memory what) internal pure {
        if (a != b) revert(string.concat(what, ": ", vm.toString(a), " != ", vm.toString(b)));
    }

    function assertLe(uint256 a, uint256 b, string memory what) internal pure {
        if (a > b) revert(string.concat(what, ": ", vm.toString(a), " > ", vm.toString(b)));
    }
}
