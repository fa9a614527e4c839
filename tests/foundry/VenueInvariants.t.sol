// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {IRealAssetToken} from "../../contracts/interfaces/IRealAssetToken.sol";
import {IComplianceRegistry, TransferStatus} from "../../contracts/interfaces/IComplianceRegistry.sol";
import {RatFixture, N_ASSETS, N_INVESTORS, N_HOLDERS} from "./helpers/RatFixture.sol";
import {VenueHandler} from "./handlers/VenueHandler.sol";

/// @title Venues (ADR 0101) under random trading and governance: the holder count counts investors only, the cap
/// holds whatever a venue pays out, supply is conserved, nothing moves through a venue that is not ACTIVE, and a
/// venue with an exit (ADR 0102) pays only that exit.
contract VenueInvariants is RatFixture {
    VenueHandler internal handler;
    address[2] internal venues;

    function setUp() public {
        _deploySystem();
        // Two contract accounts as venues, registered for every asset by the listing role (the timelock).
        venues[0] = makeAddr("venue-pool-manager");
        venues[1] = makeAddr("venue-position-manager");
        vm.etch(venues[0], hex"00");
        vm.etch(venues[1], hex"00");
        vm.startPrank(sys.timelock);
        sys.registry.grantRole(sys.registry.VENUE_LISTING_ROLE(), sys.timelock);
        for (uint256 a; a < N_ASSETS; ++a) {
            for (uint256 v; v < 2; ++v) {
                sys.registry.registerVenue(address(sys.assets[a]), venues[v], keccak256("list-venue"));
            }
        }
        // Investors hold 25 shares of every asset they may hold (the capped asset's cap of 3 is then reached).
        for (uint256 a; a < N_ASSETS; ++a) {
            RealAssetToken t = sys.assets[a];
            t.grantRole(t.MINTER_ROLE(), sys.timelock);
            for (uint256 i; i < N_INVESTORS; ++i) {
                try t.mint(sys.holders[i], 25 * SHARE) {} catch {}
            }
            t.revokeRole(t.MINTER_ROLE(), sys.timelock);
        }
        vm.stopPrank();
        handler = new VenueHandler(sys, venues, sys.timelock);
        targetContract(address(handler));
    }

    /// Issue 24 (`ComplianceRegistry-LOR-4d8c5deb2f`, killed only by pytest): a contract that ever had a KYC record
    /// is an investor, not a venue, even after revocation (revocation clears the tier and keeps the jurisdiction), so
    /// registering it is refused on either half of the record. A venue would let it hold without the investor rules.
    function test_aContractWithAKycRecordCannotBecomeAVenueEvenOnceRevoked() public {
        address wallet = makeAddr("investor-smart-wallet");
        vm.etch(wallet, hex"00");
        address asset = address(sys.assets[0]);
        vm.prank(sys.operator);
        sys.registry.setInvestor(wallet, 2, "BR", uint40(block.timestamp + 365 days), keccak256("applicant-w"));
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueHasKycRecord.selector, wallet));
        vm.prank(sys.timelock);
        sys.registry.registerVenue(asset, wallet, keccak256("list-venue"));

        vm.prank(sys.operator);
        sys.registry.revokeInvestor(wallet, keccak256("revoked"));
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueHasKycRecord.selector, wallet));
        vm.prank(sys.timelock);
        sys.registry.registerVenue(asset, wallet, keccak256("list-venue"));
    }

    /// Issue 24 (`ComplianceRules-MIA-4eabeb024e` survived Forge and pytest): the handlers may fail, so no invariant
    /// noticed a rule that refused every payment into a venue. An eligible investor pays into an ACTIVE venue, and
    /// the same payment into it once suspended is refused as RECIPIENT_VENUE_NOT_ACTIVE; the venue record is not
    /// judged as an investor's (it has no KYC).
    function test_anInvestorPaysIntoAnActiveVenueAndNotIntoASuspendedOne() public {
        RealAssetToken t = sys.assets[0];
        address investor = sys.holders[0];
        vm.prank(investor);
        t.transfer(venues[0], SHARE);
        assertEq(t.balanceOf(venues[0]), SHARE, "paid into the active venue");
        vm.prank(sys.timelock);
        sys.registry.suspendVenue(address(t), venues[0], keccak256("incident"));
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.TransferRestricted.selector,
            TransferStatus.RECIPIENT_VENUE_NOT_ACTIVE));
        vm.prank(investor);
        t.transfer(venues[0], SHARE);
    }

    /// Issue 24 (`ComplianceRecords-MIA-1750ff8e5c` survived Forge and pytest): the other direction. An ACTIVE venue
    /// pays an investor; suspended, it cannot (SENDER_VENUE_NOT_ACTIVE).
    function test_anActiveVenuePaysAnInvestorAndASuspendedOneCannot() public {
        RealAssetToken t = sys.assets[0];
        address investor = sys.holders[0];
        vm.prank(investor);
        t.transfer(venues[1], 2 * SHARE);
        uint256 before = t.balanceOf(investor);
        vm.prank(venues[1]);
        t.transfer(investor, SHARE);
        assertEq(t.balanceOf(investor), before + SHARE, "paid out by the active venue");
        vm.prank(sys.timelock);
        sys.registry.suspendVenue(address(t), venues[1], keccak256("incident"));
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.TransferRestricted.selector,
            TransferStatus.SENDER_VENUE_NOT_ACTIVE));
        vm.prank(venues[1]);
        t.transfer(investor, SHARE);
    }

    /// Issue 24 (`ComplianceRegistry-MIA-32fa253473`, killed only by pytest): the handler's resume may revert
    /// silently, so no Forge test noticed a registry that could never resume a venue. Governance resumes a suspended
    /// venue, which then takes payments again.
    function test_aResumedVenueTakesPaymentsAgain() public {
        RealAssetToken t = sys.assets[0];
        vm.startPrank(sys.timelock);
        sys.registry.suspendVenue(address(t), venues[0], keccak256("incident"));
        sys.registry.resumeVenue(address(t), venues[0], keccak256("incident-closed"));
        vm.stopPrank();
        vm.prank(sys.holders[0]);
        t.transfer(venues[0], SHARE);
        assertEq(t.balanceOf(venues[0]), SHARE, "paid into the resumed venue");
    }

    /// Resuming is for suspended venues only: an ACTIVE venue is refused (VenueNotSuspended), so a resume cannot be
    /// replayed to hide a suspension in the event log.
    function test_resumingAVenueThatIsNotSuspendedIsRefused() public {
        address asset = address(sys.assets[0]);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueNotSuspended.selector, asset, venues[0]));
        vm.prank(sys.timelock);
        sys.registry.resumeVenue(asset, venues[0], keccak256("resume"));
    }

    /// A venue holds for its users and is never judged as an investor, so supply never starts or ends in it: a mint
    /// into an ACTIVE venue is refused (VENUE_MINT_OR_BURN_REFUSED) ...
    function test_aVenueNeverReceivesAMint() public {
        RealAssetToken t = sys.assets[0];
        vm.startPrank(sys.timelock);
        t.grantRole(t.MINTER_ROLE(), sys.timelock);
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.TransferRestricted.selector,
            TransferStatus.VENUE_MINT_OR_BURN_REFUSED));
        t.mint(venues[0], SHARE);
        vm.stopPrank();
    }

    /// ... and `canTransfer` answers the same for a burn from a venue (supply leaves through the Minter's
    /// redemption, never from a venue's own balance).
    function test_aBurnFromAVenueIsRefusedAsVenueMintOrBurn() public {
        RealAssetToken t = sys.assets[0];
        vm.prank(sys.holders[0]);
        t.transfer(venues[0], SHARE);
        assertEq(uint8(sys.registry.canTransfer(address(t), venues[0], address(0), SHARE)),
            uint8(TransferStatus.VENUE_MINT_OR_BURN_REFUSED), "burn from a venue");
    }

    /// A legal order may still burn what a venue holds (ADR 0101's table: a forced burn is judged on the pause and
    /// the operator freeze only).
    function test_aForcedBurnUnderALegalOrderMayTakeFromAVenue() public {
        RealAssetToken t = sys.assets[0];
        vm.prank(sys.holders[0]);
        t.transfer(venues[0], 2 * SHARE);
        vm.startPrank(sys.timelock);
        t.grantRole(t.FORCED_TRANSFER_ROLE(), sys.timelock);
        t.forcedBurn(venues[0], SHARE, keccak256("court order"));
        vm.stopPrank();
        assertEq(t.balanceOf(venues[0]), SHARE, "one share burned from the venue");
    }

    /// A forced transfer is judged like a mint into its recipient, but unlike a mint it may pay an ACTIVE venue (a
    /// recovery that returns a user's position to the pool it was taken from).
    function test_aForcedTransferMayPayAnActiveVenue() public {
        RealAssetToken t = sys.assets[0];
        vm.startPrank(sys.timelock);
        t.grantRole(t.FORCED_TRANSFER_ROLE(), sys.timelock);
        t.forcedTransfer(sys.holders[0], venues[0], SHARE, keccak256("recovery"));
        vm.stopPrank();
        assertEq(t.balanceOf(venues[0]), SHARE, "the venue was paid by force");
    }

    /// A venue with an exit (ADR 0102: Morpho, whose exit is its gateway) pays that exit only: paying an investor
    /// directly is refused as VENUE_EXIT_REQUIRED, paying the exit is not.
    function test_aVenueWithAnExitPaysThatExitOnly() public {
        RealAssetToken t = sys.assets[0];
        vm.prank(sys.holders[0]);
        t.transfer(venues[0], 2 * SHARE);
        vm.prank(sys.timelock);
        sys.registry.setVenueExit(address(t), venues[0], venues[1], keccak256("gateway"));
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.TransferRestricted.selector,
            TransferStatus.VENUE_EXIT_REQUIRED));
        vm.prank(venues[0]);
        t.transfer(sys.holders[0], SHARE);
        vm.prank(venues[0]);
        t.transfer(venues[1], SHARE);
        assertEq(t.balanceOf(venues[1]), SHARE, "paid to its exit");
    }

    /// holderCount == the number of investors with a non-zero balance: venues (and the Minter) never take a slot.
    function invariant_holderCountExcludesVenues() public view {
        for (uint256 a; a < N_ASSETS; ++a) {
            RealAssetToken t = sys.assets[a];
            uint256 nonZero;
            for (uint256 i; i < N_INVESTORS; ++i) {
                if (t.balanceOf(sys.holders[i]) != 0) ++nonZero;
            }
            assertEq(nonZero, t.holderCount(), "holderCount != investors with a balance");
        }
    }

    /// The cap binds a venue's payouts: holderCount <= maxHolders on every asset.
    function invariant_holderCapHoldsThroughVenues() public view {
        for (uint256 a; a < N_ASSETS; ++a) {
            uint256 cap = sys.records.policy(address(sys.assets[a])).maxHolders;
            if (cap != 0) assertLe(sys.assets[a].holderCount(), cap, "holders above the cap");
        }
    }

    /// Σ balances of investors, the stranger, the Minter and the venues == totalSupply.
    function invariant_supplyConservedThroughVenues() public view {
        for (uint256 a; a < N_ASSETS; ++a) {
            RealAssetToken t = sys.assets[a];
            uint256 sum = t.balanceOf(venues[0]) + t.balanceOf(venues[1]);
            for (uint256 h; h < N_HOLDERS; ++h) {
                sum += t.balanceOf(sys.holders[h]);
            }
            assertEq(sum, t.totalSupply(), "sum of balances != totalSupply");
        }
    }

    /// Nothing moved into or out of a venue while it was suspended, removed or not registered for that asset.
    function invariant_noMovementThroughAnInactiveVenue() public view {
        assertEq(handler.inactiveVenueMoves(), 0, "a movement through an inactive venue succeeded");
    }

    /// A venue with an exit paid nobody but that exit (ADR 0102).
    function invariant_aVenueWithAnExitPaysOnlyThatExit() public view {
        assertEq(handler.exitBypasses(), 0, "a venue with an exit paid someone else");
    }

    function afterInvariant() external {
        emit log_named_uint("exit changes", handler.exitChanges());
        emit log_named_uint("sells", handler.sells());
        emit log_named_uint("buys", handler.buys());
        emit log_named_uint("venue-to-venue", handler.venueToVenue());
        emit log_named_uint("standing changes", handler.standingChanges());
    }
}
