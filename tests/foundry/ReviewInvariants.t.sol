// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {MockV3Aggregator} from "../../contracts/mocks/MockV3Aggregator.sol";
import {RatFixture, N_ASSETS, N_INVESTORS} from "./helpers/RatFixture.sol";
import {ReviewHandler} from "./handlers/ReviewHandler.sol";

/// @title The properties behind the outside review's findings (issue 17, ADR 0084), under random sequences of
/// burns and mints escrowed, freezes and unfreezes, lapsing KYC, splits, reverse splits, management fees and time,
/// with every asset's price band set at 50 bps around a feed that follows the market through splits.
contract ReviewInvariants is RatFixture {
    uint16 internal constant BAND_BPS = 50;
    ReviewHandler internal handler;

    function setUp() public {
        _deploySystem();
        MockV3Aggregator[N_ASSETS] memory feeds;
        for (uint256 a; a < N_ASSETS; ++a) {
            RealAssetToken t = sys.assets[a];
            vm.startPrank(sys.timelock);
            t.grantRole(t.MINTER_ROLE(), sys.timelock);
            for (uint256 i; i < N_INVESTORS; ++i) {
                try t.mint(sys.holders[i], 25 * SHARE) {} catch {}
            }
            t.revokeRole(t.MINTER_ROLE(), sys.timelock);
            feeds[a] = new MockV3Aggregator(8, 100e8); // $100 per share
            sys.minter.setPriceFeed(address(t), address(feeds[a]), RESERVE_HEARTBEAT, BAND_BPS);
            vm.stopPrank();
        }
        handler = new ReviewHandler(sys, feeds);
        targetContract(address(handler));
    }

    /// F1: no fill and no refund ever moves value to a frozen investor.
    function invariant_noPayoutToAFrozenAccount() public view {
        assertEq(handler.paidWhileFrozen(), 0, "a frozen investor was paid or refunded");
    }

    /// F2/F3: after its deadline an unfrozen investor's escrow always comes back whole, KYC lapsed or holder cap
    /// reached meanwhile.
    function invariant_escrowAlwaysReturnable() public view {
        assertEq(handler.escrowStuck(), 0, "an unfrozen investor's expired escrow could not be returned");
    }

    /// F4: a fill at the market price per token (feed price per share x multiplier) is never refused by the band,
    /// across splits, reverse splits and management-fee accrual.
    function invariant_marketFillsAcceptedAcrossSplitsAndFees() public view {
        assertEq(handler.marketFillRefused(), 0, "a fill at the market price was refused by the band");
    }
}
