// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../../../contracts/token/RealAssetToken.sol";
import {Investor, AssetPolicy} from "../../../contracts/interfaces/IComplianceRegistry.sol";
import {Request, RequestStatus} from "../../../contracts/interfaces/IMinter.sol";
import {RatSystem, N_ASSETS, N_INVESTORS, N_HOLDERS} from "../helpers/RatFixture.sol";
import {HandlerBase, IReserveRounds, IPublish} from "./HandlerBase.sol";
import {Ghost} from "./Ghost.sol";

/// @title Actions that land on the exact second a rule turns (KYC expiry == now and the second before, a request's
/// deadline == now and the second after, a reserve round as of now and one second in the future) and value paths
/// that add holders (transfer, transferFrom, forced transfer, mint escrow refunds by cancel), each recorded in a
/// per-path ghost so "the same rule on every path" is one invariant per rule.
/// @dev The ghost's model of each rule is written here from the raw records (expiry > now, deadline < now, asOf <=
/// now, holders <= cap), independently of the contracts' comparisons, which is what an off-by-one mutant changes.
contract BoundaryHandler is HandlerBase {
    /// Rules checked on every path.
    bytes32 public constant RULE_KYC = "kyc-expiry";
    bytes32 public constant RULE_CAP = "holder-cap";
    bytes32 public constant RULE_DEADLINE = "request-deadline";
    bytes32 public constant RULE_AS_OF = "round-as-of";

    bytes32[] public pathNames;
    mapping(bytes32 path => bool) private _knownPath;
    /// Successful actions per path, and per (path, rule) the times the outcome differed from the rule's model.
    mapping(bytes32 path => uint256) public pathSuccesses;
    mapping(bytes32 path => mapping(bytes32 rule => uint256)) public violations;
    /// Actions that landed exactly on a boundary second (so a run that never reached one is visible).
    mapping(bytes32 boundary => uint256) public boundaryHits;

    constructor(RatSystem memory system, Ghost ghost_) HandlerBase(system, ghost_) {}

    // ------------------------------------------------------------------ KYC expiry, on transfer and transferFrom

    /// Moves the clock to the KYC expiry of the sender or the recipient (or the second before), renewing that KYC
    /// first when it is already past, then transfers (directly or through an allowance).
    /// @dev The re-KYC and the clock move happen before the watched window opens, so the eligibility snapshot is
    /// taken at the second the transfer runs, with the records it runs against.
    function transferAtKycExpiry(uint256 assetSeed, uint256 fromSeed, uint256 toSeed, uint256 amount, uint256 mode)
        external
    {
        address from = _investor(fromSeed);
        address to = _investor(toSeed);
        if (from == to || _asset(assetSeed).balanceOf(from) == 0) return;
        _warpToExpiry(mode % 2 == 0 ? from : to, mode);
        _transferAtKycExpiry(assetSeed, fromSeed, toSeed, amount, mode);
    }

    function _transferAtKycExpiry(uint256 assetSeed, uint256 fromSeed, uint256 toSeed, uint256 amount, uint256 mode)
        private
        watched
    {
        RealAssetToken t = _asset(assetSeed);
        address from = _investor(fromSeed);
        address to = _investor(toSeed);
        if (t.balanceOf(from) == 0) return;
        bytes32 path = (mode >> 2) % 2 == 1 ? bytes32("transferFrom") : bytes32("transfer");
        if (!_move(t, from, to, _pick(amount, 1, t.balanceOf(from)), (mode >> 2) % 2)) return;
        _success(path);
        // The rule: both KYCs valid strictly after now (expiry > now); a success in the expiry second breaks it.
        if (!_kycValid(from) || !_kycValid(to)) violations[path][RULE_KYC]++;
    }

    /// To the KYC expiry of `who` or the second before (renewing the KYC first if it is already past).
    function _warpToExpiry(address who, uint256 mode) private {
        uint256 expiry = _expiryAhead(who, mode >> 8);
        bool exact = (mode >> 1) % 2 == 0;
        vm.warp(exact ? expiry : expiry - 1);
        boundaryHits[exact ? bytes32("kyc-expiry==now") : bytes32("kyc-expiry-1==now")]++;
    }

    // ------------------------------------------------------------------ the holder cap, on every path that adds one

    /// A transfer, a transferFrom or a forced transfer of part or all of a balance to an investor holding none, most
    /// often on the capped asset.
    function addHolder(uint256 assetSeed, uint256 fromSeed, uint256 toSeed, uint256 amount, uint256 mode) external watched {
        _addHolder(assetSeed, fromSeed, toSeed, amount, mode);
    }

    function _addHolder(uint256 assetSeed, uint256 fromSeed, uint256 toSeed, uint256 amount, uint256 mode) private {
        RealAssetToken t = mode % 4 == 0 ? _asset(assetSeed) : s.assets[N_ASSETS - 1];
        address from = _investor(fromSeed);
        uint256 balance = t.balanceOf(from);
        if (balance == 0) return;
        address to;
        for (uint256 i; i < N_INVESTORS; ++i) {
            address candidate = s.holders[(toSeed + i) % N_INVESTORS];
            if (candidate != from && t.balanceOf(candidate) == 0) {
                to = candidate;
                break;
            }
        }
        if (to == address(0)) return;
        amount = (mode >> 4) % 3 == 0 ? balance : _pick(amount, 1, balance);
        uint256 how = (mode >> 2) % 3;
        bytes32 path = how == 0 ? bytes32("transfer") : (how == 1 ? bytes32("transferFrom") : bytes32("forcedTransfer"));
        if (how == 2) _markForced(address(t), to);
        bool ok = _move(t, from, to, amount, how);
        if (!ok) return;
        _success(path);
        if (!_withinCap(t)) violations[path][RULE_CAP]++;
    }

    // ------------------------------------------------------------------ request deadline: cancel vs the second

    /// Moves the clock to a pending request's deadline or the second after and lets anyone cancel: the refund path
    /// may open only once the deadline has passed (deadline < now).
    function cancelAtDeadline(uint256 requestSeed, uint256 callerSeed, bool after_) external watched {
        (bytes32 id, Request memory req) = _requestWithStatus(requestSeed, RequestStatus.PENDING, requestSeed % 2 == 0);
        if (id == bytes32(0) || req.deadline < block.timestamp) return;
        uint256 at = after_ ? uint256(req.deadline) + 1 : req.deadline;
        vm.warp(at);
        boundaryHits[after_ ? bytes32("deadline+1==now") : bytes32("deadline==now")]++;
        vm.prank(s.holders[callerSeed % N_HOLDERS]);
        bool ok;
        try s.minter.cancel(id) {
            ok = true;
            ghost.closed(id);
            ghost.succeeded("cancel");
        } catch {}
        bool allowed = block.timestamp > req.deadline;
        if (ok) _success("cancel");
        if (ok != allowed) violations["cancel"][RULE_DEADLINE]++;
    }

    /// An investor escrows a mint (so cancels at the deadline have requests to work on).
    function escrowMint(uint256 assetSeed, uint256 investorSeed, uint256 coinSeed, uint256 dollars, uint256 ttl)
        external
        watched
    {
        if (_escrowMint(assetSeed, investorSeed, coinSeed, dollars, ttl) != bytes32(0)) _success("requestMint");
    }

    // ------------------------------------------------------------------ reserve rounds as of now, or a second later

    /// The custodian signs its unchanged custody as of now, or as of one second in the future (which must be
    /// refused: a round may not attest what is not yet true).
    function publishAtNow(uint256 assetSeed, bool future) external watched {
        address asset = address(_asset(assetSeed));
        uint80 latest = IReserveRounds(address(s.reserves)).latestRoundId(asset);
        (, uint64 previousAsOf,,,) = IPublish(address(s.reserves)).round(asset, latest);
        if (block.timestamp <= previousAsOf) vm.warp(uint256(previousAsOf) + 1);
        uint64 asOf = uint64(block.timestamp + (future ? 1 : 0));
        boundaryHits[future ? bytes32("asOf==now+1") : bytes32("asOf==now")]++;
        bool ok;
        try this.publishAs(asset, ghost.custody(asset), asOf) {
            ok = true;
        } catch {}
        if (ok) _success("publishRound");
        if (ok == future) violations["publishRound"][RULE_AS_OF]++;
    }

    /// External so a refused round reverts only this frame (the ghost is not told of a round that was refused).
    function publishAs(address asset, uint256 shares, uint64 asOf) external {
        require(msg.sender == address(this), "self only");
        _publishRound(asset, shares, asOf);
    }

    // ------------------------------------------------------------------ views for the invariants

    function pathCount() external view returns (uint256) {
        return pathNames.length;
    }

    // ------------------------------------------------------------------ internals

    /// Moves `amount` from `from` to `to` by transfer (0), approve + transferFrom (1) or forced transfer (2).
    function _move(RealAssetToken t, address from, address to, uint256 amount, uint256 how) private returns (bool) {
        if (how == 2) {
            vm.prank(s.operator);
            try t.forcedTransfer(from, to, amount, keccak256("court-order-boundary")) {
                return true;
            } catch {
                return false;
            }
        }
        if (how == 1) {
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

    function _success(bytes32 path) private {
        if (!_knownPath[path]) {
            _knownPath[path] = true;
            pathNames.push(path);
        }
        pathSuccesses[path]++;
    }

    function _kycValid(address who) private view returns (bool) {
        return s.records.investor(who).expiry > block.timestamp;
    }

    function _withinCap(RealAssetToken t) private view returns (bool) {
        uint256 cap = s.records.policy(address(t)).maxHolders;
        return cap == 0 || t.holderCount() <= cap;
    }

    /// Re-KYCs `who` (same tier and jurisdiction) to expire 1 h - 3 days from now, so the clock moves to its expiry
    /// in small steps; everyone else is re-KYC'd for 180 days from then, so only the investor at its edge is.
    function _expiryAhead(address who, uint256 seed) private returns (uint256) {
        uint256 expiry = block.timestamp + _pick(seed, 1 hours, 3 days);
        for (uint256 i; i < N_INVESTORS; ++i) {
            address investor = s.holders[i];
            _renew(investor, investor == who ? expiry : expiry + 180 days);
        }
        return expiry;
    }

    function _renew(address who, uint256 expiry) private {
        Investor memory inv = s.records.investor(who);
        if (inv.tier == 0) return; // revoked stays revoked
        vm.prank(s.operator);
        s.registry.setInvestor(who, inv.tier, inv.jurisdiction, uint40(expiry), keccak256(abi.encode("renewed", who, expiry)));
    }
}
