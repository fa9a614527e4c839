// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title A four-leaf OpenZeppelin StandardMerkleTree over (holder, gross), built in Solidity for the Forge suites.
/// @dev The leaves are computed here, independently of the distributor's `leaf` (double keccak of the ABI-encoded
/// pair); pairs are hashed sorted,
/// as OpenZeppelin's MerkleProof verifies them, so the tree shape ((0,1),(2,3)) needs no further ordering.
library DividendTree {
    struct Tree {
        address[4] who;
        uint256[4] gross;
        bytes32[4] leaves;
        bytes32 left; // hash of leaves 0 and 1
        bytes32 right; // hash of leaves 2 and 3
        bytes32 root;
    }

    function build(address[4] memory who, uint256[4] memory gross) internal pure returns (Tree memory t) {
        t.who = who;
        t.gross = gross;
        for (uint256 i; i < 4; ++i) {
            t.leaves[i] = keccak256(bytes.concat(keccak256(abi.encode(who[i], gross[i]))));
        }
        t.left = _pair(t.leaves[0], t.leaves[1]);
        t.right = _pair(t.leaves[2], t.leaves[3]);
        t.root = _pair(t.left, t.right);
    }

    function proof(Tree memory t, uint256 i) internal pure returns (bytes32[] memory p) {
        p = new bytes32[](2);
        p[0] = t.leaves[i ^ 1];
        p[1] = i < 2 ? t.right : t.left;
    }

    function _pair(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }
}
