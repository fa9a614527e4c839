// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

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
import {TestStablecoin} from "../../contracts/mocks/TestStablecoin.sol";
import {assertEveryPathFollowsTheModel} from "./helpers/PathModel.sol";
import {RatFixture, N_INVESTORS} from "./helpers/RatFixture.sol";
import {ConversionHandler} from "./handlers/ConversionHandler.sol";

/// @title A mandatory cash conversion's value on every path: a holder's own conversion, convertAll's forced
/// conversion and its deferral of frozen holders, funding, defunding and closing, in random sequences.
/// @notice Issue 24 (rules per value path, boundary seconds): the vault's conservation and its window and
/// eligibility rules are stated once here for every path that moves its value; the handler
/// (`handlers/ConversionHandler.sol`) predicts each outcome and amount from an independent model and lands the clock
/// on the effective second, the second before it, the window's last second and the expiry second.
contract ConversionInvariants is RatFixture {
    ConversionVault internal vault;
    ConversionHandler internal handler;
    RealAssetToken internal source;
    TestStablecoin internal usdc;
    address internal manager = address(0x3A3A);
    address internal treasury = address(0x7E5);
    uint256 internal constant RATE = 187_530_000; // 187.53 USDC per share
    uint256 internal constant HOLDING = 10 * SHARE;

    function setUp() public {
        _deploySystem();
        source = sys.assets[0];
        usdc = sys.coins[0];
        vm.startPrank(sys.timelock);
        vault = new ConversionVault(sys.timelock, IConversionMinter(address(sys.minter)), sys.registry, treasury);
        vault.grantRole(vault.CONVERSION_MANAGER_ROLE(), manager);
        source.grantRole(source.FORCED_TRANSFER_ROLE(), address(vault));
        source.grantRole(source.MINTER_ROLE(), sys.timelock);
        address[4] memory holders;
        for (uint256 i; i < N_INVESTORS; ++i) {
            holders[i] = sys.holders[i];
            source.mint(sys.holders[i], HOLDING * (i + 1));
        }
        source.revokeRole(source.MINTER_ROLE(), sys.timelock);
        sys.minter.setAssetStatus(address(source), AssetStatus.REDEEM_ONLY);
        usdc.mint(manager, 1e15);
        vm.stopPrank();
        vm.startPrank(manager);
        usdc.approve(address(vault), type(uint256).max);
        vault.openConversion(address(source), ConversionTerms({
            kind: ConversionKind.CASH,
            payout: address(usdc),
            rate: RATE,
            mandatory: true,
            effectiveAt: uint40(block.timestamp + 1 days),
            expiresAt: uint40(block.timestamp + 1 days + vault.MIN_CONVERSION_WINDOW()),
            actionRef: keccak256("issuer notice: cash merger")
        }));
        // Half of what the holders are owed: the rest arrives through `fund`, so payouts beyond it are refused.
        vault.fund(address(source), 10 * 10 * RATE / 2);
        vm.stopPrank();
        handler = new ConversionHandler(vault, source, usdc, sys.registry, sys.operator, manager, holders);
        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = ConversionHandler.convert.selector;
        selectors[1] = ConversionHandler.convert.selector; // holders convert twice as often as the rest
        selectors[2] = ConversionHandler.convertAll.selector;
        selectors[3] = ConversionHandler.fund.selector;
        selectors[4] = ConversionHandler.defund.selector;
        selectors[5] = ConversionHandler.close.selector;
        selectors[6] = ConversionHandler.toggleFreeze.selector;
        selectors[7] = ConversionHandler.wait.selector;
        selectors[8] = ConversionHandler.wait.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// Every conversion, forced conversion, deferral, funding, defunding and closing succeeded exactly when the model
    /// allows it (inside [effectiveAt, expiresAt), within the holder's balance, never frozen, never beyond the cash
    /// left; a defund up to the excess; a close outside the running window or once nothing is left) and moved
    /// exactly the model's amounts (⌊shares × rate ÷ 10^18⌋ per holder; a deferred holder keeps every token).
    function invariant_everyConversionPathFollowsTheModel() public view {
        assertEveryPathFollowsTheModel(handler);
    }

    /// The vault holds exactly the cash funded and not yet paid, its books equal the model's, and every unit it ever
    /// received went to a holder or the treasury or is still held.
    function invariant_conversionCashIsConserved() public view {
        Conversion memory c = vault.conversion(address(source));
        assertEq(usdc.balanceOf(address(vault)), c.funded - c.paid, "vault balance != funded - paid");
        assertEq(uint256(c.funded), handler.funded(), "funded != model");
        assertEq(uint256(c.paid), handler.paid(), "paid != model");
        assertEq(usdc.balanceOf(treasury), handler.returned(), "treasury != model");
        assertEq(c.state == ConversionState.CLOSED, handler.closed(), "closed != model");
    }

    /// Every token that left circulation was converted through the vault (no other path burns), and each holder
    /// holds what the model says.
    function invariant_everyBurnedTokenWasConverted() public view {
        Conversion memory c = vault.conversion(address(source));
        assertEq(source.totalSupply() + c.tokensConverted, handler.initialSupply(), "supply + converted != initial");
        assertEq(uint256(c.tokensConverted), handler.tokensConverted(), "converted != model");
        for (uint256 i; i < 4; ++i) {
            address h = handler.holders(i);
            assertEq(source.balanceOf(h), handler.held(h), "holder balance != model");
        }
    }
}
