// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title A Chainlink feed whose rounds tests write directly, including the malformed ones real feeds can return
/// (incomplete rounds, negative answers, stale timestamps) so the consumers' guards can be exercised.
contract MockV3Aggregator is AggregatorV3Interface {
    struct RoundData {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
        uint80 answeredInRound;
    }

    uint8 public immutable override decimals;
    uint80 public latestRound;
    mapping(uint80 => RoundData) private _rounds;

    constructor(uint8 decimals_, int256 initialAnswer) {
        decimals = decimals_;
        updateAnswer(initialAnswer);
    }

    /// @notice Publishes a complete round answered now.
    function updateAnswer(int256 answer) public {
        uint80 id = ++latestRound;
        _rounds[id] = RoundData(answer, block.timestamp, block.timestamp, id);
    }

    /// @notice Publishes an arbitrary round as the latest (for staleness and incomplete-round cases).
    function setRound(uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
        external
    {
        latestRound = roundId;
        _rounds[roundId] = RoundData(answer, startedAt, updatedAt, answeredInRound);
    }

    function description() external pure returns (string memory) {
        return "mock";
    }

    function version() external pure returns (uint256) {
        return 0;
    }

    function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
        RoundData memory r = _rounds[roundId];
        return (roundId, r.answer, r.startedAt, r.updatedAt, r.answeredInRound);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        RoundData memory r = _rounds[latestRound];
        return (latestRound, r.answer, r.startedAt, r.updatedAt, r.answeredInRound);
    }
}
