// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {RealAssetToken} from "../../contracts/token/RealAssetToken.sol";
import {
    IMinter, Fill, Request, RequestKind, RequestStatus, AssetStatus, AttestorRole
} from "../../contracts/interfaces/IMinter.sol";
import {IFeeVault, FeeBucket} from "../../contracts/interfaces/IFeeVault.sol";
import {IReserveRegistry} from "../../contracts/interfaces/IReserveRegistry.sol";
import {FeeVault} from "../../contracts/fees/FeeVault.sol";
import {SingletonProxy} from "../../contracts/proxy/Proxies.sol";
import {SecureMint} from "../../contracts/reserves/SecureMint.sol";
import {TestStablecoin} from "../../contracts/mocks/TestStablecoin.sol";
import {MockV3Aggregator} from "../../contracts/mocks/MockV3Aggregator.sol";
import {RatFixture} from "./helpers/RatFixture.sol";
import {RatEip712} from "./helpers/RatEip712.sol";

/// @notice A 6-decimal stablecoin whose issuer can switch on a fee on transfers, as USDT's contract can: the
/// recipient of a transfer gets `value` less the fee, which is burned. A test double, so anyone may mint and set it.
contract FeeOnTransferDollar is ERC20 {
    uint16 public feeBps;

    constructor() ERC20("Fee-on-transfer Dollar", "FOTD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setFee(uint16 bps) external {
        feeBps = bps;
    }

    function _update(address from, address to, uint256 value) internal override {
        uint256 fee = from == address(0) || to == address(0) ? 0 : value * feeBps / 10_000;
        super._update(from, to, value - fee);
        if (fee != 0) super._update(from, address(0), fee);
    }
}

/// @title Every refusal of the minting side no other Forge suite asserted, with its exact arguments and, where a limit
/// exists, the last accepted value beside the first refused (issue 24).
/// @notice A mutant that removes a check (`if (x) revert E(...)` -> `if (false) revert ...`, a flipped comparison)
/// survived Forge whenever no Forge test asserted that refusal: the invariant handlers swallow reverts. One test per
/// reverting line of the Minter (and its MinterConfig module), the SecureMint guard, the FeeVault and the
/// ReserveRegistry's `getRoundData`, each on the smallest real state that reaches it.
/// @dev `ReserveFeedNotSet` (Minter `_latestReserves`) has no test: a listed asset always has a reserve source
/// (`listAsset` and `setReserveFeed` refuse address(0)) and only a listed, ACTIVE asset reaches the guard.
contract MintingRefusals is RatFixture {
    uint256 private constant PRICE = 100e6; // USDC per share
    uint256 private constant ESCROW = 1_000e6; // USDC escrowed by a mint request: ten shares at PRICE
    uint256 private constant FILLED = 5 * SHARE;
    uint256 private constant MINT_BPS = 10; // the fixture's fees of its second asset
    uint256 private constant BURN_BPS = 25;
    uint256 private constant USDC_TO_NOTIONAL = 1e12; // 6-decimal USDC counted as 18-decimal USD

    RealAssetToken private token; // minimum tier 2, no holder cap, guard reads the ReserveRegistry directly
    TestStablecoin private usdc;
    address private bob; // investor2, tier 3
    uint256 private brokerA;
    uint256 private brokerB;
    uint256 private custodyA;
    uint256 private custodyB;
    uint256 private notAttestor;

    function setUp() public {
        _deploySystem();
        token = sys.assets[1];
        usdc = sys.coins[0];
        bob = sys.holders[2];
        (brokerA, brokerB, custodyA, custodyB, notAttestor) =
            (sys.attestorKeys[0], sys.attestorKeys[1], sys.attestorKeys[2], sys.attestorKeys[3], sys.attestorKeys[4]);
        (uint16 mintBps, uint16 burnBps) = sys.vault.fees(address(token));
        assertEq(mintBps, MINT_BPS, "the fixture's mint fee");
        assertEq(burnBps, BURN_BPS, "the fixture's burn fee");
    }

    // ================================================================ Minter: requests

    /// Escrow is stored as uint128 (`_checkRequestBounds`): 2^128 shares are refused before anything moves, exactly
    /// 2^128 - 1 are escrowed.
    function test_anEscrowOneUnitAboveTheUint128RangeIsRefusedAndExactlyItsMaximumIsEscrowed() public {
        uint256 max = type(uint128).max;
        _mintTo(token, bob, max);
        vm.prank(bob);
        token.approve(address(sys.minter), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IMinter.AmountTooLarge.selector, max + 1));
        vm.prank(bob);
        sys.minter.requestBurn(address(token), address(usdc), max + 1, PRICE, block.timestamp + 1 days);
        vm.prank(bob);
        bytes32 id = sys.minter.requestBurn(address(token), address(usdc), max, PRICE, block.timestamp + 1 days);
        assertEq(sys.minter.getRequest(id).amount, max, "the whole uint128 range escrowed");
        assertEq(token.balanceOf(address(sys.minter)), max, "escrow held");
    }

    /// The limit price is stored as uint128 too: 2^128 is refused, 2^128 - 1 ("any price") is accepted.
    function test_aLimitPriceOneUnitAboveTheUint128RangeIsRefusedAndExactlyItsMaximumIsAccepted() public {
        uint256 max = type(uint128).max;
        _fundPayment(usdc, bob, ESCROW);
        vm.expectRevert(abi.encodeWithSelector(IMinter.AmountTooLarge.selector, max + 1));
        vm.prank(bob);
        sys.minter.requestMint(address(token), address(usdc), ESCROW, max + 1, block.timestamp + 1 days);
        assertEq(usdc.balanceOf(bob), ESCROW, "nothing escrowed");
        vm.prank(bob);
        bytes32 id = sys.minter.requestMint(address(token), address(usdc), ESCROW, max, block.timestamp + 1 days);
        assertEq(sys.minter.getRequest(id).limitPrice, max, "limit price stored");
    }

    /// MinterConfig `setTierLimits`: a tier's daily usage is stored as uint96, so a daily limit of 2^96 is refused
    /// and exactly 2^96 - 1 is set.
    function test_aDailyLimitOneUnitAboveTheUint96RangeIsRefusedAndExactlyItsMaximumIsSet() public {
        uint256 max = type(uint96).max;
        vm.expectRevert(abi.encodeWithSelector(IMinter.AmountTooLarge.selector, max + 1));
        vm.prank(sys.timelock);
        sys.minter.setTierLimits(3, 1_000e18, uint128(max + 1));
        vm.prank(sys.timelock);
        sys.minter.setTierLimits(3, 1_000e18, uint128(max));
        assertEq(sys.minter.tierLimits(3).perDay, max, "daily limit at the uint96 maximum");
    }

    /// MinterConfig `_setMintLimits`: an asset's minted usage is stored as uint96 too: a mint rate of 2^96 per day
    /// is refused, exactly 2^96 - 1 is set.
    function test_aMintRateOneUnitAboveTheUint96RangeIsRefusedAndExactlyItsMaximumIsSet() public {
        uint256 max = type(uint96).max;
        vm.expectRevert(abi.encodeWithSelector(IMinter.AmountTooLarge.selector, max + 1));
        vm.prank(sys.timelock);
        sys.minter.setMintLimits(address(token), uint128(7 * SHARE), uint128(max + 1));
        vm.prank(sys.timelock);
        sys.minter.setMintLimits(address(token), uint128(7 * SHARE), uint128(max));
        assertEq(sys.minter.assetConfig(address(token)).mintRatePerDay, max, "mint rate at the uint96 maximum");
    }

    /// An address the Minter never listed is refused as not listed; a listed but halted asset as not accepting.
    function test_aMintRequestForAnUnlistedAssetIsRefusedAsNotListedAndForAHaltedOneAsNotAccepting() public {
        address unlisted = makeAddr("unlisted-equity");
        _fundPayment(usdc, bob, ESCROW);
        vm.expectRevert(abi.encodeWithSelector(IMinter.AssetNotListed.selector, unlisted));
        vm.prank(bob);
        sys.minter.requestMint(unlisted, address(usdc), ESCROW, PRICE, block.timestamp + 1 days);
        vm.prank(sys.timelock);
        sys.minter.setAssetStatus(address(token), AssetStatus.HALTED);
        vm.expectRevert(abi.encodeWithSelector(IMinter.AssetNotAccepting.selector, address(token), AssetStatus.HALTED));
        vm.prank(bob);
        sys.minter.requestMint(address(token), address(usdc), ESCROW, PRICE, block.timestamp + 1 days);
        assertEq(usdc.balanceOf(bob), ESCROW, "nothing escrowed");
    }

    /// MinterConfig `_listed`: an asset's configuration can only be changed once it is listed.
    function test_settingTheMintLimitsOfAnUnlistedAssetIsRefusedAndOfAListedOneTakesEffect() public {
        address unlisted = makeAddr("unlisted-equity");
        vm.expectRevert(abi.encodeWithSelector(IMinter.AssetNotListed.selector, unlisted));
        vm.prank(sys.timelock);
        sys.minter.setMintLimits(unlisted, uint128(7 * SHARE), uint128(3 * SHARE));
        vm.prank(sys.timelock);
        sys.minter.setMintLimits(address(token), uint128(7 * SHARE), uint128(3 * SHARE));
        assertEq(sys.minter.assetConfig(address(token)).mintCap, 7 * SHARE, "listed asset's cap set");
    }

    /// A frozen investor cannot open a request (`_consumeInvestorLimits`); once unfrozen the same request is accepted.
    function test_aFrozenInvestorCannotRequestAMintUntilUnfrozen() public {
        _fundPayment(usdc, bob, ESCROW);
        _setFrozen(bob, true);
        vm.expectRevert(abi.encodeWithSelector(IMinter.InvestorFrozen.selector, bob));
        vm.prank(bob);
        sys.minter.requestMint(address(token), address(usdc), ESCROW, PRICE, block.timestamp + 1 days);
        assertEq(usdc.balanceOf(bob), ESCROW, "nothing escrowed");
        _setFrozen(bob, false);
        vm.prank(bob);
        sys.minter.requestMint(address(token), address(usdc), ESCROW, PRICE, block.timestamp + 1 days);
        assertEq(usdc.balanceOf(bob), 0, "escrowed once unfrozen");
    }

    /// `_requireNotFrozen`: an investor frozen after requesting is paid nothing by a fill; the escrow stays.
    function test_aFillForAnInvestorFrozenAfterRequestingIsRefusedAndTheEscrowStays() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        _setFrozen(bob, true);
        Fill memory fill = _fill(id, FILLED, PRICE);
        bytes[] memory sigs = _attest(fill);
        vm.expectRevert(abi.encodeWithSelector(IMinter.InvestorFrozen.selector, bob));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
        assertEq(token.balanceOf(bob), 0, "nothing minted");
        assertEq(usdc.balanceOf(address(sys.minter)), ESCROW + sys.minter.ESCROW_KEEPALIVE(), "escrow stays");
        assertEq(uint256(sys.minter.getRequest(id).status), uint256(RequestStatus.PENDING), "still pending");
    }

    /// The tier's per-request limit: exactly it is accepted, one USDC unit more is refused.
    function test_aMintRequestOfExactlyTheTiersPerRequestLimitIsAcceptedAndOneUnitMoreIsNot() public {
        uint256 limit = sys.minter.tierLimits(3).perRequest;
        uint256 amount = limit / USDC_TO_NOTIONAL;
        assertEq(amount * USDC_TO_NOTIONAL, limit, "the limit is a whole number of USDC units");
        _fundPayment(usdc, bob, amount + 1);
        vm.expectRevert(abi.encodeWithSelector(IMinter.OverRequestLimit.selector, limit + USDC_TO_NOTIONAL, limit));
        vm.prank(bob);
        sys.minter.requestMint(address(token), address(usdc), amount + 1, PRICE, block.timestamp + 1 days);
        vm.prank(bob);
        sys.minter.requestMint(address(token), address(usdc), amount, PRICE, block.timestamp + 1 days);
        assertEq(usdc.balanceOf(bob), 1, "exactly the limit escrowed");
    }

    /// The rolling daily limit: after a first request, exactly the room left is accepted, one unit more is not.
    function test_aMintRequestOfExactlyTheDailyRoomLeftIsAcceptedAndOneUnitMoreIsNot() public {
        vm.prank(sys.timelock);
        sys.minter.setTierLimits(3, 1_000e18, 1_500e18);
        _requestMint(bob, 1_000e6, PRICE);
        uint256 room = 1_500e18 - 1_000e6 * USDC_TO_NOTIONAL;
        _fundPayment(usdc, bob, 500e6 + 1);
        vm.expectRevert(abi.encodeWithSelector(IMinter.OverDailyLimit.selector, room + USDC_TO_NOTIONAL, room));
        vm.prank(bob);
        sys.minter.requestMint(address(token), address(usdc), 500e6 + 1, PRICE, block.timestamp + 1 days);
        vm.prank(bob);
        sys.minter.requestMint(address(token), address(usdc), 500e6, PRICE, block.timestamp + 1 days);
        assertEq(sys.minter.dailyAvailable(bob), 0, "the day's room used up exactly");
    }

    /// `_allowedPayment`: a listed stablecoin suspended for new requests is refused until allowed again.
    function test_aSuspendedPaymentTokenIsRefusedForNewRequestsUntilAllowedAgain() public {
        vm.prank(sys.timelock);
        sys.minter.setPaymentTokenAllowed(address(usdc), false);
        _fundPayment(usdc, bob, ESCROW);
        vm.expectRevert(abi.encodeWithSelector(IMinter.PaymentTokenNotAllowed.selector, address(usdc)));
        vm.prank(bob);
        sys.minter.requestMint(address(token), address(usdc), ESCROW, PRICE, block.timestamp + 1 days);
        vm.prank(sys.timelock);
        sys.minter.setPaymentTokenAllowed(address(usdc), true);
        vm.prank(bob);
        sys.minter.requestMint(address(token), address(usdc), ESCROW, PRICE, block.timestamp + 1 days);
        assertEq(usdc.balanceOf(bob), 0, "escrowed once allowed");
    }

    /// MinterConfig `listPaymentToken`: notionals are 18-decimal, so a 19-decimal token cannot be listed; 18 can.
    function test_aPaymentTokenWithNineteenDecimalsCannotBeListedAndOneWithEighteenCan() public {
        vm.startPrank(sys.timelock);
        TestStablecoin nineteen = new TestStablecoin("Nineteen", "N19", 19, sys.timelock);
        vm.expectRevert(abi.encodeWithSelector(IMinter.PaymentTokenNotAllowed.selector, address(nineteen)));
        sys.minter.listPaymentToken(address(nineteen));
        TestStablecoin eighteen = new TestStablecoin("Eighteen", "N18", 18, sys.timelock);
        eighteen.mint(sys.timelock, sys.minter.ESCROW_KEEPALIVE());
        eighteen.approve(address(sys.minter), sys.minter.ESCROW_KEEPALIVE());
        sys.minter.listPaymentToken(address(eighteen));
        vm.stopPrank();
        (, uint8 decimals, bool allowed) = sys.minter.paymentToken(address(eighteen));
        assertEq(uint256(decimals), 18, "listed with 18 decimals");
        assertEq(allowed, true, "allowed");
        (,, allowed) = sys.minter.paymentToken(address(nineteen));
        assertEq(allowed, false, "the 19-decimal token is not");
    }

    /// MinterConfig `setPaymentTokenAllowed`: a token never listed cannot be allowed (it would have no id).
    function test_allowingAPaymentTokenThatWasNeverListedIsRefused() public {
        address never = makeAddr("never-listed-coin");
        vm.expectRevert(abi.encodeWithSelector(IMinter.PaymentTokenNotAllowed.selector, never));
        vm.prank(sys.timelock);
        sys.minter.setPaymentTokenAllowed(never, true);
    }

    // ================================================================ Minter: request state

    /// `_pending` for a fill: a fulfilled request cannot be filled a second time.
    function test_aRequestAlreadyFulfilledCannotBeFilledAgain() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        Fill memory fill = _fill(id, FILLED, PRICE);
        bytes[] memory sigs = _attest(fill);
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
        vm.expectRevert(abi.encodeWithSelector(IMinter.RequestNotPending.selector, id, RequestStatus.FULFILLED));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
        assertEq(token.balanceOf(bob), FILLED, "minted once");
    }

    /// `_pending` for a cancel or reject: a cancelled request's escrow cannot be returned a second time.
    function test_aCancelledRequestCannotBeRejectedOrCancelledAgain() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        vm.warp(block.timestamp + 1 days + 1);
        sys.minter.cancel(id);
        vm.expectRevert(abi.encodeWithSelector(IMinter.RequestNotPending.selector, id, RequestStatus.CANCELLED));
        vm.prank(sys.operator);
        sys.minter.reject(id, 1);
        vm.expectRevert(abi.encodeWithSelector(IMinter.RequestNotPending.selector, id, RequestStatus.CANCELLED));
        sys.minter.cancel(id);
        assertEq(usdc.balanceOf(bob), ESCROW, "refunded once");
    }

    /// `_pending`: an id no request was made under is unknown, not merely "not pending".
    function test_cancellingOrFillingARequestThatNeverExistedIsRefusedAsUnknown() public {
        bytes32 id = sys.minter.nextRequestId(bob);
        vm.expectRevert(abi.encodeWithSelector(IMinter.UnknownRequest.selector, id));
        sys.minter.cancel(id);
        Fill memory fill = _fill(id, FILLED, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IMinter.UnknownRequest.selector, id));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, new bytes[](0));
    }

    /// `fillDigest` names the request's asset and account, so it refuses an unknown id; a known one's digest is
    /// the one the attestors sign.
    function test_theFillDigestOfAnUnknownRequestIsRefusedAndAKnownOnesIsTheDigestAttestorsSign() public {
        bytes32 unknown = sys.minter.nextRequestId(bob);
        Fill memory fill = _fill(unknown, FILLED, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IMinter.UnknownRequest.selector, unknown));
        sys.minter.fillDigest(fill);
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        fill = _fill(id, FILLED, PRICE);
        assertEq(sys.minter.fillDigest(fill), RatEip712.fillDigest(address(sys.minter), fill, address(token), bob),
            "digest of a known request");
    }

    /// MinterConfig `seizeEscrow`: an unknown request has no escrow to seize.
    function test_seizingTheEscrowOfARequestThatNeverExistedIsRefusedAsUnknown() public {
        bytes32 id = sys.minter.nextRequestId(bob);
        _grantLegalHold();
        vm.expectRevert(abi.encodeWithSelector(IMinter.UnknownRequest.selector, id));
        vm.prank(sys.timelock);
        sys.minter.seizeEscrow(id, makeAddr("legal-hold-account"), keccak256("court-order"));
    }

    /// MinterConfig `seizeEscrow`: a frozen investor's escrow is seized once; the closed request cannot be seized
    /// again.
    function test_aSeizedEscrowCannotBeSeizedAgain() public {
        address hold = makeAddr("legal-hold-account");
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        _setFrozen(bob, true);
        _grantLegalHold();
        vm.prank(sys.timelock);
        sys.minter.seizeEscrow(id, hold, keccak256("court-order"));
        assertEq(usdc.balanceOf(hold), ESCROW, "seized once");
        vm.expectRevert(abi.encodeWithSelector(IMinter.RequestNotPending.selector, id, RequestStatus.REJECTED));
        vm.prank(sys.timelock);
        sys.minter.seizeEscrow(id, hold, keccak256("court-order"));
        assertEq(usdc.balanceOf(hold), ESCROW, "not twice");
    }

    /// `_prepareFill`: a burn fill cannot settle a mint request (it would burn escrow the request does not hold).
    function test_aBurnFillAgainstAMintRequestIsRefused() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        Fill memory fill = _fill(id, FILLED, PRICE);
        bytes[] memory sigs = _attest(fill);
        vm.expectRevert(abi.encodeWithSelector(IMinter.WrongRequestKind.selector, id, RequestKind.MINT));
        vm.prank(sys.operator);
        sys.minter.fulfillBurn(fill, sigs);
        assertEq(uint256(sys.minter.getRequest(id).status), uint256(RequestStatus.PENDING), "still pending");
    }

    /// ... and a mint fill cannot settle a burn request.
    function test_aMintFillAgainstABurnRequestIsRefused() public {
        bytes32 id = _requestBurn(bob, 10 * SHARE, PRICE);
        Fill memory fill = _fill(id, FILLED, PRICE);
        bytes[] memory sigs = _attest(fill);
        vm.expectRevert(abi.encodeWithSelector(IMinter.WrongRequestKind.selector, id, RequestKind.BURN));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
        assertEq(token.balanceOf(address(sys.minter)), 10 * SHARE, "burn escrow untouched");
        assertEq(token.balanceOf(bob), 0, "nothing minted");
    }

    /// A fill of zero shares is refused; a fill of a single token unit (cost one USDC unit, no fee) is accepted.
    function test_aFillOfZeroSharesIsRefusedAndOneOfASingleTokenUnitIsAccepted() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        Fill memory zero = _fill(id, 0, PRICE);
        bytes[] memory sigs = _attest(zero);
        vm.expectRevert(abi.encodeWithSelector(IMinter.ZeroFill.selector));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(zero, sigs);
        Fill memory one = _fill(id, 1, PRICE);
        assertEq(one.fees, 0, "a one-unit fill owes no fee");
        _fulfilMint(one);
        assertEq(token.balanceOf(bob), 1, "one token unit minted");
        assertEq(usdc.balanceOf(bob), ESCROW - 1, "paid one USDC unit, the rest refunded");
    }

    // ================================================================ Minter: prices and fees

    /// A mint fill one USDC unit per share above the investor's maximum price is refused; one at it is accepted.
    function test_aMintFillOneUnitAboveTheLimitPriceIsRefusedAndOneAtItIsAccepted() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        Fill memory above = _fill(id, FILLED, PRICE + 1);
        bytes[] memory sigs = _attest(above);
        vm.expectRevert(abi.encodeWithSelector(IMinter.PriceAboveLimit.selector, PRICE + 1, PRICE));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(above, sigs);
        assertEq(token.balanceOf(bob), 0, "nothing minted");
        _fulfilMint(_fill(id, FILLED, PRICE));
        assertEq(token.balanceOf(bob), FILLED, "filled at the limit price");
    }

    /// A burn fill one USDC unit per share below the investor's minimum price is refused; one at it is accepted.
    function test_aBurnFillOneUnitBelowTheLimitPriceIsRefusedAndOneAtItIsAccepted() public {
        bytes32 id = _requestBurn(bob, 10 * SHARE, PRICE);
        uint256 settlementBefore = usdc.balanceOf(sys.settlement);
        Fill memory below = _fill(id, 10 * SHARE, PRICE - 1);
        bytes[] memory sigs = _attest(below);
        vm.expectRevert(abi.encodeWithSelector(IMinter.PriceBelowLimit.selector, PRICE - 1, PRICE));
        vm.prank(sys.operator);
        sys.minter.fulfillBurn(below, sigs);
        assertEq(token.balanceOf(address(sys.minter)), 10 * SHARE, "escrow untouched");
        assertEq(usdc.balanceOf(sys.settlement), settlementBefore, "no proceeds pulled");
        _fulfilBurn(_fill(id, 10 * SHARE, PRICE));
        uint256 proceeds = 10 * PRICE;
        assertEq(usdc.balanceOf(bob), proceeds - proceeds * BURN_BPS / 10_000, "paid at the limit price");
    }

    /// `_checkFee` on a mint: the attested fee must be exactly the vault's rate of the cost, one unit more or less
    /// is refused.
    function test_aMintFillWhoseFeeDiffersByOneUnitFromTheVaultsRateIsRefused() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        Fill memory fill = _fill(id, FILLED, PRICE);
        uint256 fee = (FILLED * PRICE / SHARE) * MINT_BPS / 10_000;
        assertEq(fill.fees, fee, "the vault's quote is the rate of the cost");
        fill.fees = fee + 1;
        bytes[] memory sigs = _attest(fill);
        vm.expectRevert(abi.encodeWithSelector(IMinter.FeeMismatch.selector, fee + 1, fee));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
        fill.fees = fee - 1;
        sigs = _attest(fill);
        vm.expectRevert(abi.encodeWithSelector(IMinter.FeeMismatch.selector, fee - 1, fee));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
        assertEq(usdc.balanceOf(address(sys.vault)), 0, "no fee paid");
        fill.fees = fee;
        _fulfilMint(fill);
        assertEq(usdc.balanceOf(address(sys.vault)), fee, "the exact fee paid");
    }

    /// `_checkFee` on a burn: the fee is the burn rate of the proceeds.
    function test_aBurnFillWhoseFeeIsOneUnitAboveTheVaultsRateIsRefused() public {
        bytes32 id = _requestBurn(bob, 10 * SHARE, PRICE);
        Fill memory fill = _fill(id, 10 * SHARE, PRICE);
        uint256 fee = 10 * PRICE * BURN_BPS / 10_000;
        assertEq(fill.fees, fee, "the vault's quote is the rate of the proceeds");
        fill.fees = fee + 1;
        bytes[] memory sigs = _attest(fill);
        vm.expectRevert(abi.encodeWithSelector(IMinter.FeeMismatch.selector, fee + 1, fee));
        vm.prank(sys.operator);
        sys.minter.fulfillBurn(fill, sigs);
        fill.fees = fee;
        _fulfilBurn(fill);
        assertEq(usdc.balanceOf(address(sys.vault)), fee, "the exact fee paid");
    }

    // ================================================================ Minter: attestations

    /// Under the default quorum of two, a single signature is refused.
    function test_aFillWithASingleAttestationIsRefused() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        Fill memory fill = _fill(id, FILLED, PRICE);
        bytes[] memory sigs = _sign(fill, _keys(brokerA));
        vm.expectRevert(abi.encodeWithSelector(IMinter.TooFewAttestations.selector, 1, 2));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
    }

    /// With a quorum of three, two signatures (both roles present) are refused and exactly three are accepted.
    function test_aFillWithOneAttestationFewerThanTheQuorumIsRefusedAndOneWithExactlyTheQuorumIsAccepted() public {
        vm.prank(sys.timelock);
        sys.minter.setQuorum(3);
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        Fill memory fill = _fill(id, FILLED, PRICE);
        bytes[] memory two = _sign(fill, _ascending(_keys(brokerA, custodyA)));
        vm.expectRevert(abi.encodeWithSelector(IMinter.TooFewAttestations.selector, 2, 3));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, two);
        bytes[] memory three = _sign(fill, _ascending(_keys(brokerA, custodyA, custodyB)));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, three);
        assertEq(token.balanceOf(bob), FILLED, "filled with exactly the quorum");
    }

    /// Signatures must come by ascending signer: the same two valid ones in descending order are refused.
    function test_attestationsInDescendingSignerOrderAreRefused() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        Fill memory fill = _fill(id, FILLED, PRICE);
        uint256[] memory keys = _ascending(_keys(brokerA, custodyA));
        (keys[0], keys[1]) = (keys[1], keys[0]);
        bytes[] memory sigs = _sign(fill, keys);
        vm.expectRevert(abi.encodeWithSelector(IMinter.AttestorsNotSorted.selector, vm.addr(keys[1]),
            vm.addr(keys[0])));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
    }

    /// Strictly ascending: the same signature twice (signer == previous) is refused, so one key cannot count twice.
    function test_theSameAttestationTwiceIsRefusedAsUnsorted() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        Fill memory fill = _fill(id, FILLED, PRICE);
        bytes[] memory sigs = _sign(fill, _keys(brokerA, brokerA));
        vm.expectRevert(abi.encodeWithSelector(IMinter.AttestorsNotSorted.selector, vm.addr(brokerA),
            vm.addr(brokerA)));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
    }

    /// A key no one registered cannot stand in for an attestor, even beside a registered one.
    function test_aSignatureFromAKeyThatIsNotAnAttestorIsRefused() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        Fill memory fill = _fill(id, FILLED, PRICE);
        bytes[] memory sigs = _sign(fill, _ascending(_keys(brokerA, notAttestor)));
        vm.expectRevert(abi.encodeWithSelector(IMinter.UnknownAttestor.selector, vm.addr(notAttestor)));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
    }

    /// Two brokerage signatures without a custody one (or the reverse) are refused with the roles they cover.
    function test_aFillSignedByOneRoleOnlyIsRefused() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        Fill memory fill = _fill(id, FILLED, PRICE);
        bytes[] memory brokers = _sign(fill, _ascending(_keys(brokerA, brokerB)));
        vm.expectRevert(abi.encodeWithSelector(IMinter.AttestorRolesIncomplete.selector,
            1 << uint8(AttestorRole.BROKERAGE)));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, brokers);
        bytes[] memory custodians = _sign(fill, _ascending(_keys(custodyA, custodyB)));
        vm.expectRevert(abi.encodeWithSelector(IMinter.AttestorRolesIncomplete.selector,
            1 << uint8(AttestorRole.CUSTODY)));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, custodians);
        assertEq(token.balanceOf(bob), 0, "nothing minted");
    }

    // ================================================================ Minter: the price band's feed

    /// The band's feed may be exactly one heartbeat old; one second more and the fill is refused (fail-closed).
    function test_aFillIsAcceptedOnAPriceFeedExactlyOneHeartbeatOldAndRefusedOneSecondLater() public {
        MockV3Aggregator feed = _priceBand(1 hours);
        uint256 updatedAt = block.timestamp;
        bytes32 first = _requestMint(bob, ESCROW, PRICE);
        bytes32 second = _requestMint(bob, ESCROW, PRICE);
        vm.warp(updatedAt + 1 hours);
        _fulfilMint(_fill(first, FILLED, PRICE));
        vm.warp(updatedAt + 1 hours + 1);
        _expectPriceFeedStale(second, updatedAt);
        (,,, uint256 feedUpdatedAt,) = feed.latestRoundData();
        assertEq(feedUpdatedAt, updatedAt, "the feed did not move");
    }

    /// A price of zero is no price: refused, not compared.
    function test_aFillIsRefusedWhenThePriceFeedAnswersZero() public {
        MockV3Aggregator feed = _priceBand(1 hours);
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        feed.updateAnswer(0);
        _expectPriceFeedStale(id, block.timestamp);
    }

    /// An incomplete price round (answered in an earlier round) is refused.
    function test_aFillIsRefusedWhenThePriceFeedsRoundIsIncomplete() public {
        MockV3Aggregator feed = _priceBand(1 hours);
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        feed.setRound(5, int256(PRICE * 100), block.timestamp, block.timestamp, 4);
        _expectPriceFeedStale(id, block.timestamp);
    }

    /// A price dated one second in the future would never go stale: refused.
    function test_aFillIsRefusedWhenThePriceFeedIsDatedInTheFuture() public {
        MockV3Aggregator feed = _priceBand(1 hours);
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        feed.setRound(2, int256(PRICE * 100), block.timestamp + 1, block.timestamp + 1, 2);
        _expectPriceFeedStale(id, block.timestamp + 1);
    }

    /// Only fail-closed refuses: an asset set fail-open lets the fill through a stale feed and says so.
    function test_aFailOpenAssetFillsThroughAStalePriceFeedAndSaysSo() public {
        _priceBand(1 hours);
        uint256 updatedAt = block.timestamp;
        vm.prank(sys.timelock);
        sys.minter.setPriceBandFailOpen(address(token), true);
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        vm.warp(updatedAt + 1 hours + 1);
        Fill memory fill = _fill(id, FILLED, PRICE);
        bytes[] memory sigs = _attest(fill);
        vm.expectEmit(address(sys.minter));
        emit IMinter.PriceBandNotChecked(id, address(token), updatedAt);
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
        assertEq(token.balanceOf(bob), FILLED, "filled fail-open");
    }

    // ================================================================ SecureMint through the Minter's reserve guard

    /// A negative reserve answer is invalid; zero is a valid (empty) reserve, refused only as too small.
    function test_aFillIsRefusedOnANegativeReserveAnswerAndOnZeroOnlyAsOverReserves() public {
        MockV3Aggregator feed = _reserveFeed(-1);
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        Fill memory fill = _fill(id, FILLED, PRICE);
        bytes[] memory sigs = _attest(fill);
        vm.expectRevert(abi.encodeWithSelector(SecureMint.ReserveInvalid.selector, int256(-1)));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
        feed.updateAnswer(0);
        vm.expectRevert(abi.encodeWithSelector(SecureMint.OverReserves.selector, FILLED, 0));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
        assertEq(token.totalSupply(), 0, "nothing minted");
    }

    /// A reserve round answered in an earlier round is refused; the same round once answered in itself is trusted.
    function test_aFillIsRefusedOnAnIncompleteReserveRoundAndAcceptedOnceItIsComplete() public {
        MockV3Aggregator feed = _reserveFeed(int256(1_000 * SHARE));
        feed.setRound(5, int256(1_000 * SHARE), block.timestamp, block.timestamp, 4);
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        Fill memory fill = _fill(id, FILLED, PRICE);
        bytes[] memory sigs = _attest(fill);
        vm.expectRevert(abi.encodeWithSelector(SecureMint.ReserveRoundIncomplete.selector, uint80(5), uint80(4)));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
        feed.setRound(5, int256(1_000 * SHARE), block.timestamp, block.timestamp, 5);
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
        assertEq(token.totalSupply(), FILLED, "minted on the complete round");
    }

    // ================================================================ Minter: burn proceeds must arrive

    /// A payment token that starts taking a fee on transfer delivers less than the proceeds the settlement account
    /// sent: the burn is refused, or the investor would be paid out of another investor's escrow in that token.
    /// With the fee off the same attested fill settles.
    function test_aBurnFillIsRefusedWhenThePaymentTokenDeliversLessThanTheProceeds() public {
        FeeOnTransferDollar coin = _listFeeOnTransferDollar();
        address carol = sys.holders[1]; // tier 2: her mint escrow in the same token is what a shortfall would take
        coin.mint(carol, ESCROW);
        vm.startPrank(carol);
        coin.approve(address(sys.minter), ESCROW);
        sys.minter.requestMint(address(token), address(coin), ESCROW, PRICE, block.timestamp + 1 days);
        vm.stopPrank();
        uint256 escrowed = coin.balanceOf(address(sys.minter));
        _mintTo(token, bob, 10 * SHARE);
        vm.startPrank(bob);
        token.approve(address(sys.minter), 10 * SHARE);
        bytes32 id = sys.minter.requestBurn(address(token), address(coin), 10 * SHARE, PRICE, block.timestamp + 1 days);
        vm.stopPrank();
        Fill memory fill = _fill(id, 10 * SHARE, PRICE);
        bytes[] memory sigs = _attest(fill);
        uint256 proceeds = 10 * PRICE;
        uint256 settlementBefore = coin.balanceOf(sys.settlement);
        coin.setFee(100);
        vm.expectRevert(abi.encodeWithSelector(IMinter.ProceedsNotReceived.selector,
            proceeds - proceeds * 100 / 10_000, proceeds));
        vm.prank(sys.operator);
        sys.minter.fulfillBurn(fill, sigs);
        assertEq(coin.balanceOf(sys.settlement), settlementBefore, "no proceeds pulled");
        assertEq(coin.balanceOf(address(sys.minter)), escrowed, "the other escrow untouched");
        assertEq(token.balanceOf(address(sys.minter)), 10 * SHARE, "escrow untouched");
        coin.setFee(0);
        vm.prank(sys.operator);
        sys.minter.fulfillBurn(fill, sigs);
        assertEq(coin.balanceOf(bob), proceeds - fill.fees, "paid the proceeds less the fee");
    }

    // ================================================================ FeeVault

    /// `setFees`: a mint fee one basis point above the 1 % maximum is refused; exactly the maximum is set.
    function test_aMintFeeAboveTheMaximumIsRefusedAndExactlyTheMaximumIsSet() public {
        uint16 max = sys.vault.MAX_FEE_BPS();
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.FeeTooHigh.selector, max + 1, max));
        vm.prank(sys.operator);
        sys.vault.setFees(address(token), max + 1, 0);
        vm.prank(sys.operator);
        sys.vault.setFees(address(token), max, 0);
        (uint16 mintBps, uint16 burnBps) = sys.vault.fees(address(token));
        assertEq(mintBps, max, "mint fee at the maximum");
        assertEq(burnBps, 0, "burn fee");
    }

    /// `setFees`: the same bound on the burn fee.
    function test_aBurnFeeAboveTheMaximumIsRefusedAndExactlyTheMaximumIsSet() public {
        uint16 max = sys.vault.MAX_FEE_BPS();
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.FeeTooHigh.selector, max + 1, max));
        vm.prank(sys.operator);
        sys.vault.setFees(address(token), 0, max + 1);
        vm.prank(sys.operator);
        sys.vault.setFees(address(token), 0, max);
        (uint16 mintBps, uint16 burnBps) = sys.vault.fees(address(token));
        assertEq(mintBps, 0, "mint fee");
        assertEq(burnBps, max, "burn fee at the maximum");
    }

    /// Seed `2026-12-04-s36-3` (`FeeVault-MIA-1c9ab06143` survived Forge and pytest): a withdrawal to the zero address
    /// is refused by the vault itself, with its own error, whatever the payment token would do with it.
    function test_aWithdrawalToTheZeroAddressIsRefusedAndTheBucketKeepsItsFunds() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        _fulfilMint(_fill(id, FILLED, PRICE));
        (uint256 treasury,) = sys.vault.buckets(address(usdc));
        vm.expectRevert(IFeeVault.ZeroAddress.selector);
        vm.prank(sys.operator);
        sys.vault.withdraw(address(usdc), FeeBucket.TREASURY, address(0), treasury);
        (uint256 after_,) = sys.vault.buckets(address(usdc));
        assertEq(after_, treasury, "the bucket keeps its funds");
    }

    /// A bucket pays out at most what it holds: one unit more than each bucket is refused, exactly it is paid.
    function test_aWithdrawalOfOneUnitMoreThanABucketHoldsIsRefusedAndExactlyItIsPaid() public {
        bytes32 id = _requestMint(bob, ESCROW, PRICE);
        _fulfilMint(_fill(id, FILLED, PRICE));
        uint256 fee = (FILLED * PRICE / SHARE) * MINT_BPS / 10_000;
        uint256 insurance = fee * INSURANCE_SHARE_BPS / 10_000;
        uint256 treasury = fee - insurance;
        address to = makeAddr("treasury");
        vm.startPrank(sys.operator);
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.InsufficientBucket.selector, FeeBucket.TREASURY,
            treasury + 1, treasury));
        sys.vault.withdraw(address(usdc), FeeBucket.TREASURY, to, treasury + 1);
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.InsufficientBucket.selector, FeeBucket.INSURANCE,
            insurance + 1, insurance));
        sys.vault.withdraw(address(usdc), FeeBucket.INSURANCE, to, insurance + 1);
        assertEq(usdc.balanceOf(address(sys.vault)), fee, "nothing paid out");
        sys.vault.withdraw(address(usdc), FeeBucket.TREASURY, to, treasury);
        sys.vault.withdraw(address(usdc), FeeBucket.INSURANCE, to, insurance);
        vm.stopPrank();
        assertEq(usdc.balanceOf(to), fee, "both buckets paid out exactly");
        assertEq(usdc.balanceOf(address(sys.vault)), 0, "vault empty");
    }

    /// The insurance share is a fraction: 10,001 bps is refused, exactly 10,000 (everything insured) is set.
    function test_anInsuranceShareAboveTheWholeIsRefusedAndExactlyTheWholeIsSet() public {
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.InvalidShare.selector, uint16(10_001)));
        vm.prank(sys.operator);
        sys.vault.setInsuranceShare(10_001);
        vm.prank(sys.operator);
        sys.vault.setInsuranceShare(10_000);
        assertEq(sys.vault.insuranceShareBps(), 10_000, "whole share set");
    }

    /// Seed `2026-12-04-s36-2` (`FeeVault-MIA-6c076e8c23` survived Forge and pytest): a zero Minter is refused, and
    /// the vault can still name its real one.
    function test_aVaultRefusesAZeroMinterAndStillNamesItsRealOne() public {
        FeeVault fresh = _freshVault();
        vm.expectRevert(IFeeVault.ZeroAddress.selector);
        vm.prank(sys.timelock);
        fresh.setMinter(address(0));
        vm.prank(sys.timelock);
        fresh.setMinter(address(sys.minter));
        assertEq(fresh.minter(), address(sys.minter), "named");
    }

    /// The vault names its Minter once: a fresh vault accepts one, then refuses another.
    function test_aVaultNamesItsMinterOnceOnly() public {
        FeeVault fresh = _freshVault();
        vm.prank(sys.timelock);
        fresh.setMinter(address(sys.minter));
        assertEq(fresh.minter(), address(sys.minter), "named");
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.MinterAlreadySet.selector, address(sys.minter)));
        vm.prank(sys.timelock);
        fresh.setMinter(makeAddr("another-minter"));
        assertEq(fresh.minter(), address(sys.minter), "unchanged");
    }

    /// `setFees` pushes the rates to the Minter, so a vault without one refuses to set any.
    function test_feesCannotBeSetOnAVaultWithoutAMinter() public {
        FeeVault fresh = _freshVault();
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.MinterNotSet.selector));
        vm.prank(sys.operator);
        fresh.setFees(address(token), 10, 10);
    }

    /// `_requireListed` asks the Minter, so a vault without one refuses a management-fee accrual; once named, the
    /// same call runs.
    function test_managementFeeCannotBeAccruedOnAVaultWithoutAMinter() public {
        FeeVault fresh = _freshVault();
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.MinterNotSet.selector));
        fresh.accrueManagementFee(address(token));
        vm.prank(sys.timelock);
        fresh.setMinter(address(sys.minter));
        assertEq(fresh.accrueManagementFee(address(token)), 0, "accrued (no fee set)");
    }

    /// Only the Minter's listed equities feed management-fee events in here.
    function test_managementFeeCannotBeAccruedForAnAssetTheMinterNeverListed() public {
        address unlisted = makeAddr("unlisted-equity");
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.AssetNotListed.selector, unlisted));
        sys.vault.accrueManagementFee(unlisted);
        assertEq(sys.vault.accrueManagementFee(address(token)), 0, "a listed asset accrues");
    }

    /// Issue 24 (`FeeVault-CR-10d79d2df3` survived Forge and pytest): the listing rule holds on every fee entry
    /// point, not only on accrual: no management fee is set for an asset the Minter never listed.
    function test_aManagementFeeCannotBeSetForAnAssetTheMinterNeverListed() public {
        address unlisted = makeAddr("unlisted-equity");
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.AssetNotListed.selector, unlisted));
        vm.prank(sys.operator);
        sys.vault.setManagementFee(unlisted, 50);
    }

    /// ... and no fee sale is booked for one.
    function test_aManagementFeeSaleCannotBeBookedForAnAssetTheMinterNeverListed() public {
        address unlisted = makeAddr("unlisted-equity");
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.AssetNotListed.selector, unlisted));
        vm.prank(sys.settlement);
        sys.vault.recordManagementFeeSale(unlisted, address(usdc), SHARE, PRICE, keccak256("trade"));
    }

    /// Management-fee proceeds are booked only in a tracked payment token; an untracked one is refused.
    function test_aManagementFeeSaleInAnUntrackedTokenIsRefusedAndInATrackedOneIsBooked() public {
        address untracked = makeAddr("untracked-coin");
        vm.expectRevert(abi.encodeWithSelector(IFeeVault.TokenNotTracked.selector, untracked));
        vm.prank(sys.settlement);
        sys.vault.recordManagementFeeSale(address(token), untracked, SHARE, PRICE, keccak256("trade"));
        vm.prank(sys.settlement);
        sys.vault.recordManagementFeeSale(address(token), address(usdc), SHARE, PRICE, keccak256("trade"));
        assertEq(usdc.balanceOf(address(sys.vault)), PRICE, "proceeds deposited");
    }

    // ================================================================ ReserveRegistry

    /// Rounds are numbered from one: round zero is never a round.
    function test_roundZeroOfAnAssetIsNoRoundAndRoundOneIsTheFirstPublished() public {
        vm.expectRevert(abi.encodeWithSelector(IReserveRegistry.NoRound.selector, address(token), uint80(0)));
        sys.reserves.getRoundData(address(token), 0);
        (uint80 roundId, int256 answer,,,) = sys.reserves.getRoundData(address(token), 1);
        assertEq(uint256(roundId), 1, "round one");
        assertEq(uint256(answer), 1_000 * SHARE, "the fixture's first round");
    }

    /// The round after the latest is not a round yet; the latest is.
    function test_theRoundAfterTheLatestIsNoRoundAndTheLatestIs() public {
        vm.warp(block.timestamp + 1);
        _publishRound(address(token), 900 * SHARE, uint64(block.timestamp));
        uint80 latest = sys.reserves.latestRoundId(address(token));
        vm.expectRevert(abi.encodeWithSelector(IReserveRegistry.NoRound.selector, address(token), latest + 1));
        sys.reserves.getRoundData(address(token), latest + 1);
        (uint80 roundId, int256 answer,,,) = sys.reserves.getRoundData(address(token), latest);
        assertEq(uint256(roundId), uint256(latest), "the latest round");
        assertEq(uint256(answer), 900 * SHARE, "its shares");
    }

    // ================================================================ helpers



    function _setFrozen(address who, bool frozen) private {
        address[] memory accounts = new address[](1);
        accounts[0] = who;
        vm.prank(sys.operator);
        if (frozen) sys.registry.freeze(accounts, keccak256("sanctions-hit"));
        else sys.registry.unfreeze(accounts, keccak256("cleared"));
    }

    function _grantLegalHold() private {
        vm.startPrank(sys.timelock);
        sys.minter.grantRole(sys.minter.LEGAL_HOLD_ROLE(), sys.timelock);
        vm.stopPrank();
    }

    function _requestMint(address who, uint256 amount, uint256 maxPrice) private returns (bytes32 id) {
        _fundPayment(usdc, who, amount);
        vm.prank(who);
        id = sys.minter.requestMint(address(token), address(usdc), amount, maxPrice, block.timestamp + 1 days);
    }

    function _requestBurn(address who, uint256 shares, uint256 minPrice) private returns (bytes32 id) {
        _mintTo(token, who, shares);
        vm.startPrank(who);
        token.approve(address(sys.minter), shares);
        id = sys.minter.requestBurn(address(token), address(usdc), shares, minPrice, block.timestamp + 1 days);
        vm.stopPrank();
    }

    /// A fill of the request at `price` carrying the vault's fee for it (on the cost rounded up for a mint, on the
    /// proceeds rounded down for a burn), attestable for an hour.
    function _fill(bytes32 id, uint256 shares, uint256 price) private view returns (Fill memory) {
        Request memory req = sys.minter.getRequest(id);
        uint256 notional = req.kind == RequestKind.MINT ? (shares * price + SHARE - 1) / SHARE : shares * price / SHARE;
        return Fill({
            requestId: id,
            shares: shares,
            price: price,
            fees: sys.vault.quote(address(token), req.kind, notional),
            brokerOrderRef: keccak256(abi.encodePacked("broker", id)),
            custodyRef: keccak256(abi.encodePacked("custody", id)),
            deadline: block.timestamp + 1 hours
        });
    }

    /// Signatures over the fill by `keys`, in the order given.
    function _sign(Fill memory fill, uint256[] memory keys) private view returns (bytes[] memory sigs) {
        Request memory req = sys.minter.getRequest(fill.requestId);
        bytes32 digest = RatEip712.fillDigest(address(sys.minter), fill, sys.minter.assetById(req.assetId),
            req.account);
        sigs = new bytes[](keys.length);
        for (uint256 i; i < keys.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            sigs[i] = abi.encodePacked(r, s, v);
        }
    }

    /// A brokerage and a custody attestor sign the fill, sorted by signer address.
    function _attest(Fill memory fill) private view returns (bytes[] memory) {
        return _sign(fill, _ascending(_keys(brokerA, custodyA)));
    }

    function _fulfilMint(Fill memory fill) private {
        bytes[] memory sigs = _attest(fill);
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
    }

    function _fulfilBurn(Fill memory fill) private {
        bytes[] memory sigs = _attest(fill);
        vm.prank(sys.operator);
        sys.minter.fulfillBurn(fill, sigs);
    }

    function _keys(uint256 a) private pure returns (uint256[] memory keys) {
        keys = new uint256[](1);
        keys[0] = a;
    }

    function _keys(uint256 a, uint256 b) private pure returns (uint256[] memory keys) {
        keys = new uint256[](2);
        (keys[0], keys[1]) = (a, b);
    }

    function _keys(uint256 a, uint256 b, uint256 c) private pure returns (uint256[] memory keys) {
        keys = new uint256[](3);
        (keys[0], keys[1], keys[2]) = (a, b, c);
    }

    /// The keys sorted by their address, ascending (insertion sort).
    function _ascending(uint256[] memory keys) private pure returns (uint256[] memory) {
        for (uint256 i = 1; i < keys.length; ++i) {
            for (uint256 j = i; j > 0 && vm.addr(keys[j]) < vm.addr(keys[j - 1]); --j) {
                (keys[j], keys[j - 1]) = (keys[j - 1], keys[j]);
            }
        }
        return keys;
    }

    /// A 100 bps price band around a feed answering PRICE per share now (8 decimals), with `heartbeat`.
    function _priceBand(uint32 heartbeat) private returns (MockV3Aggregator feed) {
        feed = new MockV3Aggregator(8, int256(PRICE * 100));
        vm.prank(sys.timelock);
        sys.minter.setPriceFeed(address(token), address(feed), heartbeat, 100);
    }

    function _expectPriceFeedStale(bytes32 id, uint256 updatedAt) private {
        Fill memory fill = _fill(id, FILLED, PRICE);
        bytes[] memory sigs = _attest(fill);
        uint256 supply = token.totalSupply();
        vm.expectRevert(abi.encodeWithSelector(IMinter.PriceFeedStale.selector, address(token), updatedAt));
        vm.prank(sys.operator);
        sys.minter.fulfillMint(fill, sigs);
        assertEq(token.totalSupply(), supply, "nothing minted on this request");
    }

    /// Points the reserve guard at a Chainlink-shaped proof-of-reserve feed (18 decimals) answering `answer` now.
    function _reserveFeed(int256 answer) private returns (MockV3Aggregator feed) {
        feed = new MockV3Aggregator(18, answer);
        vm.prank(sys.timelock);
        sys.minter.setReserveFeed(address(token), address(feed), RESERVE_HEARTBEAT);
    }

    /// Lists a fee-on-transfer dollar (its fee off) as the Minter lists any stablecoin, and funds the settlement
    /// account in it.
    function _listFeeOnTransferDollar() private returns (FeeOnTransferDollar coin) {
        coin = new FeeOnTransferDollar();
        uint256 keepalive = sys.minter.ESCROW_KEEPALIVE();
        coin.mint(sys.timelock, keepalive);
        vm.startPrank(sys.timelock);
        coin.approve(address(sys.minter), keepalive);
        sys.minter.listPaymentToken(address(coin));
        vm.stopPrank();
        coin.mint(sys.settlement, 1e12);
        vm.prank(sys.settlement);
        coin.approve(address(sys.minter), type(uint256).max);
    }

    /// A second FeeVault behind its own proxy, administered by the timelock, its governor the operator, no Minter.
    function _freshVault() private returns (FeeVault fresh) {
        vm.startPrank(sys.timelock);
        fresh = FeeVault(address(new SingletonProxy(address(new FeeVault()),
            abi.encodeCall(FeeVault.initialize, (sys.timelock, INSURANCE_SHARE_BPS)))));
        fresh.grantRole(fresh.FEE_GOVERNOR_ROLE(), sys.operator);
        vm.stopPrank();
    }
}
