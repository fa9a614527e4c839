// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IComplianceRegistry, InvestorUpdate, Investor} from "../../contracts/interfaces/IComplianceRegistry.sol";
import {RatFixture} from "./helpers/RatFixture.sol";

/// @title The compliance registry's batch writes: every row written, a bad row reverting the whole batch, one role.
/// @notice Issue 24 (sampled survivor `ComplianceRegistry-FHR-97ccca871d`, `setInvestors` made internal): the Forge
/// suite wrote KYC records one at a time only, so a batch entry point that vanished from the ABI went unnoticed.
contract RegistryBatches is RatFixture {
    address private dave = address(0xDA7E);
    address private erin = address(0xE111);

    function setUp() public {
        _deploySystem();
    }

    function _rows(uint40 secondExpiry) private view returns (InvestorUpdate[] memory rows) {
        rows = new InvestorUpdate[](2);
        rows[0] = InvestorUpdate(dave, 2, "DE", uint40(block.timestamp + 30 days), keccak256("dave"));
        rows[1] = InvestorUpdate(erin, 3, "FR", secondExpiry, keccak256("erin"));
    }

    function test_setInvestorsWritesEveryRowOfTheBatch() public {
        vm.prank(sys.operator);
        sys.registry.setInvestors(_rows(uint40(block.timestamp + 1)));
        Investor memory d = sys.registry.investor(dave);
        Investor memory e = sys.registry.investor(erin);
        assertEq(uint256(d.tier), 2, "dave's tier");
        assertEq(d.jurisdiction == bytes2("DE"), true, "dave's jurisdiction");
        assertEq(uint256(d.expiry), block.timestamp + 30 days, "dave's expiry");
        assertEq(uint256(e.tier), 3, "erin's tier");
        assertEq(uint256(e.expiry), block.timestamp + 1, "erin's expiry: one second ahead is valid");
    }

    function test_aRowExpiringNowRevertsTheWholeBatch() public {
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.ExpiryInPast.selector, uint40(block.timestamp)));
        vm.prank(sys.operator);
        sys.registry.setInvestors(_rows(uint40(block.timestamp)));
        assertEq(uint256(sys.registry.investor(dave).tier), 0, "the good row was not written either");
    }

    function test_revokeInvestorsRevokesEveryAccountAndNeedsOneReferencePerAccount() public {
        vm.startPrank(sys.operator);
        sys.registry.setInvestors(_rows(uint40(block.timestamp + 1 days)));
        address[] memory accounts = new address[](2);
        accounts[0] = dave;
        accounts[1] = erin;
        bytes32[] memory refs = new bytes32[](1);
        refs[0] = keccak256("revoked");
        vm.expectRevert(abi.encodeWithSelector(IComplianceRegistry.LengthMismatch.selector));
        sys.registry.revokeInvestors(accounts, refs);
        refs = new bytes32[](2);
        sys.registry.revokeInvestors(accounts, refs);
        vm.stopPrank();
        assertEq(uint256(sys.registry.investor(dave).tier), 0, "dave revoked");
        assertEq(uint256(sys.registry.investor(erin).tier), 0, "erin revoked");
        assertEq(sys.registry.investor(erin).jurisdiction == bytes2("FR"), true, "jurisdiction kept");
    }

    function test_onlyTheKycOperatorWritesBatches() public {
        bytes memory err = abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, dave,
            sys.registry.KYC_OPERATOR_ROLE());
        InvestorUpdate[] memory rows = _rows(uint40(block.timestamp + 1));
        vm.startPrank(dave);
        vm.expectRevert(err);
        sys.registry.setInvestors(rows);
        vm.expectRevert(err);
        sys.registry.revokeInvestors(new address[](0), new bytes32[](0));
        vm.stopPrank();
    }
}
