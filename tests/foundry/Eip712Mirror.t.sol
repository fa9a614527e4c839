// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Fill} from "../../contracts/interfaces/IMinter.sol";
import {RoundReport} from "../../contracts/interfaces/IReserveRegistry.sol";
import {RatFixture} from "./helpers/RatFixture.sol";
import {RatEip712} from "./helpers/RatEip712.sol";

/// @title The Solidity mirror of rat/attestations.py hashes Fill and Round exactly as the contracts do, for any
/// field values, so the invariant suite signs what real attestors and custodians sign.
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
}
