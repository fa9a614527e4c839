// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {IRealAssetToken} from "../../contracts/interfaces/IRealAssetToken.sol";
import {MultiplierState} from "../../contracts/token/ShareMultiplier.sol";
import {RatFixture} from "./helpers/RatFixture.sol";

/// @title Edges of the share multiplier the invariant fuzzer cannot reach in practice.
contract MultiplierEdges is RatFixture {
    // ERC-7201 slot of RealAssetToken's storage; the MultiplierState is its fifth slot.
    bytes32 private constant TOKEN_STORAGE = 0xa87fb425cbede5e6a084abbd1381545b3748a938d2ad499fe91c147e9815ef00;
    uint256 private constant MULTIPLIER_SLOT_OFFSET = 4;

    RealAssetToken private token;

    function setUp() public {
        _deploySystem();
        token = sys.assets[0];
    }

    /// A split whose exact result is a fraction above MAX_MULTIPLIER: rounded down it would fit, rounded up (as it
    /// applies) it would wrap the uint96 anchor to zero, which reads as one share per token.
    function test_aSplitRoundingUpPastTheMaximumIsRefused() public {
        uint256 anchor = ((2 ** 96 - 1) * 999 + 335) / 1000;
        vm.store(address(token), bytes32(uint256(TOKEN_STORAGE) + MULTIPLIER_SLOT_OFFSET), bytes32(anchor));
        assertEq(token.multiplier(), anchor, "anchor written");
        uint256 projected = (anchor * 1000 + 998) / 999;
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.MultiplierOutOfRange.selector, projected));
        vm.prank(sys.timelock);
        token.scheduleSplit(1000, 999, uint40(block.timestamp + 1 days), 0, keccak256("edge"));
    }

    /// Cancelling a split moves the compare-and-swap version forward, never back: a proposal prepared before the
    /// split was scheduled (version 0) is stale after the cancel and cannot schedule a split the issuer already
    /// withdrew.
    /// Seed `2026-12-04-s36-2` (`RealAssetToken-CR-1a0ff80131` survived Forge and pytest): a cancelled split leaves no
    /// ratio behind in `multiplierState` (what indexers and the venues' split window read): numerator and
    /// denominator both zero, the split time back to never, the multiplier unchanged.
    function test_cancellingASplitClearsItsRatioFromTheMultiplierState() public {
        uint256 multiplierBefore = token.multiplier();
        vm.startPrank(sys.timelock);
        token.scheduleSplit(3, 2, uint40(block.timestamp + 1 days), 0, keccak256("split"));
        token.cancelSplit(1, keccak256("withdrawn"));
        vm.stopPrank();
        (MultiplierState memory m,) = token.multiplierState();
        assertEq(m.numerator, 0, "no numerator");
        assertEq(m.denominator, 0, "no denominator");
        assertEq(m.splitAt, 0, "no split ever took effect");
        assertEq(token.multiplier(), multiplierBefore, "the multiplier is unchanged");
    }

    function test_cancellingASplitAdvancesTheVersionSoAnOlderProposalIsStale() public {
        vm.startPrank(sys.timelock);
        token.scheduleSplit(2, 1, uint40(block.timestamp + 1 days), 0, keccak256("split"));
        token.cancelSplit(1, keccak256("withdrawn"));
        (, uint32 version) = token.multiplierState();
        assertEq(version, 2, "schedule then cancel: two versions on");
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.MultiplierVersionMismatch.selector, uint32(0), uint32(2)));
        token.scheduleSplit(2, 1, uint40(block.timestamp + 1 days), 0, keccak256("split"));
        vm.stopPrank();
    }

    /// Wallets and the collateral oracle read holdings in shares: after a 3-for-2 split every share view converts at
    /// 1.5 shares per token, rounding down (never more shares, or tokens, than the other side backs).
    function test_afterAThreeForTwoSplitTheShareViewsConvertAtOneAndAHalfSharesPerTokenRoundingDown() public {
        address alice = sys.holders[0];
        vm.startPrank(sys.timelock);
        token.grantRole(token.MINTER_ROLE(), sys.timelock);
        token.mint(alice, 10 * SHARE + 1);
        token.scheduleSplit(3, 2, uint40(block.timestamp + 1 days), 0, keccak256("split"));
        vm.stopPrank();
        vm.warp(block.timestamp + 1 days);
        assertEq(token.multiplier(), 3 * SHARE / 2, "1.5 shares per token");
        assertEq(token.sharesOf(alice), 15 * SHARE + 1, "(10e18 + 1) x 1.5, rounded down");
        assertEq(token.totalShares(), 15 * SHARE + 1, "the only holder's shares");
        assertEq(token.toShares(3), 4, "3 tokens are 4.5 shares");
        assertEq(token.toTokens(4), 2, "4 shares are 2.67 tokens");
        assertEq(token.toTokens(3 * SHARE), 2 * SHARE, "whole shares convert exactly");
    }
}
