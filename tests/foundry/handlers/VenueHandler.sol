// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Cheats} from "../helpers/RatTest.sol";
import {RealAssetToken} from "../../../contracts/token/RealAssetToken.sol";
import {VenueStatus} from "../../../contracts/interfaces/IComplianceRegistry.sol";
import {RatSystem, N_ASSETS, N_INVESTORS} from "../helpers/RatFixture.sol";

/// @title Trades through venues (ADR 0101): investors sell into and buy from two venues registered for every asset,
/// by transfer, transferFrom and forced transfer, while governance suspends, resumes, removes and re-registers them.
/// Governance also gives a venue the other as its exit, or clears it (ADR 0102).
/// @dev The ghosts count every movement into or out of a venue that succeeded while the venue was not ACTIVE for
/// that asset, and every payout by a venue with an exit to anyone but that exit, judged from the records read
/// before the call (independently of the rules' own comparisons).
contract VenueHandler is Cheats {
    RatSystem internal s;
    address[2] public venues;
    address public immutable LISTER;

    /// Movements into or out of a venue that succeeded while it was not ACTIVE (must stay 0).
    uint256 public inactiveVenueMoves;
    /// Payouts by a venue with an exit to anyone but that exit that succeeded (must stay 0).
    uint256 public exitBypasses;
    uint256 public exitChanges;
    /// Successful movements per kind, so a run that never traded shows.
    uint256 public sells;
    uint256 public buys;
    uint256 public venueToVenue;
    uint256 public standingChanges;

    constructor(RatSystem memory system, address[2] memory venues_, address lister) {
        s = system;
        venues = venues_;
        LISTER = lister;
    }

    /// An investor sells part or all of its balance into a venue (transfer, or approve + transferFrom by a spender).
    function sell(uint256 assetSeed, uint256 investorSeed, uint256 venueSeed, uint256 amount, bool viaSpender)
        external
    {
        RealAssetToken t = s.assets[assetSeed % N_ASSETS];
        address from = s.holders[investorSeed % N_INVESTORS];
        address venue = venues[venueSeed % 2];
        uint256 balance = t.balanceOf(from);
        if (balance == 0) return;
        amount = _pick(amount, 1, balance);
        bool active = _active(t, venue);
        if (_move(t, from, venue, amount, viaSpender)) {
            sells++;
            if (!active) inactiveVenueMoves++;
        }
    }

    /// A venue pays part or all of its balance to an investor (a buy), often one holding none yet (a new holder).
    function buy(uint256 assetSeed, uint256 investorSeed, uint256 venueSeed, uint256 amount) external {
        RealAssetToken t = s.assets[assetSeed % N_ASSETS];
        address venue = venues[venueSeed % 2];
        address to = s.holders[investorSeed % N_INVESTORS];
        uint256 balance = t.balanceOf(venue);
        if (balance == 0) return;
        amount = _pick(amount, 1, balance);
        bool active = _active(t, venue);
        address exit = s.registry.venueExit(address(t), venue);
        if (_move(t, venue, to, amount, false)) {
            buys++;
            if (!active) inactiveVenueMoves++;
            if (exit != address(0)) exitBypasses++;
        }
    }

    /// One venue pays the other.
    function rebalance(uint256 assetSeed, uint256 amount, bool reverse) external {
        RealAssetToken t = s.assets[assetSeed % N_ASSETS];
        (address from, address to) = reverse ? (venues[1], venues[0]) : (venues[0], venues[1]);
        uint256 balance = t.balanceOf(from);
        if (balance == 0) return;
        bool active = _active(t, from) && _active(t, to);
        address exit = s.registry.venueExit(address(t), from);
        if (_move(t, from, to, _pick(amount, 1, balance), false)) {
            venueToVenue++;
            if (!active) inactiveVenueMoves++;
            if (exit != address(0) && exit != to) exitBypasses++;
        }
    }

    /// Governance gives a venue the other venue as its exit for an asset, or clears it (refused, and skipped, when
    /// the venue is not registered or the other is not ACTIVE).
    function setExit(uint256 assetSeed, uint256 venueSeed, bool clear) external {
        address asset = address(s.assets[assetSeed % N_ASSETS]);
        address venue = venues[venueSeed % 2];
        address exit = clear ? address(0) : venues[(venueSeed + 1) % 2];
        vm.prank(LISTER);
        try s.registry.setVenueExit(asset, venue, exit, keccak256("venue-exit")) {
            exitChanges++;
        } catch {}
    }

    /// Governance changes a venue's standing: suspend, resume, remove or register again (one call in three acts, so
    /// venues spend most of a run trading).
    function setStanding(uint256 assetSeed, uint256 venueSeed, uint256 action) external {
        if (action % 3 != 0) return;
        action /= 3;
        address asset = address(s.assets[assetSeed % N_ASSETS]);
        address venue = venues[venueSeed % 2];
        VenueStatus status = s.registry.venueStatus(asset, venue);
        bytes32 ref = keccak256(abi.encode("venue-standing", asset, venue, action));
        vm.startPrank(LISTER);
        if (status == VenueStatus.ACTIVE) {
            if (action % 2 == 0) s.registry.suspendVenue(asset, venue, ref);
            else s.registry.removeVenue(asset, venue, ref);
        } else if (status == VenueStatus.SUSPENDED) {
            if (action % 2 == 0) s.registry.resumeVenue(asset, venue, ref);
            else s.registry.removeVenue(asset, venue, ref);
        } else {
            s.registry.registerVenue(asset, venue, ref);
        }
        vm.stopPrank();
        standingChanges++;
    }

    /// A forced transfer recovers part of what a venue holds, whatever its standing, to an investor.
    function recover(uint256 assetSeed, uint256 investorSeed, uint256 venueSeed, uint256 amount) external {
        RealAssetToken t = s.assets[assetSeed % N_ASSETS];
        address venue = venues[venueSeed % 2];
        uint256 balance = t.balanceOf(venue);
        if (balance == 0) return;
        vm.prank(s.operator);
        try t.forcedTransfer(venue, s.holders[investorSeed % N_INVESTORS], _pick(amount, 1, balance),
            keccak256("venue-recovery")) {} catch {}
    }

    function _active(RealAssetToken t, address venue) private view returns (bool) {
        return s.registry.venueStatus(address(t), venue) == VenueStatus.ACTIVE;
    }

    function _move(RealAssetToken t, address from, address to, uint256 amount, bool viaSpender)
        private
        returns (bool)
    {
        if (viaSpender) {
            vm.prank(from);
            try t.approve(address(this), amount) {} catch {
                return false;
            }
            try t.transferFrom(from, to, amount) {
                return true;
            } catch {
                return false;
            }
        }
        vm.prank(from);
        try t.transfer(to, amount) {
            return true;
        } catch {
            return false;
        }
    }

    function _pick(uint256 seed, uint256 lo, uint256 hi) private pure returns (uint256) {
        return lo + seed % (hi - lo + 1);
    }
}
