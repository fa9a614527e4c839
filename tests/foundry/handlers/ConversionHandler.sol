// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ConversionVault} from "../../../contracts/corporate/ConversionVault.sol";
import {ComplianceRegistry} from "../../../contracts/compliance/ComplianceRegistry.sol";
import {RealAssetToken} from "../../../contracts/token/RealAssetToken.sol";
import {TestStablecoin} from "../../../contracts/mocks/TestStablecoin.sol";
import {PathModel} from "../helpers/PathModel.sol";

/// @title Random sequences over every path that moves a cash conversion's value — a holder's own conversion
/// (claim), convertAll's forced conversion, convertAll's deferral of a frozen holder, funding, defunding and
/// closing — with freezes and the clock changing in between; the clock lands on the effective second, the second
/// before it, the last second of the window and the expiry second.
/// @dev The ghost is an independent model: per holder the tokens still held and whether frozen; the cash funded,
/// paid to holders and returned to the treasury; whether the conversion is closed. Each action predicts its outcome
/// (success or refusal) and its amounts from the model before calling, and counts per path the outcomes that differ;
/// the invariants require zero differences and the vault's books and balance to equal the model's.
contract ConversionHandler is PathModel {
    uint256 private constant SHARE = 1e18;

    ConversionVault public immutable vault;
    RealAssetToken public immutable source;
    TestStablecoin public immutable usdc;
    ComplianceRegistry public immutable registry;
    address public immutable operator;
    address public immutable manager;
    address public immutable treasury;
    uint256 public immutable rate;
    uint40 public immutable effectiveAt;
    uint40 public immutable expiresAt;
    uint256 public immutable initialSupply;
    address[4] public holders;

    // The model.
    mapping(address => uint256) public held; // source tokens each holder still holds
    mapping(address => bool) public frozen;
    uint256 public funded; // cash credited to the conversion
    uint256 public paid; // cash paid to holders, on both conversion paths
    uint256 public returned; // cash sent to the treasury (defund, close)
    uint256 public tokensConverted;
    bool public closed;


    constructor(
        ConversionVault vault_,
        RealAssetToken source_,
        TestStablecoin usdc_,
        ComplianceRegistry registry_,
        address operator_,
        address manager_,
        address[4] memory holders_
    ) {
        vault = vault_;
        source = source_;
        usdc = usdc_;
        registry = registry_;
        operator = operator_;
        manager = manager_;
        treasury = vault_.treasury();
        holders = holders_;
        rate = vault_.conversion(address(source_)).rate;
        effectiveAt = vault_.conversion(address(source_)).effectiveAt;
        expiresAt = vault_.conversion(address(source_)).expiresAt;
        funded = vault_.conversion(address(source_)).funded;
        initialSupply = source_.totalSupply();
        for (uint256 i; i < 4; ++i) {
            held[holders_[i]] = source_.balanceOf(holders_[i]);
        }
        _path("claim");
        _path("forced");
        _path("deferral");
        _path("fund");
        _path("defund");
        _path("close");
    }

    // ------------------------------------------------------------------ value paths

    /// A holder converts part, all, none or one unit more than their tokens (the refusals are predicted too).
    function convert(uint256 who, uint256 amount) external {
        address h = holders[who % 4];
        uint256 bal = held[h];
        amount = amount % 3 == 0 ? bal : amount % (bal + 2);
        uint256 payout = _payout(amount);
        bool ok = _inWindow() && amount != 0 && amount <= bal && !frozen[h] && payout <= funded - paid;
        uint256 c0 = usdc.balanceOf(h);
        bool done;
        uint256 got;
        vm.prank(h);
        try vault.convert(address(source), amount) returns (uint256 p) {
            done = true;
            got = p;
        } catch {}
        _check("claim", done == ok, RULE_OUTCOME);
        if (!done) return;
        _check("claim", got == payout && usdc.balanceOf(h) == c0 + payout && source.balanceOf(h) == bal - amount,
            RULE_AMOUNTS);
        held[h] = bal - amount;
        paid += payout;
        tokensConverted += amount;
        pathSuccesses["claim"]++;
    }

    /// Anyone pushes the mandatory conversion over every holder (in an order drawn from `order`): each unfrozen
    /// holder's whole balance is converted, each frozen holder with tokens is deferred and keeps every token; the
    /// whole batch is refused when the cash left cannot pay the unfrozen holders.
    function convertAll(uint256 order) external {
        address[] memory batch = new address[](4);
        uint256 owed;
        uint256 converting;
        for (uint256 i; i < 4; ++i) {
            address h = holders[(order % 4 + i) % 4];
            batch[i] = h;
            if (!frozen[h] && held[h] != 0) {
                owed += _payout(held[h]);
                ++converting;
            }
        }
        bool ok = _inWindow() && owed <= funded - paid;
        uint256[4] memory cash0;
        for (uint256 i; i < 4; ++i) {
            cash0[i] = usdc.balanceOf(batch[i]);
        }
        bool done;
        uint256 n;
        try vault.convertAll(address(source), batch) returns (uint256 converted) {
            done = true;
            n = converted;
        } catch {}
        _check("forced", done == ok, RULE_OUTCOME);
        if (!done) return;
        _check("forced", n == converting, RULE_AMOUNTS);
        for (uint256 i; i < 4; ++i) {
            address h = batch[i];
            uint256 bal = held[h];
            if (bal == 0) continue;
            if (frozen[h]) {
                _check("deferral", source.balanceOf(h) == bal && usdc.balanceOf(h) == cash0[i], RULE_AMOUNTS);
                pathSuccesses["deferral"]++;
                continue;
            }
            uint256 payout = _payout(bal);
            _check("forced", source.balanceOf(h) == 0 && usdc.balanceOf(h) == cash0[i] + payout, RULE_AMOUNTS);
            held[h] = 0;
            paid += payout;
            tokensConverted += bal;
        }
        pathSuccesses["forced"]++;
    }

    /// The settlement account adds cash; accepted while the conversion is open.
    function fund(uint256 amount) external {
        amount = amount % 3_000e6;
        bool ok = !closed && amount != 0;
        uint256 v0 = usdc.balanceOf(address(vault));
        bool done;
        vm.prank(manager);
        try vault.fund(address(source), amount) {
            done = true;
        } catch {}
        _check("fund", done == ok, RULE_OUTCOME);
        if (!done) return;
        _check("fund", usdc.balanceOf(address(vault)) == v0 + amount, RULE_AMOUNTS);
        funded += amount;
        pathSuccesses["fund"]++;
    }

    /// The manager takes back cash beyond what the remaining tokens are owed: up to the excess, or one unit more.
    function defund(uint256 amount) external {
        uint256 available = funded - paid;
        uint256 owed = _payout(source.totalSupply());
        uint256 excess = available > owed ? available - owed : 0;
        amount = amount % 2 == 0 ? excess : amount % (excess + 2);
        bool ok = !closed && amount != 0 && amount <= excess;
        uint256 t0 = usdc.balanceOf(treasury);
        bool done;
        vm.prank(manager);
        try vault.defund(address(source), amount) {
            done = true;
        } catch {}
        _check("defund", done == ok, RULE_OUTCOME);
        if (!done) return;
        _check("defund", usdc.balanceOf(treasury) == t0 + amount, RULE_AMOUNTS);
        funded -= amount;
        returned += amount;
        pathSuccesses["defund"]++;
    }

    /// The manager closes: refused while the window is running and tokens remain, allowed before the effective
    /// second, from the expiry second, or once every token is converted; unused cash goes to the treasury.
    function close() external {
        bool ok = !closed && (source.totalSupply() == 0 || block.timestamp < effectiveAt || block.timestamp >= expiresAt);
        uint256 t0 = usdc.balanceOf(treasury);
        bool done;
        vm.prank(manager);
        try vault.closeConversion(address(source)) {
            done = true;
        } catch {}
        _check("close", done == ok, RULE_OUTCOME);
        if (!done) return;
        _check("close", usdc.balanceOf(treasury) == t0 + funded - paid, RULE_AMOUNTS);
        returned += funded - paid;
        funded = paid;
        closed = true;
        pathSuccesses["close"]++;
    }

    /// Freezes or unfreezes one holder (a frozen holder is refused by convert and deferred by convertAll).
    function toggleFreeze(uint256 who) external {
        address h = holders[who % 4];
        address[] memory one = new address[](1);
        one[0] = h;
        vm.prank(operator);
        if (frozen[h]) registry.unfreeze(one, keccak256("cleared"));
        else registry.freeze(one, keccak256("sanctions hit"));
        frozen[h] = !frozen[h];
    }

    /// Moves the clock forward to the next of the window's edges — the second before the effective time, the
    /// effective second, the last second of the window, the expiry second — or by up to a day.
    function wait(uint256 mode) external {
        uint40[4] memory edges = [effectiveAt - 1, effectiveAt, expiresAt - 1, expiresAt];
        bytes32[4] memory names = [bytes32("effective-1"), "effective", "expiry-1", "expiry"];
        if (mode % 4 != 0) {
            for (uint256 i; i < 4; ++i) {
                if (edges[i] > block.timestamp) {
                    uint256 j = i + (mode % 2 == 0 && i < 3 ? 1 : 0);
                    vm.warp(edges[j]);
                    boundaryHits[names[j]]++;
                    return;
                }
            }
        }
        vm.warp(block.timestamp + 1 + mode % 1 days);
    }

    // ------------------------------------------------------------------ model

    /// What `tokens` pay: the shares they represent (the token's own rounding, tested in its suites) times the rate.
    function _payout(uint256 tokens) private view returns (uint256) {
        return source.toShares(tokens) * rate / SHARE;
    }

    function _inWindow() private view returns (bool) {
        return !closed && block.timestamp >= effectiveAt && block.timestamp < expiresAt;
    }
}
