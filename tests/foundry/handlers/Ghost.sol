// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title What the handlers observed, kept apart from the contracts under test. Violation counters only ever
/// increase when a handler saw the system do something an invariant forbids; the invariants assert they are zero.
/// @dev Not a fuzz target: only the handlers write it.
contract Ghost {
    bytes32[] public requestIds;
    mapping(bytes32 requestId => uint256) public closes; // successful fulfil + cancel + reject
    mapping(address token => uint256) public feesIn;
    mapping(address token => uint256) public feesOut;
    mapping(address proxyOrBeacon => address) public expectedImplementation;

    uint256 public fulfilmentsOverReserves;
    uint256 public fillsWithoutQuorum;
    uint256 public ineligibleGains;
    uint256 public pausedMoves;
    uint256 public unauthorisedUpgrades;

    /// Coverage counters, printed by the suite so a run that never reached the interesting states is visible.
    mapping(bytes32 action => uint256) public successes;

    function addRequest(bytes32 id) external {
        requestIds.push(id);
    }

    function requestCount() external view returns (uint256) {
        return requestIds.length;
    }

    function closed(bytes32 id) external {
        ++closes[id];
    }

    function feeIn(address token, uint256 amount) external {
        feesIn[token] += amount;
    }

    function feeOut(address token, uint256 amount) external {
        feesOut[token] += amount;
    }

    function expectImplementation(address proxy, address implementation) external {
        expectedImplementation[proxy] = implementation;
    }

    function overReserves() external {
        ++fulfilmentsOverReserves;
    }

    function withoutQuorum() external {
        ++fillsWithoutQuorum;
    }

    function ineligibleGain() external {
        ++ineligibleGains;
    }

    function pausedMove() external {
        ++pausedMoves;
    }

    function unauthorisedUpgrade() external {
        ++unauthorisedUpgrades;
    }

    function succeeded(bytes32 action) external {
        ++successes[action];
    }
}
