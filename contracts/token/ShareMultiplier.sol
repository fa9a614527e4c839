// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Shares of the underlying equity represented by one token (1e18 fixed point), as one storage slot.
/// @dev `anchor` is the multiplier at `anchorTime`; the management fee accrues linearly from there; a scheduled
/// split (`numerator`/`denominator`) takes effect by itself at `splitAt`. Once folded, the split's ratio is cleared
/// and `splitAt` stays as the time it took effect, which the Minter's reserve guard reads (ADR 0084). Nothing is
/// ever written for time to pass, so reading the multiplier costs the same however long ago the last change was.
struct MultiplierState {
    uint96 anchor; // zero means SCALE (a token that never had a corporate action)
    uint40 anchorTime;
    uint16 feeBps; // annual management fee, basis points
    uint40 splitAt; // the scheduled split's time (numerator != 0), else when the last split took effect (0: never)
    uint32 numerator; // shares after the split per `denominator` shares before; zero when none is scheduled
    uint32 denominator;
}

/// @title ShareMultiplier
/// @notice The share-per-token multiplier of a RAT equity: splits and reverse splits scale it, the management fee
/// shrinks it continuously. Token balances never change; shares = tokens * multiplier / 1e18.
/// @dev Rounding is in the holders' favour: the fee is rounded down and split results up, so no holder's shares are
/// ever under-stated by the multiplier. Conversions of balances to shares round down (never show what is not
/// there); the reserve guard rounds supply up (never under-counts what must be backed).
library ShareMultiplier {
    /// @notice One share per token.
    uint256 internal constant SCALE = 1e18;
    uint256 internal constant BPS = 10_000;
    /// @notice The fee is an annual simple rate, accrued per second over a 365-day year.
    uint256 internal constant YEAR = 365 days;

    /// @notice The multiplier at `timestamp` (not before the anchor): the pending split applies from `splitAt`.
    function at(MultiplierState memory s, uint256 timestamp) internal pure returns (uint256) {
        uint256 m = s.anchor == 0 ? SCALE : s.anchor;
        uint256 from = s.anchorTime;
        if (s.numerator != 0 && timestamp >= s.splitAt) {
            m = _accrue(m, s.feeBps, from, s.splitAt);
            m = _split(m, s.numerator, s.denominator);
            from = s.splitAt;
        }
        return _accrue(m, s.feeBps, from, timestamp);
    }

    /// @notice The multiplier at `timestamp` as if no fee had accrued since the anchor (the split still applies).
    function withoutFee(MultiplierState memory s, uint256 timestamp) internal pure returns (uint256) {
        uint256 m = s.anchor == 0 ? SCALE : s.anchor;
        if (s.numerator != 0 && timestamp >= s.splitAt) m = _split(m, s.numerator, s.denominator);
        return m;
    }

    /// @notice When the last split took effect by `timestamp` (0 if none): a scheduled one once its time has come,
    /// else the folded one's time kept in `splitAt`.
    function lastSplitAt(MultiplierState memory s, uint256 timestamp) internal pure returns (uint256) {
        if (s.numerator != 0 && timestamp < s.splitAt) return 0; // pending: the token keeps the earlier one's time
        return s.splitAt;
    }

    /// @notice `s` re-anchored at `timestamp`: the accrued fee and a split that took effect are folded in.
    /// Updates `s` in place (memory) and returns it.
    function fold(MultiplierState memory s, uint256 timestamp) internal pure returns (MultiplierState memory) {
        uint256 m = at(s, timestamp);
        s.anchor = uint96(m); // bounded at scheduling: a split never takes the multiplier past MAX_MULTIPLIER
        s.anchorTime = uint40(timestamp);
        if (s.numerator != 0 && timestamp >= s.splitAt) {
            s.numerator = 0; // splitAt stays: when the last split took effect
            s.denominator = 0;
        }
        return s;
    }

    function _accrue(uint256 m, uint256 feeBps, uint256 from, uint256 to) private pure returns (uint256) {
        if (feeBps == 0 || to <= from) return m;
        uint256 fee = m * feeBps * (to - from) / (BPS * YEAR);
        return fee >= m ? 0 : m - fee;
    }

    function _split(uint256 m, uint256 numerator, uint256 denominator) private pure returns (uint256) {
        return (m * numerator + denominator - 1) / denominator;
    }
}
