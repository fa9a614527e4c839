// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IReserveRegistry, RoundReport, StoredRound} from "../../contracts/interfaces/IReserveRegistry.sol";
import {RatFixture} from "./helpers/RatFixture.sol";
import {RatEip712} from "./helpers/RatEip712.sol";

/// @title Every rule of `ReserveRegistry.publishRound`, one test each, on both sides of its boundary.
/// @notice Issue 24 (sampled mutant `ReserveRegistry-MIA-8744706902`, the round-order check removed): the fixture and
/// the handlers publish only well-formed rounds, so a rule dropped from publishRound could live in Forge.
contract ReserveRounds is RatFixture {
    address private asset;

    function setUp() public {
        _deploySystem();
        asset = address(sys.assets[1]);
        vm.warp(block.timestamp + 1 days);
    }

    function _report(uint80 roundId, uint256 shares, uint64 asOf) private view returns (RoundReport memory) {
        return RoundReport({
            asset: asset,
            roundId: roundId,
            shares: shares,
            asOf: asOf,
            merkleRoot: keccak256(abi.encodePacked("lots", asOf)),
            statementURI: "ipfs://rat/reserves/statement.json",
            statementHash: keccak256(abi.encodePacked("statement", asOf))
        });
    }

    function _sign(RoundReport memory r, uint256 key) private view returns (bytes memory) {
        (uint8 v, bytes32 rs, bytes32 ss) = vm.sign(key, RatEip712.roundDigest(address(sys.reserves), r));
        return abi.encodePacked(rs, ss, v);
    }

    function _publish(RoundReport memory r) private {
        bytes memory sig = _sign(r, sys.custodianKey);
        vm.prank(sys.operator);
        sys.reserves.publishRound(r, sig);
    }

    function _expectPublishRevert(RoundReport memory r, bytes memory err) private {
        bytes memory sig = _sign(r, sys.custodianKey);
        vm.expectRevert(err);
        vm.prank(sys.operator);
        sys.reserves.publishRound(r, sig);
    }

    function test_onlyTheNextRoundIdIsAccepted() public {
        uint80 next = sys.reserves.latestRoundId(asset) + 1;
        _expectPublishRevert(_report(next + 1, SHARE, uint64(block.timestamp)),
            abi.encodeWithSelector(IReserveRegistry.RoundOutOfOrder.selector, next + 1, next));
        _expectPublishRevert(_report(next - 1, SHARE, uint64(block.timestamp)),
            abi.encodeWithSelector(IReserveRegistry.RoundOutOfOrder.selector, next - 1, next));
        _publish(_report(next, 7 * SHARE, uint64(block.timestamp)));
        assertEq(uint256(sys.reserves.latestRoundId(asset)), uint256(next), "latest round");
        StoredRound memory s = sys.reserves.round(asset, next);
        assertEq(uint256(s.shares), 7 * SHARE, "stored shares");
        assertEq(uint256(s.asOf), block.timestamp, "stored as-of");
        assertEq(uint256(s.publishedAt), block.timestamp, "stored publication time");
    }

    function test_aRoundAsOfTheSameSecondAsThePreviousIsRefusedAndOneSecondLaterAccepted() public {
        uint80 next = sys.reserves.latestRoundId(asset) + 1;
        uint64 previous = sys.reserves.round(asset, next - 1).asOf;
        _expectPublishRevert(_report(next, SHARE, previous),
            abi.encodeWithSelector(IReserveRegistry.AsOfNotIncreasing.selector, previous, previous));
        _publish(_report(next, SHARE, previous + 1));
        (,,, uint256 updatedAt,) = sys.reserves.latestRoundData(asset);
        assertEq(updatedAt, previous + 1, "accepted one second later");
    }

    function test_sharesUpToTheUint128MaximumAreAcceptedAndOneMoreIsNot() public {
        uint80 next = sys.reserves.latestRoundId(asset) + 1;
        _expectPublishRevert(_report(next, uint256(type(uint128).max) + 1, uint64(block.timestamp)),
            abi.encodeWithSelector(IReserveRegistry.SharesTooLarge.selector, uint256(type(uint128).max) + 1));
        _publish(_report(next, type(uint128).max, uint64(block.timestamp)));
        assertEq(uint256(sys.reserves.round(asset, next).shares), type(uint128).max, "maximum stored");
    }

    function test_aRoundNeedsAStatementUriAndHash() public {
        uint80 next = sys.reserves.latestRoundId(asset) + 1;
        RoundReport memory r = _report(next, SHARE, uint64(block.timestamp));
        r.statementURI = "";
        _expectPublishRevert(r, abi.encodeWithSelector(IReserveRegistry.EmptyStatement.selector));
        r = _report(next, SHARE, uint64(block.timestamp));
        r.statementHash = bytes32(0);
        _expectPublishRevert(r, abi.encodeWithSelector(IReserveRegistry.EmptyStatement.selector));
    }

    function test_aRoundSignedByAnyoneButTheCustodianIsRefused() public {
        uint80 next = sys.reserves.latestRoundId(asset) + 1;
        RoundReport memory r = _report(next, SHARE, uint64(block.timestamp));
        bytes memory sig = _sign(r, sys.attestorKeys[0]);
        vm.expectRevert(abi.encodeWithSelector(IReserveRegistry.InvalidCustodianSignature.selector, asset,
            vm.addr(sys.custodianKey)));
        vm.prank(sys.operator);
        sys.reserves.publishRound(r, sig);
    }

    function test_anAssetWithoutACustodianCannotPublish() public {
        address stranger = address(sys.coins[0]);
        RoundReport memory r = _report(1, SHARE, uint64(block.timestamp));
        r.asset = stranger;
        bytes memory sig = _sign(r, sys.custodianKey);
        vm.expectRevert(abi.encodeWithSelector(IReserveRegistry.CustodianNotSet.selector, stranger));
        vm.prank(sys.operator);
        sys.reserves.publishRound(r, sig);
    }

    function test_onlyThePublisherPublishes() public {
        RoundReport memory r = _report(sys.reserves.latestRoundId(asset) + 1, SHARE, uint64(block.timestamp));
        bytes memory sig = _sign(r, sys.custodianKey);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector,
            sys.settlement, sys.reserves.PUBLISHER_ROLE()));
        vm.prank(sys.settlement);
        sys.reserves.publishRound(r, sig);
    }
}
