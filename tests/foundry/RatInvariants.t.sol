// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {Request, RequestKind, RequestStatus} from "../../contracts/interfaces/IMinter.sol";
import {RatFixture, N_ASSETS, N_COINS, N_HOLDERS, N_INVESTORS} from "./helpers/RatFixture.sol";
import {Ghost} from "./handlers/Ghost.sol";
import {InvestorHandler} from "./handlers/InvestorHandler.sol";
import {OperatorHandler} from "./handlers/OperatorHandler.sol";

/// @title RAT's system invariants under random sequences of every investor and operator action, across three
/// equities, two stablecoins (6 and 18 decimals), four investors and a stranger, four attestors (plus a key no one
/// registered) and reserve rounds that are sometimes tight and sometimes below supply.
/// @notice The readable specification of the same rules is the pair of Hypothesis state machines in
/// tests/minting/test_stateful.py and tests/token/test_compliance_properties.py; `tools/mutation/run.py` shows that
/// both this suite and those machines fail when a rule is broken on purpose.
contract RatInvariants is RatFixture {
    bytes32 private constant ERC1967_IMPLEMENTATION_SLOT =
        0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;

    Ghost internal ghost;
    InvestorHandler internal investors;
    OperatorHandler internal operators;

    function setUp() public {
        _deploySystem();
        _seedHoldings();
        ghost = new Ghost();
        ghost.expectImplementation(address(sys.beacon), sys.beacon.implementation());
        address[4] memory proxies = [address(sys.registry), address(sys.minter), address(sys.vault), address(sys.reserves)];
        for (uint256 i; i < proxies.length; ++i) {
            ghost.expectImplementation(proxies[i], _implementationOf(proxies[i]));
        }
        investors = new InvestorHandler(sys, ghost);
        operators = new OperatorHandler(sys, ghost);
        targetContract(address(investors));
        targetContract(address(operators));
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
    /// holder count is the number of non-zero balances.
    function invariant_balancesSumToTotalSupply() public view {
        for (uint256 a; a < N_ASSETS; ++a) {
            RealAssetToken t = sys.assets[a];
            uint256 sum;
            uint256 nonZero;
            for (uint256 h; h < N_HOLDERS; ++h) {
                uint256 b = t.balanceOf(sys.holders[h]);
                sum += b;
                if (b != 0) ++nonZero;
            }
            assertEq(sum, t.totalSupply(), "sum of balances != totalSupply");
            assertEq(nonZero, t.holderCount(), "holderCount != non-zero balances");
        }
    }

    /// After every successful fulfilMint, totalSupply <= the shares of the latest attested reserve round.
    function invariant_supplyWithinAttestedReservesAtEveryFulfilment() public view {
        assertEq(ghost.fulfilmentsOverReserves(), 0, "a fulfilment took supply above attested reserves");
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

    /// Prints how often each action succeeded, so a run that never reached the interesting states is visible.
    function afterInvariant() external {
        bytes32[12] memory actions = [
            bytes32("requestMint"), "requestBurn", "fulfillMint", "fulfillBurn", "cancel", "reject", "transfer",
            "transferFrom", "forcedTransfer", "pause", "freeze", "upgrade"
        ];
        for (uint256 i; i < actions.length; ++i) {
            emit log_named_uint(string(abi.encodePacked(actions[i])), ghost.successes(actions[i]));
        }
    }

    function _implementationOf(address proxy) private view returns (address) {
        return address(uint160(uint256(vm.load(proxy, ERC1967_IMPLEMENTATION_SLOT))));
    }
}
