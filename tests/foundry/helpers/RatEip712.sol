// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Fill} from "../../../contracts/interfaces/IMinter.sol";
import {RoundReport} from "../../../contracts/interfaces/IReserveRegistry.sol";

/// @title The two EIP-712 messages of RAT, hashed exactly as `rat/attestations.py` hashes them, so the Forge suites
/// sign fills and reserve rounds the way the relayer's attestors and the custodian do (with `vm.sign`).
/// @dev Written from the Python mirror, not from the contracts: `Eip712Mirror.t.sol` checks both against the
/// contracts' own `fillDigest` / `roundDigest` for arbitrary inputs.
library RatEip712 {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant FILL_TYPEHASH = keccak256(
        "Fill(bytes32 requestId,address asset,address account,uint256 shares,uint256 price,uint256 fees,"
        "bytes32 brokerOrderRef,bytes32 custodyRef,uint256 deadline)"
    );
    bytes32 internal constant ROUND_TYPEHASH = keccak256(
        "Round(address asset,uint80 roundId,uint256 shares,uint64 asOf,bytes32 merkleRoot,string statementURI,"
        "bytes32 statementHash)"
    );
    string internal constant MINTER_DOMAIN = "RAT Minter";
    string internal constant RESERVE_DOMAIN = "RAT ReserveRegistry";
    string internal constant VERSION = "1";

    function domainSeparator(string memory name, address verifyingContract) internal view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256(bytes(VERSION)), block.chainid, verifyingContract)
        );
    }

    function fillDigest(address minter, Fill memory f, address asset, address account) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                FILL_TYPEHASH,
                f.requestId,
                asset,
                account,
                f.shares,
                f.price,
                f.fees,
                f.brokerOrderRef,
                f.custodyRef,
                f.deadline
            )
        );
        return keccak256(abi.encodePacked(hex"1901", domainSeparator(MINTER_DOMAIN, minter), structHash));
    }

    function roundDigest(address reserveRegistry, RoundReport memory r) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                ROUND_TYPEHASH,
                r.asset,
                r.roundId,
                r.shares,
                r.asOf,
                r.merkleRoot,
                keccak256(bytes(r.statementURI)),
                r.statementHash
            )
        );
        return keccak256(abi.encodePacked(hex"1901", domainSeparator(RESERVE_DOMAIN, reserveRegistry), structHash));
    }
}
