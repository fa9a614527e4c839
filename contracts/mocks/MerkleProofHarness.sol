// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title Exposes OpenZeppelin's MerkleProof so tests can check that proofs built off-chain by `rat-reserves`
/// (reserves/merkle.py) are accepted by the library contracts use on-chain.
contract MerkleProofHarness {
    function verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return MerkleProof.verify(proof, root, leaf);
    }

    function verifyCalldata(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    function multiProofVerify(bytes32[] calldata proof, bool[] calldata proofFlags, bytes32 root, bytes32[] calldata leaves)
        external
        pure
        returns (bool)
    {
        return MerkleProof.multiProofVerify(proof, proofFlags, root, leaves);
    }

    /// @notice The leaf of a lot exactly as `rat-reserves` commits it, hashed on-chain: a contract can check a
    /// holder's lot from its fields rather than trusting an off-chain leaf hash.
    function lotLeaf(
        string calldata lotId,
        bytes32 requestId,
        bytes32 brokerOrderRef,
        string calldata isin,
        uint256 mintedUnits,
        uint256 heldUnits,
        uint32 settlementDate,
        bytes32 accountHash
    ) external pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                keccak256(
                    abi.encode(lotId, requestId, brokerOrderRef, isin, mintedUnits, heldUnits, settlementDate, accountHash)
                )
            )
        );
    }
}
