// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IComplianceRegistry} from "../../contracts/interfaces/IComplianceRegistry.sol";
import {RatFixture, N_COINS} from "./helpers/RatFixture.sol";

/// @title Administrative inputs and reads found unspecified by the mutation sample (seed 2026-12-03).
contract AdminInputs is RatFixture {
    function setUp() public {
        _deploySystem();
    }

    /// A jurisdiction block names an ISO 3166-1 alpha-2 code: a lower-case or user-assigned code ("XX") is refused
    /// with InvalidJurisdiction, a real one ("BR") is accepted.
    function test_blockingAJurisdictionRefusesACodeThatIsNotACountry() public {
        address asset = address(sys.assets[0]);
        bytes2[] memory codes = new bytes2[](1);
        codes[0] = "br";
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.InvalidJurisdiction.selector, bytes2("br")));
        vm.prank(sys.operator);
        sys.registry.setJurisdictionsBlocked(asset, codes, true);
        codes[0] = "XX";
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.InvalidJurisdiction.selector, bytes2("XX")));
        vm.prank(sys.operator);
        sys.registry.setJurisdictionsBlocked(asset, codes, true);
        codes[0] = "BR";
        vm.prank(sys.operator);
        sys.registry.setJurisdictionsBlocked(asset, codes, true);
    }

    /// The FeeVault's list of booked payment tokens is readable on-chain (the fee reports walk it): it holds each
    /// payment token the Minter listed, once.
    function test_theFeeVaultTracksEveryListedPaymentTokenOnce() public view {
        address[] memory tokens = sys.vault.trackedTokens();
        assertEq(tokens.length, N_COINS, "one entry per listed payment token");
        for (uint256 c; c < N_COINS; ++c) {
            uint256 seen;
            for (uint256 i; i < tokens.length; ++i) {
                if (tokens[i] == address(sys.coins[c])) ++seen;
            }
            assertEq(seen, 1, "listed coin tracked once");
        }
    }
}
