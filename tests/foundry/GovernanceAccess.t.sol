// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {AssetLister, Listing} from "../../contracts/governance/AssetLister.sol";
import {EmergencyGuardian} from "../../contracts/governance/EmergencyGuardian.sol";
import {AssetPolicy, IComplianceRegistry} from "../../contracts/interfaces/IComplianceRegistry.sol";
import {AssetConfigView, AssetStatus} from "../../contracts/interfaces/IMinter.sol";
import {RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {FeeBucket, IFeeVault} from "../../contracts/interfaces/IFeeVault.sol";
import {RatFixture} from "./helpers/RatFixture.sol";

/// @title Every privileged function of the governance glue (AssetLister, EmergencyGuardian) refuses a caller without
/// its role, including the other glue role-holder; the positive cases show the wiring the refusals are tested on.
contract GovernanceAccess is RatFixture {
    bytes32 private constant REF = keccak256("incident-42");

    AssetLister private lister;
    EmergencyGuardian private guardianContract;
    RealAssetToken private token;
    address private guardian;
    address private stranger;

    function setUp() public {
        _deploySystem();
        token = sys.assets[0];
        guardian = makeAddr("guardian-multisig");
        stranger = makeAddr("stranger");
        address tl = sys.timelock;
        guardianContract = new EmergencyGuardian(tl, guardian, address(sys.minter), address(sys.registry));
        lister = new AssetLister(tl, address(sys.beacon), address(guardianContract), address(sys.registry),
            address(sys.minter), address(sys.reserves), address(sys.vault));
        // The roles deploy.py hands the glue: the guardian pauses, halts and freezes; the lister sets asset status.
        vm.startPrank(tl);
        token.grantRole(token.PAUSER_ROLE(), address(guardianContract));
        token.grantRole(token.UNPAUSER_ROLE(), address(guardianContract));
        sys.minter.grantRole(sys.minter.ASSET_MANAGER_ROLE(), address(guardianContract));
        sys.minter.grantRole(sys.minter.ASSET_MANAGER_ROLE(), address(lister));
        sys.registry.grantRole(sys.registry.SANCTIONS_OFFICER_ROLE(), address(guardianContract));
        sys.registry.grantRole(sys.registry.VENUE_GUARDIAN_ROLE(), address(guardianContract));
        vm.stopPrank();
    }

    function _expectUnauthorised(address caller, bytes32 role) private {
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role));
        vm.prank(caller);
    }

    function _accounts() private view returns (address[] memory accounts) {
        accounts = new address[](1);
        accounts[0] = stranger;
    }

    // ---------------------------------------------------------------- EmergencyGuardian: GUARDIAN_ROLE

    function test_theGuardianPausesAndUnpausesAndGovernanceImposesAndLiftsALegalHold() public {
        vm.prank(guardian);
        guardianContract.pauseAsset(address(token), REF);
        assertEq(token.paused(), true, "guardian pause");
        vm.prank(guardian);
        guardianContract.unpauseAsset(address(token));
        assertEq(token.paused(), false, "guardian unpause");
        vm.prank(sys.timelock);
        guardianContract.imposeLegalHold(address(token), REF);
        assertEq(token.paused(), true, "legal hold");
        vm.prank(sys.timelock);
        guardianContract.liftLegalHold(address(token));
        assertEq(token.paused(), false, "hold lifted");
    }

    /// Issue 24 (`EmergencyGuardian-CR-3384187b1d` survived Forge and pytest): every emergency action and legal hold
    /// is evented under the asset, the acting guardian and the incident's reference: the incident log and the
    /// regulator pack are built from these events, and a silent one would leave an action with no record.
    function test_everyEmergencyActionAndLegalHoldIsEventedWithItsReference() public {
        address[] memory accounts = _accounts();
        vm.expectEmit(address(guardianContract));
        emit EmergencyGuardian.EmergencyPause(address(token), guardian, REF);
        vm.prank(guardian);
        guardianContract.pauseAsset(address(token), REF);
        vm.expectEmit(address(guardianContract));
        emit EmergencyGuardian.EmergencyUnpause(address(token), guardian);
        vm.prank(guardian);
        guardianContract.unpauseAsset(address(token));
        vm.expectEmit(address(guardianContract));
        emit EmergencyGuardian.EmergencyFreeze(guardian, REF, accounts.length);
        vm.prank(guardian);
        guardianContract.freeze(accounts, REF);
        vm.expectEmit(address(guardianContract));
        emit EmergencyGuardian.LegalHoldImposed(address(token), REF);
        vm.prank(sys.timelock);
        guardianContract.imposeLegalHold(address(token), REF);
        vm.expectEmit(address(guardianContract));
        emit EmergencyGuardian.LegalHoldLifted(address(token), REF);
        vm.prank(sys.timelock);
        guardianContract.liftLegalHold(address(token));
        vm.expectEmit(address(guardianContract));
        emit EmergencyGuardian.EmergencyHalt(address(token), guardian, REF);
        vm.prank(guardian);
        guardianContract.haltAsset(address(token), REF);
    }

    /// Issue 24 (`EmergencyGuardian-CR-627f5ca731`, survived Forge and pytest): the guardian lifts only a pause it
    /// imposed itself. A pause by the token's own pauser (a corporate action, an operator's incident response) is
    /// not the guardian's to lift, and a pause it already lifted cannot be "lifted" again.
    function test_theGuardianCannotLiftAPauseItDidNotImpose() public {
        vm.prank(sys.operator); // the token's PAUSER_ROLE, not the guardian
        token.pause();
        vm.expectRevert(abi.encodeWithSelector(EmergencyGuardian.NotPausedByGuardian.selector, address(token)));
        vm.prank(guardian);
        guardianContract.unpauseAsset(address(token));
        assertEq(token.paused(), true, "still paused by its pauser");

        vm.prank(sys.operator);
        token.unpause();
        vm.prank(guardian);
        guardianContract.pauseAsset(address(token), REF);
        vm.prank(guardian);
        guardianContract.unpauseAsset(address(token));
        vm.expectRevert(abi.encodeWithSelector(EmergencyGuardian.NotPausedByGuardian.selector, address(token)));
        vm.prank(guardian);
        guardianContract.unpauseAsset(address(token));
    }

    /// Issue 24 (`FeeVault-MIA-fb54b83bbd`, killed only by pytest): the vault tracks a payment token for the Minter
    /// only (a tracked token's balance is booked as fees); neither an outsider nor the vault's admin may add one.
    function test_onlyTheMinterMayTrackAFeeToken() public {
        address token = makeAddr("some-token");
        address outsider = makeAddr("outsider");
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.OnlyMinter.selector, outsider));
        vm.prank(outsider);
        sys.vault.trackToken(token);
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.OnlyMinter.selector, sys.timelock));
        vm.prank(sys.timelock);
        sys.vault.trackToken(token);
        uint256 before = sys.vault.trackedTokens().length;
        vm.prank(address(sys.minter));
        sys.vault.trackToken(token);
        assertEq(sys.vault.trackedTokens().length, before + 1, "the Minter tracks it");
    }

    /// Issue 24 (`FeeVault-AOR-e02cbfcaba`, killed only by pytest; `FeeVault-SBR-cf05fd0bdb`, survived both): a
    /// withdrawal books what arrived, then takes exactly the amount from the named bucket, at any size (an amount
    /// above 2^64 units from insurance, where a narrower cast would take less).
    function test_aWithdrawalTakesExactlyItsAmountFromTheNamedBucketAfterBookingArrivals() public {
        address coin = address(sys.coins[0]);
        uint256 arrived = 2 ** 70;
        vm.prank(sys.timelock);
        sys.coins[0].mint(address(sys.vault), arrived);
        uint256 insurance = arrived * INSURANCE_SHARE_BPS / 10_000;
        uint256 treasury = arrived - insurance;
        address payee = makeAddr("payee");
        vm.startPrank(sys.operator);
        sys.vault.withdraw(coin, FeeBucket.TREASURY, payee, treasury / 3);
        (uint256 t, uint256 i) = sys.vault.buckets(coin);
        assertEq(t, treasury - treasury / 3, "treasury less the withdrawal, arrivals booked first");
        assertEq(i, insurance, "insurance untouched");
        sys.vault.withdraw(coin, FeeBucket.INSURANCE, payee, 2 ** 64 + 7);
        vm.stopPrank();
        (t, i) = sys.vault.buckets(coin);
        assertEq(i, insurance - (2 ** 64 + 7), "insurance less the whole amount");
        assertEq(sys.coins[0].balanceOf(payee), treasury / 3 + 2 ** 64 + 7, "paid both");
    }

    /// Issue 24 (`ComplianceRegistry-SBR-1eccb76d1e`, killed only by pytest): the registry events a pause under the
    /// asset's own address (the token calls it), which indexers key the asset's state by, not the transaction's origin.
    function test_theRegistryEventsAPauseUnderTheAssetsAddress() public {
        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.AssetPauseUpdated(address(token), true);
        vm.prank(guardian);
        guardianContract.pauseAsset(address(token), REF);
    }

    /// Issue 24 (`RealAssetToken-FHR-fd0e356465`, `-CR-46f960fceb` survived Forge and pytest): the token states the
    /// security it stands for (ISIN, market) and who holds it in custody, to anyone reading it, as listed.
    function test_theTokenStatesTheIsinAndMarketItWasListedWith() public view {
        assertEq(keccak256(bytes(sys.assets[0].isin())), keccak256("US0378331005"), "ISIN");
        assertEq(keccak256(bytes(sys.assets[0].mic())), keccak256("XNAS"), "MIC");
        assertEq(keccak256(bytes(sys.assets[0].custodian())), keccak256("Seychelles SPV custody account"), "custodian");
    }

    function test_onlyTheGuardianMayPauseAnAsset() public {
        bytes32 role = guardianContract.GUARDIAN_ROLE();
        _expectUnauthorised(stranger, role);
        guardianContract.pauseAsset(address(token), REF);
        _expectUnauthorised(sys.timelock, role);
        guardianContract.pauseAsset(address(token), REF);
    }

    function test_onlyTheGuardianMayLiftItsPause() public {
        vm.prank(guardian);
        guardianContract.pauseAsset(address(token), REF);
        bytes32 role = guardianContract.GUARDIAN_ROLE();
        _expectUnauthorised(stranger, role);
        guardianContract.unpauseAsset(address(token));
        _expectUnauthorised(sys.timelock, role);
        guardianContract.unpauseAsset(address(token));
        assertEq(token.paused(), true, "still paused");
    }

    function test_onlyTheGuardianMayHaltAnAsset() public {
        bytes32 role = guardianContract.GUARDIAN_ROLE();
        _expectUnauthorised(stranger, role);
        guardianContract.haltAsset(address(token), REF);
        _expectUnauthorised(sys.timelock, role);
        guardianContract.haltAsset(address(token), REF);
        vm.prank(guardian);
        guardianContract.haltAsset(address(token), REF);
        assertEq(uint8(sys.minter.assetConfig(address(token)).status), uint8(AssetStatus.HALTED), "guardian halts");
    }

    function test_onlyTheGuardianMayFreezeAccounts() public {
        bytes32 role = guardianContract.GUARDIAN_ROLE();
        address[] memory accounts = _accounts();
        _expectUnauthorised(stranger, role);
        guardianContract.freeze(accounts, REF);
        _expectUnauthorised(sys.timelock, role);
        guardianContract.freeze(accounts, REF);
        assertEq(sys.records.isFrozen(stranger), false, "not frozen");
        vm.prank(guardian);
        guardianContract.freeze(accounts, REF);
        assertEq(sys.records.isFrozen(stranger), true, "guardian freezes");
    }

    function test_onlyTheGuardianMaySuspendAVenue() public {
        bytes32 role = guardianContract.GUARDIAN_ROLE();
        address venue = makeAddr("venue");
        _expectUnauthorised(stranger, role);
        guardianContract.suspendVenue(address(token), venue, REF);
        _expectUnauthorised(sys.timelock, role);
        guardianContract.suspendVenue(address(token), venue, REF);
    }

    // ---------------------------------------------------------------- EmergencyGuardian: LEGAL_HOLD_ROLE

    function test_onlyGovernanceMayImposeALegalHold() public {
        bytes32 role = guardianContract.LEGAL_HOLD_ROLE();
        _expectUnauthorised(stranger, role);
        guardianContract.imposeLegalHold(address(token), REF);
        _expectUnauthorised(guardian, role);
        guardianContract.imposeLegalHold(address(token), REF);
        assertEq(token.paused(), false, "no hold");
    }

    function test_onlyGovernanceMayLiftALegalHold() public {
        vm.prank(sys.timelock);
        guardianContract.imposeLegalHold(address(token), REF);
        bytes32 role = guardianContract.LEGAL_HOLD_ROLE();
        _expectUnauthorised(stranger, role);
        guardianContract.liftLegalHold(address(token));
        _expectUnauthorised(guardian, role);
        guardianContract.liftLegalHold(address(token));
        assertEq(token.paused(), true, "hold stands");
    }

    function test_everyEmergencyActionAndLegalHoldRefusesAZeroReference() public {
        address[] memory accounts = _accounts();
        vm.startPrank(guardian);
        vm.expectRevert(EmergencyGuardian.MissingReference.selector);
        guardianContract.pauseAsset(address(token), bytes32(0));
        vm.expectRevert(EmergencyGuardian.MissingReference.selector);
        guardianContract.haltAsset(address(token), bytes32(0));
        vm.expectRevert(EmergencyGuardian.MissingReference.selector);
        guardianContract.freeze(accounts, bytes32(0));
        vm.expectRevert(EmergencyGuardian.MissingReference.selector);
        guardianContract.suspendVenue(address(token), makeAddr("venue"), bytes32(0));
        vm.stopPrank();
        vm.prank(sys.timelock);
        vm.expectRevert(EmergencyGuardian.MissingReference.selector);
        guardianContract.imposeLegalHold(address(token), bytes32(0));
        assertEq(token.paused(), false, "nothing paused");
    }

    // ---------------------------------------------------------------- AssetLister: LISTING_ROLE

    function test_onlyGovernanceMayListAnAsset() public {
        Listing memory listing;
        listing.terms.symbol = "rNVDA";
        bytes32 role = lister.LISTING_ROLE();
        _expectUnauthorised(stranger, role);
        lister.list(listing);
        _expectUnauthorised(guardian, role);
        lister.list(listing);
    }

    function test_onlyGovernanceMayListOnAChannel() public {
        Listing memory listing;
        listing.terms.symbol = "rNVDA";
        bytes32 channel = keccak256("canary");
        vm.prank(sys.timelock);
        lister.setChannel(channel, address(sys.beacon));
        bytes32 role = lister.LISTING_ROLE();
        _expectUnauthorised(stranger, role);
        lister.listOn(channel, listing);
        _expectUnauthorised(guardian, role);
        lister.listOn(channel, listing);
    }

    function test_onlyGovernanceMayRegisterAReleaseChannel() public {
        bytes32 channel = keccak256("canary");
        bytes32 role = lister.LISTING_ROLE();
        _expectUnauthorised(stranger, role);
        lister.setChannel(channel, address(sys.beacon));
        _expectUnauthorised(guardian, role);
        lister.setChannel(channel, address(sys.beacon));
        vm.expectRevert(abi.encodeWithSelector(AssetLister.UnknownChannel.selector, channel));
        lister.channelBeacon(channel);
        vm.prank(sys.timelock);
        lister.setChannel(channel, address(sys.beacon));
        assertEq(lister.channelBeacon(channel), address(sys.beacon), "governance binds");
    }

    function test_onlyGovernanceMaySetAnAssetsStatus() public {
        bytes32 role = lister.LISTING_ROLE();
        _expectUnauthorised(stranger, role);
        lister.setAssetStatus(address(token), AssetStatus.REDEEM_ONLY, REF);
        _expectUnauthorised(guardian, role);
        lister.setAssetStatus(address(token), AssetStatus.REDEEM_ONLY, REF);
        vm.prank(sys.timelock);
        lister.setAssetStatus(address(token), AssetStatus.REDEEM_ONLY, REF);
        assertEq(uint8(sys.minter.assetConfig(address(token)).status), uint8(AssetStatus.REDEEM_ONLY), "governance");
    }

    // ---------------------------------------------------------------- AssetLister: a listing, end to end

    /// The roles deploy.py (rat/deployment.py) gives the lister for listing.
    function _grantListingRoles() private {
        vm.startPrank(sys.timelock);
        sys.registry.grantRole(sys.registry.ASSET_POLICY_ROLE(), address(lister));
        sys.reserves.grantRole(sys.reserves.CUSTODIAN_MANAGER_ROLE(), address(lister));
        sys.vault.grantRole(sys.vault.FEE_GOVERNOR_ROLE(), address(lister));
        vm.stopPrank();
    }


    function test_aListingWiresTheTokenRegistryReservesMinterAndFeesInOneTransaction() public {
        _grantListingRoles();
        Listing memory listing = _nvdaListing();
        vm.prank(sys.timelock);
        address asset = lister.list(listing);

        assertEq(asset, lister.predictAddress("rNVDA"), "at the address its ticker fixes");
        RealAssetToken t = RealAssetToken(asset);
        assertEq(keccak256(bytes(t.symbol())), keccak256("rNVDA"), "initialised");
        assertEq(t.hasRole(t.MINTER_ROLE(), address(sys.minter)), true, "the Minter mints");
        assertEq(t.hasRole(t.PAUSER_ROLE(), address(guardianContract)), true, "the guardian pauses");
        assertEq(t.hasRole(t.DEFAULT_ADMIN_ROLE(), sys.timelock), true, "governance administers");
        assertEq(t.hasRole(t.UNPAUSER_ROLE(), sys.timelock), true, "governance unpauses");
        assertEq(t.hasRole(t.UNPAUSER_ROLE(), address(guardianContract)), true, "the guardian unpauses its pauses");
        assertEq(t.hasRole(t.CORPORATE_ACTIONS_ROLE(), sys.timelock), true, "governance schedules splits");
        assertEq(t.hasRole(t.MANAGEMENT_FEE_ROLE(), address(sys.vault)), true, "the fee vault sets the fee");
        assertEq(t.hasRole(t.DEFAULT_ADMIN_ROLE(), address(lister)), false, "the lister keeps no power over it");

        AssetPolicy memory policy = sys.registry.policy(asset);
        assertEq(policy.registered, true, "registered for compliance");
        assertEq(policy.minTier, 2, "minimum tier");
        assertEq(policy.maxHolders, 500, "holder cap");
        assertEq(sys.reserves.custodianOf(asset), listing.custodianSigner, "custodian signer");

        AssetConfigView memory config = sys.minter.assetConfig(asset);
        assertEq(uint8(config.status), uint8(AssetStatus.ACTIVE), "listed with the Minter");
        assertEq(config.reserveFeed != address(0), true, "behind its own reserve feed");
        assertEq(config.reserveHeartbeat, 1 days, "reserve heartbeat");
        assertEq(config.mintCap, listing.mintCap, "mint cap");
        assertEq(config.mintRatePerDay, listing.mintRatePerDay, "mint rate");

        (uint16 mintBps, uint16 burnBps) = sys.vault.fees(asset);
        assertEq(mintBps, 25, "mint fee");
        assertEq(burnBps, 30, "burn fee");
    }

    function test_theListerRefusesAZeroAddressForEachOfItsSevenWires() public {
        address[7] memory wires = [sys.timelock, address(sys.beacon), address(guardianContract),
            address(sys.registry), address(sys.minter), address(sys.reserves), address(sys.vault)];
        for (uint256 i; i < wires.length; ++i) {
            address[7] memory args = wires;
            args[i] = address(0);
            vm.expectRevert(AssetLister.ZeroAddress.selector);
            new AssetLister(args[0], args[1], args[2], args[3], args[4], args[5], args[6]);
        }
    }

    /// A listing without a custodian signer is refused, and nothing of it is kept: no token at the ticker's address
    /// and the ticker still free. (The lister's own check and the registry's `setCustodian` refuse it with the same
    /// `ZeroAddress()`, which is why the mutant dropping the lister's check is listed equivalent.)
    function test_aListingWithoutACustodianSignerIsRefusedAndListsNothing() public {
        _grantListingRoles();
        Listing memory listing = _nvdaListing();
        listing.custodianSigner = address(0);
        vm.expectRevert(AssetLister.ZeroAddress.selector);
        vm.prank(sys.timelock);
        lister.list(listing);
        assertEq(lister.predictAddress("rNVDA").code.length, 0, "no token deployed");

        listing.custodianSigner = makeAddr("nvda-custodian");
        vm.prank(sys.timelock);
        assertEq(lister.list(listing), lister.predictAddress("rNVDA"), "the ticker is still free");
    }

    /// The lister records which release channel each asset was listed on (the canary's holders upgrade first).
    function test_theListerRecordsTheReleaseChannelOfEachAsset() public {
        _grantListingRoles();
        bytes32 canary = keccak256("canary");
        vm.startPrank(sys.timelock);
        lister.setChannel(canary, address(sys.beacon));
        address onCanary = lister.listOn(canary, _nvdaListing());
        vm.stopPrank();
        assertEq(lister.channelOf(onCanary), canary, "listed on the canary channel");
        assertEq(lister.channelOf(address(sys.assets[0])), lister.STABLE_CHANNEL(), "an asset the lister never saw");
    }

    function test_aTickerIsListedOnceAcrossChannels() public {
        _grantListingRoles();
        Listing memory listing = _nvdaListing();
        bytes32 channel = keccak256("canary");
        vm.startPrank(sys.timelock);
        lister.setChannel(channel, address(sys.beacon));
        address asset = lister.list(listing);
        vm.expectRevert(abi.encodeWithSelector(AssetLister.AlreadyListed.selector, "rNVDA", asset));
        lister.listOn(channel, listing);
        vm.stopPrank();
    }
}
