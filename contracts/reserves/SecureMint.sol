// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title SecureMint
/// @notice Chainlink "secure mint" guard: a mint may only take supply up to the reserves a fresh, complete,
/// non-negative proof-of-reserve round attests. Fixes three published weaknesses of the reference guard: feed
/// decimals are scaled in both directions (no underflow when the feed has more decimals than the token), a zero
/// heartbeat is treated as "always stale" instead of "never checked", and incomplete rounds are refused.
library SecureMint {
    error ReserveInvalid(int256 answer);
    error ReserveRoundIncomplete(uint80 roundId, uint80 answeredInRound);
    error ReserveStale(uint256 updatedAt, uint256 heartbeat);
    error ReserveFromFuture(uint256 updatedAt, uint256 blockTime);
    error OverReserves(uint256 supplyAfter, uint256 reserves);

    /// @notice The fields of an AggregatorV3Interface round the guard judges.
    struct Round {
        uint80 roundId;
        int256 answer;
        uint256 updatedAt;
        uint80 answeredInRound;
    }

    /// @notice Reverts unless `supplyAfter` (in `tokenDecimals`) is covered by the feed's latest round.
    function check(AggregatorV3Interface feed, uint256 heartbeat, uint8 tokenDecimals, uint256 supplyAfter)
        internal
        view
    {
        (uint80 roundId, int256 answer,, uint256 updatedAt, uint80 answeredInRound) = feed.latestRoundData();
        checkRound(Round(roundId, answer, updatedAt, answeredInRound), heartbeat, feed.decimals(), tokenDecimals,
            supplyAfter);
    }

    /// @notice The same guard over a round already read (by a caller that cached the feed's decimals, or that
    /// read the round from the ReserveRegistry directly).
    function checkRound(
        Round memory round,
        uint256 heartbeat,
        uint8 feedDecimals,
        uint8 tokenDecimals,
        uint256 supplyAfter
    ) internal view {
        if (round.answer < 0) revert ReserveInvalid(round.answer);
        if (round.answeredInRound < round.roundId) revert ReserveRoundIncomplete(round.roundId, round.answeredInRound);
        uint256 updatedAt = round.updatedAt;
        // A round dated in the future would never go stale (ADR 0084, F5).
        if (updatedAt > block.timestamp) revert ReserveFromFuture(updatedAt, block.timestamp);
        if (heartbeat == 0 || updatedAt == 0 || updatedAt + heartbeat < block.timestamp) {
            revert ReserveStale(updatedAt, heartbeat);
        }
        uint256 reserves = scale(uint256(round.answer), feedDecimals, tokenDecimals);
        if (supplyAfter > reserves) revert OverReserves(supplyAfter, reserves);
    }

    /// @notice Re-expresses `amount` from `fromDecimals` to `toDecimals`, rounding down when decimals shrink.
    function scale(uint256 amount, uint8 fromDecimals, uint8 toDecimals) internal pure returns (uint256) {
        if (fromDecimals == toDecimals) return amount;
        if (fromDecimals > toDecimals) return amount / 10 ** (fromDecimals - toDecimals);
        return amount * 10 ** (toDecimals - fromDecimals);
    }
}
