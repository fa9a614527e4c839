// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {Fill} from "../../contracts/interfaces/IMinter.sol";
import {SecureMint} from "../../contracts/reserves/SecureMint.sol";
import {IReserveRecords} from "../../contracts/interfaces/IReserveRegistry.sol";
import {TestStablecoin} from "../../contracts/mocks/TestStablecoin.sol";
import {MockV3Aggregator} from "../../contracts/mocks/MockV3Aggregator.sol";
import {RatFixture} from "./helpers/RatFixture.sol";

interface IReserveRecordsRead {
    function latestRoundData(address asset) external view returns (uint80, int256, uint256, uint256, uint80);
}

/// @title The reserve guard of an asset that reads the registry's records store directly (no ReserveFeed).
/// @notice Issue 24 (survivor `ReserveRecords-CR-fb7a1afa42`): the Minter reads `ReserveRecords.latestRoundData` for
/// assets listed with the registry as their reserve source, but the Forge suite filled only the asset behind a
/// ReserveFeed, so records that served no round at all went unnoticed (the handlers' fills are allowed to fail).
/// These tests fill an asset on the direct path, at the heartbeat's last second and the one after, and compare the
/// records store's round with the registry's.
contract ReserveSources is RatFixture {
    RealAssetToken private token; // sys.assets[1]: guard reads the ReserveRecords store, minimum tier 2
    TestStablecoin private usdc;
    address private bob; // investor2, tier 3
    uint256 private constant PRICE = 100e6;

    function setUp() public {
        _deploySystem();
        token = sys.assets[1];
        usdc = sys.coins[0];
        bob = sys.holders[2];
    }

    function test_theRecordsStoreServesExactlyTheRegistrysLatestRoundForEveryAsset() public {
        vm.warp(block.timestamp + 1 hours);
        IReserveRecordsRead store = IReserveRecordsRead(address(sys.reserves.records()));
        for (uint256 a; a < sys.assets.length; ++a) {
            address asset = address(sys.assets[a]);
            _publishRound(asset, (700 + a) * SHARE, uint64(block.timestamp - a));
            (uint80 r1, int256 s1, uint256 st1, uint256 u1, uint80 ar1) = store.latestRoundData(asset);
            (uint80 r2, int256 s2, uint256 st2, uint256 u2, uint80 ar2) = sys.reserves.latestRoundData(asset);
            assertEq(uint256(r1), 2, "round id");
            assertEq(uint256(s1), (700 + a) * SHARE, "shares");
            assertEq(u1, block.timestamp - a, "as-of");
            assertEq(st1, u1, "startedAt == as-of");
            assertEq(uint256(ar1), uint256(r1), "answeredInRound == roundId");
            assertEq(uint256(r1), uint256(r2), "round id == registry's");
            assertEq(uint256(s1), uint256(s2), "shares == registry's");
            assertEq(st1, st2, "startedAt == registry's");
            assertEq(u1, u2, "as-of == registry's");
            assertEq(uint256(ar1), uint256(ar2), "answeredInRound == registry's");
        }
    }

    function test_aFillOnAnAssetReadingTheRecordsDirectlyIsAcceptedExactlyOneHeartbeatAfterTheRound() public {
        bytes32 id = _request(1_000e6);
        (,,, uint256 updatedAt,) = sys.reserves.latestRoundData(address(token));
        vm.warp(updatedAt + RESERVE_HEARTBEAT);
        _fulfil(_fill(id, 5 * SHARE));
        assertEq(token.totalSupply(), 5 * SHARE, "minted against the records' round");
        assertEq(token.balanceOf(bob), 5 * SHARE, "to the requester");
    }

    function test_aFillOnAnAssetReadingTheRecordsDirectlyIsRefusedOneSecondPastTheHeartbeat() public {
        bytes32 id = _request(1_000e6);
        (,,, uint256 updatedAt,) = sys.reserves.latestRoundData(address(token));
        vm.warp(updatedAt + RESERVE_HEARTBEAT + 1);
        Fill memory fill = _fill(id, 5 * SHARE);
        bytes[] memory sigs = _attestFill(fill);
        vm.expectRevert(abi.encodeWithSelector(SecureMint.ReserveStale.selector, updatedAt, RESERVE_HEARTBEAT));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
    }

    function test_aFillOnAnAssetReadingTheRecordsDirectlyIsRefusedAboveItsReserves() public {
        vm.warp(block.timestamp + 1);
        _publishRound(address(token), 5 * SHARE, uint64(block.timestamp));
        bytes32 id = _request(1_000e6);
        _expectCoveredExactly(id, 5 * SHARE);
        assertEq(token.totalSupply(), 5 * SHARE, "supply == reserves is allowed");
    }

    /// Issue 24 (`ReserveRecords-SBR-626460545a`, survived Forge and pytest): the store packs shares in 128 bits and
    /// widens them to the Chainlink-shaped signed answer. Every round so far was far below 2^127 units, so a signed
    /// 128-bit cast, which turns the upper half of the accepted range negative, read the same. The registry accepts
    /// up to 2^128 - 1 units; the store must serve that round as the same positive number.
    function test_theLargestRoundTheRegistryAcceptsIsServedAsThePositiveAnswerItWas() public {
        vm.warp(block.timestamp + 1);
        uint256 largest = type(uint128).max;
        IReserveRecordsRead store = IReserveRecordsRead(address(sys.reserves.records()));
        _publishRound(address(token), largest, uint64(block.timestamp));
        (, int256 fromStore,,,) = store.latestRoundData(address(token));
        assertEq(uint256(fromStore), largest, "store's answer (a negative one would read as ~2^256 here)");
        vm.warp(block.timestamp + 1);
        _publishRound(address(token), uint256(1) << 127, uint64(block.timestamp));
        (, fromStore,,,) = store.latestRoundData(address(token));
        assertEq(uint256(fromStore), uint256(1) << 127, "2^127 units, the first a signed 128-bit cast turns negative");
    }

    /// Issue 24 (`ReserveRecords-MIA-878e36fdc9`, survived every Forge suite): the store the Minter's guard reads is
    /// written by the registry only, which checks the custodian's signature and the round order first; anyone else
    /// writing it could raise reserves at will.
    function test_onlyTheRegistryWritesTheRecordsStore() public {
        IReserveRecords store = sys.reserves.records();
        address outsider = makeAddr("outsider");
        vm.expectRevert(abi.encodeWithSelector(IReserveRecords.OnlyRegistry.selector, outsider));
        vm.prank(outsider);
        store.writeLatest(address(token), 99, uint128(1_000_000 * SHARE), uint64(block.timestamp));
        vm.expectRevert(abi.encodeWithSelector(IReserveRecords.OnlyRegistry.selector, sys.timelock));
        vm.prank(sys.timelock);
        store.writeLatest(address(token), 99, uint128(1_000_000 * SHARE), uint64(block.timestamp));
    }

    // ------------------------------------------------------------------ an external proof-of-reserve feed

    /// Issue 24 (survivor `SecureMint-MIA-4183f781e7`): the registry refuses a round dated ahead of the chain, so
    /// only an external AggregatorV3 feed can serve one, and no Forge test listed an asset behind such a feed. A round
    /// dated ahead would never go stale (ADR 0084, F5): refused from one second ahead, accepted when dated now.
    function test_aFillAgainstAnExternalFeedRoundDatedOneSecondAheadIsRefusedAndOneDatedNowIsNot() public {
        MockV3Aggregator feed = new MockV3Aggregator(18, int256(5 * SHARE));
        _useFeed(feed);
        bytes32 id = _request(1_000e6);
        feed.setRound(2, int256(5 * SHARE), block.timestamp + 1, block.timestamp + 1, 2);
        Fill memory fill = _fill(id, 5 * SHARE);
        bytes[] memory sigs = _attestFill(fill);
        vm.expectRevert(
            abi.encodeWithSelector(SecureMint.ReserveFromFuture.selector, block.timestamp + 1, block.timestamp)
        );
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
        feed.setRound(3, int256(5 * SHARE), block.timestamp, block.timestamp, 3);
        _fulfil(_fill(id, 5 * SHARE));
        assertEq(token.totalSupply(), 5 * SHARE, "minted against the feed's round dated now");
    }

    /// Issue 24 (`SecureMint-ROR-25b509e239`, killed only by pytest): a feed with fewer decimals than the token (a
    /// Chainlink proof-of-reserve feed with 8) is scaled up, so its reserves cover exactly as many shares.
    function test_aFillAgainstAnEightDecimalFeedIsCoveredByTheSameReservesScaledUp() public {
        MockV3Aggregator feed = new MockV3Aggregator(8, 5e8); // 5 shares
        _useFeed(feed);
        bytes32 id = _request(1_000e6);
        _expectCoveredExactly(id, 5 * SHARE);
        assertEq(token.totalSupply(), 5 * SHARE, "5e8 at 8 decimals covers 5 shares at 18");
    }

    /// Issue 24 (`SecureMint-CR-7da57ad3df`, killed only by pytest): a feed with more decimals than the token is
    /// scaled down (the reference guard underflowed here), rounding down: a dust remainder covers no share unit.
    function test_aFillAgainstATwentyDecimalFeedIsCoveredByTheSameReservesScaledDown() public {
        MockV3Aggregator feed = new MockV3Aggregator(20, int256(5e20 + 99)); // 5 shares and dust below a unit
        _useFeed(feed);
        bytes32 id = _request(1_000e6);
        _expectCoveredExactly(id, 5 * SHARE);
        assertEq(token.totalSupply(), 5 * SHARE, "5e20 at 20 decimals covers 5 shares at 18");
    }

    // ------------------------------------------------------------------ helpers

    /// The asset's reserve guard reads `feed` from now on (governance's `setReserveFeed`).
    function _useFeed(MockV3Aggregator feed) private {
        vm.prank(sys.timelock);
        sys.minter.setReserveFeed(address(token), address(feed), uint32(RESERVE_HEARTBEAT));
    }

    /// Reserves of `shares` refuse a fill of one unit more (OverReserves) and then accept a fill of exactly them.
    function _expectCoveredExactly(bytes32 id, uint256 shares) private {
        Fill memory over = _fill(id, shares + 1);
        bytes[] memory sigs = _attestFill(over);
        vm.expectRevert(abi.encodeWithSelector(SecureMint.OverReserves.selector, shares + 1, shares));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(over, sigs);
        _fulfil(_fill(id, shares));
    }

    function _request(uint256 amount) private returns (bytes32 id) {
        _fundPayment(usdc, bob, amount);
        vm.prank(bob);
        id = sys.minter.requestMint(address(token), address(usdc), amount, PRICE, block.timestamp + 7 days);
    }

    function _fill(bytes32 id, uint256 shares) private view returns (Fill memory) {
        return _mintFill(id, shares, PRICE, block.timestamp);
    }



}
