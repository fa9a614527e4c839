// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISO 3166-1 alpha-2 code checks.
/// @notice Accepts two upper-case ASCII letters and rejects the user-assigned ranges (AA, QM–QZ, XA–XZ, ZZ),
/// which no real jurisdiction uses and which would silently dodge per-asset jurisdiction blocks.
library Jurisdiction {
    bytes1 private constant LETTER_A = "A";
    bytes1 private constant LETTER_M = "M";
    bytes1 private constant LETTER_Q = "Q";
    bytes1 private constant LETTER_X = "X";
    bytes1 private constant LETTER_Z = "Z";

    function isValid(bytes2 code) internal pure returns (bool) {
        bytes1 first = code[0];
        bytes1 second = code[1];
        if (first < LETTER_A || first > LETTER_Z || second < LETTER_A || second > LETTER_Z) return false;
        if (first == LETTER_A && second == LETTER_A) return false;
        if (first == LETTER_Q && second >= LETTER_M) return false;
        if (first == LETTER_X) return false;
        if (first == LETTER_Z && second == LETTER_Z) return false;
        return true;
    }
}
