// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISO 6166 ISIN validation.
/// @notice Two-letter country prefix, nine alphanumerics, one Luhn check digit computed over the digits obtained
/// by replacing each letter with its value (A = 10 … Z = 35).
library Isin {
    uint256 private constant LENGTH = 12;
    uint8 private constant LETTER_OFFSET = 55; // 'A' (65) maps to 10
    uint8 private constant MAX_DIGITS = 22; // 11 characters, each at most two digits

    function isValid(string memory value) internal pure returns (bool) {
        bytes memory s = bytes(value);
        if (s.length != LENGTH) return false;
        if (!_isUpper(s[0]) || !_isUpper(s[1]) || !_isDigit(s[LENGTH - 1])) return false;

        uint8[MAX_DIGITS] memory digits;
        uint256 n;
        for (uint256 i; i < LENGTH - 1; ++i) {
            bytes1 c = s[i];
            if (_isDigit(c)) {
                digits[n++] = uint8(c) - uint8(bytes1("0"));
            } else if (_isUpper(c)) {
                uint8 v = uint8(c) - LETTER_OFFSET;
                digits[n++] = v / 10;
                digits[n++] = v % 10;
            } else {
                return false;
            }
        }
        // Luhn: double every second digit counting from the rightmost digit of the body.
        uint256 sum;
        bool double_ = true;
        for (uint256 i = n; i > 0; --i) {
            uint256 d = digits[i - 1];
            if (double_) {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
            double_ = !double_;
        }
        uint256 check = (10 - (sum % 10)) % 10;
        return check == uint8(s[LENGTH - 1]) - uint8(bytes1("0"));
    }

    function _isUpper(bytes1 c) private pure returns (bool) {
        return c >= "A" && c <= "Z";
    }

    function _isDigit(bytes1 c) private pure returns (bool) {
        return c >= "0" && c <= "9";
    }
}
