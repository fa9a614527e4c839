// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {
    DividendDistributor, DistributionTerms, Distribution
} from "../../contracts/corporate/DividendDistributor.sol";
import {SingletonProxy} from "../../contracts/proxy/Proxies.sol";
import {TestStablecoin} from "../../contracts/mocks/TestStablecoin.sol";
import {RatFixture} from "./helpers/RatFixture.sol";
import {DividendTree} from "./helpers/DividendTree.sol";

/// @dev A payout token that delivers one unit less than asked (fee on transfer): funding must be refused.
contract ShortPayingToken is ERC20 {
    constructor(address holder) ERC20("Short", "SHT") {
        _mint(holder, 1e30);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0) && value > 0) {
            super._update(from, address(0), 1);
            value -= 1;
        }
        super._update(from, to, value);
    }
}

/// @dev A payout token that delivers one unit more than asked (a transfer bonus, a rebase on transfer): funding must
/// be refused too, or the extra unit would sit in the distributor outside every distribution's books.
contract OverPayingToken is ERC20 {
    constructor(address holder) ERC20("Over", "OVR") {
        _mint(holder, 1e30);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && to != address(0) && value > 0) super._update(address(0), to, 1);
    }
}

/// @title DividendDistributor in Forge: every rule at its exact second and amount, on every path that moves money.
/// @notice Issue 24: the distributor was specified only by pytest (tests/corporate), so the Forge suite killed none
/// of its mutants. Each test states one behaviour; the boundaries are pinned on both sides (record block == current
/// block, claim deadline == now and now + 1, earliest and latest deadline, a claim of exactly the remaining gross,
/// the maximum withholding rate). `DividendInvariants.t.sol` drives the same paths in random sequences.
contract Dividends is RatFixture {
    DividendDistributor private dist;
    TestStablecoin private usdc;
    address private asset;
    address private alice; // investor0, BR
    address private bob; // investor1, AR
    address private stranger; // no KYC record: jurisdiction 0x0000
    address private creator = address(0xC0FFEE);
    address private canceller = address(0xCA11);
    address private taxMan = address(0x7A5);
    address private treasury = address(0x7E5);
    address private tax = address(0x7A7);

    uint256 private constant PER_SHARE = 2e6; // 2 USDC per share
    uint256 private constant TOTAL = 1_000e6;
    bytes32[] private noProof;

    function setUp() public {
        _deploySystem();
        asset = address(sys.assets[0]);
        usdc = sys.coins[0];
        alice = sys.holders[0];
        bob = sys.holders[1];
        stranger = sys.holders[4];
        dist = _deployDistributor();
        vm.roll(100);
    }

    function _deployDistributor() private returns (DividendDistributor d) {
        DividendDistributor impl = new DividendDistributor(sys.registry);
        d = DividendDistributor(address(new SingletonProxy(address(impl),
            abi.encodeCall(DividendDistributor.initialize, (sys.timelock, treasury, tax)))));
        vm.startPrank(sys.timelock);
        d.grantRole(d.DISTRIBUTION_CREATOR_ROLE(), creator);
        d.grantRole(d.DISTRIBUTION_CANCELLER_ROLE(), canceller);
        d.grantRole(d.WITHHOLDING_MANAGER_ROLE(), taxMan);
        d.grantRole(d.PAYOUT_ACCOUNTS_ROLE(), sys.timelock);
        usdc.mint(creator, 1e15);
        vm.stopPrank();
        vm.prank(creator);
        usdc.approve(address(d), type(uint256).max);
    }

    // ------------------------------------------------------------------ helpers

    function _terms(bytes32 root, uint256 total) private view returns (DistributionTerms memory) {
        return DistributionTerms({
            asset: asset,
            payoutToken: address(usdc),
            merkleRoot: root,
            recordBlock: uint64(block.number - 1),
            amountPerShare: PER_SHARE,
            totalGross: total,
            claimDeadline: uint40(block.timestamp + 30 days),
            metadataURI: "ipfs://rat/dividends/1.json",
            metadataHash: keccak256("dividend file")
        });
    }

    /// Four leaves: alice 300, bob 200, stranger 100, alice-again-in-another-amount never (distinct holders).
    function _leaves() private view returns (address[4] memory who, uint256[4] memory gross) {
        who = [alice, bob, stranger, sys.holders[2]];
        gross = [uint256(300e6), 200e6, 100e6, 400e6];
    }

    function _create(uint256 total) private returns (uint256 id, DividendTree.Tree memory tree) {
        (address[4] memory who, uint256[4] memory gross) = _leaves();
        tree = DividendTree.build(who, gross);
        vm.prank(creator);
        id = dist.createDistribution(_terms(tree.root, total));
    }

    function _claim(uint256 id, DividendTree.Tree memory tree, uint256 i) private {
        dist.claim(id, tree.who[i], tree.gross[i], DividendTree.proof(tree, i));
    }

    function _expectCreateRevert(DistributionTerms memory t, bytes memory err) private {
        vm.expectRevert(err);
        vm.prank(creator);
        dist.createDistribution(t);
    }

    // ------------------------------------------------------------------ creation

    function test_createPullsExactlyTheGrossTotalAndStoresEveryTerm() public {
        uint256 before = usdc.balanceOf(creator);
        (uint256 id, DividendTree.Tree memory tree) = _create(TOTAL);
        assertEq(id, 1, "first id");
        assertEq(dist.nextDistributionId(), 2, "next id");
        assertEq(usdc.balanceOf(address(dist)), TOTAL, "funded");
        assertEq(before - usdc.balanceOf(creator), TOTAL, "pulled from the creator");
        Distribution memory d = dist.distribution(id);
        assertEq(d.asset, asset, "asset");
        assertEq(d.payoutToken, address(usdc), "payout token");
        assertEq(d.merkleRoot, tree.root, "root");
        assertEq(uint256(d.recordBlock), block.number - 1, "record block");
        assertEq(d.amountPerShare, PER_SHARE, "per share");
        assertEq(uint256(d.totalGross), TOTAL, "total");
        assertEq(uint256(d.claimedGross), 0, "nothing claimed");
        assertEq(uint256(d.claimDeadline), block.timestamp + 30 days, "deadline");
        assertEq(d.metadataHash, keccak256("dividend file"), "metadata hash");
        assertEq(keccak256(bytes(d.metadataURI)), keccak256("ipfs://rat/dividends/1.json"), "metadata URI");
        assertEq(d.swept, false, "not swept");
        (uint256 id2,) = _create(TOTAL);
        assertEq(id2, 2, "second id");
    }

    function test_aDistributionPaidInARatAssetIsRefused() public {
        DistributionTerms memory t = _terms(keccak256("root"), TOTAL);
        t.payoutToken = asset; // a registered RAT asset: claims would bypass its transfer rules (protocol holder)
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.PayoutIsRatAsset.selector, asset));
    }

    function test_aRecordBlockThatIsTheCurrentBlockIsRefused() public {
        DistributionTerms memory t = _terms(keccak256("root"), TOTAL);
        t.recordBlock = uint64(block.number);
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.RecordBlockNotPast.selector,
            uint64(block.number), block.number));
    }

    function test_theDeadlineMayBeExactlyTheMinimumClaimPeriodAway() public {
        DistributionTerms memory t = _terms(keccak256("root"), TOTAL);
        t.claimDeadline = uint40(block.timestamp + dist.MIN_CLAIM_PERIOD());
        vm.prank(creator);
        dist.createDistribution(t);
        t.claimDeadline -= 1;
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.InvalidClaimDeadline.selector,
            t.claimDeadline, block.timestamp + 30 days, block.timestamp + 5 * 365 days));
    }

    function test_theDeadlineMayBeExactlyTheMaximumClaimPeriodAway() public {
        DistributionTerms memory t = _terms(keccak256("root"), TOTAL);
        t.claimDeadline = uint40(block.timestamp + dist.MAX_CLAIM_PERIOD());
        vm.prank(creator);
        dist.createDistribution(t);
        t.claimDeadline += 1;
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.InvalidClaimDeadline.selector,
            t.claimDeadline, block.timestamp + 30 days, block.timestamp + 5 * 365 days));
    }

    function test_creationRefusesEachMissingOrZeroTerm() public {
        DistributionTerms memory t = _terms(keccak256("root"), TOTAL);
        t.asset = address(0);
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.ZeroAddress.selector));
        t = _terms(keccak256("root"), TOTAL);
        t.payoutToken = address(0);
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.ZeroAddress.selector));
        t = _terms(keccak256("root"), TOTAL);
        t.asset = address(usdc);
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.AssetNotRegistered.selector, address(usdc)));
        t = _terms(bytes32(0), TOTAL);
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.EmptyMerkleRoot.selector));
        t = _terms(keccak256("root"), TOTAL);
        t.amountPerShare = 0;
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.ZeroAmount.selector));
        t = _terms(keccak256("root"), 0);
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.ZeroAmount.selector));
        t = _terms(keccak256("root"), uint256(type(uint128).max) + 1);
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.TotalTooLarge.selector,
            uint256(type(uint128).max) + 1));
        t = _terms(keccak256("root"), TOTAL);
        t.metadataURI = "";
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.InvalidMetadata.selector));
        t = _terms(keccak256("root"), TOTAL);
        t.metadataHash = bytes32(0);
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.InvalidMetadata.selector));
    }

    function test_aTotalOfExactlyTheUint128MaximumPassesTheSizeCheck() public {
        DistributionTerms memory t = _terms(keccak256("root"), type(uint128).max);
        // Past the size check, the pull fails for want of an allowance-backed balance, not with TotalTooLarge.
        vm.prank(creator);
        try dist.createDistribution(t) {
            revert("created without the funds");
        } catch (bytes memory err) {
            if (bytes4(err) == DividendDistributor.TotalTooLarge.selector) revert("uint128 max refused as too large");
        }
    }

    function test_aPayoutTokenThatDeliversLessThanAskedIsRefused() public {
        _expectFundingRefused(new ShortPayingToken(creator), TOTAL - 1);
    }

    /// Seed `2026-12-04-s36-2` (`DividendDistributor-ROR-1e374a4774` survived Forge and pytest): funding must equal
    /// the total exactly, so a token delivering more than asked is refused as one delivering less is.
    function test_aPayoutTokenThatDeliversMoreThanAskedIsRefused() public {
        _expectFundingRefused(new OverPayingToken(creator), TOTAL + 1);
    }

    /// A distribution of TOTAL paid in `payout` (approved by the creator) is refused as funded with `received`.
    function _expectFundingRefused(ERC20 payout, uint256 received) private {
        DistributionTerms memory t = _terms(keccak256("root"), TOTAL);
        t.payoutToken = address(payout);
        vm.prank(creator);
        payout.approve(address(dist), TOTAL);
        _expectCreateRevert(t, abi.encodeWithSelector(DividendDistributor.FundingMismatch.selector, TOTAL, received));
    }

    function test_onlyTheCreatorRoleCreates() public {
        DistributionTerms memory t = _terms(keccak256("root"), TOTAL);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice,
            dist.DISTRIBUTION_CREATOR_ROLE()));
        vm.prank(alice);
        dist.createDistribution(t);
    }

    // ------------------------------------------------------------------ claims

    function test_aClaimPaysTheNetToTheHolderAndTheWithholdingToTheTaxAccount() public {
        vm.prank(taxMan);
        dist.setWithholdingRate("BR", 1_500);
        (uint256 id, DividendTree.Tree memory tree) = _create(TOTAL);
        vm.prank(stranger); // anyone may claim for a holder; the money goes to the holder
        _claim(id, tree, 0);
        assertEq(usdc.balanceOf(alice), 255e6, "net 85 % of 300");
        assertEq(usdc.balanceOf(tax), 45e6, "withheld 15 %");
        assertEq(usdc.balanceOf(stranger), 0, "nothing to the caller");
        assertEq(uint256(dist.distribution(id).claimedGross), 300e6, "claimed gross");
        assertEq(usdc.balanceOf(address(dist)), TOTAL - 300e6, "left in the distributor");
        assertEq(dist.claimed(id, alice), true, "alice claimed");
        assertEq(dist.claimed(id, bob), false, "bob not yet");
    }

    function test_withholdingRoundsDownInTheHoldersFavour() public {
        vm.prank(taxMan);
        dist.setWithholdingRate("BR", 3);
        address[4] memory who = [alice, bob, stranger, sys.holders[2]];
        uint256[4] memory gross = [uint256(3_333), 1, 1, 1];
        DividendTree.Tree memory tree = DividendTree.build(who, gross);
        vm.prank(creator);
        uint256 id = dist.createDistribution(_terms(tree.root, 4_000));
        _claim(id, tree, 0);
        assertEq(usdc.balanceOf(tax), 0, "3,333 x 3 / 10,000 = 0.9999 rounds to 0");
        assertEq(usdc.balanceOf(alice), 3_333, "all to the holder");
    }

    function test_aJurisdictionWithoutAnEntryAndAHolderWithoutKycPayTheDefaultRate() public {
        vm.prank(taxMan);
        dist.setDefaultWithholdingRate(2_000);
        (uint256 id, DividendTree.Tree memory tree) = _create(TOTAL);
        _claim(id, tree, 1); // bob, AR, no entry
        _claim(id, tree, 2); // stranger, no KYC record
        assertEq(usdc.balanceOf(bob), 160e6, "bob net at the default 20 %");
        assertEq(usdc.balanceOf(stranger), 80e6, "stranger net at the default 20 %");
        assertEq(usdc.balanceOf(tax), 60e6, "withheld");
    }

    function test_anExplicitZeroEntryOverridesTheDefaultUntilCleared() public {
        vm.startPrank(taxMan);
        dist.setDefaultWithholdingRate(2_000);
        dist.setWithholdingRate("AR", 0);
        vm.stopPrank();
        assertEq(uint256(dist.withholdingBps("AR")), 0, "explicit 0 %");
        (bool set, uint16 bps) = dist.withholdingEntry("AR");
        assertEq(set, true, "entry set");
        assertEq(uint256(bps), 0, "entry rate");
        (uint256 id, DividendTree.Tree memory tree) = _create(TOTAL);
        _claim(id, tree, 1);
        assertEq(usdc.balanceOf(bob), 200e6, "bob paid gross");
        vm.prank(taxMan);
        dist.clearWithholdingRate("AR");
        assertEq(uint256(dist.withholdingBps("AR")), 2_000, "default again");
        (set,) = dist.withholdingEntry("AR");
        assertEq(set, false, "entry gone");
    }

    function test_aClaimInTheDeadlineSecondIsPaidAndOneSecondLaterIsRefused() public {
        (uint256 id, DividendTree.Tree memory tree) = _create(TOTAL);
        uint40 deadline = dist.distribution(id).claimDeadline;
        vm.warp(deadline);
        _claim(id, tree, 0);
        assertEq(usdc.balanceOf(alice), 300e6, "paid at the deadline");
        vm.warp(uint256(deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.ClaimPeriodOver.selector, id, deadline));
        _claim(id, tree, 1);
    }

    function test_aHolderIsPaidOnce() public {
        (uint256 id, DividendTree.Tree memory tree) = _create(TOTAL);
        _claim(id, tree, 0);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.AlreadyClaimed.selector, id, alice));
        _claim(id, tree, 0);
    }

    function test_aClaimWithTheWrongAmountOrProofIsRefused() public {
        (uint256 id, DividendTree.Tree memory tree) = _create(TOTAL);
        bytes32[] memory p = DividendTree.proof(tree, 0);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.InvalidProof.selector, id, alice, 300e6 + 1));
        dist.claim(id, alice, 300e6 + 1, p);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.InvalidProof.selector, id, bob, 300e6));
        dist.claim(id, bob, 300e6, p);
    }

    function test_aFrozenHolderIsNotPaidUntilUnfrozen() public {
        (uint256 id, DividendTree.Tree memory tree) = _create(TOTAL);
        address[] memory who = new address[](1);
        who[0] = alice;
        vm.prank(sys.operator);
        sys.registry.freeze(who, keccak256("case"));
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.HolderFrozen.selector, alice));
        _claim(id, tree, 0);
        vm.prank(sys.operator);
        sys.registry.unfreeze(who, keccak256("case"));
        _claim(id, tree, 0);
        assertEq(usdc.balanceOf(alice), 300e6, "paid once unfrozen");
    }

    function test_aClaimOfExactlyTheRemainingGrossIsPaidAndOneUnitMoreIsRefused() public {
        // Leaves sum to 1,000 USDC; fund 500: alice (300) and bob (200) exhaust it exactly.
        (uint256 id, DividendTree.Tree memory tree) = _create(500e6);
        _claim(id, tree, 0);
        _claim(id, tree, 1);
        assertEq(usdc.balanceOf(address(dist)), 0, "exactly exhausted");
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.ExceedsDistribution.selector, id, 100e6, 0));
        _claim(id, tree, 2);
    }

    function test_aClaimOnAnUnknownDistributionIsRefused() public {
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.UnknownDistribution.selector, 7));
        dist.claim(7, alice, 1, noProof);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.UnknownDistribution.selector, 0));
        dist.claim(0, alice, 1, noProof);
    }

    // ------------------------------------------------------------------ cancellation and sweep

    function test_cancellingReturnsTheUnpaidGrossToTheTreasuryAndStopsClaims() public {
        (uint256 id, DividendTree.Tree memory tree) = _create(TOTAL);
        _claim(id, tree, 0);
        vm.prank(canceller);
        uint256 returned = dist.cancelDistribution(id);
        assertEq(returned, TOTAL - 300e6, "returned");
        assertEq(usdc.balanceOf(treasury), TOTAL - 300e6, "treasury received it");
        assertEq(usdc.balanceOf(address(dist)), 0, "nothing left");
        assertEq(dist.cancelled(id), true, "cancelled");
        assertEq(dist.distribution(id).swept, true, "marked swept");
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.DistributionIsCancelled.selector, id));
        _claim(id, tree, 1);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.DistributionIsCancelled.selector, id));
        vm.prank(canceller);
        dist.cancelDistribution(id);
        vm.warp(block.timestamp + 31 days);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.DistributionIsCancelled.selector, id));
        dist.sweep(id);
    }

    function test_cancellingAfterTheDeadlineIsAllowedUntilSwept() public {
        (uint256 id,) = _create(TOTAL);
        (uint256 id2,) = _create(TOTAL);
        vm.warp(uint256(dist.distribution(id).claimDeadline) + 1);
        vm.prank(canceller);
        assertEq(dist.cancelDistribution(id), TOTAL, "cancelled after the deadline");
        dist.sweep(id2);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.AlreadySwept.selector, id2));
        vm.prank(canceller);
        dist.cancelDistribution(id2);
    }

    function test_onlyTheCancellerRoleCancels() public {
        (uint256 id,) = _create(TOTAL);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, creator,
            dist.DISTRIBUTION_CANCELLER_ROLE()));
        vm.prank(creator);
        dist.cancelDistribution(id);
    }

    function test_aSweepInTheDeadlineSecondIsRefusedAndOneSecondLaterSendsTheRestToTheTreasury() public {
        (uint256 id, DividendTree.Tree memory tree) = _create(TOTAL);
        _claim(id, tree, 1);
        uint40 deadline = dist.distribution(id).claimDeadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.ClaimPeriodNotOver.selector, id, deadline));
        dist.sweep(id);
        vm.warp(uint256(deadline) + 1);
        vm.prank(stranger); // anyone may sweep; the money goes to the treasury
        assertEq(dist.sweep(id), TOTAL - 200e6, "swept amount");
        assertEq(usdc.balanceOf(treasury), TOTAL - 200e6, "treasury received it");
        assertEq(usdc.balanceOf(address(dist)), 0, "nothing left");
        assertEq(dist.distribution(id).swept, true, "swept");
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.AlreadySwept.selector, id));
        dist.sweep(id);
    }

    function test_eachDistributionPaysOnlyFromItsOwnFunds() public {
        (uint256 id1, DividendTree.Tree memory tree) = _create(300e6); // only alice's leaf funded
        _create(TOTAL);
        _claim(id1, tree, 0);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.ExceedsDistribution.selector, id1, 200e6, 0));
        _claim(id1, tree, 1);
        assertEq(usdc.balanceOf(address(dist)), TOTAL, "the second distribution is untouched");
    }

    // ------------------------------------------------------------------ withholding table and accounts

    function test_theWithholdingRateMayBeExactlyTheMaximumAndNotOneBpsMore() public {
        vm.startPrank(taxMan);
        dist.setWithholdingRate("US", 5_000);
        dist.setDefaultWithholdingRate(5_000);
        assertEq(uint256(dist.withholdingBps("US")), 5_000, "entry at the maximum");
        assertEq(uint256(dist.defaultWithholdingBps()), 5_000, "default at the maximum");
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.WithholdingTooHigh.selector, uint16(5_001),
            uint16(5_000)));
        dist.setWithholdingRate("US", 5_001);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.WithholdingTooHigh.selector, uint16(5_001),
            uint16(5_000)));
        dist.setDefaultWithholdingRate(5_001);
        vm.stopPrank();
    }

    function test_withholdingEntriesNeedAValidJurisdictionAndClearingNeedsAnEntry() public {
        vm.startPrank(taxMan);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.InvalidJurisdiction.selector, bytes2("u1")));
        dist.setWithholdingRate("u1", 100);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.NoWithholdingEntry.selector, bytes2("FR")));
        dist.clearWithholdingRate("FR");
        vm.stopPrank();
    }

    function test_onlyTheWithholdingManagerSetsRates() public {
        bytes memory err = abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, creator,
            dist.WITHHOLDING_MANAGER_ROLE());
        vm.startPrank(creator);
        vm.expectRevert(err);
        dist.setWithholdingRate("US", 1);
        vm.expectRevert(err);
        dist.setDefaultWithholdingRate(1);
        vm.expectRevert(err);
        dist.clearWithholdingRate("US");
        vm.stopPrank();
    }

    function test_thePayoutAccountsChangeOnlyByTheirRoleAndNeverToZero() public {
        vm.startPrank(sys.timelock);
        dist.setTreasury(address(0xBEEF));
        dist.setTaxAccount(address(0xFEED));
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.ZeroAddress.selector));
        dist.setTreasury(address(0));
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.ZeroAddress.selector));
        dist.setTaxAccount(address(0));
        vm.stopPrank();
        assertEq(dist.treasury(), address(0xBEEF), "treasury");
        assertEq(dist.taxAccount(), address(0xFEED), "tax account");
        bytes memory err = abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, creator,
            dist.PAYOUT_ACCOUNTS_ROLE());
        vm.startPrank(creator);
        vm.expectRevert(err);
        dist.setTreasury(creator);
        vm.expectRevert(err);
        dist.setTaxAccount(creator);
        vm.stopPrank();
    }

    function test_initialisationGivesTheAdminTheUpgradeRoleAndRefusesZeroAccounts() public {
        assertEq(dist.hasRole(dist.UPGRADER_ROLE(), sys.timelock), true, "upgrader");
        assertEq(dist.hasRole(dist.DEFAULT_ADMIN_ROLE(), sys.timelock), true, "admin");
        assertEq(dist.treasury(), treasury, "treasury");
        assertEq(dist.taxAccount(), tax, "tax account");
        DividendDistributor impl = new DividendDistributor(sys.registry);
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.ZeroAddress.selector));
        new SingletonProxy(address(impl), abi.encodeCall(DividendDistributor.initialize, (address(0), treasury, tax)));
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.ZeroAddress.selector));
        new SingletonProxy(address(impl), abi.encodeCall(DividendDistributor.initialize, (creator, address(0), tax)));
        vm.expectRevert(abi.encodeWithSelector(DividendDistributor.ZeroAddress.selector));
        new SingletonProxy(address(impl), abi.encodeCall(DividendDistributor.initialize, (creator, treasury, address(0))));
    }

    function test_onlyTheUpgraderUpgrades() public {
        address next = address(new DividendDistributor(sys.registry));
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, creator,
            dist.UPGRADER_ROLE()));
        vm.prank(creator);
        dist.upgradeToAndCall(next, "");
        vm.prank(sys.timelock);
        dist.upgradeToAndCall(next, "");
    }

    function test_theLeafIsTheStandardMerkleTreeDoubleHash() public view {
        assertEq(dist.leaf(alice, 300e6), keccak256(bytes.concat(keccak256(abi.encode(alice, uint256(300e6))))), "leaf");
    }
}
