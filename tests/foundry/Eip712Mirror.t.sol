// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Fill} from "../../contracts/interfaces/IMinter.sol";
import {RoundReport} from "../../contracts/interfaces/IReserveRegistry.sol";
import {RatFixture} from "./helpers/RatFixture.sol";
import {RatEip712} from "./helpers/RatEip712.sol";

/// @title The Solidity mirror of rat/attestations.py hashes Fill and Round exactly as the contracts do, for any
/// field values, so the invariant suite signs what real attestors and custodians sign; and the domains the Minter
/// and the ReserveRegistry publish are the ones they verify under, on any chain id.
contract Eip712Mirror is RatFixture {
    bytes32 private requestId;

    function setUp() public {
        _deploySystem();
        address investor = sys.holders[0];
        vm.prank(sys.timelock);
        sys.coins[0].mint(investor, 1_000e6);
        vm.startPrank(investor);
        sys.coins[0].approve(address(sys.minter), 1_000e6);
        requestId = sys.minter.requestMint(address(sys.assets[0]), address(sys.coins[0]), 1_000e6, 200e6, block.timestamp + 1 days);
        vm.stopPrank();
    }

    function testFuzz_fillDigestMatchesTheMinter(uint256 shares, uint256 price, uint256 fees, bytes32 broker, bytes32 custody, uint256 deadline)
        public
        view
    {
        Fill memory f = Fill(requestId, shares, price, fees, broker, custody, deadline);
        assertEq(
            RatEip712.fillDigest(address(sys.minter), f, address(sys.assets[0]), sys.holders[0]),
            sys.minter.fillDigest(f),
            "fill digest"
        );
    }

    function testFuzz_roundDigestMatchesTheReserveRegistry(uint80 roundId, uint256 shares, uint64 asOf, bytes32 root, string calldata uri, bytes32 statementHash)
        public
        view
    {
        RoundReport memory r = RoundReport(address(sys.assets[1]), roundId, shares, asOf, root, uri, statementHash);
        assertEq(RatEip712.roundDigest(address(sys.reserves), r), sys.reserves.roundDigest(r), "round digest");
    }

    /// Issue 24 (`Minter-FHR-512a682a4e` survived Forge and pytest: nothing read the Minter's `DOMAIN_SEPARATOR()`):
    /// wallets and attestors that build the domain themselves check it against this view, so it must be the domain
    /// fills are verified under.
    function test_theMinterPublishesTheDomainItsFillsAreSignedUnder() public view {
        assertEq(sys.minter.DOMAIN_SEPARATOR(), RatEip712.domainSeparator(RatEip712.MINTER_DOMAIN, address(sys.minter)),
            "Minter domain");
    }

    function test_theReserveRegistryPublishesTheDomainItsRoundsAreSignedUnder() public view {
        assertEq(sys.reserves.DOMAIN_SEPARATOR(),
            RatEip712.domainSeparator(RatEip712.RESERVE_DOMAIN, address(sys.reserves)), "ReserveRegistry domain");
    }

    /// After a fork the chain id changes, and so must both domains: a signature for one chain is not replayable on
    /// the other.
    function test_bothPublishedDomainsFollowTheChainIdAfterAFork() public {
        bytes32 minterBefore = sys.minter.DOMAIN_SEPARATOR();
        vm.chainId(block.chainid + 1);
        assertEq(sys.minter.DOMAIN_SEPARATOR() != minterBefore, true, "the Minter's domain moved with the chain id");
        assertEq(sys.minter.DOMAIN_SEPARATOR(), RatEip712.domainSeparator(RatEip712.MINTER_DOMAIN, address(sys.minter)),
            "Minter domain on the fork");
        assertEq(sys.reserves.DOMAIN_SEPARATOR(),
            RatEip712.domainSeparator(RatEip712.RESERVE_DOMAIN, address(sys.reserves)), "ReserveRegistry domain on the fork");
    }
}
