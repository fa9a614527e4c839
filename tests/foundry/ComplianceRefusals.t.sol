// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AssetLister} from "../../contracts/governance/AssetLister.sol";
import {EmergencyGuardian} from "../../contracts/governance/EmergencyGuardian.sol";
import {IComplianceRegistry, HolderClass, VenueStatus} from "../../contracts/interfaces/IComplianceRegistry.sol";
import {IRealAssetToken} from "../../contracts/interfaces/IRealAssetToken.sol";
import {AssetStatus} from "../../contracts/interfaces/IMinter.sol";
import {EquityProxy} from "../../contracts/proxy/Proxies.sol";
import {AssetTerms, RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {MultiplierState} from "../../contracts/token/ShareMultiplier.sol";
import {RatFixture, N_INVESTORS} from "./helpers/RatFixture.sol";

/// @title Every refusal of the compliance, token and governance side no other Forge suite asserted, with its exact
/// arguments and, where a limit exists, the last accepted value beside the first refused (issue 24)
/// @notice A mutant that drops a check (`if (false) revert ...`, a flipped comparison) survived Forge whenever no
/// Forge test expected the refusal: the invariant handlers swallow reverts. One test per reverting line (per path
/// where one line is reached several ways), each from the smallest real state.
contract ComplianceRefusals is RatFixture {
    bytes32 private constant REF = keccak256("decision-7");

    RealAssetToken private token; // minimum tier 1, no holder cap
    address private asset;
    address private alice; // investor0, tier 1, BR
    address private bob; // investor2, tier 3, BR
    address private stranger; // never KYC'd
    AssetLister private lister;
    EmergencyGuardian private guardianContract;
    address private guardian;

    function setUp() public {
        _deploySystem();
        token = sys.assets[0];
        asset = address(token);
        alice = sys.holders[0];
        bob = sys.holders[2];
        stranger = sys.holders[N_INVESTORS];
        guardian = makeAddr("guardian-multisig");
        address tl = sys.timelock;
        guardianContract = new EmergencyGuardian(tl, guardian, address(sys.minter), address(sys.registry));
        lister = new AssetLister(tl, address(sys.beacon), address(guardianContract), address(sys.registry),
            address(sys.minter), address(sys.reserves), address(sys.vault));
        // As VenueInvariants and GovernanceAccess wire it: the timelock lists venues, the guardian pauses the
        // first asset, the lister sets asset status in the Minter.
        vm.startPrank(tl);
        sys.registry.grantRole(sys.registry.VENUE_LISTING_ROLE(), tl);
        token.grantRole(token.PAUSER_ROLE(), address(guardianContract));
        token.grantRole(token.UNPAUSER_ROLE(), address(guardianContract));
        sys.minter.grantRole(sys.minter.ASSET_MANAGER_ROLE(), address(lister));
        vm.stopPrank();
    }

    // ================================================================ ComplianceRegistry: freezes

    /// A second freeze would event one sanction twice; a batch naming one account twice fails whole.
    function test_freezingAnAccountAlreadyFrozenIsRefused() public {
        vm.prank(sys.operator);
        sys.registry.freeze(_one(stranger), REF);
        assertEq(sys.registry.isFrozen(stranger), true, "the first freeze takes effect");
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.AlreadyFrozen.selector, stranger));
        vm.prank(sys.operator);
        sys.registry.freeze(_one(stranger), REF);

        address[] memory twice = new address[](2);
        twice[0] = bob;
        twice[1] = bob;
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.AlreadyFrozen.selector, bob));
        vm.prank(sys.operator);
        sys.registry.freeze(twice, REF);
        assertEq(sys.registry.isFrozen(bob), false, "the batch reverted whole");
    }

    /// Freezing the Minter would lock every investor's escrow; once classed back as an investor a contract freezes.
    function test_freezingAProtocolHolderIsRefused() public {
        address minter = address(sys.minter);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.ProtocolAccountNotFreezable.selector, minter));
        vm.prank(sys.operator);
        sys.registry.freeze(_one(minter), REF);

        address escrow = _contract("escrow");
        vm.startPrank(sys.operator);
        sys.registry.setHolderClass(escrow, HolderClass.PROTOCOL, REF);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.ProtocolAccountNotFreezable.selector, escrow));
        sys.registry.freeze(_one(escrow), REF);
        sys.registry.setHolderClass(escrow, HolderClass.INVESTOR, REF);
        sys.registry.freeze(_one(escrow), REF);
        vm.stopPrank();
        assertEq(sys.registry.isFrozen(escrow), true, "an investor-class contract freezes");
    }

    /// A venue holds for many investors: it is suspended per asset, never frozen (ADR 0101).
    function test_freezingAVenueIsRefused() public {
        address venue = _venue("venue", asset);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueAccountNotFreezable.selector, venue));
        vm.prank(sys.operator);
        sys.registry.freeze(_one(venue), REF);
        assertEq(sys.registry.isFrozen(venue), false, "not frozen");
    }

    /// Only a frozen account can be unfrozen, so an unfreeze is never evented for an account that was never frozen.
    function test_unfreezingAnAccountThatIsNotFrozenIsRefused() public {
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.NotFrozen.selector, stranger));
        vm.prank(sys.operator);
        sys.registry.unfreeze(_one(stranger), REF);
        vm.startPrank(sys.operator);
        sys.registry.freeze(_one(stranger), REF);
        sys.registry.unfreeze(_one(stranger), REF);
        assertEq(sys.registry.isFrozen(stranger), false, "a frozen account unfreezes");
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.NotFrozen.selector, stranger));
        sys.registry.unfreeze(_one(stranger), REF);
        vm.stopPrank();
    }

    // ================================================================ ComplianceRegistry: KYC records and policy

    /// setInvestor: a tier is 1 (retail) to 3 (institutional); 0 is revocation's, 4 does not exist.
    function test_writingAKycRecordWithATierOutsideOneToThreeIsRefused() public {
        uint8 maxTier = sys.registry.MAX_TIER();
        uint40 expiry = uint40(block.timestamp + 30 days);
        vm.startPrank(sys.operator);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.InvalidTier.selector, uint8(0)));
        sys.registry.setInvestor(stranger, 0, "BR", expiry, REF);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.InvalidTier.selector, maxTier + 1));
        sys.registry.setInvestor(stranger, maxTier + 1, "BR", expiry, REF);
        sys.registry.setInvestor(stranger, maxTier, "BR", expiry, REF);
        assertEq(sys.registry.investor(stranger).tier, maxTier, "the highest tier is written");
        sys.registry.setInvestor(stranger, 1, "BR", expiry, REF);
        assertEq(sys.registry.investor(stranger).tier, 1, "the lowest tier is written");
        vm.stopPrank();
    }

    /// registerAsset: an asset's minimum tier is 1 to 3 (a minimum of 0 would admit holders with no KYC).
    function test_registeringAnAssetWithAMinimumTierOutsideOneToThreeIsRefused() public {
        uint8 maxTier = sys.registry.MAX_TIER();
        address fresh = makeAddr("fresh-asset");
        address other = makeAddr("other-asset");
        vm.startPrank(sys.operator);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.InvalidTier.selector, uint8(0)));
        sys.registry.registerAsset(fresh, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.InvalidTier.selector, maxTier + 1));
        sys.registry.registerAsset(fresh, maxTier + 1, 0);
        sys.registry.registerAsset(fresh, maxTier, 0);
        sys.registry.registerAsset(other, 1, 0);
        vm.stopPrank();
        assertEq(sys.registry.policy(fresh).minTier, maxTier, "registered at the highest tier");
        assertEq(sys.registry.policy(other).minTier, 1, "registered at the lowest tier");
    }

    /// setAssetPolicy: the same 1-to-3 rule when governance changes a listed asset's minimum tier.
    function test_changingAnAssetsMinimumTierOutsideOneToThreeIsRefused() public {
        uint8 maxTier = sys.registry.MAX_TIER();
        vm.startPrank(sys.operator);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.InvalidTier.selector, uint8(0)));
        sys.registry.setAssetPolicy(asset, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.InvalidTier.selector, maxTier + 1));
        sys.registry.setAssetPolicy(asset, maxTier + 1, 0);
        sys.registry.setAssetPolicy(asset, maxTier, 0);
        assertEq(sys.registry.policy(asset).minTier, maxTier, "the highest minimum tier is set");
        sys.registry.setAssetPolicy(asset, 1, 0);
        assertEq(sys.registry.policy(asset).minTier, 1, "the lowest minimum tier is set");
        vm.stopPrank();
    }

    /// Registering twice would reset the asset's policy behind governance's back; a new asset registers.
    function test_registeringAnAssetAlreadyRegisteredIsRefused() public {
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.AssetAlreadyRegistered.selector, asset));
        vm.prank(sys.operator);
        sys.registry.registerAsset(asset, 2, 10);
        assertEq(sys.registry.policy(asset).minTier, 1, "the listed policy stands");
        address fresh = makeAddr("fresh-asset");
        vm.prank(sys.operator);
        sys.registry.registerAsset(fresh, 2, 10);
        assertEq(sys.registry.policy(fresh).registered, true, "a new asset registers");
    }

    /// Blocking a blocked jurisdiction (or lifting a block that is not there) is refused: each change is evented once.
    function test_aJurisdictionBlockThatChangesNothingIsRefused() public {
        bytes2[] memory codes = new bytes2[](1);
        codes[0] = "BR";
        vm.startPrank(sys.operator);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.JurisdictionBlockUnchanged.selector, asset,
            bytes2("BR")));
        sys.registry.setJurisdictionsBlocked(asset, codes, false);
        sys.registry.setJurisdictionsBlocked(asset, codes, true);
        assertEq(sys.registry.isJurisdictionBlocked(asset, "BR"), true, "blocked");
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.JurisdictionBlockUnchanged.selector, asset,
            bytes2("BR")));
        sys.registry.setJurisdictionsBlocked(asset, codes, true);
        vm.stopPrank();
    }

    // ================================================================ ComplianceRegistry: holder classes

    /// setHolderClass: a wallet without code can never be a protocol holder; the same address with code can.
    function test_classifyingAnAccountWithoutCodeIsRefused() public {
        address eoa = makeAddr("escrow-to-be");
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.NotAContract.selector, eoa));
        vm.prank(sys.operator);
        sys.registry.setHolderClass(eoa, HolderClass.PROTOCOL, REF);
        vm.etch(eoa, hex"00");
        vm.prank(sys.operator);
        sys.registry.setHolderClass(eoa, HolderClass.PROTOCOL, REF);
        assertEq(uint8(sys.registry.investor(eoa).holderClass), uint8(HolderClass.PROTOCOL), "a contract is classed");
    }

    /// Re-stating a contract's class is refused, whether it is a protocol holder or still an investor.
    function test_settingAHolderClassAlreadySetIsRefused() public {
        address minter = address(sys.minter);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.HolderClassUnchanged.selector, minter,
            HolderClass.PROTOCOL));
        vm.prank(sys.operator);
        sys.registry.setHolderClass(minter, HolderClass.PROTOCOL, REF);
        address plain = _contract("plain-contract");
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.HolderClassUnchanged.selector, plain,
            HolderClass.INVESTOR));
        vm.prank(sys.operator);
        sys.registry.setHolderClass(plain, HolderClass.INVESTOR, REF);
    }

    /// The VENUE class is written only by registerVenue: governance cannot hand it out through setHolderClass.
    function test_noContractIsMadeAVenueOutsideVenueRegistration() public {
        address plain = _contract("plain-contract");
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueClassReserved.selector, plain));
        vm.prank(sys.operator);
        sys.registry.setHolderClass(plain, HolderClass.VENUE, REF);
        assertEq(uint8(sys.registry.investor(plain).holderClass), uint8(HolderClass.INVESTOR), "still an investor");
    }

    /// ... and a venue keeps its class for good: its tokens were never counted as a holder's.
    function test_aVenueCannotBeReclassified() public {
        address venue = _venue("venue", asset);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueClassReserved.selector, venue));
        vm.prank(sys.operator);
        sys.registry.setHolderClass(venue, HolderClass.PROTOCOL, REF);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueClassReserved.selector, venue));
        vm.prank(sys.operator);
        sys.registry.setHolderClass(venue, HolderClass.INVESTOR, REF);
    }

    // ================================================================ ComplianceRegistry: venue registration

    /// registerVenue: a venue is a contract (a pool manager); the same address once it has code registers.
    function test_registeringAVenueWithoutCodeIsRefused() public {
        address eoa = makeAddr("venue-to-be");
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.NotAContract.selector, eoa));
        vm.prank(sys.timelock);
        sys.registry.registerVenue(asset, eoa, REF);
        vm.etch(eoa, hex"00");
        vm.prank(sys.timelock);
        sys.registry.registerVenue(asset, eoa, REF);
        assertEq(uint8(sys.registry.venueStatus(asset, eoa)), uint8(VenueStatus.ACTIVE), "a contract registers");
    }

    /// Seed `2026-12-04-s36-2` (`ComplianceRegistry-RR-5d9dc8e412`, killed only by pytest): `venues` lists every
    /// venue of the asset, active or suspended, and forgets one once removed; another asset's list is its own.
    function test_theRegistryListsAnAssetsVenuesActiveOrSuspendedUntilRemoved() public {
        address pool = _venue("pool", asset);
        address market = _venue("market", asset);
        vm.prank(sys.timelock);
        sys.registry.suspendVenue(asset, market, REF);
        address[] memory listed = sys.registry.venues(asset);
        assertEq(listed.length, 2, "both venues");
        assertEq((listed[0] == pool && listed[1] == market) || (listed[0] == market && listed[1] == pool), true,
            "the active and the suspended one");
        assertEq(sys.registry.venues(address(sys.assets[1])).length, 0, "another asset has none");

        vm.prank(sys.timelock);
        sys.registry.removeVenue(asset, pool, REF);
        listed = sys.registry.venues(asset);
        assertEq(listed.length, 1, "one left");
        assertEq(listed[0], market, "the suspended one stays listed");
    }

    /// The Minter (a protocol holder) cannot become a venue: its escrow would stop being refundable as escrow.
    function test_registeringAProtocolHolderAsAVenueIsRefused() public {
        address minter = address(sys.minter);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueIsProtocolHolder.selector, minter));
        vm.prank(sys.timelock);
        sys.registry.registerVenue(asset, minter, REF);
    }

    /// A frozen contract cannot shed its freeze by becoming an unfreezable venue; unfrozen, it registers.
    function test_registeringAFrozenContractAsAVenueIsRefused() public {
        address venue = _contract("frozen-venue");
        vm.prank(sys.operator);
        sys.registry.freeze(_one(venue), REF);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueAccountFrozen.selector, venue));
        vm.prank(sys.timelock);
        sys.registry.registerVenue(asset, venue, REF);
        vm.prank(sys.operator);
        sys.registry.unfreeze(_one(venue), REF);
        vm.prank(sys.timelock);
        sys.registry.registerVenue(asset, venue, REF);
        assertEq(uint8(sys.registry.venueStatus(asset, venue)), uint8(VenueStatus.ACTIVE), "registered once unfrozen");
    }

    /// A contract holding the asset as a counted investor would leave the holder count one too high for good; once
    /// its balance is recovered by forced transfer it registers. (Only a protocol holder's payment reaches it.)
    function test_registeringAContractThatHoldsTheAssetAsAVenueIsRefused() public {
        _mintTo(token, alice, SHARE);
        address escrow = _contract("escrow");
        address holder = _contract("holder-contract");
        vm.prank(sys.operator);
        sys.registry.setHolderClass(escrow, HolderClass.PROTOCOL, REF);
        vm.prank(alice);
        token.transfer(escrow, SHARE);
        vm.prank(escrow);
        token.transfer(holder, SHARE);
        assertEq(token.balanceOf(holder), SHARE, "the contract holds the asset");

        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueHoldsBalance.selector, asset, holder));
        vm.prank(sys.timelock);
        sys.registry.registerVenue(asset, holder, REF);
        vm.prank(sys.operator);
        token.forcedTransfer(holder, alice, SHARE, REF);
        vm.prank(sys.timelock);
        sys.registry.registerVenue(asset, holder, REF);
        assertEq(uint8(sys.registry.venueStatus(asset, holder)), uint8(VenueStatus.ACTIVE), "registered once empty");
    }

    /// A venue registers once per asset (the listing is one set); the same venue registers for another asset.
    function test_registeringAVenueTwiceForOneAssetIsRefused() public {
        address venue = _venue("venue", asset);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueAlreadyRegistered.selector, asset, venue));
        vm.prank(sys.timelock);
        sys.registry.registerVenue(asset, venue, REF);
        address other = address(sys.assets[1]);
        vm.prank(sys.timelock);
        sys.registry.registerVenue(other, venue, REF);
        assertEq(uint8(sys.registry.venueStatus(other, venue)), uint8(VenueStatus.ACTIVE), "listed for another asset");
    }

    /// removeVenue: only a registered venue of that asset is removed, and only once.
    function test_removingAVenueNotRegisteredForTheAssetIsRefused() public {
        address venue = _venue("venue", asset);
        address other = address(sys.assets[1]);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueNotRegistered.selector, other, venue));
        vm.prank(sys.timelock);
        sys.registry.removeVenue(other, venue, REF);
        vm.prank(sys.timelock);
        sys.registry.removeVenue(asset, venue, REF);
        assertEq(uint8(sys.registry.venueStatus(asset, venue)), uint8(VenueStatus.NONE), "removed");
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueNotRegistered.selector, asset, venue));
        vm.prank(sys.timelock);
        sys.registry.removeVenue(asset, venue, REF);
    }

    /// suspendVenue: only an ACTIVE venue is suspended, so a suspension is never evented twice or for a stranger.
    function test_suspendingAVenueThatIsNotActiveIsRefused() public {
        address unlisted = _contract("unlisted");
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueNotActive.selector, asset, unlisted));
        vm.prank(sys.timelock);
        sys.registry.suspendVenue(asset, unlisted, REF);
        address venue = _venue("venue", asset);
        vm.prank(sys.timelock);
        sys.registry.suspendVenue(asset, venue, REF);
        assertEq(uint8(sys.registry.venueStatus(asset, venue)), uint8(VenueStatus.SUSPENDED), "suspended");
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueNotActive.selector, asset, venue));
        vm.prank(sys.timelock);
        sys.registry.suspendVenue(asset, venue, REF);
    }

    // ================================================================ ComplianceRegistry: venue exits (ADR 0102)

    /// setVenueExit: only a registered venue of the asset gets an exit.
    function test_givingAnExitToAVenueNotRegisteredForTheAssetIsRefused() public {
        address venue = _venue("venue", asset);
        address exit = _venue("gateway", asset);
        address other = address(sys.assets[1]);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueNotRegistered.selector, other, venue));
        vm.prank(sys.timelock);
        sys.registry.setVenueExit(other, venue, exit, REF);
        vm.prank(sys.timelock);
        sys.registry.setVenueExit(asset, venue, exit, REF);
        assertEq(sys.registry.venueExit(asset, venue), exit, "the registered venue's exit is set");
    }

    /// A venue whose only exit is itself could pay out to nobody; another active venue is a valid exit.
    function test_makingAVenueItsOwnExitIsRefused() public {
        address venue = _venue("venue", asset);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueExitIsVenue.selector, venue));
        vm.prank(sys.timelock);
        sys.registry.setVenueExit(asset, venue, venue, REF);
        assertEq(sys.registry.venueExit(asset, venue), address(0), "no exit");
    }

    /// An exit must be an ACTIVE venue of the asset: not an unlisted contract, not a suspended venue until resumed.
    function test_anExitThatIsNotAnActiveVenueOfTheAssetIsRefused() public {
        address venue = _venue("venue", asset);
        address unlisted = _contract("unlisted");
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueExitNotActiveVenue.selector, asset, unlisted));
        vm.prank(sys.timelock);
        sys.registry.setVenueExit(asset, venue, unlisted, REF);
        address gateway = _venue("gateway", asset);
        vm.prank(sys.timelock);
        sys.registry.suspendVenue(asset, gateway, REF);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueExitNotActiveVenue.selector, asset, gateway));
        vm.prank(sys.timelock);
        sys.registry.setVenueExit(asset, venue, gateway, REF);
        vm.startPrank(sys.timelock);
        sys.registry.resumeVenue(asset, gateway, REF);
        sys.registry.setVenueExit(asset, venue, gateway, REF);
        vm.stopPrank();
        assertEq(sys.registry.venueExit(asset, venue), gateway, "the resumed venue is the exit");
    }

    /// Setting the exit a venue already has, or clearing an exit it does not have, is refused (evented once each).
    function test_anExitThatChangesNothingIsRefused() public {
        address venue = _venue("venue", asset);
        address gateway = _venue("gateway", asset);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueExitUnchanged.selector, asset, venue,
            address(0)));
        vm.prank(sys.timelock);
        sys.registry.setVenueExit(asset, venue, address(0), REF);
        vm.prank(sys.timelock);
        sys.registry.setVenueExit(asset, venue, gateway, REF);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.VenueExitUnchanged.selector, asset, venue, gateway));
        vm.prank(sys.timelock);
        sys.registry.setVenueExit(asset, venue, gateway, REF);
        vm.prank(sys.timelock);
        sys.registry.setVenueExit(asset, venue, address(0), REF);
        assertEq(sys.registry.venueExit(asset, venue), address(0), "the exit is cleared");
    }

    // ================================================================ RealAssetToken: listing terms

    /// initialize: a token without a name is refused; a one-character name lists.
    function test_listingATokenWithoutANameIsRefused() public {
        AssetTerms memory terms = _nvdaTerms();
        terms.name = "";
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.EmptyField.selector, "name"));
        _list(terms);
        terms.name = "N";
        assertEq(keccak256(bytes(_list(terms).name())), keccak256("N"), "a one-character name lists");
    }

    /// initialize: a token without a ticker is refused; a one-character ticker lists.
    function test_listingATokenWithoutATickerIsRefused() public {
        AssetTerms memory terms = _nvdaTerms();
        terms.symbol = "";
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.EmptyField.selector, "symbol"));
        _list(terms);
        terms.symbol = "N";
        assertEq(keccak256(bytes(_list(terms).symbol())), keccak256("N"), "a one-character ticker lists");
    }

    /// initialize: a token must name the custodian holding its shares; a one-character name lists.
    function test_listingATokenWithoutACustodianIsRefused() public {
        AssetTerms memory terms = _nvdaTerms();
        terms.custodian = "";
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.EmptyField.selector, "custodian"));
        _list(terms);
        terms.custodian = "C";
        assertEq(keccak256(bytes(_list(terms).custodian())), keccak256("C"), "a one-character custodian lists");
    }

    /// The ISIN's Luhn check digit is verified: NVIDIA's ISIN lists, the same with its check digit one off either
    /// way (or one character short) does not.
    function test_listingATokenWithAnIsinWhoseCheckDigitIsWrongIsRefused() public {
        AssetTerms memory terms = _nvdaTerms();
        string[3] memory wrong = ["US67066G1041", "US67066G1049", "US67066G104"];
        for (uint256 i; i < wrong.length; ++i) {
            terms.isin = wrong[i];
            vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.InvalidIsin.selector, wrong[i]));
            _list(terms);
        }
        terms.isin = "US67066G1040";
        assertEq(keccak256(bytes(_list(terms).isin())), keccak256("US67066G1040"), "the valid ISIN lists");
    }

    /// A MIC is four characters A-Z or 0-9: "AZ09" (every edge of both ranges) lists; the character just outside
    /// each edge (the at sign, '[', '/', ':') and a MIC of three or five characters are refused.
    function test_listingATokenWithAMicOutsideFourUpperCaseAlphanumericsIsRefused() public {
        AssetTerms memory terms = _nvdaTerms();
        string[6] memory wrong = ["@Z09", "A[09", "AZ/9", "AZ0:", "XNA", "XNASD"];
        for (uint256 i; i < wrong.length; ++i) {
            terms.mic = wrong[i];
            vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.InvalidMic.selector, wrong[i]));
            _list(terms);
        }
        terms.mic = "AZ09";
        assertEq(keccak256(bytes(_list(terms).mic())), keccak256("AZ09"), "the edges of both ranges list");
    }

    /// initialize: legal terms need a URI; a one-character URI lists.
    function test_listingATokenWithoutALegalTermsUriIsRefused() public {
        AssetTerms memory terms = _nvdaTerms();
        terms.legalTermsURI = "";
        vm.expectRevert(IRealAssetToken.InvalidLegalTerms.selector);
        _list(terms);
        terms.legalTermsURI = "u";
        (string memory uri,) = _list(terms).legalTerms();
        assertEq(keccak256(bytes(uri)), keccak256("u"), "a one-character URI lists");
    }

    /// initialize: legal terms need the hash of the document's content, so the published copy can be checked.
    function test_listingATokenWithoutALegalTermsHashIsRefused() public {
        AssetTerms memory terms = _nvdaTerms();
        terms.legalTermsHash = bytes32(0);
        vm.expectRevert(IRealAssetToken.InvalidLegalTerms.selector);
        _list(terms);
        terms.legalTermsHash = bytes32(uint256(1));
        (, bytes32 contentHash) = _list(terms).legalTerms();
        assertEq(contentHash, bytes32(uint256(1)), "any non-zero hash lists");
    }

    /// setLegalTerms: an amendment without a URI is refused and the listed terms stand.
    function test_amendingTheLegalTermsWithoutAUriIsRefused() public {
        (string memory listedUri, bytes32 listedHash) = token.legalTerms();
        vm.expectRevert(IRealAssetToken.InvalidLegalTerms.selector);
        vm.prank(sys.timelock);
        token.setLegalTerms("", keccak256("amended"));
        (string memory uri, bytes32 contentHash) = token.legalTerms();
        assertEq(keccak256(bytes(uri)), keccak256(bytes(listedUri)), "the listed URI stands");
        assertEq(contentHash, listedHash, "the listed hash stands");
        vm.prank(sys.timelock);
        token.setLegalTerms("u", keccak256("amended"));
        (uri,) = token.legalTerms();
        assertEq(keccak256(bytes(uri)), keccak256("u"), "a one-character URI amends");
    }

    /// setLegalTerms: an amendment without a content hash is refused and the listed terms stand.
    function test_amendingTheLegalTermsWithoutAHashIsRefused() public {
        (, bytes32 listedHash) = token.legalTerms();
        vm.expectRevert(IRealAssetToken.InvalidLegalTerms.selector);
        vm.prank(sys.timelock);
        token.setLegalTerms("ipfs://rat/legal/amended", bytes32(0));
        (, bytes32 contentHash) = token.legalTerms();
        assertEq(contentHash, listedHash, "the listed hash stands");
        vm.prank(sys.timelock);
        token.setLegalTerms("ipfs://rat/legal/amended", bytes32(uint256(1)));
        (, contentHash) = token.legalTerms();
        assertEq(contentHash, bytes32(uint256(1)), "any non-zero hash amends");
    }

    // ================================================================ RealAssetToken: enforcement and permits

    /// A forced transfer from a holder to itself would event a court-ordered move that moved nothing.
    function test_aForcedTransferToTheSameAccountIsRefused() public {
        _mintTo(token, alice, SHARE);
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.ForcedTransferToSelf.selector, alice));
        vm.prank(sys.operator);
        token.forcedTransfer(alice, alice, SHARE, REF);
        vm.prank(sys.operator);
        token.forcedTransfer(alice, bob, SHARE, REF);
        assertEq(token.balanceOf(bob), SHARE, "a forced transfer to another account moves");
    }

    /// A permit signed by anyone but the owner, or for another value, is refused; the owner's own signature works.
    function test_aPermitNotSignedByTheOwnerIsRefused() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory byBob = _signPermit(token, _investorKey(bob), alice, bob, SHARE, deadline);
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.PermitInvalidSignature.selector, alice));
        token.permit(alice, bob, SHARE, deadline, byBob);
        bytes memory byAlice = _signPermit(token, _investorKey(alice), alice, bob, SHARE, deadline);
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.PermitInvalidSignature.selector, alice));
        token.permit(alice, bob, SHARE + 1, deadline, byAlice);
        token.permit(alice, bob, SHARE, deadline, byAlice);
        assertEq(token.allowance(alice, bob), SHARE, "the owner's signature grants the allowance");
    }

    // ================================================================ RealAssetToken: corporate actions and fee

    /// scheduleSplit: a ratio with a zero term is no split (and would zero or divide by zero the multiplier).
    function test_aSplitWithAZeroTermIsRefused() public {
        uint40 at = uint40(block.timestamp + 1 days);
        vm.startPrank(sys.timelock);
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.InvalidSplitRatio.selector, uint32(0), uint32(1)));
        token.scheduleSplit(0, 1, at, 0, REF);
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.InvalidSplitRatio.selector, uint32(1), uint32(0)));
        token.scheduleSplit(1, 0, at, 0, REF);
        token.scheduleSplit(1, 2, at, 0, REF);
        vm.stopPrank();
        (MultiplierState memory m,) = token.multiplierState();
        assertEq(m.numerator, 1, "a 1-for-2 reverse split is scheduled");
    }

    /// scheduleSplit: equal terms are no split; a ratio one apart is.
    function test_aSplitOfOneForOneIsRefused() public {
        uint40 at = uint40(block.timestamp + 1 days);
        vm.startPrank(sys.timelock);
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.InvalidSplitRatio.selector, uint32(7), uint32(7)));
        token.scheduleSplit(7, 7, at, 0, REF);
        token.scheduleSplit(8, 7, at, 0, REF);
        vm.stopPrank();
        (MultiplierState memory m,) = token.multiplierState();
        assertEq(m.numerator, 8, "an 8-for-7 split is scheduled");
    }

    /// scheduleSplit: each term is at most MAX_SPLIT_FACTOR: 1000-for-1 and 1-for-1000 are scheduled, one more on
    /// either side is refused.
    function test_aSplitFactorAboveTheLargestIsRefusedOnEitherSide() public {
        uint32 max = token.MAX_SPLIT_FACTOR();
        uint40 at = uint40(block.timestamp + 1 days);
        vm.startPrank(sys.timelock);
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.InvalidSplitRatio.selector, max + 1, uint32(1)));
        token.scheduleSplit(max + 1, 1, at, 0, REF);
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.InvalidSplitRatio.selector, uint32(1), max + 1));
        token.scheduleSplit(1, max + 1, at, 0, REF);
        token.scheduleSplit(max, 1, at, 0, REF);
        (MultiplierState memory m, uint32 version) = token.multiplierState();
        assertEq(m.numerator, max, "the largest split is scheduled");
        token.cancelSplit(version, REF);
        token.scheduleSplit(1, max, at, version + 1, REF);
        vm.stopPrank();
        (m,) = token.multiplierState();
        assertEq(m.denominator, max, "the largest reverse split is scheduled");
    }

    /// One split at a time: a second is refused (naming the first's activation) until the first has taken effect,
    /// in the second before it still refused, in its activation second accepted.
    function test_schedulingASecondSplitBeforeTheFirstTakesEffectIsRefused() public {
        uint40 at = uint40(block.timestamp + 1 days);
        vm.prank(sys.timelock);
        token.scheduleSplit(2, 1, at, 0, REF);
        vm.warp(at - 1);
        uint40 next = uint40(block.timestamp + 1 days);
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.SplitAlreadyScheduled.selector, at));
        vm.prank(sys.timelock);
        token.scheduleSplit(3, 1, next, 1, REF);
        vm.warp(at);
        next = uint40(block.timestamp + 1 days);
        vm.prank(sys.timelock);
        token.scheduleSplit(3, 1, next, 1, REF);
        (MultiplierState memory m,) = token.multiplierState();
        assertEq(m.splitAt, next, "the next split is scheduled once the first took effect");
    }

    /// cancelSplit: nothing scheduled, nothing to cancel (neither before any split nor after a cancel).
    function test_cancellingWhenNoSplitIsScheduledIsRefused() public {
        vm.startPrank(sys.timelock);
        vm.expectRevert(IRealAssetToken.NoSplitScheduled.selector);
        token.cancelSplit(0, REF);
        token.scheduleSplit(2, 1, uint40(block.timestamp + 1 days), 0, REF);
        token.cancelSplit(1, REF);
        vm.expectRevert(IRealAssetToken.NoSplitScheduled.selector);
        token.cancelSplit(2, REF);
        vm.stopPrank();
    }

    /// A split can be cancelled up to the second before it takes effect, not in its activation second (it applied).
    function test_aSplitThatTookEffectCanNoLongerBeCancelled() public {
        RealAssetToken other = sys.assets[1];
        uint40 at = uint40(block.timestamp + 1 days);
        vm.startPrank(sys.timelock);
        token.scheduleSplit(2, 1, at, 0, REF);
        other.scheduleSplit(2, 1, at, 0, REF);
        vm.warp(at - 1);
        token.cancelSplit(1, REF);
        vm.warp(at);
        vm.expectRevert(IRealAssetToken.NoSplitScheduled.selector);
        other.cancelSplit(1, REF);
        vm.stopPrank();
        assertEq(other.multiplier(), 2 * SHARE, "the split applied");
    }

    /// The management fee is at most MAX_MANAGEMENT_FEE_BPS a year: the maximum is set, one basis point more refused.
    function test_aManagementFeeAboveTheMaximumIsRefused() public {
        uint16 max = token.MAX_MANAGEMENT_FEE_BPS();
        vm.prank(address(sys.vault));
        token.setManagementFee(max);
        (MultiplierState memory m,) = token.multiplierState();
        assertEq(m.feeBps, max, "the highest fee is set");
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.ManagementFeeTooHigh.selector, max + 1, max));
        vm.prank(address(sys.vault));
        token.setManagementFee(max + 1);
    }

    /// multiplierAt reads from the last checkpoint on: its second is answered, the one before is refused.
    function test_theMultiplierBeforeTheLastCheckpointIsRefused() public {
        vm.warp(block.timestamp + 10 days);
        token.checkpoint();
        (MultiplierState memory m,) = token.multiplierState();
        uint256 anchorTime = m.anchorTime;
        assertEq(anchorTime, block.timestamp, "checkpointed now");
        assertEq(token.multiplierAt(anchorTime), token.multiplier(), "the checkpoint's second is answered");
        vm.expectRevert(abi.encodeWithSelector(IRealAssetToken.MultiplierHistoryUnavailable.selector, anchorTime - 1,
            anchorTime));
        token.multiplierAt(anchorTime - 1);
    }

    // ================================================================ AssetLister

    /// The stable channel is the lister's own beacon: it can never be rebound.
    function test_bindingTheStableChannelIsRefused() public {
        bytes32 stable = lister.STABLE_CHANNEL();
        address beacon = lister.BEACON();
        address other = makeAddr("other-beacon");
        vm.expectRevert(abi.encodeWithSelector(AssetLister.ChannelTaken.selector, stable, beacon));
        vm.prank(sys.timelock);
        lister.setChannel(stable, other);
    }

    /// A release channel is bound once: its assets follow its beacon for life, so rebinding would only mislead.
    function test_bindingAReleaseChannelTwiceIsRefused() public {
        bytes32 canary = keccak256("canary");
        address first = makeAddr("canary-beacon");
        address second = makeAddr("other-beacon");
        vm.prank(sys.timelock);
        lister.setChannel(canary, first);
        vm.expectRevert(abi.encodeWithSelector(AssetLister.ChannelTaken.selector, canary, first));
        vm.prank(sys.timelock);
        lister.setChannel(canary, second);
        assertEq(lister.channelBeacon(canary), first, "the first binding stands");
    }

    /// An asset's status changes only under a corporate action or legal decision's reference.
    function test_changingAnAssetsStatusWithoutAReferenceIsRefused() public {
        vm.expectRevert(AssetLister.MissingCorporateActionRef.selector);
        vm.prank(sys.timelock);
        lister.setAssetStatus(asset, AssetStatus.HALTED, bytes32(0));
        assertEq(uint8(sys.minter.assetConfig(asset).status), uint8(AssetStatus.ACTIVE), "still active");
        vm.prank(sys.timelock);
        lister.setAssetStatus(asset, AssetStatus.HALTED, REF);
        assertEq(uint8(sys.minter.assetConfig(asset).status), uint8(AssetStatus.HALTED), "halted with a reference");
    }

    // ================================================================ EmergencyGuardian

    /// The guardian lifts its own pause, but not once governance has put the asset under a legal hold.
    function test_theGuardianCannotLiftAPauseUnderALegalHold() public {
        bytes32 hold = keccak256("court-order-9");
        vm.prank(guardian);
        guardianContract.pauseAsset(asset, REF);
        vm.prank(guardian);
        guardianContract.unpauseAsset(asset);
        assertEq(token.paused(), false, "the guardian lifts its own pause");
        vm.prank(guardian);
        guardianContract.pauseAsset(asset, REF);
        vm.prank(sys.timelock);
        guardianContract.imposeLegalHold(asset, hold);
        vm.expectRevert(abi.encodeWithSelector(EmergencyGuardian.UnderLegalHold.selector, asset, hold));
        vm.prank(guardian);
        guardianContract.unpauseAsset(asset);
        assertEq(token.paused(), true, "the hold stands");
    }

    /// Governance lifts a legal hold that exists, once; lifting none would unpause an asset paused for another reason.
    function test_liftingALegalHoldThatDoesNotExistIsRefused() public {
        vm.expectRevert(abi.encodeWithSelector(EmergencyGuardian.NoLegalHold.selector, asset));
        vm.prank(sys.timelock);
        guardianContract.liftLegalHold(asset);
        vm.startPrank(sys.timelock);
        guardianContract.imposeLegalHold(asset, REF);
        guardianContract.liftLegalHold(asset);
        assertEq(token.paused(), false, "the hold is lifted");
        vm.expectRevert(abi.encodeWithSelector(EmergencyGuardian.NoLegalHold.selector, asset));
        guardianContract.liftLegalHold(asset);
        vm.stopPrank();
    }

    // ================================================================ helpers


    /// A fresh contract account (one STOP byte of code) that never had a KYC record.
    function _contract(string memory name) private returns (address who) {
        who = makeAddr(name);
        vm.etch(who, hex"00");
    }

    /// A fresh contract registered as an ACTIVE venue of `forAsset` by the listing role.
    function _venue(string memory name, address forAsset) private returns (address venue) {
        venue = _contract(name);
        vm.prank(sys.timelock);
        sys.registry.registerVenue(forAsset, venue, REF);
    }



    /// Deploys and initialises an equity proxy on the fixture's beacon, as the lister does in one transaction.
    function _list(AssetTerms memory terms) private returns (RealAssetToken) {
        return RealAssetToken(address(new EquityProxy(address(sys.beacon),
            abi.encodeCall(RealAssetToken.initialize, (terms, sys.timelock)))));
    }



}
