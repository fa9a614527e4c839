// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../../../contracts/token/RealAssetToken.sol";
import {TestStablecoin} from "../../../contracts/mocks/TestStablecoin.sol";
import {RatSystem, N_ASSETS, N_COINS, N_INVESTORS} from "../helpers/RatFixture.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {Ghost} from "./Ghost.sol";

/// @title Corporate actions on the share multiplier, interleaved with every investor and operator action:
/// governance schedules splits and reverse splits (bounded ratios, sometimes a stale compare-and-swap version, a
/// too-short notice, an invalid ratio or an unauthorised caller) and cancels them; the fee governor sets the
/// management fee through the FeeVault; anyone checkpoints (on the token or through the vault); the clock jumps to
/// (or just before) an activation time. After every fold the custodian sells the fee shares it realised (its next
/// round is smaller by them) and reports the sale's proceeds to the vault.
/// @dev Each call predicts from the ghost's model whether the contract must accept it, and counts a misprediction
/// either way; on success the ghost folds exactly as the token does.
contract CorporateActionHandler is HandlerBase {
    /// Shares after / before: splits and reverse splits a listed equity really does, and the 1000-for-1 extremes.
    uint32[2][12] private RATIOS = [
        [uint32(2), 1], [uint32(3), 1], [uint32(3), 2], [uint32(1), 2], [uint32(1), 3], [uint32(2), 3],
        [uint32(10), 1], [uint32(1), 10], [uint32(7), 4], [uint32(4), 7], [uint32(1000), 1], [uint32(1), 1000]
    ];

    constructor(RatSystem memory system, Ghost ghost_) HandlerBase(system, ghost_) {}

    // ------------------------------------------------------------------ splits

    /// Schedules a split or reverse split. `defectSeed` picks, in half the calls, one defect the token must refuse:
    /// a zero or too-large ratio, n-for-n, a notice too short or too long, a stale version, a caller without the
    /// role. Seeds choose the valid case by their low residues, so the fuzzer's small dictionary values schedule.
    function scheduleSplit(uint256 assetSeed, uint256 ratioSeed, uint256 noticeSeed, uint256 defectSeed) external watched {
        _schedule(_asset(assetSeed), ratioSeed, noticeSeed, defectSeed % 16);
    }

    function _schedule(RealAssetToken t, uint256 ratioSeed, uint256 noticeSeed, uint256 defect) private {
        uint32[2] memory ratio = _ratio(ratioSeed);
        if (defect == 1) ratio = [uint32(0), 1];
        if (defect == 2) ratio = [uint32(1001), 1];
        if (defect == 3) ratio = [uint32(5), 5];
        // Mostly within the reserve heartbeat (3 days), so a jump to the activation leaves the other rounds usable.
        uint256 notice = 1 days + noticeSeed % ((noticeSeed / 1 days) % 4 == 3 ? 29 days : 1 days);
        if (defect == 4) notice = 1 days - 1;
        if (defect == 5) notice = 366 days;
        (, uint32 version) = t.multiplierState();
        address caller = defect == 7 ? s.operator : (defect == 8 ? _investor(noticeSeed) : s.timelock);
        bool expectOk = defect < 1 || defect > 8 ? _schedulable(t, ratio) : false;
        uint40 activatesAt = uint40(block.timestamp + notice);
        bool ok = _trySchedule(t, caller, ratio, activatesAt, defect == 6 ? version + 1 : version);
        if (ok && caller != s.timelock) ghost.unauthorisedCorporateAction();
        if (ok != expectOk) ghost.corporateActionMispredicted();
        if (ok) _scheduled(t, ratio, activatesAt, noticeSeed);
    }

    function _scheduled(RealAssetToken t, uint32[2] memory ratio, uint40 activatesAt, uint256 seed) private {
        _folded(address(t), ghost.fold(address(t), t.totalSupply()), seed);
        ghost.scheduleSplit(address(t), activatesAt, ratio[0], ratio[1]);
        ghost.succeeded("scheduleSplit");
    }

    /// Cancels the pending split (one call in four, so most splits activate); `callerSeed` picks a stale version or
    /// an unauthorised caller one time in eight each.
    function cancelSplit(uint256 assetSeed, uint256 versionSeed, uint256 callerSeed) external watched {
        if (versionSeed % 4 != 3) return;
        RealAssetToken t = _asset(assetSeed);
        address asset = address(t);
        (, uint32 version) = t.multiplierState();
        uint32 stale = (versionSeed >> 16) % 2 == 0 && version != 0 ? version - 1 : version + 1;
        uint32 expected = callerSeed % 8 == 6 ? stale : version;
        address caller = _caller(callerSeed);
        (uint256 splitAt,,) = ghost.pendingSplit(asset);
        bool authorised = caller == s.timelock;
        bool expectOk = authorised && expected == version && splitAt != 0 && splitAt > block.timestamp;

        bool ok;
        vm.prank(caller);
        try t.cancelSplit(expected, keccak256("withdrawn")) {
            ok = true;
        } catch {}
        if (ok && !authorised) ghost.unauthorisedCorporateAction();
        if (ok != expectOk) ghost.corporateActionMispredicted();
        if (!ok) return;
        _folded(asset, ghost.fold(asset, t.totalSupply()), callerSeed);
        ghost.cancelSplit(asset);
        ghost.succeeded("cancelSplit");
    }

    // ------------------------------------------------------------------ management fee

    /// The fee governor sets the annual fee through the vault (0..250 bps: above 200 must be refused); one call in
    /// eight someone calls the token directly instead, which must be refused (only the vault holds the role).
    function setManagementFee(uint256 assetSeed, uint256 bpsSeed, uint256 callerSeed) external watched {
        RealAssetToken t = _asset(assetSeed);
        address asset = address(t);
        uint16 bps = uint16(bpsSeed % 4 == 0 ? 0 : _pick(bpsSeed >> 8, 1, 250));
        if (callerSeed % 8 == 7) {
            address[3] memory notTheVault = [s.timelock, s.operator, _investor(callerSeed >> 16)];
            vm.prank(notTheVault[(callerSeed >> 8) % 3]);
            try t.setManagementFee(bps) {
                ghost.unauthorisedCorporateAction();
            } catch {}
            return;
        }
        bool ok;
        vm.prank(s.operator);
        try s.vault.setManagementFee(asset, bps) {
            ok = true;
        } catch {}
        if (ok != (bps <= t.MAX_MANAGEMENT_FEE_BPS())) ghost.corporateActionMispredicted();
        if (!ok) return;
        // The vault checkpoints, then the token folds again at the same instant (nothing more accrues).
        uint256 feeShares = ghost.fold(asset, t.totalSupply());
        feeShares += ghost.fold(asset, t.totalSupply());
        ghost.setFee(asset, bps);
        _folded(asset, feeShares, callerSeed);
        ghost.succeeded("setManagementFee");
    }

    /// Anyone checkpoints, on the token or through the vault; the reported fee shares and multiplier must be the
    /// model's.
    function checkpoint(uint256 assetSeed, uint256 how) external watched {
        RealAssetToken t = _asset(assetSeed);
        address asset = address(t);
        uint256 supply = t.totalSupply();
        uint256 expectedAfter = ghost.multiplierNow(asset);
        uint256 reportedFee;
        uint256 reportedAfter = expectedAfter;
        vm.prank(s.holders[how % (N_INVESTORS + 1)]);
        if (how % 2 == 0) {
            (, reportedAfter, reportedFee,) = t.checkpoint();
        } else {
            reportedFee = s.vault.accrueManagementFee(asset);
        }
        uint256 feeShares = ghost.fold(asset, supply);
        if (reportedFee != feeShares || reportedAfter != expectedAfter) ghost.feeShareMismatch();
        _folded(asset, feeShares, how);
        ghost.succeeded("checkpoint");
    }

    // ------------------------------------------------------------------ clock

    /// Jumps to the activation time of a pending split (the first asset from `assetSeed` that has one): one time in
    /// four to the second before it, one in four to the activation second itself (activation == now), otherwise up
    /// to an hour past it; then the custodian publishes its daily round of every asset (post-split shares where a
    /// split activated), so the guard stays live after the jump.
    function warpToActivation(uint256 assetSeed, uint256 extra) external watched {
        uint256 splitAt;
        for (uint256 i; i < N_ASSETS && splitAt <= block.timestamp; ++i) {
            (splitAt,,) = ghost.pendingSplit(address(_asset(assetSeed + i)));
        }
        if (splitAt <= block.timestamp) return;
        if (extra % 4 == 0) vm.warp(splitAt - 1);
        else if (extra % 4 == 1) vm.warp(splitAt);
        else vm.warp(splitAt + _pick(extra >> 8, 1, 1 hours));
        for (uint256 a; a < N_ASSETS; ++a) {
            address asset = address(s.assets[a]);
            ghost.followSplit(asset);
            _publishNow(asset, ghost.custody(asset));
        }
        ghost.succeeded("warpToActivation");
    }

    // ------------------------------------------------------------------ internals

    function _trySchedule(RealAssetToken t, address caller, uint32[2] memory ratio, uint40 activatesAt, uint32 expected)
        private
        returns (bool ok)
    {
        vm.prank(caller);
        try t.scheduleSplit(ratio[0], ratio[1], activatesAt, expected, keccak256(abi.encode("split", activatesAt))) {
            ok = true;
        } catch {}
    }

    /// A ratio from the table, the 1000-for-1 extremes a quarter as often as the others.
    function _ratio(uint256 seed) private view returns (uint32[2] memory ratio) {
        ratio = RATIOS[seed % 12];
        if ((ratio[0] == 1000 || ratio[1] == 1000) && (seed / 12) % 4 != 0) ratio = RATIOS[(seed / 48) % 10];
    }

    /// Whether the model lets the token take this split now: a valid ratio, nothing pending once a split whose time
    /// has come is folded in, and today's multiplier x ratio (rounded down) within the bounds.
    function _schedulable(RealAssetToken t, uint32[2] memory ratio) private view returns (bool) {
        if (ratio[0] == 0 || ratio[1] == 0 || ratio[0] == ratio[1] || ratio[0] > 1000 || ratio[1] > 1000) return false;
        (uint256 splitAt,,) = ghost.pendingSplit(address(t));
        if (splitAt > block.timestamp) return false;
        uint256 projected = (ghost.multiplierNow(address(t)) * ratio[0] + ratio[1] - 1) / ratio[1];
        return projected >= t.MIN_MULTIPLIER() && projected <= t.MAX_MULTIPLIER();
    }

    /// Governance (the timelock) seven times in eight, otherwise the operator or an investor.
    function _caller(uint256 seed) private view returns (address) {
        if (seed % 8 != 7) return s.timelock;
        return (seed >> 8) % 2 == 0 ? s.operator : _investor(seed >> 16);
    }

    /// The custodian sells the fee shares a fold realised (its next round drops by them) and the treasury key
    /// reports the sale's proceeds to the vault (at the unit price per share, in one of the stablecoins).
    function _folded(address asset, uint256 feeShares, uint256 seed) private {
        if (feeShares == 0) return;
        ghost.sellCustody(asset, feeShares);
        TestStablecoin coin = s.coins[seed % N_COINS];
        uint256 proceeds = feeShares * _unitPrice(address(coin)) / SHARE;
        if (proceeds == 0) {
            coin = s.coins[1];
            proceeds = feeShares * _unitPrice(address(coin)) / SHARE;
        }
        if (proceeds == 0) return;
        vm.prank(s.settlement);
        try s.vault.recordManagementFeeSale(asset, address(coin), feeShares, proceeds, keccak256(abi.encode(asset, feeShares))) {
            ghost.feeIn(address(coin), proceeds);
            ghost.succeeded("managementFeeSale");
        } catch {}
    }
}
