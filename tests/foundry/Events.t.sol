// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IReserveRegistry} from "../../contracts/interfaces/IReserveRegistry.sol";
import {IFeeVault, FeeBucket} from "../../contracts/interfaces/IFeeVault.sol";
import {FeeVault} from "../../contracts/fees/FeeVault.sol";
import {IComplianceRegistry, HolderClass, TransferStatus} from "../../contracts/interfaces/IComplianceRegistry.sol";
import {IRealAssetToken} from "../../contracts/interfaces/IRealAssetToken.sol";
import {RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {IMinter, Fill, AssetStatus} from "../../contracts/interfaces/IMinter.sol";
import {Minter} from "../../contracts/minting/Minter.sol";
import {EquityBeacon, SingletonProxy} from "../../contracts/proxy/Proxies.sol";
import {DividendDistributor, DistributionTerms} from "../../contracts/corporate/DividendDistributor.sol";
import {
    ConversionVault,
    ConversionTerms,
    ConversionKind,
    IConversionMinter
} from "../../contracts/corporate/ConversionVault.sol";
import {AssetLister, Listing} from "../../contracts/governance/AssetLister.sol";
import {EmergencyGuardian} from "../../contracts/governance/EmergencyGuardian.sol";
import {TestStablecoin} from "../../contracts/mocks/TestStablecoin.sol";
import {MockV3Aggregator} from "../../contracts/mocks/MockV3Aggregator.sol";
import {RatFixture, N_INVESTORS} from "./helpers/RatFixture.sol";
import {DividendTree} from "./helpers/DividendTree.sol";

/// @title Every event an indexer mirrors, with its arguments, on every line that emits it (issue 24: emit-line
/// mutants survived Forge).
/// @notice The indexer rebuilds the protocol's state from events alone, so a missing event or a wrong argument is a
/// silent divergence between the chain and its mirror. The Forge suite checked few events, so a mutant that commented
/// out an `emit`, or replaced one of its arguments, survived it. Each test makes the real state change through the
/// public function that emits the event and expects that exact event from that exact contract, every argument
/// derived from the test's inputs or the state it set up. An event emitted on two lines (two paths) has one test per
/// line, named after its path; an argument a path can set either way (a flag, a bucket) is pinned on a value a
/// constant replacement would miss.
contract Events is RatFixture {
    uint256 private constant PRICE = 100e6; // USDC per share
    bytes32 private constant REF = keccak256("governance decision 7");
    uint16 private constant FEE_BPS = 100; // a 1 % annual management fee
    uint256 private constant HELD = 200 * SHARE; // alice's tokens while the management fee accrues
    uint256 private constant TOTAL = 1_000e6; // a distribution's four leaves' gross, in USDC
    uint256 private constant RATE = 187_530_000; // 187.53 USDC per share converted
    uint256 private constant HOLDING = 10 * SHARE; // each investor's tokens of the converted asset
    // The converted asset splits 3-for-2 before its conversion: 1.5 shares per token, so tokens and shares differ.
    uint256 private constant SPLIT_NUMERATOR = 3;
    uint256 private constant SPLIT_DENOMINATOR = 2;

    RealAssetToken private token; // minimum tier 1, no holder cap, no mint or burn fee
    TestStablecoin private usdc;
    address private alice; // investor0, tier 1, BR
    address private bob; // investor1, tier 2, AR

    // Deployed only by the sections that need them (helpers at the end).
    DividendDistributor private dist;
    address private dividendTreasury;
    address private taxAccount;
    ConversionVault private conv;
    address private convManager;
    address private convTreasury;
    AssetLister private lister;
    EmergencyGuardian private guardianContract;
    address private guardian;

    function setUp() public {
        _deploySystem();
        token = sys.assets[0];
        usdc = sys.coins[0];
        alice = sys.holders[0];
        bob = sys.holders[1];
        // rat/deployment.py gives the timelock the venue listing role (TIMELOCK_MANAGEMENT_ROLES), the fixture not.
        vm.startPrank(sys.timelock);
        sys.registry.grantRole(sys.registry.VENUE_LISTING_ROLE(), sys.timelock);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- ReserveRegistry

    function test_rotatingAnAssetsCustodianKeyEmitsCustodianUpdated() public {
        address next = makeAddr("rotated-custodian-key");
        vm.expectEmit(address(sys.reserves));
        emit IReserveRegistry.CustodianUpdated(address(token), next);
        vm.prank(sys.timelock);
        sys.reserves.setCustodian(address(token), next);
    }

    // ---------------------------------------------------------------- FeeVault

    /// A fresh vault: the fixture's vault named its Minter at deployment, and a Minter is named once.
    function test_namingTheVaultsMinterEmitsMinterSet() public {
        vm.startPrank(sys.timelock);
        FeeVault fresh = FeeVault(address(new SingletonProxy(sys.spareVaultImpl,
            abi.encodeCall(FeeVault.initialize, (sys.timelock, INSURANCE_SHARE_BPS)))));
        vm.expectEmit(address(fresh));
        emit IFeeVault.MinterSet(address(sys.minter));
        fresh.setMinter(address(sys.minter));
        vm.stopPrank();
    }

    function test_listingAPaymentTokenWithTheMinterEmitsTokenTrackedFromTheVault() public {
        TestStablecoin eurc = new TestStablecoin("Test Euro Coin", "EURC", 6, sys.timelock);
        uint256 keepalive = sys.minter.ESCROW_KEEPALIVE();
        vm.startPrank(sys.timelock);
        eurc.mint(sys.timelock, keepalive);
        eurc.approve(address(sys.minter), keepalive);
        vm.expectEmit(address(sys.vault));
        emit IFeeVault.TokenTracked(address(eurc));
        sys.minter.listPaymentToken(address(eurc));
        vm.stopPrank();
    }

    /// Mint and burn fees differ, so a mutant that swaps or repeats one is seen.
    function test_settingAnAssetsFeesEmitsFeesUpdated() public {
        vm.expectEmit(address(sys.vault));
        emit IFeeVault.FeesUpdated(address(token), 15, 40);
        vm.prank(sys.operator);
        sys.vault.setFees(address(token), 15, 40);
    }

    function test_settingTheInsuranceShareEmitsInsuranceShareUpdated() public {
        vm.expectEmit(address(sys.vault));
        emit IFeeVault.InsuranceShareUpdated(3_500);
        vm.prank(sys.operator);
        sys.vault.setInsuranceShare(3_500);
    }

    /// From the insurance bucket, not the first enum value, so a bucket argument fixed to TREASURY is seen.
    function test_aWithdrawalEmitsFeeWithdrawnWithItsBucketPayeeAndAmount() public {
        uint256 arrived = 10_000e6;
        vm.prank(sys.timelock);
        usdc.mint(address(sys.vault), arrived);
        uint256 half = arrived * INSURANCE_SHARE_BPS / 10_000 / 2;
        address insurer = makeAddr("insurer");
        vm.expectEmit(address(sys.vault));
        emit IFeeVault.FeeWithdrawn(address(usdc), FeeBucket.INSURANCE, insurer, half);
        vm.prank(sys.operator);
        sys.vault.withdraw(address(usdc), FeeBucket.INSURANCE, insurer, half);
    }

    function test_settingAManagementFeeEmitsManagementFeeSet() public {
        vm.expectEmit(address(sys.vault));
        emit IFeeVault.ManagementFeeSet(address(token), FEE_BPS);
        vm.prank(sys.operator);
        sys.vault.setManagementFee(address(token), FEE_BPS);
    }

    /// A year at 1 % takes a hundredth of every holder's shares: the multiplier falls from one share per token to
    /// 0.99, and the custodian owes to sell a hundredth of the supply's shares.
    function test_accruingAYearOfManagementFeeEmitsManagementFeeAccruedForThatYear() public {
        uint40 since = _aYearOfManagementFee();
        vm.expectEmit(address(sys.vault));
        emit IFeeVault.ManagementFeeAccrued(address(token), since, uint40(block.timestamp), SHARE,
            _multiplierAfterAYear(), HELD * FEE_BPS / 10_000);
        sys.vault.accrueManagementFee(address(token));
    }

    function test_recordingAManagementFeeSaleEmitsManagementFeeCollected() public {
        bytes32 confirmation = keccak256("custodian trade confirmation 17");
        vm.expectEmit(address(sys.vault));
        emit IFeeVault.ManagementFeeCollected(address(token), address(usdc), 3 * SHARE, 450e6, confirmation);
        vm.prank(sys.settlement);
        sys.vault.recordManagementFeeSale(address(token), address(usdc), 3 * SHARE, 450e6, confirmation);
    }

    /// Seed `2026-12-04-s36-2` (`FeeVault-CR-8c620fc8d2` survived Forge and pytest): a sale's proceeds are booked in
    /// the same call, like every fee: `FeesBooked` with the split at the current insurance share, nothing left
    /// unbooked.
    function test_recordingAManagementFeeSaleBooksItsProceedsAtOnce() public {
        uint256 amount = sys.vault.unbooked(address(usdc)) + 450e6;
        uint256 toInsurance = amount * sys.vault.insuranceShareBps() / 10_000;
        assertEq(toInsurance != 0, true, "the fixture's vault keeps an insurance share");
        vm.expectEmit(address(sys.vault));
        emit IFeeVault.FeesBooked(address(usdc), amount, amount - toInsurance, toInsurance);
        vm.prank(sys.settlement);
        sys.vault.recordManagementFeeSale(address(token), address(usdc), 3 * SHARE, 450e6, keccak256("trade 18"));
        assertEq(sys.vault.unbooked(address(usdc)), 0, "nothing left unbooked");
    }

    // ---------------------------------------------------------------- ComplianceRegistry

    function test_writingAKycRecordEmitsInvestorUpdated() public {
        address newcomer = makeAddr("newcomer");
        uint40 expiry = uint40(block.timestamp + 365 days);
        bytes32 applicant = keccak256("applicant-newcomer");
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.InvestorUpdated(newcomer, 2, "DE", expiry, applicant);
        vm.prank(sys.operator);
        sys.registry.setInvestor(newcomer, 2, "DE", expiry, applicant);
    }

    function test_revokingAKycRecordEmitsInvestorRevoked() public {
        bytes32 revocation = keccak256("provider revocation 3");
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.InvestorRevoked(alice, revocation);
        vm.prank(sys.operator);
        sys.registry.revokeInvestor(alice, revocation);
    }

    function test_freezingAccountsEmitsAccountFrozenForEachAccount() public {
        bytes32 order = keccak256("sanctions list entry 12");
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.AccountFrozen(alice, order);
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.AccountFrozen(bob, order);
        vm.prank(sys.operator);
        sys.registry.freeze(_two(alice, bob), order);
    }

    /// Lifted under another reference than the freeze, so the event must carry the lifting decision's.
    function test_unfreezingAccountsEmitsAccountUnfrozenForEachAccount() public {
        bytes32 lifted = keccak256("delisting decision 12");
        vm.prank(sys.operator);
        sys.registry.freeze(_two(alice, bob), keccak256("sanctions list entry 12"));
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.AccountUnfrozen(alice, lifted);
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.AccountUnfrozen(bob, lifted);
        vm.prank(sys.operator);
        sys.registry.unfreeze(_two(alice, bob), lifted);
    }

    function test_registeringAnAssetEmitsAssetRegistered() public {
        address asset = makeAddr("rNVDA-proxy");
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.AssetRegistered(asset);
        vm.prank(sys.operator);
        sys.registry.registerAsset(asset, 2, 500);
    }

    function test_blockingAJurisdictionEmitsJurisdictionBlockUpdatedTrue() public {
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.JurisdictionBlockUpdated(address(token), "US", true);
        vm.prank(sys.operator);
        sys.registry.setJurisdictionsBlocked(address(token), _us(), true);
    }

    function test_liftingAJurisdictionBlockEmitsJurisdictionBlockUpdatedFalse() public {
        vm.prank(sys.operator);
        sys.registry.setJurisdictionsBlocked(address(token), _us(), true);
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.JurisdictionBlockUpdated(address(token), "US", false);
        vm.prank(sys.operator);
        sys.registry.setJurisdictionsBlocked(address(token), _us(), false);
    }

    function test_classifyingAContractAsAProtocolHolderEmitsHolderClassUpdated() public {
        address escrow = _contractAt("dividend-escrow");
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.HolderClassUpdated(escrow, HolderClass.PROTOCOL, REF);
        vm.prank(sys.operator);
        sys.registry.setHolderClass(escrow, HolderClass.PROTOCOL, REF);
    }

    function test_aVenuesFirstRegistrationEmitsHolderClassUpdatedToVenue() public {
        address venue = _contractAt("pool-manager");
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.HolderClassUpdated(venue, HolderClass.VENUE, REF);
        vm.prank(sys.timelock);
        sys.registry.registerVenue(address(token), venue, REF);
    }

    function test_registeringAVenueEmitsVenueRegistered() public {
        address venue = _contractAt("pool-manager");
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.VenueRegistered(address(token), venue, REF);
        vm.prank(sys.timelock);
        sys.registry.registerVenue(address(token), venue, REF);
    }

    function test_removingAVenueEmitsVenueRemoved() public {
        address venue = _registeredVenue("pool-manager");
        bytes32 removal = keccak256("venue removal decision");
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.VenueRemoved(address(token), venue, removal);
        vm.prank(sys.timelock);
        sys.registry.removeVenue(address(token), venue, removal);
    }

    function test_givingAVenueAnExitEmitsVenueExitSet() public {
        address venue = _registeredVenue("morpho");
        address exit = _registeredVenue("morpho-gateway");
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.VenueExitSet(address(token), venue, exit, REF);
        vm.prank(sys.timelock);
        sys.registry.setVenueExit(address(token), venue, exit, REF);
    }

    /// The removal path: a venue removed with an exit loses it, and the indexer must hear that it is cleared.
    function test_removingAVenueWithAnExitEmitsVenueExitSetClearingIt() public {
        address venue = _registeredVenue("morpho");
        address exit = _registeredVenue("morpho-gateway");
        bytes32 removal = keccak256("venue removal decision");
        vm.prank(sys.timelock);
        sys.registry.setVenueExit(address(token), venue, exit, REF);
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.VenueExitSet(address(token), venue, address(0), removal);
        vm.prank(sys.timelock);
        sys.registry.removeVenue(address(token), venue, removal);
    }

    function test_suspendingAVenueEmitsVenueSuspended() public {
        address venue = _registeredVenue("pool-manager");
        bytes32 incident = keccak256("incident report 9");
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.VenueSuspended(address(token), venue, incident);
        vm.prank(sys.timelock);
        sys.registry.suspendVenue(address(token), venue, incident);
    }

    function test_resumingAVenueEmitsVenueResumed() public {
        address venue = _registeredVenue("pool-manager");
        bytes32 resumption = keccak256("venue resumption decision");
        vm.prank(sys.timelock);
        sys.registry.suspendVenue(address(token), venue, keccak256("incident report 9"));
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.VenueResumed(address(token), venue, resumption);
        vm.prank(sys.timelock);
        sys.registry.resumeVenue(address(token), venue, resumption);
    }

    // ---------------------------------------------------------------- RealAssetToken

    function test_aForcedTransferEmitsForcedTransferWithItsLegalReference() public {
        _mintTo(token, alice, 10 * SHARE);
        bytes32 order = keccak256("court order 41");
        vm.expectEmit(address(token));
        emit IRealAssetToken.ForcedTransfer(alice, bob, 4 * SHARE, order);
        vm.prank(sys.operator);
        token.forcedTransfer(alice, bob, 4 * SHARE, order);
    }

    function test_aForcedBurnEmitsForcedBurnWithItsLegalReference() public {
        _mintTo(token, alice, 10 * SHARE);
        bytes32 order = keccak256("court order 42");
        vm.expectEmit(address(token));
        emit IRealAssetToken.ForcedBurn(alice, 4 * SHARE, order);
        vm.prank(sys.operator);
        token.forcedBurn(alice, 4 * SHARE, order);
    }

    function test_pausingEmitsPausedNamingThePauser() public {
        vm.expectEmit(address(token));
        emit IRealAssetToken.Paused(sys.operator);
        vm.prank(sys.operator);
        token.pause();
    }

    function test_unpausingEmitsUnpausedNamingTheUnpauser() public {
        vm.prank(sys.operator);
        token.pause();
        vm.expectEmit(address(token));
        emit IRealAssetToken.Unpaused(sys.operator);
        vm.prank(sys.operator);
        token.unpause();
    }

    function test_amendingTheLegalTermsEmitsLegalTermsUpdated() public {
        bytes32 hash = keccak256("terms-v2");
        vm.expectEmit(address(token));
        emit IRealAssetToken.LegalTermsUpdated("ipfs://rat/terms-v2.pdf", hash);
        vm.prank(sys.timelock);
        token.setLegalTerms("ipfs://rat/terms-v2.pdf", hash);
    }

    /// The event carries the new compare-and-swap version: the one the next proposal must name.
    function test_schedulingASplitEmitsSplitScheduledUnderTheNextVersion() public {
        (, uint32 version) = token.multiplierState();
        uint40 at = uint40(block.timestamp + 2 days);
        bytes32 notice = keccak256("split notice");
        vm.expectEmit(address(token));
        emit IRealAssetToken.SplitScheduled(version + 1, 3, 2, at, notice);
        vm.prank(sys.timelock);
        token.scheduleSplit(3, 2, at, version, notice);
    }

    function test_cancellingASplitEmitsSplitCancelledUnderTheNextVersion() public {
        (, uint32 version) = token.multiplierState();
        bytes32 withdrawal = keccak256("split withdrawn");
        vm.prank(sys.timelock);
        token.scheduleSplit(3, 2, uint40(block.timestamp + 2 days), version, keccak256("split notice"));
        vm.expectEmit(address(token));
        emit IRealAssetToken.SplitCancelled(version + 2, withdrawal);
        vm.prank(sys.timelock);
        token.cancelSplit(version + 1, withdrawal);
    }

    /// Changed after a year at 1 %, so the multiplier at the change is 0.99 and not the one share per token a
    /// mutant could hard-code.
    function test_changingTheManagementFeeEmitsManagementFeeUpdatedWithTheMultiplierAtTheChange() public {
        _aYearOfManagementFee();
        vm.expectEmit(address(token));
        emit IRealAssetToken.ManagementFeeUpdated(50, _multiplierAfterAYear());
        vm.prank(sys.operator);
        sys.vault.setManagementFee(address(token), 50);
    }

    function test_aCheckpointEmitsMultiplierCheckpointedWithTheFeeSharesSinceTheLastOne() public {
        uint40 since = _aYearOfManagementFee();
        vm.expectEmit(address(token));
        emit IRealAssetToken.MultiplierCheckpointed(_multiplierAfterAYear(), HELD * FEE_BPS / 10_000, since);
        vm.prank(makeAddr("relayer"));
        token.checkpoint();
    }

    // ---------------------------------------------------------------- Minter

    /// The id is the broker's idempotency key, known before the request from the investor's nonce.
    function test_aMintRequestEmitsMintRequestedWithItsEscrowAndLimits() public {
        _fundPayment(usdc, alice, 1_000e6);
        bytes32 id = sys.minter.nextRequestId(alice);
        uint256 deadline = block.timestamp + 1 days;
        vm.expectEmit(address(sys.minter));
        emit IMinter.MintRequested(id, alice, address(token), address(usdc), 1_000e6, PRICE, deadline);
        vm.prank(alice);
        sys.minter.requestMint(address(token), address(usdc), 1_000e6, PRICE, deadline);
    }

    function test_aBurnRequestEmitsBurnRequestedWithItsEscrowAndLimits() public {
        _mintTo(token, alice, 10 * SHARE);
        bytes32 id = sys.minter.nextRequestId(alice);
        uint256 deadline = block.timestamp + 1 days;
        vm.prank(alice);
        token.approve(address(sys.minter), 4 * SHARE);
        vm.expectEmit(address(sys.minter));
        emit IMinter.BurnRequested(id, alice, address(token), address(usdc), 4 * SHARE, PRICE, deadline);
        vm.prank(alice);
        sys.minter.requestBurn(address(token), address(usdc), 4 * SHARE, PRICE, deadline);
    }

    /// Cancelled by someone other than the investor, so the caller and the account cannot be confused.
    function test_cancellingAnExpiredRequestEmitsRequestCancelledNamingTheCaller() public {
        (bytes32 id, uint256 deadline) = _requestMint(alice, 1_000e6);
        address anyone = makeAddr("anyone");
        vm.warp(deadline + 1);
        vm.expectEmit(address(sys.minter));
        emit IMinter.RequestCancelled(id, alice, address(token), address(usdc), 1_000e6, anyone);
        vm.prank(anyone);
        sys.minter.cancel(id);
    }

    /// A mint request: the refund token (the stablecoin escrowed) differs from the asset, so neither can stand in for
    /// the other.
    function test_rejectingAMintRequestEmitsRequestRejectedWithItsRefundAndReason() public {
        (bytes32 id,) = _requestMint(alice, 1_000e6);
        vm.expectEmit(address(sys.minter));
        emit IMinter.RequestRejected(id, alice, address(token), address(usdc), 1_000e6, 3);
        vm.prank(sys.operator);
        sys.minter.reject(id, 3);
    }

    /// Fail-open: a price older than its heartbeat lets the fill through, and the event names the stale price's time
    /// so that the fill can be reviewed.
    function test_aFillThroughAStalePriceFeedSetToFailOpenEmitsPriceBandNotChecked() public {
        MockV3Aggregator feed = new MockV3Aggregator(8, 100e8);
        uint256 pricedAt = block.timestamp;
        vm.startPrank(sys.timelock);
        sys.minter.setPriceFeed(address(token), address(feed), 1 hours, 500);
        sys.minter.setPriceBandFailOpen(address(token), true);
        vm.stopPrank();
        (bytes32 id,) = _requestMint(alice, 1_000e6);
        vm.warp(pricedAt + 1 hours + 1);
        Fill memory fill = _fill(id, 5 * SHARE);
        bytes[] memory sigs = _attestFill(fill);
        vm.expectEmit(address(sys.minter));
        emit IMinter.PriceBandNotChecked(id, address(token), pricedAt);
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
    }

    function test_settingTheQuorumEmitsQuorumUpdated() public {
        vm.expectEmit(address(sys.minter));
        emit IMinter.QuorumUpdated(3);
        vm.prank(sys.timelock);
        sys.minter.setQuorum(3);
    }

    function test_movingTheSettlementAccountEmitsSettlementAccountUpdated() public {
        address next = makeAddr("next-settlement");
        vm.expectEmit(address(sys.minter));
        emit IMinter.SettlementAccountUpdated(next);
        vm.prank(sys.timelock);
        sys.minter.setSettlementAccount(next);
    }

    /// The initialiser's own line: the indexer learns a new Minter's settlement account from it.
    function test_initialisingAMinterEmitsSettlementAccountUpdatedForItsFirstAccount() public {
        address first = makeAddr("first-settlement");
        address proxy = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectEmit(proxy);
        emit IMinter.SettlementAccountUpdated(first);
        new SingletonProxy(sys.spareMinterImpl, abi.encodeCall(Minter.initialize, (sys.timelock, first)));
    }

    /// The initialiser's own line: a Minter starts at the minimum quorum (one brokerage and one custody signature).
    function test_initialisingAMinterEmitsQuorumUpdatedAtTheMinimumQuorum() public {
        uint8 minimum = sys.minter.MIN_QUORUM();
        address proxy = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectEmit(proxy);
        emit IMinter.QuorumUpdated(minimum);
        new SingletonProxy(sys.spareMinterImpl, abi.encodeCall(Minter.initialize, (sys.timelock, sys.settlement)));
        assertEq(uint256(Minter(proxy).quorum()), minimum, "the quorum in force is the one evented");
    }

    // ---------------------------------------------------------------- DividendDistributor

    /// Claimed by a relayer for the holder: the caller and the holder are different addresses in the event.
    function test_aClaimEmitsClaimedWithTheWithholdingAndWhoClaimed() public {
        _distributor();
        vm.prank(sys.operator);
        dist.setWithholdingRate("BR", 1_500);
        (uint256 id, DividendTree.Tree memory tree) = _createDistribution();
        uint256 withheld = tree.gross[0] * 1_500 / 10_000;
        address relayer = makeAddr("relayer");
        bytes32[] memory proof = DividendTree.proof(tree, 0);
        vm.expectEmit(address(dist));
        emit DividendDistributor.Claimed(id, alice, relayer, tree.gross[0], tree.gross[0] - withheld, withheld, "BR",
            1_500, taxAccount);
        vm.prank(relayer);
        dist.claim(id, alice, tree.gross[0], proof);
    }

    function test_settingTheDefaultWithholdingRateEmitsDefaultWithholdingRateSet() public {
        _distributor();
        vm.expectEmit(address(dist));
        emit DividendDistributor.DefaultWithholdingRateSet(2_000);
        vm.prank(sys.operator);
        dist.setDefaultWithholdingRate(2_000);
    }

    function test_settingAJurisdictionsWithholdingRateEmitsWithholdingRateSet() public {
        _distributor();
        vm.expectEmit(address(dist));
        emit DividendDistributor.WithholdingRateSet("US", 3_000);
        vm.prank(sys.operator);
        dist.setWithholdingRate("US", 3_000);
    }

    function test_clearingAJurisdictionsWithholdingRateEmitsWithholdingRateCleared() public {
        _distributor();
        vm.prank(sys.operator);
        dist.setWithholdingRate("US", 3_000);
        vm.expectEmit(address(dist));
        emit DividendDistributor.WithholdingRateCleared("US");
        vm.prank(sys.operator);
        dist.clearWithholdingRate("US");
    }

    /// After one claim, so what returns is the total less that claim, not the whole total.
    function test_cancellingADistributionEmitsDistributionCancelledWithWhatWasUnpaid() public {
        _distributor();
        (uint256 id, DividendTree.Tree memory tree) = _createDistribution();
        dist.claim(id, alice, tree.gross[0], DividendTree.proof(tree, 0));
        vm.expectEmit(address(dist));
        emit DividendDistributor.DistributionCancelled(id, dividendTreasury, TOTAL - tree.gross[0]);
        vm.prank(sys.timelock);
        dist.cancelDistribution(id);
    }

    function test_sweepingAnExpiredDistributionEmitsSweptWithWhatWasUnclaimed() public {
        _distributor();
        (uint256 id, DividendTree.Tree memory tree) = _createDistribution();
        dist.claim(id, bob, tree.gross[1], DividendTree.proof(tree, 1));
        vm.warp(uint256(dist.distribution(id).claimDeadline) + 1);
        vm.expectEmit(address(dist));
        emit DividendDistributor.Swept(id, dividendTreasury, TOTAL - tree.gross[1]);
        dist.sweep(id);
    }

    function test_changingTheDividendTreasuryEmitsTreasuryUpdatedFromTheOldOne() public {
        _distributor();
        address next = makeAddr("next-dividend-treasury");
        vm.expectEmit(address(dist));
        emit DividendDistributor.TreasuryUpdated(dividendTreasury, next);
        vm.prank(sys.timelock);
        dist.setTreasury(next);
    }

    function test_changingTheTaxAccountEmitsTaxAccountUpdatedFromTheOldOne() public {
        _distributor();
        address next = makeAddr("next-tax-account");
        vm.expectEmit(address(dist));
        emit DividendDistributor.TaxAccountUpdated(taxAccount, next);
        vm.prank(sys.timelock);
        dist.setTaxAccount(next);
    }

    // ---------------------------------------------------------------- ConversionVault

    /// Funded by the SPV's settlement account, not the manager who opened it: the event names the funder.
    function test_fundingACashConversionEmitsConversionFundedNamingTheFunder() public {
        _openCashConversion(false);
        uint64 id = conv.conversion(address(token)).id;
        vm.expectEmit(address(conv));
        emit ConversionVault.ConversionFunded(address(token), id, sys.settlement, 10 * RATE);
        vm.prank(sys.settlement);
        conv.fund(address(token), 10 * RATE);
    }

    /// Part of the excess (5 of 7 units over), so the amount returned and the whole excess differ.
    function test_defundingExcessCashEmitsConversionDefundedToTheTreasury() public {
        _openCashConversion(false);
        uint64 id = conv.conversion(address(token)).id;
        vm.prank(sys.settlement);
        conv.fund(address(token), _owed() + 7);
        vm.expectEmit(address(conv));
        emit ConversionVault.ConversionDefunded(address(token), id, convTreasury, 5);
        vm.prank(convManager);
        conv.defund(address(token), 5);
    }

    /// The holder's own conversion is not forced; three tokens are 4.5 shares after the split, paid at the rate.
    function test_aHoldersOwnConversionEmitsConvertedNotForced() public {
        ConversionTerms memory t = _openCashConversion(false);
        _fundAndOpenWindow(t);
        uint64 id = conv.conversion(address(token)).id;
        uint256 shares = _shares(3 * SHARE);
        vm.expectEmit(address(conv));
        emit ConversionVault.Converted(address(token), id, alice, 3 * SHARE, shares, shares * RATE / SHARE, false);
        vm.prank(alice);
        conv.convert(address(token), 3 * SHARE);
    }

    function test_convertAllEmitsConvertedForcedForTheWholeBalance() public {
        ConversionTerms memory t = _openCashConversion(true);
        _fundAndOpenWindow(t);
        uint64 id = conv.conversion(address(token)).id;
        uint256 shares = _shares(HOLDING);
        vm.expectEmit(address(conv));
        emit ConversionVault.Converted(address(token), id, bob, HOLDING, shares, shares * RATE / SHARE, true);
        conv.convertAll(address(token), _one(bob));
    }

    function test_convertAllDefersAFrozenHolderWithConversionDeferred() public {
        ConversionTerms memory t = _openCashConversion(true);
        _fundAndOpenWindow(t);
        uint64 id = conv.conversion(address(token)).id;
        vm.prank(sys.operator);
        sys.registry.freeze(_one(alice), keccak256("case"));
        vm.expectEmit(address(conv));
        emit ConversionVault.ConversionDeferred(address(token), id, alice, HOLDING, TransferStatus.RECIPIENT_FROZEN);
        conv.convertAll(address(token), _one(alice));
    }

    /// One of four holders converted before the expiry: the cash for the other three holdings returns, and the
    /// totals are the one holding's tokens, its shares after the split and its payout.
    function test_closingAConversionEmitsConversionClosedWithItsFinalTotals() public {
        ConversionTerms memory t = _openCashConversion(false);
        _fundAndOpenWindow(t);
        uint64 id = conv.conversion(address(token)).id;
        vm.prank(alice);
        conv.convert(address(token), HOLDING);
        vm.warp(t.expiresAt);
        uint256 paid = _shares(HOLDING) * RATE / SHARE;
        vm.expectEmit(address(conv));
        emit ConversionVault.ConversionClosed(address(token), id, convTreasury, _owed() - paid, HOLDING,
            _shares(HOLDING), paid);
        vm.prank(convManager);
        conv.closeConversion(address(token));
    }

    /// The constructor's own line: the indexer learns the first treasury from it.
    function test_deployingAConversionVaultEmitsTreasuryUpdatedForItsFirstTreasury() public {
        address first = makeAddr("first-conversion-treasury");
        address vault = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectEmit(vault);
        emit ConversionVault.TreasuryUpdated(first);
        new ConversionVault(sys.timelock, IConversionMinter(address(sys.minter)), sys.registry, first);
    }

    function test_changingTheConversionTreasuryEmitsTreasuryUpdated() public {
        _conversionVault();
        address next = makeAddr("next-conversion-treasury");
        vm.expectEmit(address(conv));
        emit ConversionVault.TreasuryUpdated(next);
        vm.prank(sys.timelock);
        conv.setTreasury(next);
    }

    // ---------------------------------------------------------------- AssetLister

    /// The feed is the lister's CREATE after the proxy's CREATE2, so its address is the lister's nonce after next;
    /// the Minter reading that feed afterwards confirms the prediction.
    function test_listingAnEquityEmitsEquityListedWithItsTickerIsinAndReserveFeed() public {
        _governance();
        address asset = lister.predictAddress("rNVDA");
        address feed = vm.computeCreateAddress(address(lister), vm.getNonce(address(lister)) + 1);
        Listing memory listing = _nvdaListing();
        vm.expectEmit(address(lister));
        emit AssetLister.EquityListed(asset, keccak256("rNVDA"), "rNVDA", "US67066G1040", feed);
        vm.prank(sys.timelock);
        lister.list(listing);
        assertEq(sys.minter.assetConfig(asset).reserveFeed, feed, "the Minter reads the evented feed");
    }

    function test_listingOnTheStableChannelEmitsListedOnChannelStable() public {
        _governance();
        address asset = lister.predictAddress("rNVDA");
        bytes32 stable = lister.STABLE_CHANNEL();
        Listing memory listing = _nvdaListing();
        vm.expectEmit(address(lister));
        emit AssetLister.ListedOnChannel(asset, stable);
        vm.prank(sys.timelock);
        lister.list(listing);
    }

    function test_listingOnAReleaseChannelEmitsListedOnChannelNamingIt() public {
        _governance();
        bytes32 canary = keccak256("canary");
        address beacon = address(new EquityBeacon(sys.spareTokenImpl, sys.timelock));
        vm.prank(sys.timelock);
        lister.setChannel(canary, beacon);
        address asset = lister.predictAddressOn(canary, "rNVDA");
        Listing memory listing = _nvdaListing();
        vm.expectEmit(address(lister));
        emit AssetLister.ListedOnChannel(asset, canary);
        vm.prank(sys.timelock);
        lister.listOn(canary, listing);
    }

    function test_registeringAReleaseChannelEmitsChannelSet() public {
        _governance();
        bytes32 canary = keccak256("canary");
        address beacon = address(new EquityBeacon(sys.spareTokenImpl, sys.timelock));
        vm.expectEmit(address(lister));
        emit AssetLister.ChannelSet(canary, beacon);
        vm.prank(sys.timelock);
        lister.setChannel(canary, beacon);
    }

    function test_changingAnAssetsStatusEmitsAssetStatusChangedWithItsCorporateAction() public {
        _governance();
        bytes32 merger = keccak256("merger notice");
        vm.expectEmit(address(lister));
        emit AssetLister.AssetStatusChanged(address(token), AssetStatus.REDEEM_ONLY, merger);
        vm.prank(sys.timelock);
        lister.setAssetStatus(address(token), AssetStatus.REDEEM_ONLY, merger);
    }

    // ---------------------------------------------------------------- EmergencyGuardian

    function test_theGuardianSuspendingAVenueEmitsEmergencyVenueSuspensionNamingTheGuardian() public {
        _governance();
        address venue = _registeredVenue("pool-manager");
        bytes32 incident = keccak256("incident report 9");
        vm.expectEmit(address(guardianContract));
        emit EmergencyGuardian.EmergencyVenueSuspension(address(token), venue, guardian, incident);
        vm.prank(guardian);
        guardianContract.suspendVenue(address(token), venue, incident);
    }

    // ---------------------------------------------------------------- helpers: tokens, requests, fills



    function _requestMint(address who, uint256 amount) private returns (bytes32 id, uint256 deadline) {
        _fundPayment(usdc, who, amount);
        deadline = block.timestamp + 1 days;
        vm.prank(who);
        id = sys.minter.requestMint(address(token), address(usdc), amount, PRICE, deadline);
    }

    /// A fill at the request's limit price, attested until now (the asset charges no mint fee).
    function _fill(bytes32 id, uint256 shares) private view returns (Fill memory) {
        return _mintFill(id, shares, PRICE, block.timestamp);
    }


    /// `HELD` tokens to alice, a 1 % management fee set now, then a year; returns when the fee was set (the last
    /// checkpoint).
    function _aYearOfManagementFee() private returns (uint40 since) {
        _mintTo(token, alice, HELD);
        since = uint40(block.timestamp);
        vm.prank(sys.operator);
        sys.vault.setManagementFee(address(token), FEE_BPS);
        vm.warp(block.timestamp + 365 days);
    }

    /// One share per token less a year's simple fee at `FEE_BPS`.
    function _multiplierAfterAYear() private pure returns (uint256) {
        return SHARE - SHARE * FEE_BPS / 10_000;
    }

    // ---------------------------------------------------------------- helpers: registry


    function _two(address first, address second) private pure returns (address[] memory list) {
        list = new address[](2);
        list[0] = first;
        list[1] = second;
    }

    function _us() private pure returns (bytes2[] memory codes) {
        codes = new bytes2[](1);
        codes[0] = "US";
    }

    /// A contract account (a venue or protocol holder must have code), never KYC'd.
    function _contractAt(string memory name) private returns (address at) {
        at = makeAddr(name);
        vm.etch(at, hex"00");
    }

    function _registeredVenue(string memory name) private returns (address venue) {
        venue = _contractAt(name);
        vm.prank(sys.timelock);
        sys.registry.registerVenue(address(token), venue, keccak256("venue listing decision"));
    }

    // ---------------------------------------------------------------- helpers: corporate actions

    /// The distributor as `Dividends.t.sol` deploys it; the operator creates and manages withholding, governance
    /// cancels and moves the payout accounts.
    function _distributor() private {
        dividendTreasury = makeAddr("dividend-treasury");
        taxAccount = makeAddr("tax-account");
        DividendDistributor impl = new DividendDistributor(sys.registry);
        dist = DividendDistributor(address(new SingletonProxy(address(impl),
            abi.encodeCall(DividendDistributor.initialize, (sys.timelock, dividendTreasury, taxAccount)))));
        vm.startPrank(sys.timelock);
        dist.grantRole(dist.DISTRIBUTION_CREATOR_ROLE(), sys.operator);
        dist.grantRole(dist.WITHHOLDING_MANAGER_ROLE(), sys.operator);
        dist.grantRole(dist.DISTRIBUTION_CANCELLER_ROLE(), sys.timelock);
        dist.grantRole(dist.PAYOUT_ACCOUNTS_ROLE(), sys.timelock);
        usdc.mint(sys.operator, TOTAL);
        vm.stopPrank();
        vm.prank(sys.operator);
        usdc.approve(address(dist), TOTAL);
        vm.roll(100); // the record block must be a past block
    }

    /// Alice 300, bob 200, investor2 100, investor3 400 USDC gross: `TOTAL` in all.
    function _createDistribution() private returns (uint256 id, DividendTree.Tree memory tree) {
        tree = DividendTree.build([alice, bob, sys.holders[2], sys.holders[3]], [uint256(300e6), 200e6, 100e6, 400e6]);
        DistributionTerms memory terms = DistributionTerms({
            asset: address(token),
            payoutToken: address(usdc),
            merkleRoot: tree.root,
            recordBlock: uint64(block.number - 1),
            amountPerShare: 2e6,
            totalGross: TOTAL,
            claimDeadline: uint40(block.timestamp + 30 days),
            metadataURI: "ipfs://rat/dividends/1.json",
            metadataHash: keccak256("dividend file")
        });
        vm.prank(sys.operator);
        id = dist.createDistribution(terms);
    }

    /// The vault as `Conversions.t.sol` wires it, converting the first equity (every investor holds `HOLDING`),
    /// which the Minter no longer mints and which split 3-for-2 first; the SPV's settlement account funds it.
    function _conversionVault() private {
        convManager = makeAddr("conversion-manager");
        convTreasury = makeAddr("conversion-treasury");
        conv = new ConversionVault(sys.timelock, IConversionMinter(address(sys.minter)), sys.registry, convTreasury);
        vm.startPrank(sys.timelock);
        conv.grantRole(conv.CONVERSION_MANAGER_ROLE(), convManager);
        token.grantRole(token.FORCED_TRANSFER_ROLE(), address(conv));
        token.grantRole(token.MINTER_ROLE(), sys.timelock);
        for (uint256 i; i < N_INVESTORS; ++i) {
            token.mint(sys.holders[i], HOLDING);
        }
        token.revokeRole(token.MINTER_ROLE(), sys.timelock);
        sys.minter.setAssetStatus(address(token), AssetStatus.REDEEM_ONLY);
        uint40 splitAt = uint40(block.timestamp + token.MIN_SPLIT_NOTICE());
        token.scheduleSplit(uint32(SPLIT_NUMERATOR), uint32(SPLIT_DENOMINATOR), splitAt, 0, keccak256("split"));
        vm.stopPrank();
        vm.warp(splitAt);
        vm.prank(sys.settlement);
        usdc.approve(address(conv), type(uint256).max);
    }

    /// Shares `tokens` of the converted asset represent after its split.
    function _shares(uint256 tokens) private pure returns (uint256) {
        return tokens * SPLIT_NUMERATOR / SPLIT_DENOMINATOR;
    }

    function _openCashConversion(bool mandatory) private returns (ConversionTerms memory t) {
        _conversionVault();
        t = ConversionTerms({
            kind: ConversionKind.CASH,
            payout: address(usdc),
            rate: RATE,
            mandatory: mandatory,
            effectiveAt: uint40(block.timestamp + 1 days),
            expiresAt: uint40(block.timestamp + 31 days),
            actionRef: keccak256("issuer notice: merger")
        });
        vm.prank(convManager);
        conv.openConversion(address(token), t);
    }

    /// Cash for every investor's holding at the rate.
    function _owed() private pure returns (uint256) {
        return _shares(N_INVESTORS * HOLDING) * RATE / SHARE;
    }

    function _fundAndOpenWindow(ConversionTerms memory t) private {
        vm.prank(sys.settlement);
        conv.fund(address(token), _owed());
        vm.warp(t.effectiveAt);
    }

    // ---------------------------------------------------------------- helpers: governance glue

    /// The guardian and the lister with the roles deploy.py (rat/deployment.py) gives them, as
    /// `GovernanceAccess.t.sol` wires them.
    function _governance() private {
        guardian = makeAddr("guardian-multisig");
        address tl = sys.timelock;
        guardianContract = new EmergencyGuardian(tl, guardian, address(sys.minter), address(sys.registry));
        lister = new AssetLister(tl, address(sys.beacon), address(guardianContract), address(sys.registry),
            address(sys.minter), address(sys.reserves), address(sys.vault));
        vm.startPrank(tl);
        sys.registry.grantRole(sys.registry.VENUE_GUARDIAN_ROLE(), address(guardianContract));
        sys.minter.grantRole(sys.minter.ASSET_MANAGER_ROLE(), address(lister));
        sys.registry.grantRole(sys.registry.ASSET_POLICY_ROLE(), address(lister));
        sys.reserves.grantRole(sys.reserves.CUSTODIAN_MANAGER_ROLE(), address(lister));
        sys.vault.grantRole(sys.vault.FEE_GOVERNOR_ROLE(), address(lister));
        vm.stopPrank();
    }


}
