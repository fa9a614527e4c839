// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IComplianceRegistry, IComplianceRecords, AssetPolicy, HolderClass, VenueStatus} from
    "../../contracts/interfaces/IComplianceRegistry.sol";
import {IMinter, AssetStatus, RequestStatus} from "../../contracts/interfaces/IMinter.sol";
import {IFeeVault} from "../../contracts/interfaces/IFeeVault.sol";
import {ComplianceRegistry} from "../../contracts/compliance/ComplianceRegistry.sol";
import {FeeVault} from "../../contracts/fees/FeeVault.sol";
import {Minter} from "../../contracts/minting/Minter.sol";
import {ReserveRegistry} from "../../contracts/reserves/ReserveRegistry.sol";
import {AssetTerms, RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {TestStablecoin} from "../../contracts/mocks/TestStablecoin.sol";
import {RatFixture} from "./helpers/RatFixture.sol";

/// @title Every privileged function of the core contracts that no other Forge suite calls: who is refused (with the
/// exact error), and that the role holder's call takes effect.
/// @notice Issue 24: the pytest suite had an unauthorised-caller test for each of these, the Forge suite none, so a
/// mutant that dropped a role check or the body of a setter survived Forge (the auditors' suite) whenever the
/// invariant handlers never called the function. Each test names the role the function is for, tries a stranger
/// and a holder of another role of the same contract, then the role holder.
contract PrivilegedCalls is RatFixture {
    bytes32 private constant ERC1967_IMPLEMENTATION = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;
    uint256 private constant PRICE = 100e6;

    RealAssetToken private token;
    TestStablecoin private usdc;
    address private stranger;

    function setUp() public {
        _deploySystem();
        token = sys.assets[1];
        usdc = sys.coins[0];
        stranger = makeAddr("stranger-with-no-role");
    }

    function _expectUnauthorised(address caller, bytes32 role) private {
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role));
        vm.prank(caller);
    }

    // ---------------------------------------------------------------- Minter: ASSET_MANAGER_ROLE

    /// The venue hook reads `assetStatus` (one slot) rather than the whole config: both must say the same.
    function test_onlyAnAssetManagerMovesAnAssetsStatusAndBothStatusViewsReadIt() public {
        bytes32 role = sys.minter.ASSET_MANAGER_ROLE();
        _expectUnauthorised(stranger, role);
        sys.minter.setAssetStatus(address(token), AssetStatus.HALTED);
        _expectUnauthorised(sys.operator, role);
        sys.minter.setAssetStatus(address(token), AssetStatus.HALTED);
        vm.expectRevert(abi.encodeWithSelector(IMinter.AssetNotAccepting.selector, address(token),
            AssetStatus.UNLISTED));
        vm.prank(sys.timelock);
        sys.minter.setAssetStatus(address(token), AssetStatus.UNLISTED);

        vm.expectEmit(address(sys.minter));
        emit IMinter.AssetStatusUpdated(address(token), AssetStatus.HALTED);
        vm.prank(sys.timelock);
        sys.minter.setAssetStatus(address(token), AssetStatus.HALTED);
        assertEq(uint256(sys.minter.assetStatus(address(token))), uint256(AssetStatus.HALTED), "assetStatus");
        assertEq(uint256(sys.minter.assetConfig(address(token)).status), uint256(AssetStatus.HALTED), "assetConfig");
        vm.prank(sys.timelock);
        sys.minter.setAssetStatus(address(token), AssetStatus.REDEEM_ONLY);
        assertEq(uint256(sys.minter.assetStatus(address(token))), uint256(AssetStatus.REDEEM_ONLY), "moved again");
    }

    function test_onlyAnAssetManagerSetsAnAssetsMintLimits() public {
        uint128 cap = uint128(7 * SHARE);
        uint128 rate = uint128(3 * SHARE);
        bytes32 role = sys.minter.ASSET_MANAGER_ROLE();
        _expectUnauthorised(stranger, role);
        sys.minter.setMintLimits(address(token), cap, rate);
        _expectUnauthorised(sys.operator, role); // submitter, rejecter: not an asset manager
        sys.minter.setMintLimits(address(token), cap, rate);
        vm.expectEmit(address(sys.minter));
        emit IMinter.MintLimitsUpdated(address(token), cap, rate);
        vm.prank(sys.timelock);
        sys.minter.setMintLimits(address(token), cap, rate);
        assertEq(uint256(sys.minter.assetConfig(address(token)).mintCap), 7 * SHARE, "cap");
        assertEq(uint256(sys.minter.assetConfig(address(token)).mintRatePerDay), 3 * SHARE, "rate");
    }

    function test_onlyAnAssetManagerChoosesWhetherAStalePriceBandFailsOpen() public {
        bytes32 role = sys.minter.ASSET_MANAGER_ROLE();
        _expectUnauthorised(stranger, role);
        sys.minter.setPriceBandFailOpen(address(token), true);
        _expectUnauthorised(sys.operator, role);
        sys.minter.setPriceBandFailOpen(address(token), true);
        vm.expectEmit(address(sys.minter));
        emit IMinter.PriceBandStaleRuleUpdated(address(token), true);
        vm.prank(sys.timelock);
        sys.minter.setPriceBandFailOpen(address(token), true);
    }

    function test_onlyAnAssetManagerSuspendsAndResumesAPaymentToken() public {
        bytes32 role = sys.minter.ASSET_MANAGER_ROLE();
        _expectUnauthorised(stranger, role);
        sys.minter.setPaymentTokenAllowed(address(usdc), false);
        _expectUnauthorised(sys.operator, role);
        sys.minter.setPaymentTokenAllowed(address(usdc), false);
        vm.prank(sys.timelock);
        sys.minter.setPaymentTokenAllowed(address(usdc), false);
        (,, bool allowed) = sys.minter.paymentToken(address(usdc));
        assertEq(allowed, false, "suspended");
        vm.prank(sys.timelock);
        sys.minter.setPaymentTokenAllowed(address(usdc), true);
        (,, allowed) = sys.minter.paymentToken(address(usdc));
        assertEq(allowed, true, "resumed");
    }

    function test_onlyAnAssetManagerMovesTheSettlementAccount() public {
        address next = makeAddr("next-settlement");
        bytes32 role = sys.minter.ASSET_MANAGER_ROLE();
        _expectUnauthorised(stranger, role);
        sys.minter.setSettlementAccount(next);
        _expectUnauthorised(sys.operator, role);
        sys.minter.setSettlementAccount(next);
        vm.prank(sys.timelock);
        sys.minter.setSettlementAccount(next);
        assertEq(sys.minter.settlementAccount(), next, "moved");
    }

    // ---------------------------------------------------------------- Minter: ATTESTOR_MANAGER_ROLE

    function test_onlyAnAttestorManagerSetsTheQuorum() public {
        bytes32 role = sys.minter.ATTESTOR_MANAGER_ROLE();
        _expectUnauthorised(stranger, role);
        sys.minter.setQuorum(3);
        _expectUnauthorised(sys.operator, role);
        sys.minter.setQuorum(3);
        vm.prank(sys.timelock);
        sys.minter.setQuorum(3);
        assertEq(uint256(sys.minter.quorum()), 3, "K = 3");
    }

    // ---------------------------------------------------------------- Minter: LEGAL_HOLD_ROLE

    function test_onlyTheLegalHoldRoleSeizesAFrozenInvestorsEscrow() public {
        address bob = sys.holders[2];
        address hold = makeAddr("legal-hold-account");
        address officer = makeAddr("legal-hold-officer");
        bytes32 ref = keccak256("court-order-7");
        bytes32 role = sys.minter.LEGAL_HOLD_ROLE();
        vm.prank(sys.timelock);
        usdc.mint(bob, 1_000e6);
        vm.startPrank(bob);
        usdc.approve(address(sys.minter), 1_000e6);
        bytes32 id = sys.minter.requestMint(address(token), address(usdc), 1_000e6, PRICE, block.timestamp + 7 days);
        vm.stopPrank();
        address[] memory accounts = new address[](1);
        accounts[0] = bob;
        vm.prank(sys.operator);
        sys.registry.freeze(accounts, ref);

        _expectUnauthorised(stranger, role);
        sys.minter.seizeEscrow(id, hold, ref);
        _expectUnauthorised(sys.timelock, role); // the admin must grant the role first; holding others is not enough
        sys.minter.seizeEscrow(id, hold, ref);
        _expectUnauthorised(sys.operator, role);
        sys.minter.seizeEscrow(id, hold, ref);

        vm.startPrank(sys.timelock);
        sys.minter.grantRole(role, officer);
        vm.stopPrank();
        vm.prank(officer);
        sys.minter.seizeEscrow(id, hold, ref);
        assertEq(usdc.balanceOf(hold), 1_000e6, "the whole escrow to the legal-hold account");
        assertEq(uint256(sys.minter.getRequest(id).status), uint256(RequestStatus.REJECTED), "closed");
    }

    // ---------------------------------------------------------------- Minter: the fee vault's copy

    function test_onlyTheFeeVaultPushesAnAssetsFeeRatesToTheMinter() public {
        vm.expectRevert(abi.encodeWithSelector(IMinter.OnlyFeeVault.selector, stranger));
        vm.prank(stranger);
        sys.minter.applyFees(address(token), 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IMinter.OnlyFeeVault.selector, sys.timelock));
        vm.prank(sys.timelock);
        sys.minter.applyFees(address(token), 0, 0);
        vm.prank(address(sys.vault));
        sys.minter.applyFees(address(token), 0, 0);
    }

    // ---------------------------------------------------------------- FeeVault

    function test_anyoneBooksWhatArrivedAtTheVaultSplitAtTheInsuranceShareAndOnlyOnce() public {
        uint256 arrived = 10_000e6;
        vm.prank(sys.timelock);
        usdc.mint(address(sys.vault), arrived);
        assertEq(sys.vault.unbooked(address(usdc)), arrived, "arrived, not booked");
        uint256 toInsurance = arrived * INSURANCE_SHARE_BPS / 10_000;
        vm.expectEmit(address(sys.vault));
        emit IFeeVault.FeesBooked(address(usdc), arrived, arrived - toInsurance, toInsurance);
        vm.prank(stranger);
        assertEq(sys.vault.book(address(usdc)), arrived, "booked what arrived");
        assertEq(sys.vault.unbooked(address(usdc)), 0, "nothing left unbooked");
        vm.prank(stranger);
        assertEq(sys.vault.book(address(usdc)), 0, "nothing new arrived");
    }

    /// Buckets add up across bookings: two equal arrivals booked one after the other leave twice the first booking
    /// in each bucket (`FeeVault-ASOR-0eeb0a676e`, an insurance bucket OR-ed instead of added, survived Forge and
    /// pytest: every test booked once).
    function test_successiveBookingsAddUpInBothBuckets() public {
        uint256 arrived = 1_000e6;
        (uint256 treasuryBefore, uint256 insuranceBefore) = sys.vault.buckets(address(usdc));
        uint256 toInsurance = arrived * INSURANCE_SHARE_BPS / 10_000;
        for (uint256 i; i < 2; ++i) {
            vm.prank(sys.timelock);
            usdc.mint(address(sys.vault), arrived);
            sys.vault.book(address(usdc));
        }
        (uint256 treasury, uint256 insurance) = sys.vault.buckets(address(usdc));
        assertEq(insurance - insuranceBefore, 2 * toInsurance, "insurance: both bookings");
        assertEq(treasury - treasuryBefore, 2 * (arrived - toInsurance), "treasury: both bookings");
    }

    function test_onlyAFeeGovernorSetsTheInsuranceShareAndEarlierArrivalsKeepTheShareInForce() public {
        bytes32 role = sys.vault.FEE_GOVERNOR_ROLE();
        _expectUnauthorised(stranger, role);
        sys.vault.setInsuranceShare(5_000);
        _expectUnauthorised(sys.settlement, role); // the management-fee reporter
        sys.vault.setInsuranceShare(5_000);

        uint256 arrived = 1_000e6;
        (, uint256 insuranceBefore) = sys.vault.buckets(address(usdc));
        vm.prank(sys.timelock);
        usdc.mint(address(sys.vault), arrived);
        vm.prank(sys.operator);
        sys.vault.setInsuranceShare(5_000);
        assertEq(uint256(sys.vault.insuranceShareBps()), 5_000, "new share");
        (, uint256 insurance) = sys.vault.buckets(address(usdc));
        assertEq(insurance - insuranceBefore, arrived * INSURANCE_SHARE_BPS / 10_000, "booked at the old share first");
    }

    // ---------------------------------------------------------------- ComplianceRegistry

    function test_onlyTheAssetPolicyRoleSetsAnAssetsPolicyAndOnlyForARegisteredAsset() public {
        bytes32 role = sys.registry.ASSET_POLICY_ROLE();
        _expectUnauthorised(stranger, role);
        sys.registry.setAssetPolicy(address(token), 3, 50);
        _expectUnauthorised(sys.timelock, role);
        sys.registry.setAssetPolicy(address(token), 3, 50);
        address unlisted = makeAddr("unlisted-asset");
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.AssetNotRegistered.selector, unlisted));
        vm.prank(sys.operator);
        sys.registry.setAssetPolicy(unlisted, 3, 50);

        vm.expectEmit(address(sys.registry));
        emit IComplianceRegistry.AssetPolicyUpdated(address(token), 3, 50);
        vm.prank(sys.operator);
        sys.registry.setAssetPolicy(address(token), 3, 50);
        AssetPolicy memory p = sys.registry.policy(address(token));
        assertEq(uint256(p.minTier), 3, "min tier");
        assertEq(uint256(p.maxHolders), 50, "holder cap");
        assertEq(p.registered, true, "still registered");
    }

    function test_onlyARegisteredAssetRecordsItsOwnPause() public {
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.AssetNotRegistered.selector, stranger));
        vm.prank(stranger);
        sys.registry.setAssetPaused(true);
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.AssetNotRegistered.selector, sys.timelock));
        vm.prank(sys.timelock);
        sys.registry.setAssetPaused(true);
        vm.prank(address(token));
        sys.registry.setAssetPaused(true);
        assertEq(sys.registry.policy(address(token)).paused, true, "the asset's own record");
    }

    // ---------------------------------------------------------------- ComplianceRecords: the registry only

    function test_onlyTheRegistryWritesTheComplianceRecords() public {
        IComplianceRecords records = sys.records;
        address[2] memory outsiders = [stranger, sys.timelock];
        for (uint256 i; i < outsiders.length; ++i) {
            address who = outsiders[i];
            bytes memory refused = abi.encodeWithSelector(IComplianceRecords.OnlyRegistry.selector, who);
            vm.startPrank(who);
            vm.expectRevert(refused);
            records.writeKyc(who, 3, "BR", uint40(block.timestamp + 365 days));
            vm.expectRevert(refused);
            records.writeFrozen(sys.holders[0], true);
            vm.expectRevert(refused);
            records.writeHolderClass(who, HolderClass.PROTOCOL);
            vm.expectRevert(refused);
            records.writeVenueStatus(address(token), who, VenueStatus.ACTIVE);
            vm.expectRevert(refused);
            records.writeVenueExit(address(token), who, who);
            vm.expectRevert(refused);
            records.writePolicy(address(token), true, 1, 0);
            vm.expectRevert(refused);
            records.writePaused(address(token), true);
            vm.expectRevert(refused);
            records.writeBlocked(address(token), "BR", true);
            vm.stopPrank();
        }
    }

    // ---------------------------------------------------------------- RealAssetToken

    function test_onlyTheMinterBurnsAndOnlyFromItsOwnBalance() public {
        bytes32 role = token.MINTER_ROLE();
        vm.prank(address(sys.minter));
        token.mint(address(sys.minter), 5 * SHARE);
        _expectUnauthorised(stranger, role);
        token.burn(SHARE);
        _expectUnauthorised(sys.timelock, role);
        token.burn(SHARE);
        vm.prank(address(sys.minter));
        token.burn(2 * SHARE);
        assertEq(token.balanceOf(address(sys.minter)), 3 * SHARE, "burned from the Minter's balance");
        assertEq(token.totalSupply(), 3 * SHARE, "and from the supply");
    }

    function test_onlyTheTokensAdminSetsItsLegalTerms() public {
        bytes32 role = token.DEFAULT_ADMIN_ROLE();
        bytes32 hash = keccak256("terms-v2");
        _expectUnauthorised(stranger, role);
        token.setLegalTerms("ipfs://rat/terms-v2.pdf", hash);
        _expectUnauthorised(sys.operator, role); // pauser, forced transfers: not the admin
        token.setLegalTerms("ipfs://rat/terms-v2.pdf", hash);
        vm.prank(sys.timelock);
        token.setLegalTerms("ipfs://rat/terms-v2.pdf", hash);
        (string memory uri, bytes32 contentHash) = token.legalTerms();
        assertEq(keccak256(bytes(uri)), keccak256("ipfs://rat/terms-v2.pdf"), "uri");
        assertEq(contentHash, hash, "hash");
    }

    // ---------------------------------------------------------------- initializers

    /// Each singleton's initializer hands its admin (the timelock) both the admin and the upgrade role: without the
    /// latter no upgrade could ever pass governance (`ComplianceRegistry-CR-45886493d7`, killed only by pytest).
    function test_eachSingletonsInitializerGivesItsAdminTheAdminAndTheUpgradeRoles() public view {
        address[4] memory proxies = [address(sys.registry), address(sys.vault), address(sys.reserves),
            address(sys.minter)];
        for (uint256 i; i < proxies.length; ++i) {
            IAccessControl c = IAccessControl(proxies[i]);
            assertEq(c.hasRole(bytes32(0), sys.timelock), true, "admin role");
            assertEq(c.hasRole(keccak256("UPGRADER_ROLE"), sys.timelock), true, "upgrade role");
        }
        assertEq(sys.registry.UPGRADER_ROLE(), keccak256("UPGRADER_ROLE"), "the role's name");
    }

    /// A proxy runs its initializer once, at deployment; a second call would hand the caller the admin role.
    function test_noDeployedProxyCanBeInitialisedAgain() public {
        bytes memory refused = abi.encodeWithSignature("InvalidInitialization()");
        AssetTerms memory terms;
        vm.startPrank(stranger);
        vm.expectRevert(refused);
        sys.registry.initialize(stranger);
        vm.expectRevert(refused);
        sys.vault.initialize(stranger, 0);
        vm.expectRevert(refused);
        sys.reserves.initialize(stranger);
        vm.expectRevert(refused);
        sys.minter.initialize(stranger, stranger);
        vm.expectRevert(refused);
        token.initialize(terms, stranger);
        vm.stopPrank();
    }

    /// An implementation behind a proxy must not be initialisable on its own: whoever did so would own a contract
    /// that shares the proxies' code (OpenZeppelin's `_disableInitializers` in each constructor).
    function test_noImplementationCanBeInitialised() public {
        bytes memory refused = abi.encodeWithSignature("InvalidInitialization()");
        AssetTerms memory terms;
        RealAssetToken tokenImplementation = RealAssetToken(sys.beacon.implementation());
        vm.startPrank(stranger);
        vm.expectRevert(refused);
        ComplianceRegistry(_implementation(address(sys.registry))).initialize(stranger);
        vm.expectRevert(refused);
        FeeVault(_implementation(address(sys.vault))).initialize(stranger, 0);
        vm.expectRevert(refused);
        ReserveRegistry(_implementation(address(sys.reserves))).initialize(stranger);
        vm.expectRevert(refused);
        Minter(_implementation(address(sys.minter))).initialize(stranger, stranger);
        vm.expectRevert(refused);
        tokenImplementation.initialize(terms, stranger);
        vm.stopPrank();
    }

    function _implementation(address proxy) private view returns (address) {
        return address(uint160(uint256(vm.load(proxy, ERC1967_IMPLEMENTATION))));
    }
}
