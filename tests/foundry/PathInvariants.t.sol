// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {Request, RequestKind, RequestStatus} from "../../contracts/interfaces/IMinter.sol";
import {RatFixture, N_ASSETS, N_COINS, N_INVESTORS} from "./helpers/RatFixture.sol";
import {Ghost} from "./handlers/Ghost.sol";
import {BoundaryHandler} from "./handlers/BoundaryHandler.sol";
import {IReserveRounds, IPublish} from "./handlers/HandlerBase.sol";

/// @title The same rule on every path, at the exact second it turns.
/// @notice Issue 24: a limit tested through `transfer` only (the holder cap, say) was never tested through a forced
/// transfer, and time rules were tested hours away from their boundary. The handler here lands on the boundary
/// second of each time rule and moves value through every path that can break each rule; its ghost counts, per
/// path and rule, the outcomes that differ from the rule's model, and each invariant states one rule for all paths.
contract PathInvariants is RatFixture {
    Ghost internal ghost;
    BoundaryHandler internal edges;

    function setUp() public {
        _deploySystem();
        _seedHoldings();
        ghost = new Ghost();
        vm.warp(block.timestamp + 1);
        for (uint256 a; a < N_ASSETS; ++a) {
            address asset = address(sys.assets[a]);
            _publishRound(asset, sys.assets[a].totalSupply() + 200 * SHARE, uint64(block.timestamp));
            (, int256 reserves,,,) = IReserveRounds(address(sys.reserves)).latestRoundData(asset);
            ghost.initAsset(asset, uint256(reserves));
        }
        edges = new BoundaryHandler(sys, ghost);
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = BoundaryHandler.transferAtKycExpiry.selector;
        selectors[1] = BoundaryHandler.addHolder.selector;
        selectors[2] = BoundaryHandler.cancelAtDeadline.selector;
        selectors[3] = BoundaryHandler.escrowMint.selector;
        selectors[4] = BoundaryHandler.publishAtNow.selector;
        targetSelector(FuzzSelector({addr: address(edges), selectors: selectors}));
        targetContract(address(edges));
    }

    /// Investors hold 25 shares of every asset they may hold; the capped asset (cap 3) starts with three holders,
    /// so every path that adds a fourth must be refused.
    function _seedHoldings() private {
        for (uint256 a; a < N_ASSETS; ++a) {
            RealAssetToken t = sys.assets[a];
            vm.startPrank(sys.timelock);
            t.grantRole(t.MINTER_ROLE(), sys.timelock);
            for (uint256 i; i < N_INVESTORS; ++i) {
                try t.mint(sys.holders[i], 25 * SHARE) {} catch {}
            }
            t.revokeRole(t.MINTER_ROLE(), sys.timelock);
            vm.stopPrank();
        }
    }

    /// KYC valid strictly before its expiry second, on transfer and on transferFrom, for sender and recipient; and
    /// no address ineligible at the time (expiry == now included) gains tokens on any path but a forced transfer.
    function invariant_kycExpiryBindsEveryTransferPathAtItsSecond() public view {
        _noViolations(edges.RULE_KYC(), "a transfer succeeded with a KYC expiring at or before now");
        assertEq(ghost.ineligibleGains(), 0, "an ineligible address gained tokens");
    }

    /// holderCount <= maxHolders for every asset, whichever path (transfer, transferFrom, forced transfer) added
    /// the holder.
    function invariant_holderCapBindsEveryPath() public view {
        _noViolations(edges.RULE_CAP(), "a path took holders above the cap");
        for (uint256 a; a < N_ASSETS; ++a) {
            uint256 cap = sys.records.policy(address(sys.assets[a])).maxHolders;
            if (cap != 0) assertLe(sys.assets[a].holderCount(), cap, "holders above the cap");
        }
    }

    /// The refund path (cancel) opens exactly when the deadline has passed: refused in the deadline second,
    /// allowed the second after.
    function invariant_cancelOpensExactlyAfterTheDeadlineSecond() public view {
        _noViolations(edges.RULE_DEADLINE(), "cancel outcome differs from deadline < now");
    }

    /// A reserve round as of now is accepted and one dated a second ahead is refused; the latest round is never in
    /// the future.
    function invariant_reserveRoundsAreNeverDatedAfterNow() public view {
        _noViolations(edges.RULE_AS_OF(), "round acceptance differs from asOf <= now");
        for (uint256 a; a < N_ASSETS; ++a) {
            (,,, uint256 updatedAt,) = IReserveRounds(address(sys.reserves)).latestRoundData(address(sys.assets[a]));
            assertLe(updatedAt, block.timestamp, "latest round dated after now");
        }
    }

    /// Value is conserved on the mint-escrow and refund paths: the Minter holds exactly its pending escrow (plus
    /// ESCROW_KEEPALIVE per stablecoin), and Σ balances == totalSupply with holderCount == non-zero balances.
    function invariant_escrowAndSupplyConservedOnEveryPath() public view {
        uint256[N_COINS] memory coinEscrow;
        uint256 n = ghost.requestCount();
        for (uint256 i; i < n; ++i) {
            Request memory r = sys.minter.getRequest(ghost.requestIds(i));
            if (r.status != RequestStatus.PENDING || r.kind != RequestKind.MINT) continue;
            address coin = sys.minter.paymentTokenById(r.paymentTokenId);
            coinEscrow[coin == address(sys.coins[0]) ? 0 : 1] += r.amount;
        }
        for (uint256 c; c < N_COINS; ++c) {
            assertEq(sys.coins[c].balanceOf(address(sys.minter)), coinEscrow[c] + sys.minter.ESCROW_KEEPALIVE(),
                "stablecoin escrow != pending mints");
        }
        for (uint256 a; a < N_ASSETS; ++a) {
            RealAssetToken t = sys.assets[a];
            uint256 sum;
            uint256 nonZero;
            for (uint256 h; h < sys.holders.length; ++h) {
                uint256 b = t.balanceOf(sys.holders[h]);
                sum += b;
                if (b != 0) ++nonZero;
            }
            assertEq(sum, t.totalSupply(), "sum of balances != totalSupply");
            assertEq(nonZero, t.holderCount(), "holderCount != non-zero balances");
        }
    }

    /// How often each path succeeded and each boundary second was hit, so a run that never reached them shows.
    function afterInvariant() external {
        uint256 n = edges.pathCount();
        for (uint256 i; i < n; ++i) {
            bytes32 path = edges.pathNames(i);
            emit log_named_uint(string(abi.encodePacked("path:", path)), edges.pathSuccesses(path));
        }
        bytes32[6] memory hits = [bytes32("kyc-expiry==now"), "kyc-expiry-1==now", "deadline==now", "deadline+1==now",
            "asOf==now", "asOf==now+1"];
        for (uint256 i; i < hits.length; ++i) {
            emit log_named_uint(string(abi.encodePacked("boundary:", hits[i])), edges.boundaryHits(hits[i]));
        }
    }

    function _noViolations(bytes32 rule, string memory what) private view {
        uint256 n = edges.pathCount();
        for (uint256 i; i < n; ++i) {
            bytes32 path = edges.pathNames(i);
            assertEq(edges.violations(path, rule), 0, string.concat(what, " (path ", string(abi.encodePacked(path)), ")"));
        }
    }
}
