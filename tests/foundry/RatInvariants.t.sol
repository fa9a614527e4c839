// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {Request, RequestKind, RequestStatus} from "../../contracts/interfaces/IMinter.sol";
import {RatFixture, N_ASSETS, N_COINS, N_HOLDERS, N_INVESTORS} from "./helpers/RatFixture.sol";
import {Ghost} from "./handlers/Ghost.sol";
import {InvestorHandler} from "./handlers/InvestorHandler.sol";
import {OperatorHandler} from "./handlers/OperatorHandler.sol";
import {CorporateActionHandler} from "./handlers/CorporateActionHandler.sol";
import {MultiplierState} from "../../contracts/token/ShareMultiplier.sol";
import {IReserveRounds} from "./handlers/HandlerBase.sol";

/// @title RAT's system invariants under random sequences of every investor and operator action, across three
/// equities, two stablecoins (6 and 18 decimals), four investors and a stranger, four attestors (plus a key no one
/// registered), reserve rounds that are sometimes tight and sometimes below supply, and corporate actions on the
/// share multiplier (splits and reverse splits scheduled, cancelled and activated, management fee set, accrued and
/// sold by the custodian) between them.
/// @notice The readable specification of the same rules is the pair of Hypothesis state machines in
/// tests/minting/test_stateful.py and tests/token/test_compliance_properties.py; `tools/mutation/run.py` shows that
/// both this suite and those machines fail when a rule is broken on purpose.
contract RatInvariants is RatFixture {
    bytes32 private constant ERC1967_IMPLEMENTATION_SLOT =
        0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;

    Ghost internal ghost;
    InvestorHandler internal investors;
    OperatorHandler internal operators;
    CorporateActionHandler internal corporate;

    function setUp() public {
        _deploySystem();
        _seedHoldings();
        ghost = new Ghost();
        ghost.expectImplementation(address(sys.beacon), sys.beacon.implementation());
        address[4] memory proxies = [address(sys.registry), address(sys.minter), address(sys.vault), address(sys.reserves)];
        for (uint256 i; i < proxies.length; ++i) {
            ghost.expectImplementation(proxies[i], _implementationOf(proxies[i]));
        }
        // The custodian then holds the seeded supply plus a buffer of 20 shares (a round as tight as a real custody
        // account keeps), so the reserve guard binds from the first fill and, after a split, in post-split shares.
        vm.warp(block.timestamp + 1);
        for (uint256 a; a < N_ASSETS; ++a) {
            address asset = address(sys.assets[a]);
            _publishRound(asset, sys.assets[a].totalSupply() + 20 * SHARE, uint64(block.timestamp));
            ghost.initAsset(asset, uint256(_latestReserves(asset)));
        }
        investors = new InvestorHandler(sys, ghost);
        operators = new OperatorHandler(sys, ghost);
        corporate = new CorporateActionHandler(sys, ghost);
        targetContract(address(investors));
        targetContract(address(operators));
        targetContract(address(corporate));
    }

    /// Every investor starts with 25 shares of every asset it may hold, minted through attested fulfilments' path
    /// stand-in: a temporary MINTER_ROLE for the timelock, within the first reserve round.
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

    // ================================================================== invariants

    /// Σ balances == totalSupply for every asset (the holders list is everyone who can hold tokens), and the
    /// holder count is the number of non-zero balances of investors (the Minter's escrow is a PROTOCOL holder's and
    /// takes no slot, ADR 0084).
    function invariant_balancesSumToTotalSupply() public view {
        for (uint256 a; a < N_ASSETS; ++a) {
            RealAssetToken t = sys.assets[a];
            uint256 sum;
            uint256 nonZero;
            for (uint256 h; h < N_HOLDERS; ++h) {
                uint256 b = t.balanceOf(sys.holders[h]);
                sum += b;
                if (b != 0 && sys.holders[h] != address(sys.minter)) ++nonZero;
            }
            assertEq(sum, t.totalSupply(), "sum of balances != totalSupply");
            assertEq(nonZero, t.holderCount(), "holderCount != non-zero balances");
        }
    }

    /// After every successful fulfilMint, the supply in shares after the multiplier (totalSupply x the ghost's
    /// model of the multiplier / 1e18, rounded up) <= the shares of the latest attested reserve round, whatever
    /// splits, reverse splits and fee accrual happened before.
    /// Reserves are fresh up to and including updatedAt + heartbeat and stale from the second after: no mint settles
    /// in the second after, and none is refused as stale in the last fresh second (the handler lands fills on both).
    /// (Checked in this campaign rather than one of its own: each invariant function costs a full CI campaign.)
    function invariant_supplyWithinAttestedReservesAtEveryFulfilment() public view {
        assertEq(ghost.fulfilmentsOverReserves(), 0, "a fulfilment took supply in shares above attested reserves");
        assertEq(ghost.heartbeatMisses(), 0, "a fill at the heartbeat edge contradicted updatedAt + heartbeat >= now");
    }

    /// The Minter holds exactly the escrow of its pending requests: stablecoin per payment token for mints, tokens
    /// per asset for burns (summed from the Minter's own request storage), plus the fixed ESCROW_KEEPALIVE units of
    /// each stablecoin the Minter keeps for good.
    function invariant_minterHoldsExactlyPendingEscrow() public view {
        uint256[N_COINS] memory coinEscrow;
        uint256[N_ASSETS] memory tokenEscrow;
        uint256 n = ghost.requestCount();
        for (uint256 i; i < n; ++i) {
            Request memory r = sys.minter.getRequest(ghost.requestIds(i));
            if (r.status != RequestStatus.PENDING) continue;
            if (r.kind == RequestKind.MINT) {
                address coin = sys.minter.paymentTokenById(r.paymentTokenId);
                coinEscrow[coin == address(sys.coins[0]) ? 0 : 1] += r.amount;
            } else {
                address asset = sys.minter.assetById(r.assetId);
                for (uint256 a; a < N_ASSETS; ++a) {
                    if (asset == address(sys.assets[a])) tokenEscrow[a] += r.amount;
                }
            }
        }
        uint256 keepalive = sys.minter.ESCROW_KEEPALIVE();
        for (uint256 c; c < N_COINS; ++c) {
            assertEq(sys.coins[c].balanceOf(address(sys.minter)), coinEscrow[c] + keepalive, "stablecoin escrow mismatch");
        }
        for (uint256 a; a < N_ASSETS; ++a) {
            assertEq(sys.assets[a].balanceOf(address(sys.minter)), tokenEscrow[a], "token escrow mismatch");
        }
    }

    /// A request is fulfilled, cancelled or rejected at most once, and it is closed exactly when a close succeeded.
    function invariant_requestsCloseAtMostOnce() public view {
        uint256 n = ghost.requestCount();
        for (uint256 i; i < n; ++i) {
            bytes32 id = ghost.requestIds(i);
            uint256 closes = ghost.closes(id);
            assertLe(closes, 1, "request closed more than once");
            bool open = sys.minter.getRequest(id).status == RequestStatus.PENDING;
            assertEq(open, closes == 0, "request status disagrees with its successful closes");
        }
    }

    /// No fill settles without a quorum of registered attestors covering brokerage and custody.
    function invariant_onlyQuorateFillsSettle() public view {
        assertEq(ghost.fillsWithoutQuorum(), 0, "a fill settled without brokerage + custody quorum");
    }

    /// Per payment token: vault balance == treasury + insurance == fees collected - fees withdrawn.
    function invariant_feeVaultConservation() public view {
        for (uint256 c; c < N_COINS; ++c) {
            address coin = address(sys.coins[c]);
            (uint256 treasury, uint256 insurance) = sys.vault.buckets(coin);
            uint256 balance = sys.coins[c].balanceOf(address(sys.vault));
            assertEq(balance, treasury + insurance, "vault balance != treasury + insurance");
            assertEq(balance, ghost.feesIn(coin) - ghost.feesOut(coin), "vault balance != collected - withdrawn");
        }
    }

    /// No ineligible or frozen address gained tokens in any action, except as the recipient of a forced transfer.
    function invariant_noIneligibleAddressGainsTokens() public view {
        assertEq(ghost.ineligibleGains(), 0, "an ineligible or frozen address gained tokens");
        for (uint256 a; a < N_ASSETS; ++a) {
            assertEq(sys.assets[a].balanceOf(sys.holders[N_INVESTORS]), 0, "the stranger (never KYC'd) holds tokens");
        }
    }

    /// While an asset is paused no balance and no supply of it changes.
    function invariant_pausedAssetMovesNoTokens() public view {
        assertEq(ghost.pausedMoves(), 0, "a paused asset moved tokens");
    }

    /// Only the timelock upgrades: the beacon and the four UUPS proxies point where the timelock last put them.
    function invariant_onlyTheTimelockUpgrades() public view {
        assertEq(ghost.unauthorisedUpgrades(), 0, "an upgrade by someone other than the timelock succeeded");
        assertEq(sys.beacon.implementation(), ghost.expectedImplementation(address(sys.beacon)), "beacon moved");
        address[4] memory proxies = [address(sys.registry), address(sys.minter), address(sys.vault), address(sys.reserves)];
        for (uint256 i; i < proxies.length; ++i) {
            assertEq(_implementationOf(proxies[i]), ghost.expectedImplementation(proxies[i]), "proxy moved");
        }
    }

    /// The token's multiplier is exactly the ghost's independent model of splits and fee accrual (folded when the
    /// token folds, the fee rounded down, split results rounded up), now, at a pending split's activation time and
    /// the second before it; the pending split is the one the model expects; totalShares is supply x multiplier
    /// rounded down.
    function invariant_multiplierMatchesIndependentModel() public view {
        for (uint256 a; a < N_ASSETS; ++a) {
            RealAssetToken t = sys.assets[a];
            address asset = address(t);
            uint256 m = ghost.multiplierNow(asset);
            assertEq(t.multiplier(), m, "multiplier != model");
            assertEq(t.totalShares(), t.totalSupply() * m / SHARE, "totalShares != supply x multiplier");
            (uint256 splitAt, uint256 num, uint256 den) = ghost.pendingSplit(asset);
            (MultiplierState memory st,) = t.multiplierState();
            if (splitAt > block.timestamp) {
                assertEq(st.splitAt, splitAt, "pending split time != model");
                assertEq(uint256(st.numerator) * 1e4 + st.denominator, num * 1e4 + den, "pending split ratio != model");
                assertEq(t.multiplierAt(splitAt), ghost.multiplierAt(asset, splitAt), "multiplier at activation != model");
                assertEq(t.multiplierAt(splitAt - 1), ghost.multiplierAt(asset, splitAt - 1), "multiplier before activation != model");
            } else {
                assertLe(st.splitAt, block.timestamp, "a split is pending that the model does not know");
            }
        }
    }

    /// Reading the multiplier never reverts, and it stays within [MIN_MULTIPLIER, MAX_MULTIPLIER] — below the
    /// floor only once a management fee has been in force (scheduling bounds a split's result; the fee may then
    /// take the multiplier lower, legitimately).
    function invariant_multiplierReadableAndWithinBounds() public view {
        for (uint256 a; a < N_ASSETS; ++a) {
            RealAssetToken t = sys.assets[a];
            uint256 m;
            try t.multiplier() returns (uint256 value) {
                m = value;
            } catch {
                revert("multiplier() reverted");
            }
            assertLe(m, t.MAX_MULTIPLIER(), "multiplier above MAX_MULTIPLIER");
            if (!ghost.feeEver(address(t))) assertLe(t.MIN_MULTIPLIER(), m, "multiplier below MIN_MULTIPLIER without a fee");
        }
    }

    /// Corporate actions do what the model says: a split is scheduled or cancelled exactly when governance asks with
    /// the current version, a valid ratio and notice, nothing pending and a result within bounds; the fee is set
    /// only through the vault and up to its cap; no one without the role acts; every checkpoint reports the model's
    /// fee shares and multiplier.
    function invariant_corporateActionsFollowTheModel() public view {
        assertEq(ghost.unauthorisedCorporateActions(), 0, "a corporate action by a caller without the role succeeded");
        assertEq(ghost.corporateActionMispredictions(), 0, "a corporate action's outcome differs from the model's");
        assertEq(ghost.feeShareMismatches(), 0, "a checkpoint reported other fee shares or multiplier than the model");
    }

    /// Every fill settles its own terms in token units across splits and fees: a mint adds exactly `fill.shares`
    /// tokens and refunds the unspent escrow; an escrowed burn burns `fill.shares`, returns the rest of the escrow
    /// and pays shares x price - fees.
    function invariant_fillsSettleExactlyAcrossSplits() public view {
        assertEq(ghost.missettledFills(), 0, "a fill moved other amounts than its terms");
    }

    /// Prints how often each action succeeded, so a run that never reached the interesting states is visible.
    function afterInvariant() external {
        bytes32[21] memory actions = [
            bytes32("requestMint"), "requestBurn", "fulfillMint", "fulfillBurn", "cancel", "reject", "transfer",
            "transferFrom", "forcedTransfer", "pause", "freeze", "upgrade", "scheduleSplit", "cancelSplit",
            "warpToActivation", "splitActivated", "setManagementFee", "checkpoint", "managementFeeSale",
            "fulfillMintScaled", "fillAcrossMultiplier"
        ];
        for (uint256 i; i < actions.length; ++i) {
            emit log_named_uint(string(abi.encodePacked(actions[i])), ghost.successes(actions[i]));
        }
    }

    function _latestReserves(address asset) private view returns (int256 reserves) {
        (, reserves,,,) = IReserveRounds(address(sys.reserves)).latestRoundData(asset);
    }

    function _implementationOf(address proxy) private view returns (address) {
        return address(uint160(uint256(vm.load(proxy, ERC1967_IMPLEMENTATION_SLOT))));
    }
}
