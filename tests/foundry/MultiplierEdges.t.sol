// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {IRealAssetToken} from "../../contracts/interfaces/IRealAssetToken.sol";
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
}
