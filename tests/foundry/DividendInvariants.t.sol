// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DividendDistributor} from "../../contracts/corporate/DividendDistributor.sol";
import {SingletonProxy} from "../../contracts/proxy/Proxies.sol";
import {assertEveryPathFollowsTheModel} from "./helpers/PathModel.sol";
import {RatFixture} from "./helpers/RatFixture.sol";
import {DividendHandler} from "./handlers/DividendHandler.sol";

/// @title Dividend money on every path: create (fund), claim, cancel and sweep, in random sequences.
/// @notice Issue 24 (rules per value path): the distributor's conservation and its time and eligibility rules are
/// stated once here for every path that moves its money; the handler (`handlers/DividendHandler.sol`) predicts each
/// outcome and amount from an independent model and lands claims and sweeps on the deadline second and the next.
contract DividendInvariants is RatFixture {
    DividendDistributor internal dist;
    DividendHandler internal handler;
    address internal admin = address(0xD1D);
    address internal treasury = address(0x7E5);
    address internal tax = address(0x7A7);

    function setUp() public {
        _deploySystem();
        vm.roll(10);
        DividendDistributor impl = new DividendDistributor(sys.registry);
        dist = DividendDistributor(address(new SingletonProxy(address(impl),
            abi.encodeCall(DividendDistributor.initialize, (sys.timelock, treasury, tax)))));
        vm.startPrank(sys.timelock);
        dist.grantRole(dist.DISTRIBUTION_CREATOR_ROLE(), admin);
        dist.grantRole(dist.DISTRIBUTION_CANCELLER_ROLE(), admin);
        dist.grantRole(dist.WITHHOLDING_MANAGER_ROLE(), admin);
        sys.coins[0].mint(admin, 1e18);
        vm.stopPrank();
        vm.prank(admin);
        sys.coins[0].approve(address(dist), type(uint256).max);
        // Investors 0 (BR), 1 (AR), 3 (AR) and the stranger (no KYC record: the default rate).
        address[4] memory holders = [sys.holders[0], sys.holders[1], sys.holders[3], sys.holders[4]];
        handler = new DividendHandler(dist, sys.coins[0], sys.registry, address(sys.assets[0]), sys.operator, admin,
            holders);
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = DividendHandler.create.selector;
        selectors[1] = DividendHandler.claim.selector;
        selectors[2] = DividendHandler.claim.selector; // claims twice as often as the rest
        selectors[3] = DividendHandler.cancel.selector;
        selectors[4] = DividendHandler.sweep.selector;
        selectors[5] = DividendHandler.setRate.selector;
        selectors[6] = DividendHandler.clearRate.selector;
        selectors[7] = DividendHandler.setDefaultRate.selector;
        selectors[8] = DividendHandler.toggleFreeze.selector;
        selectors[9] = DividendHandler.wait.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// Every create, claim, cancel and sweep succeeded exactly when the model allows it (not cancelled, claim up
    /// to and including the deadline second, sweep from the second after, a holder once, never frozen, never more
    /// than what is left of that distribution), and moved exactly the model's amounts to the model's accounts (net
    /// = gross − ⌊gross × rate ÷ 10,000⌋ at the rate in force; unpaid gross to the treasury).
    function invariant_everyDividendPathFollowsTheModel() public view {
        assertEveryPathFollowsTheModel(handler);
    }

    /// The distributor holds exactly the unpaid gross of its open distributions, each distribution's books equal
    /// the model's (claimedGross == gross paid <= totalGross), and everything funded went to holders, the tax
    /// account or the treasury, or is still held.
    function invariant_dividendMoneyIsConservedPerDistribution() public view {
        uint256 open;
        uint256 n = handler.count();
        for (uint256 id = 1; id <= n; ++id) {
            (uint256 total, uint256 paid, bool cancelled, bool swept) = handler.model(id);
            assertEq(uint256(dist.distribution(id).claimedGross), paid, "claimedGross != model");
            assertEq(uint256(dist.distribution(id).totalGross), total, "totalGross != model");
            assertLe(paid, total, "paid more than funded");
            assertEq(dist.cancelled(id), cancelled, "cancelled != model");
            assertEq(dist.distribution(id).swept, swept, "swept != model");
            if (!swept) open += total - paid;
        }
        assertEq(sys.coins[0].balanceOf(address(dist)), open, "distributor balance != unpaid of open distributions");
        assertEq(handler.funded(), handler.netPaid() + handler.withheldPaid() + handler.returned() + open,
            "funded != paid + withheld + returned + held");
        assertEq(sys.coins[0].balanceOf(tax), handler.withheldPaid(), "tax account != withheld");
        assertEq(sys.coins[0].balanceOf(treasury), handler.returned(), "treasury != returned");
    }

    /// How often each path succeeded and the deadline seconds were hit, so a run that never reached them shows.
    function afterInvariant() external {
        uint256 n = handler.pathCount();
        for (uint256 i; i < n; ++i) {
            bytes32 path = handler.pathNames(i);
            emit log_named_uint(string(abi.encodePacked("path:", path)), handler.pathSuccesses(path));
        }
        emit log_named_uint("boundary:deadline==now", handler.boundaryHits("deadline==now"));
        emit log_named_uint("boundary:deadline+1==now", handler.boundaryHits("deadline+1==now"));
    }
}
