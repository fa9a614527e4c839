// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../token/RealAssetToken.sol";
import {IComplianceRegistry} from "../interfaces/IComplianceRegistry.sol";

/// @title A second token implementation used by upgrade tests: same storage, one new function.
contract RealAssetTokenV2Mock is RealAssetToken {
    constructor(IComplianceRegistry registry) RealAssetToken(registry) {}

    /// @notice Distinguishes the upgraded implementation.
    function implementationVersion() external pure returns (uint256) {
        return 2;
    }
}
