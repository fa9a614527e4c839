// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Cheats} from "./RatTest.sol";

/// @title The bookkeeping of a handler that predicts every action from an independent model: per value path, how
/// often it succeeded and how often an outcome or an amount differed from the model's; per boundary second, how often
/// the clock landed on it (so a run that never reached a path or a boundary shows in the logs).
/// @dev The invariant side reads it through `assertEveryPathFollowsTheModel`.
abstract contract PathModel is Cheats {
    bytes32 public constant RULE_OUTCOME = "outcome"; // succeeded exactly when the model says it may
    bytes32 public constant RULE_AMOUNTS = "amounts"; // moved exactly the model's amounts, to the model's accounts

    bytes32[] public pathNames;
    mapping(bytes32 path => bool) private _knownPath;
    mapping(bytes32 path => uint256) public pathSuccesses;
    mapping(bytes32 path => mapping(bytes32 rule => uint256)) public violations;
    mapping(bytes32 boundary => uint256) public boundaryHits;

    function pathCount() external view returns (uint256) {
        return pathNames.length;
    }

    /// Lists `name` among the paths the invariants check (once, in first-seen order).
    function _path(bytes32 name) internal {
        if (_knownPath[name]) return;
        _knownPath[name] = true;
        pathNames.push(name);
    }

    function _check(bytes32 path, bool holds, bytes32 rule) internal {
        if (!holds) violations[path][rule]++;
    }
}

/// Reverts naming the first path whose outcome or amounts ever differed from the handler's model.
function assertEveryPathFollowsTheModel(PathModel handler) view {
    uint256 n = handler.pathCount();
    for (uint256 i; i < n; ++i) {
        bytes32 path = handler.pathNames(i);
        string memory name = string(abi.encodePacked(path));
        if (handler.violations(path, handler.RULE_OUTCOME()) != 0) revert(string.concat("outcome differs: ", name));
        if (handler.violations(path, handler.RULE_AMOUNTS()) != 0) revert(string.concat("amounts differ: ", name));
    }
}
