// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {
    ConversionVault,
    ConversionTerms,
    ConversionKind,
    ConversionState,
    Conversion,
    IConversionMinter
} from "../../contracts/corporate/ConversionVault.sol";
import {RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {AssetStatus} from "../../contracts/interfaces/IMinter.sol";
import {TransferStatus} from "../../contracts/interfaces/IComplianceRegistry.sol";
import {SecureMint} from "../../contracts/reserves/SecureMint.sol";
import {TestStablecoin} from "../../contracts/mocks/TestStablecoin.sol";
import {RatFixture, N_INVESTORS} from "./helpers/RatFixture.sol";

/// @title ConversionVault in Forge: every term's bounds, the window's seconds, cash and token payouts, deferrals.
/// @notice Issue 24: conversions were specified only by pytest (tests/corporate/test_conversion.py), so the Forge
/// suite killed none of the vault's mutants. Source: the first equity (every investor may hold it); cash in USDC, or
/// a TOKEN conversion into the second equity (minimum tier 2, its guard reading the registry's records), so tier-1
/// holders are refused or deferred. Each boundary is pinned on both sides.
contract Conversions is RatFixture {
    ConversionVault private vault;
    RealAssetToken private source;
    RealAssetToken private target;
    TestStablecoin private usdc;
    address private manager = address(0x3A3A);
    address private treasury = address(0x7E5);
    address private alice; // investor0, tier 1
    address private bob; // investor1, tier 2
    address private carol; // investor2, tier 3
    uint256 private constant RATE = 187_530_000; // 187.53 USDC per share
    uint256 private constant HOLDING = 10 * SHARE;
    bytes32 private constant NOTICE = keccak256("issuer notice: merger");

    function setUp() public {
        _deploySystem();
        source = sys.assets[0];
        target = sys.assets[1];
        usdc = sys.coins[0];
        alice = sys.holders[0];
        bob = sys.holders[1];
        carol = sys.holders[2];
        vm.startPrank(sys.timelock);
        vault = new ConversionVault(sys.timelock, IConversionMinter(address(sys.minter)), sys.registry, treasury);
        vault.grantRole(vault.CONVERSION_MANAGER_ROLE(), manager);
        source.grantRole(source.FORCED_TRANSFER_ROLE(), address(vault));
        target.grantRole(target.MINTER_ROLE(), address(vault));
        source.grantRole(source.MINTER_ROLE(), sys.timelock);
        for (uint256 i; i < N_INVESTORS; ++i) {
            source.mint(sys.holders[i], HOLDING);
        }
        source.revokeRole(source.MINTER_ROLE(), sys.timelock);
        sys.minter.setAssetStatus(address(source), AssetStatus.REDEEM_ONLY);
        usdc.mint(manager, 1e15);
        vm.stopPrank();
        vm.prank(manager);
        usdc.approve(address(vault), type(uint256).max);
    }

    // ------------------------------------------------------------------ helpers

    function _cash(bool mandatory) private view returns (ConversionTerms memory) {
        return ConversionTerms({
            kind: ConversionKind.CASH,
            payout: address(usdc),
            rate: RATE,
            mandatory: mandatory,
            effectiveAt: uint40(block.timestamp + 1 days),
            expiresAt: uint40(block.timestamp + 31 days),
            actionRef: NOTICE
        });
    }

    function _stock(uint256 rate) private view returns (ConversionTerms memory t) {
        t = _cash(true);
        t.kind = ConversionKind.TOKEN;
        t.payout = address(target);
        t.rate = rate;
    }

    function _open(ConversionTerms memory t) private {
        vm.prank(manager);
        vault.openConversion(address(source), t);
    }

    function _openFundedCash(bool mandatory) private returns (ConversionTerms memory t) {
        t = _cash(mandatory);
        _open(t);
        vm.prank(manager);
        vault.fund(address(source), 4 * 10 * RATE);
        vm.warp(t.effectiveAt);
    }

    function _expectOpenRevert(ConversionTerms memory t, bytes memory err) private {
        vm.expectRevert(err);
        vm.prank(manager);
        vault.openConversion(address(source), t);
    }


    // ------------------------------------------------------------------ opening: every term and its bounds

    function test_openingStoresEveryTermAndNumbersConversionsFromOne() public {
        ConversionTerms memory t = _cash(true);
        _open(t);
        Conversion memory c = vault.conversion(address(source));
        assertEq(uint256(c.id), 1, "id");
        assertEq(uint256(c.state), uint256(ConversionState.OPEN), "open");
        assertEq(uint256(c.kind), uint256(ConversionKind.CASH), "kind");
        assertEq(c.mandatory, true, "mandatory");
        assertEq(uint256(c.effectiveAt), t.effectiveAt, "effective");
        assertEq(uint256(c.expiresAt), t.expiresAt, "expiry");
        assertEq(c.payout, address(usdc), "payout");
        assertEq(c.rate, RATE, "rate");
        assertEq(c.actionRef, NOTICE, "action ref");
        assertEq(c.funded + c.paid + c.tokensConverted + c.sharesConverted, 0, "empty books");
    }

    function test_theEffectiveTimeMayBeNowOrTheMaximumDelayAndNotASecondOutside() public {
        ConversionTerms memory t = _cash(false);
        t.effectiveAt = uint40(block.timestamp - 1);
        t.expiresAt = t.effectiveAt + 7 days;
        _expectOpenRevert(t, abi.encodeWithSelector(ConversionVault.InvalidEffectiveTime.selector, t.effectiveAt));
        t.effectiveAt = uint40(block.timestamp + vault.MAX_EFFECTIVE_DELAY() + 1);
        t.expiresAt = t.effectiveAt + 7 days;
        _expectOpenRevert(t, abi.encodeWithSelector(ConversionVault.InvalidEffectiveTime.selector, t.effectiveAt));
        t.effectiveAt = uint40(block.timestamp + vault.MAX_EFFECTIVE_DELAY());
        t.expiresAt = t.effectiveAt + 7 days;
        _open(t);
        RealAssetToken other = sys.assets[2];
        vm.startPrank(sys.timelock);
        other.grantRole(other.FORCED_TRANSFER_ROLE(), address(vault));
        sys.minter.setAssetStatus(address(other), AssetStatus.HALTED);
        vm.stopPrank();
        t.effectiveAt = uint40(block.timestamp);
        t.expiresAt = t.effectiveAt + 7 days;
        vm.prank(manager);
        vault.openConversion(address(other), t);
    }

    function test_theWindowMayBeExactlyTheMinimumOrMaximumAndNotASecondOutside() public {
        ConversionTerms memory t = _cash(false);
        t.expiresAt = t.effectiveAt + uint40(vault.MIN_CONVERSION_WINDOW()) - 1;
        _expectOpenRevert(t, abi.encodeWithSelector(ConversionVault.InvalidExpiry.selector, t.expiresAt));
        t.expiresAt = t.effectiveAt + uint40(vault.MAX_CONVERSION_WINDOW()) + 1;
        _expectOpenRevert(t, abi.encodeWithSelector(ConversionVault.InvalidExpiry.selector, t.expiresAt));
        t.expiresAt = t.effectiveAt + uint40(vault.MAX_CONVERSION_WINDOW());
        _open(t);
        vm.prank(manager);
        vault.closeConversion(address(source)); // not yet effective: closable
        t.expiresAt = t.effectiveAt + uint40(vault.MIN_CONVERSION_WINDOW());
        _open(t);
        assertEq(uint256(vault.conversion(address(source)).id), 2, "second conversion of the asset");
    }

    function test_theRateMayBeOneUpToTheMaximumAndNeitherZeroNorMore() public {
        ConversionTerms memory t = _cash(false);
        t.rate = 0;
        _expectOpenRevert(t, abi.encodeWithSelector(ConversionVault.InvalidRate.selector, 0));
        t.rate = vault.MAX_RATE() + 1;
        _expectOpenRevert(t, abi.encodeWithSelector(ConversionVault.InvalidRate.selector, vault.MAX_RATE() + 1));
        t.rate = vault.MAX_RATE();
        _open(t);
    }

    function test_openingRefusesEachBadTerm() public {
        ConversionTerms memory t = _cash(false);
        t.payout = address(0);
        _expectOpenRevert(t, abi.encodeWithSelector(ConversionVault.ZeroAddress.selector));
        t = _cash(false);
        t.kind = ConversionKind.NONE;
        _expectOpenRevert(t, abi.encodeWithSelector(ConversionVault.InvalidKind.selector));
        t = _cash(false);
        t.payout = address(source);
        _expectOpenRevert(t, abi.encodeWithSelector(ConversionVault.InvalidPayout.selector, address(source)));
        t = _cash(false);
        t.actionRef = bytes32(0);
        _expectOpenRevert(t, abi.encodeWithSelector(ConversionVault.InvalidActionRef.selector));
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.ZeroAddress.selector));
        vm.prank(manager);
        vault.openConversion(address(0), _cash(false));
    }

    function test_anAssetTheMinterStillMintsCannotBeConverted() public {
        vm.prank(sys.timelock);
        sys.minter.setAssetStatus(address(source), AssetStatus.ACTIVE);
        _expectOpenRevert(_cash(false), abi.encodeWithSelector(ConversionVault.AssetStillActive.selector,
            address(source), AssetStatus.ACTIVE));
    }

    function test_openingNeedsTheVaultToHoldTheSourcesForcedTransferRole() public {
        vm.startPrank(sys.timelock);
        source.revokeRole(source.FORCED_TRANSFER_ROLE(), address(vault));
        vm.stopPrank();
        _expectOpenRevert(_cash(false), abi.encodeWithSelector(ConversionVault.MissingTokenRole.selector,
            address(source), vault.TOKEN_FORCED_TRANSFER_ROLE()));
    }

    function test_aSecondConversionCannotOpenWhileOneIsOpen() public {
        _open(_cash(false));
        _expectOpenRevert(_cash(false), abi.encodeWithSelector(ConversionVault.ConversionAlreadyOpen.selector,
            address(source)));
    }

    function test_aTokenConversionNeedsAnActiveTargetAndTheTargetsMinterRole() public {
        vm.startPrank(sys.timelock);
        target.revokeRole(target.MINTER_ROLE(), address(vault));
        vm.stopPrank();
        _expectOpenRevert(_stock(SHARE), abi.encodeWithSelector(ConversionVault.MissingTokenRole.selector,
            address(target), vault.TOKEN_MINTER_ROLE()));
        vm.prank(sys.timelock);
        sys.minter.setAssetStatus(address(target), AssetStatus.REDEEM_ONLY);
        _expectOpenRevert(_stock(SHARE), abi.encodeWithSelector(ConversionVault.TargetNotAccepting.selector,
            address(target), AssetStatus.REDEEM_ONLY));
        ConversionTerms memory t = _stock(SHARE);
        t.payout = address(usdc); // not listed in the Minter
        _expectOpenRevert(t, abi.encodeWithSelector(ConversionVault.TargetNotListed.selector, address(usdc)));
    }

    function test_onlyTheManagerOpensClosesAndDefundsAndOnlyTheAdminMovesTheTreasury() public {
        bytes memory err = abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice,
            vault.CONVERSION_MANAGER_ROLE());
        vm.startPrank(alice);
        vm.expectRevert(err);
        vault.openConversion(address(source), _cash(false));
        vm.expectRevert(err);
        vault.closeConversion(address(source));
        vm.expectRevert(err);
        vault.defund(address(source), 1);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice,
            vault.DEFAULT_ADMIN_ROLE()));
        vault.setTreasury(alice);
        vm.stopPrank();
        vm.prank(sys.timelock);
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.ZeroAddress.selector));
        vault.setTreasury(address(0));
        vm.prank(sys.timelock);
        vault.setTreasury(address(0xBEEF));
        assertEq(vault.treasury(), address(0xBEEF), "treasury");
    }

    // ------------------------------------------------------------------ the window's seconds

    function test_aConversionIsRefusedTheSecondBeforeItIsEffectiveAndAcceptedInThatSecond() public {
        ConversionTerms memory t = _cash(false);
        _open(t);
        vm.prank(manager);
        vault.fund(address(source), 10 * RATE);
        vm.warp(t.effectiveAt - 1);
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.NotYetEffective.selector, address(source),
            t.effectiveAt));
        vm.prank(alice);
        vault.convert(address(source), SHARE);
        vm.warp(t.effectiveAt);
        vm.prank(alice);
        assertEq(vault.convert(address(source), SHARE), RATE, "paid in the effective second");
    }

    function test_aConversionIsAcceptedTheSecondBeforeExpiryAndRefusedInTheExpirySecond() public {
        ConversionTerms memory t = _openFundedCash(false);
        vm.warp(t.expiresAt - 1);
        vm.prank(alice);
        vault.convert(address(source), SHARE);
        vm.warp(t.expiresAt);
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.ConversionExpired.selector, address(source),
            t.expiresAt));
        vm.prank(alice);
        vault.convert(address(source), SHARE);
    }

    function test_closingIsRefusedWhileEffectiveAndUnfinishedAndAllowedInTheExpirySecond() public {
        ConversionTerms memory t = _openFundedCash(false);
        vm.prank(alice);
        vault.convert(address(source), HOLDING);
        vm.warp(t.expiresAt - 1);
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.ConversionNotFinished.selector, address(source),
            source.totalSupply(), t.expiresAt));
        vm.prank(manager);
        vault.closeConversion(address(source));
        vm.warp(t.expiresAt);
        vm.prank(manager);
        vault.closeConversion(address(source));
        assertEq(usdc.balanceOf(treasury), 3 * 10 * RATE, "unused cash returned");
        assertEq(usdc.balanceOf(address(vault)), 0, "vault empty");
        Conversion memory c = vault.conversion(address(source));
        assertEq(uint256(c.state), uint256(ConversionState.CLOSED), "closed");
        assertEq(c.funded, c.paid, "funded == paid after the close");
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.ConversionNotOpen.selector, address(source)));
        vm.prank(manager);
        vault.closeConversion(address(source));
    }

    function test_closingIsAllowedOnceEveryTokenIsConvertedBeforeExpiry() public {
        _openFundedCash(true);
        address[] memory all = new address[](N_INVESTORS);
        for (uint256 i; i < N_INVESTORS; ++i) {
            all[i] = sys.holders[i];
        }
        assertEq(vault.convertAll(address(source), all), N_INVESTORS, "all converted");
        assertEq(source.totalSupply(), 0, "nothing left");
        vm.prank(manager);
        vault.closeConversion(address(source));
        assertEq(usdc.balanceOf(treasury), 0, "exactly funded: nothing to return");
    }

    // ------------------------------------------------------------------ cash payouts

    function test_aCashConversionBurnsTheTokensAndPaysSharesTimesTheRateRoundedDown() public {
        _openFundedCash(false);
        uint256 tokens = 3 * SHARE + 7; // 7 wei of a share: 7 * 187.53e6 / 1e18 rounds to nothing
        vm.prank(alice);
        uint256 paid = vault.convert(address(source), tokens);
        assertEq(paid, 3 * RATE, "shares x rate, rounded down");
        assertEq(usdc.balanceOf(alice), 3 * RATE, "to the holder");
        assertEq(source.balanceOf(alice), HOLDING - tokens, "tokens burned");
        assertEq(source.totalSupply(), 4 * HOLDING - tokens, "supply burned");
        Conversion memory c = vault.conversion(address(source));
        assertEq(c.paid, 3 * RATE, "paid booked");
        assertEq(c.tokensConverted, tokens, "tokens booked");
        assertEq(c.sharesConverted, tokens, "shares booked (multiplier 1)");
        (uint256 shares, uint256 payout) = vault.quote(address(source), tokens);
        assertEq(shares, tokens, "quote shares");
        assertEq(payout, 3 * RATE, "quote payout");
    }

    /// Issue 24 (`ConversionVault-ASOR-f1e041577d`, killed only by pytest): the books add every conversion up, so
    /// two conversions whose amounts share bits (7 and 5 wei) book their sum, not a bitwise union.
    function test_theConversionBooksAreTheSumOfEveryConversion() public {
        _openFundedCash(false);
        uint256 first = 3 * SHARE + 7;
        uint256 second = SHARE + 5;
        vm.startPrank(alice);
        uint256 paid = vault.convert(address(source), first) + vault.convert(address(source), second);
        vm.stopPrank();
        Conversion memory c = vault.conversion(address(source));
        assertEq(c.tokensConverted, first + second, "tokens booked");
        assertEq(c.sharesConverted, first + second, "shares booked (multiplier 1)");
        assertEq(c.paid, paid, "paid booked");
        assertEq(paid, 4 * RATE, "each payout rounded down on its own");
    }

    function test_aConversionNeedsAPositiveAmountWithinTheBalance() public {
        _openFundedCash(false);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.ZeroAmount.selector));
        vault.convert(address(source), 0);
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.InsufficientBalance.selector, alice, HOLDING,
            HOLDING + 1));
        vault.convert(address(source), HOLDING + 1);
        vault.convert(address(source), HOLDING);
        vm.stopPrank();
        assertEq(source.balanceOf(alice), 0, "whole balance converted");
    }

    function test_aFrozenHolderCannotConvertAndIsDeferredByConvertAll() public {
        _openFundedCash(true);
        vm.prank(sys.operator);
        sys.registry.freeze(_one(alice), keccak256("case"));
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.HolderNotEligible.selector, alice,
            TransferStatus.RECIPIENT_FROZEN));
        vm.prank(alice);
        vault.convert(address(source), SHARE);
        assertEq(vault.convertAll(address(source), _one(alice)), 0, "deferred");
        assertEq(source.balanceOf(alice), HOLDING, "kept");
        vm.prank(sys.operator);
        sys.registry.unfreeze(_one(alice), keccak256("case"));
        assertEq(vault.convertAll(address(source), _one(alice)), 1, "converted once unfrozen");
        assertEq(usdc.balanceOf(alice), 10 * RATE, "paid");
    }

    function test_aPayoutOfExactlyTheAvailableFundsIsPaidAndOneUnitMoreIsNot() public {
        ConversionTerms memory t = _cash(false);
        _open(t);
        vm.prank(manager);
        vault.fund(address(source), 2 * RATE);
        vm.warp(t.effectiveAt);
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.InsufficientFunding.selector, address(source),
            2 * RATE + RATE / 1e6, 2 * RATE));
        vm.prank(alice);
        vault.convert(address(source), 2 * SHARE + SHARE / 1e6);
        vm.prank(alice);
        vault.convert(address(source), 2 * SHARE);
        assertEq(usdc.balanceOf(address(vault)), 0, "exactly exhausted");
    }

    /// Issue 24 (`ConversionVault-ASOR-55a3053c48`, killed only by pytest): defunding subtracts from the funding.
    /// Five units over, then two returned: three remain over (a bitwise exclusive or would leave seven).
    function test_defundingLeavesTheFundingLessExactlyWhatWasReturned() public {
        _open(_cash(false));
        uint256 owed = 4 * 10 * RATE;
        vm.prank(manager);
        vault.fund(address(source), owed + 5);
        vm.prank(manager);
        vault.defund(address(source), 2);
        assertEq(vault.conversion(address(source)).funded, owed + 3, "funded less the two returned");
        assertEq(vault.excessFunding(address(source)), 3, "three units over");
        assertEq(usdc.balanceOf(treasury), 2, "two to the treasury");
    }

    function test_fundingRequiredAndExcessFollowTheOutstandingSupply() public {
        ConversionTerms memory t = _cash(false);
        _open(t);
        uint256 owed = 4 * 10 * RATE;
        assertEq(vault.fundingRequired(address(source)), owed, "owed before funding");
        assertEq(vault.excessFunding(address(source)), 0, "no excess");
        vm.prank(manager);
        vault.fund(address(source), owed - 1);
        assertEq(vault.fundingRequired(address(source)), 1, "one unit short");
        vm.prank(manager);
        vault.fund(address(source), 1 + 5);
        assertEq(vault.fundingRequired(address(source)), 0, "fully funded");
        assertEq(vault.excessFunding(address(source)), 5, "five units over");
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.ExceedsExcess.selector, 6, 5));
        vm.prank(manager);
        vault.defund(address(source), 6);
        vm.prank(manager);
        vault.defund(address(source), 5);
        assertEq(usdc.balanceOf(treasury), 5, "excess to the treasury");
        assertEq(vault.conversion(address(source)).funded, owed, "funded net of defunding");
        vm.warp(t.effectiveAt);
        vm.prank(bob);
        vault.convert(address(source), HOLDING);
        assertEq(vault.fundingRequired(address(source)), 0, "still fully funded after a conversion");
        assertEq(vault.excessFunding(address(source)), 0, "and no excess");
    }

    function test_fundingAndDefundingRefuseZeroAndNonCashConversions() public {
        _open(_cash(false));
        vm.startPrank(manager);
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.ZeroAmount.selector));
        vault.fund(address(source), 0);
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.ZeroAmount.selector));
        vault.defund(address(source), 0);
        vault.closeConversion(address(source));
        vault.openConversion(address(source), _stock(SHARE));
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.NotCashConversion.selector, address(source)));
        vault.fund(address(source), 1);
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.NotCashConversion.selector, address(source)));
        vault.defund(address(source), 1);
        vm.stopPrank();
        assertEq(vault.fundingRequired(address(source)), 0, "nothing required of a TOKEN conversion");
    }

    // ------------------------------------------------------------------ convertAll

    function test_convertAllIsOnlyForMandatoryConversionsInBatchesOfOneToTheMaximum() public {
        _openFundedCash(false);
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.NotMandatory.selector, address(source)));
        vault.convertAll(address(source), _one(alice));
        RealAssetToken other = sys.assets[2]; // no holders: a mandatory conversion of it converts nobody
        vm.startPrank(sys.timelock);
        other.grantRole(other.FORCED_TRANSFER_ROLE(), address(vault));
        sys.minter.setAssetStatus(address(other), AssetStatus.HALTED);
        vm.stopPrank();
        ConversionTerms memory t = _cash(true);
        t.effectiveAt = uint40(block.timestamp);
        t.expiresAt = uint40(block.timestamp + 7 days);
        vm.prank(manager);
        vault.openConversion(address(other), t);
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.EmptyBatch.selector));
        vault.convertAll(address(other), new address[](0));
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.BatchTooLarge.selector, 201, 200));
        vault.convertAll(address(other), new address[](201));
        assertEq(vault.convertAll(address(other), new address[](200)), 0, "a full batch of empty holders");
    }

    function test_convertAllSkipsTheMinterAndEmptyBalances() public {
        _openFundedCash(true);
        address[] memory list = new address[](3);
        list[0] = address(sys.minter);
        list[1] = sys.holders[N_INVESTORS]; // the stranger holds nothing
        list[2] = carol;
        assertEq(vault.convertAll(address(source), list), 1, "only carol");
        assertEq(usdc.balanceOf(carol), 10 * RATE, "carol paid");
    }

    // ------------------------------------------------------------------ token payouts

    function test_aTokenConversionMintsTheTargetAtTheRateUnderItsReserveGuard() public {
        ConversionTerms memory t = _stock(SHARE / 2); // one target share per two source shares
        _open(t);
        vm.warp(t.effectiveAt);
        _publishRound(address(target), 1_000 * SHARE, uint64(block.timestamp));
        vm.prank(bob);
        uint256 minted = vault.convert(address(source), 3 * SHARE + 1);
        assertEq(minted, 3 * SHARE / 2, "half a target share per share, rounded down");
        assertEq(target.balanceOf(bob), 3 * SHARE / 2, "minted to the holder");
        assertEq(source.balanceOf(bob), HOLDING - 3 * SHARE - 1, "source burned");
    }

    function test_aTokenConversionAboveTheTargetsReservesIsRefusedAndExactlyAtThemIsPaid() public {
        ConversionTerms memory t = _stock(SHARE);
        _open(t);
        vm.warp(t.effectiveAt);
        _publishRound(address(target), 4 * SHARE, uint64(block.timestamp));
        vm.expectRevert(abi.encodeWithSelector(SecureMint.OverReserves.selector, 4 * SHARE + 1, 4 * SHARE));
        vm.prank(bob);
        vault.convert(address(source), 4 * SHARE + 1);
        vm.prank(bob);
        vault.convert(address(source), 4 * SHARE);
        assertEq(target.totalSupply(), 4 * SHARE, "supply == reserves");
    }

    function test_aTokenConversionIsRefusedOneSecondPastTheTargetsHeartbeatAndPaidAtIt() public {
        ConversionTerms memory t = _stock(SHARE);
        _open(t);
        vm.warp(t.effectiveAt);
        _publishRound(address(target), 1_000 * SHARE, uint64(block.timestamp));
        vm.warp(block.timestamp + RESERVE_HEARTBEAT + 1);
        vm.expectRevert(abi.encodeWithSelector(SecureMint.ReserveStale.selector, block.timestamp - RESERVE_HEARTBEAT
            - 1, RESERVE_HEARTBEAT));
        vm.prank(bob);
        vault.convert(address(source), SHARE);
        vm.warp(block.timestamp - 1);
        vm.prank(bob);
        vault.convert(address(source), SHARE);
        assertEq(target.balanceOf(bob), SHARE, "paid at the heartbeat's last second");
    }

    /// After the target's 1-for-2 reverse split a target round counting pre-split shares overstates its reserves
    /// two-fold: in the activation second a round as of the second before is refused, one as of that second is
    /// trusted (the Minter's rule, ADR 0084).
    function test_aTokenConversionInTheTargetsReverseSplitSecondIsRefusedOnARoundAsOfTheSecondBefore() public {
        uint40 at = _openStockAndReverseSplitTargetAt();
        vm.warp(at - 1);
        _publishRound(address(target), 1_000 * SHARE, uint64(block.timestamp));
        vm.warp(at);
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.ReservesPredateSplit.selector, uint256(at) - 1,
            uint256(at)));
        vm.prank(bob);
        vault.convert(address(source), SHARE);
    }

    function test_aTokenConversionInTheTargetsReverseSplitSecondIsPaidOnARoundAsOfThatSecond() public {
        uint40 at = _openStockAndReverseSplitTargetAt();
        vm.warp(at);
        _publishRound(address(target), 1_000 * SHARE, uint64(block.timestamp));
        vm.prank(bob);
        vault.convert(address(source), SHARE);
        assertEq(target.balanceOf(bob), 2 * SHARE, "one target share, two target tokens after the reverse split");
    }

    function test_aTokenConversionWhileTheTargetsNextSplitIsPendingIsStillRefusedOnARoundAsOfBeforeTheLast() public {
        uint40 at = _openStockAndReverseSplitTargetAt();
        vm.warp(at - 1);
        _publishRound(address(target), 1_000 * SHARE, uint64(block.timestamp));
        vm.warp(at + 1);
        vm.prank(sys.timelock);
        target.scheduleSplit(2, 1, uint40(block.timestamp + 2 days), 1, keccak256("target split"));
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.ReservesPredateSplit.selector, uint256(at) - 1,
            uint256(at)));
        vm.prank(bob);
        vault.convert(address(source), SHARE);
    }

    /// Opens a one-for-one stock conversion and schedules a 1-for-2 reverse split of the target a day after it takes
    /// effect; returns the split's activation time.
    function _openStockAndReverseSplitTargetAt() private returns (uint40 at) {
        ConversionTerms memory t = _stock(SHARE);
        _open(t);
        at = t.effectiveAt + 1 days;
        vm.prank(sys.timelock);
        target.scheduleSplit(1, 2, at, 0, keccak256("target reverse split"));
    }

    /// Issue 24 (`ConversionVault-ROR-b29504dde1`, killed only by pytest): at the target's holder cap, a holder who
    /// already holds the target takes no new slot, so it converts.
    function test_atTheTargetsHolderCapAHolderWhoAlreadyHoldsTheTargetConverts() public {
        _openStockAtTheTargetsHolderCapHeldByBob();
        vm.prank(bob);
        vault.convert(address(source), SHARE);
        assertEq(target.balanceOf(bob), 2 * SHARE, "bob's target holding grew by one share");
        assertEq(target.holderCount(), 1, "still one holder");
    }

    /// ... while a new holder would take a slot above the cap: convertAll defers it instead of letting the target's
    /// own cap check revert the whole batch.
    function test_atTheTargetsHolderCapANewHolderIsDeferredByConvertAll() public {
        _openStockAtTheTargetsHolderCapHeldByBob();
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.HolderNotEligible.selector, carol,
            TransferStatus.MAX_HOLDERS_REACHED));
        vm.prank(carol);
        vault.convert(address(source), SHARE);
        address[] memory list = new address[](2);
        list[0] = carol;
        list[1] = bob;
        assertEq(vault.convertAll(address(source), list), 1, "bob converted, carol deferred");
        assertEq(source.balanceOf(carol), HOLDING, "carol kept her tokens");
        assertEq(target.balanceOf(bob), SHARE + HOLDING, "bob paid");
    }

    /// A one-for-one stock conversion, in effect, into a target capped at one holder: bob, with one target share.
    function _openStockAtTheTargetsHolderCapHeldByBob() private {
        vm.prank(sys.operator);
        sys.registry.setAssetPolicy(address(target), 2, 1);
        vm.startPrank(sys.timelock);
        target.grantRole(target.MINTER_ROLE(), sys.timelock);
        target.mint(bob, SHARE);
        target.revokeRole(target.MINTER_ROLE(), sys.timelock);
        vm.stopPrank();
        ConversionTerms memory t = _stock(SHARE);
        _open(t);
        vm.warp(t.effectiveAt);
        _publishRound(address(target), 1_000 * SHARE, uint64(block.timestamp));
    }

    function test_aHolderTheTargetRefusesCannotConvertAndIsDeferredByConvertAll() public {
        ConversionTerms memory t = _stock(SHARE);
        _open(t);
        vm.warp(t.effectiveAt);
        _publishRound(address(target), 1_000 * SHARE, uint64(block.timestamp));
        vm.expectRevert(abi.encodeWithSelector(ConversionVault.HolderNotEligible.selector, alice,
            TransferStatus.RECIPIENT_NOT_ELIGIBLE));
        vm.prank(alice); // tier 1; the target needs tier 2
        vault.convert(address(source), SHARE);
        address[] memory list = new address[](2);
        list[0] = alice;
        list[1] = carol;
        assertEq(vault.convertAll(address(source), list), 1, "carol converted, alice deferred");
        assertEq(source.balanceOf(alice), HOLDING, "alice kept her tokens");
        assertEq(target.balanceOf(carol), HOLDING, "carol paid");
    }
}
