// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Cheats} from "../helpers/RatTest.sol";
import {RealAssetToken} from "../../../contracts/token/RealAssetToken.sol";
import {Investor, AssetPolicy} from "../../../contracts/interfaces/IComplianceRegistry.sol";
import {Request, RequestStatus} from "../../../contracts/interfaces/IMinter.sol";
import {TestStablecoin} from "../../../contracts/mocks/TestStablecoin.sol";
import {RoundReport} from "../../../contracts/interfaces/IReserveRegistry.sol";
import {RatSystem, N_ASSETS, N_COINS, N_HOLDERS, N_INVESTORS} from "../helpers/RatFixture.sol";
import {RatEip712} from "../helpers/RatEip712.sol";
import {Ghost} from "./Ghost.sol";

interface IReserveRounds {
    function latestRoundData(address asset) external view returns (uint80, int256, uint256, uint256, uint80);
    function latestRoundId(address asset) external view returns (uint80);
}

interface IPublish {
    function round(address asset, uint80 roundId) external view returns (uint128, uint64, uint64, bytes32, bytes32);
}

/// @title What every handler shares: the system, the ghost, seed pickers, and the `watched` check that runs around
/// each action: no address the compliance records call ineligible gains tokens (unless the action was a forced
/// transfer to it), and a paused asset moves no balance and no supply. Before and after each action the custodian's
/// reports follow the multiplier: once a split has activated (by any clock move) it signs a round in post-split
/// shares, and after it sold management-fee shares a round without them.
/// @dev Eligibility is computed here from the raw records (frozen, tier >= the asset's minimum, KYC not expired,
/// jurisdiction not blocked), independently of `ComplianceRules`, so a bug in the rules library cannot hide itself.
abstract contract HandlerBase is Cheats {
    uint256 internal constant SHARE = 1e18;

    RatSystem internal s;
    Ghost internal immutable ghost;

    // Set by the forced-transfer action for the duration of one call: the one gain the compliance check excuses.
    address private _forcedAsset;
    address private _forcedTo;

    struct Snapshot {
        uint256[N_HOLDERS][N_ASSETS] balances;
        uint256[N_ASSETS] supply;
        bool[N_ASSETS] paused;
        bool[N_HOLDERS][N_ASSETS] eligible;
    }

    constructor(RatSystem memory system, Ghost ghost_) {
        s = system;
        ghost = ghost_;
    }

    modifier watched() {
        _followMultiplier();
        Snapshot memory before = _snapshot();
        _;
        _compare(before);
        _followMultiplier();
        _forcedAsset = address(0);
        _forcedTo = address(0);
    }

    // ------------------------------------------------------------------ pickers

    function _pick(uint256 seed, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + seed % (hi - lo + 1);
    }

    function _asset(uint256 seed) internal view returns (RealAssetToken) {
        return s.assets[seed % N_ASSETS];
    }

    function _investor(uint256 seed) internal view returns (address) {
        return s.holders[seed % N_INVESTORS];
    }

    /// Any investor or the stranger (never KYC'd): transfer targets.
    function _target(uint256 seed) internal view returns (address) {
        return s.holders[seed % (N_INVESTORS + 1)];
    }

    /// A transfer target: usually any investor or the stranger; one time in three a frozen investor if there is
    /// one (the adversarial recipient the compliance rules must refuse).
    function _adversarialTarget(uint256 seed) internal view returns (address) {
        if ((seed >> 8) % 3 == 0) {
            for (uint256 i; i < N_INVESTORS; ++i) {
                address candidate = s.holders[(seed + i) % N_INVESTORS];
                if (s.records.isFrozen(candidate)) return candidate;
            }
        }
        return _target(seed);
    }

    /// A request id the handlers created, or zero before the first.
    function _request(uint256 seed) internal view returns (bytes32) {
        uint256 n = ghost.requestCount();
        return n == 0 ? bytes32(0) : ghost.requestIds(seed % n);
    }

    /// The first request at or after `seed` (cyclically) whose status is `status`, or zero.
    function _requestWithStatus(uint256 seed, RequestStatus status, bool wantMint)
        internal
        view
        returns (bytes32 id, Request memory req)
    {
        uint256 n = ghost.requestCount();
        for (uint256 i; i < n; ++i) {
            bytes32 candidate = ghost.requestIds((seed + i) % n);
            Request memory r = s.minter.getRequest(candidate);
            bool kindMatches = (uint8(r.kind) == 0) == wantMint;
            if (r.status == status && kindMatches) return (candidate, r);
        }
    }

    /// Stablecoin units per share: 100 USD for 6-decimal USDC, 150 USD for the 18-decimal coin.
    function _unitPrice(address coin) internal view returns (uint256) {
        return (coin == address(s.coins[0]) ? 100 : 150) * 10 ** TestStablecoin(coin).decimals();
    }

    /// An investor escrows a mint: funds itself, approves and requests; returns the id (zero if refused).
    function _escrowMint(uint256 assetSeed, uint256 investorSeed, uint256 coinSeed, uint256 dollars, uint256 ttl)
        internal
        returns (bytes32 id)
    {
        address investor = _investor(investorSeed);
        TestStablecoin coin = s.coins[coinSeed % N_COINS];
        uint256 amount = _pick(dollars, 50, 5_000) * 10 ** coin.decimals();
        uint256 maxPrice = _unitPrice(address(coin)) * _pick(dollars >> 64, 100, 120) / 100;
        uint256 deadline = block.timestamp + _pick(ttl, 1 days, 7 days);
        vm.prank(s.timelock);
        coin.mint(investor, amount);
        vm.prank(investor);
        coin.approve(address(s.minter), amount);
        vm.prank(investor);
        try s.minter.requestMint(address(_asset(assetSeed)), address(coin), amount, maxPrice, deadline) returns (bytes32 rid) {
            ghost.addRequest(rid, _asset(assetSeed).multiplier());
            ghost.succeeded("requestMint");
            return rid;
        } catch {}
    }

    /// Shares the supply of `asset` represents now, rounded up (what the reserve guard must see backed), from the
    /// ghost's model of the multiplier rather than the token's.
    function _supplyShares(address asset) internal view returns (uint256) {
        uint256 m = ghost.multiplierNow(asset);
        uint256 product = RealAssetToken(asset).totalSupply() * m;
        return product == 0 ? 0 : (product - 1) / SHARE + 1;
    }

    /// When a split activated or fee shares were sold, the custodian signs a round of what it now holds.
    function _followMultiplier() internal {
        for (uint256 a; a < N_ASSETS; ++a) {
            address asset = address(s.assets[a]);
            ghost.followSplit(asset);
            if (ghost.custodyDirty(asset)) _publishNow(asset, ghost.custody(asset));
        }
    }

    /// Publishes the custodian's round as of now (a second later than the previous round if that is now).
    function _publishNow(address asset, uint256 shares) internal {
        uint80 latest = IReserveRounds(address(s.reserves)).latestRoundId(asset);
        (, uint64 previousAsOf,,,) = IPublish(address(s.reserves)).round(asset, latest);
        if (block.timestamp <= previousAsOf) vm.warp(uint256(previousAsOf) + 1);
        _publishRound(asset, shares, uint64(block.timestamp));
    }

    /// Signs (as the custodian) and publishes (as the operator) the asset's next round; the ghost records that the
    /// custodian holds what it reported.
    function _publishRound(address asset, uint256 shares, uint64 asOf) internal {
        RoundReport memory r = RoundReport({
            asset: asset,
            roundId: IReserveRounds(address(s.reserves)).latestRoundId(asset) + 1,
            shares: shares,
            asOf: asOf,
            merkleRoot: keccak256(abi.encodePacked("lots", asset, asOf)),
            statementURI: "ipfs://rat/reserves/statement.json",
            statementHash: keccak256(abi.encodePacked("statement", asset, asOf))
        });
        (uint8 v, bytes32 rs, bytes32 ss) = vm.sign(s.custodianKey, RatEip712.roundDigest(address(s.reserves), r));
        vm.prank(s.operator);
        s.reserves.publishRound(r, abi.encodePacked(rs, ss, v));
        ghost.reported(asset, shares);
    }

    function _markForced(address asset, address to) internal {
        _forcedAsset = asset;
        _forcedTo = to;
    }

    // ------------------------------------------------------------------ the watched checks

    function _eligible(address asset, address who) internal view returns (bool) {
        Investor memory inv = s.records.investor(who);
        AssetPolicy memory p = s.records.policy(asset);
        return !inv.frozen && inv.tier != 0 && inv.tier >= p.minTier && inv.expiry > block.timestamp
            && !s.records.isBlocked(asset, inv.jurisdiction);
    }

    function _snapshot() internal view returns (Snapshot memory snap) {
        for (uint256 a; a < N_ASSETS; ++a) {
            RealAssetToken t = s.assets[a];
            snap.supply[a] = t.totalSupply();
            snap.paused[a] = s.records.policy(address(t)).paused;
            for (uint256 h; h < N_HOLDERS; ++h) {
                snap.balances[a][h] = t.balanceOf(s.holders[h]);
                snap.eligible[a][h] = _eligible(address(t), s.holders[h]);
            }
        }
    }

    /// An ineligible holder may gain tokens only by a forced transfer, or, when not frozen, by getting its own
    /// escrow back from the Minter (a lapsed holder keeps the exit, ADR 0084): the gain is then covered by what
    /// left the Minter in the same action. A frozen holder never gains.
    function _compare(Snapshot memory before) private {
        uint256 minterIndex = N_HOLDERS - 1;
        for (uint256 a; a < N_ASSETS; ++a) {
            RealAssetToken t = s.assets[a];
            bool pausedThroughout = before.paused[a] && s.records.policy(address(t)).paused;
            if (pausedThroughout && t.totalSupply() != before.supply[a]) ghost.pausedMove();
            uint256 minterBefore = before.balances[a][minterIndex];
            uint256 minterAfter = t.balanceOf(s.holders[minterIndex]);
            uint256 escrowReturned = minterBefore > minterAfter ? minterBefore - minterAfter : 0;
            for (uint256 h; h < N_HOLDERS; ++h) {
                address holder = s.holders[h];
                uint256 balance = t.balanceOf(holder);
                if (pausedThroughout && balance != before.balances[a][h]) ghost.pausedMove();
                bool forced = _forcedAsset == address(t) && _forcedTo == holder;
                if (balance <= before.balances[a][h] || before.eligible[a][h] || forced) continue;
                uint256 gain = balance - before.balances[a][h];
                bool ownEscrow = !s.records.isFrozen(holder) && gain <= escrowReturned;
                if (!ownEscrow) ghost.ineligibleGain();
            }
        }
    }
}
