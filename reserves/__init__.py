"""RAT proof of reserve: custody lots committed in an OpenZeppelin-compatible Merkle tree, reconciled against the
custodian's statement, signed by the custodian, published to the ReserveRegistry and checked by anyone.

Modules: `merkle` (StandardMerkleTree, byte-compatible with `@openzeppelin/merkle-tree`), `inputs` (reading
CSV/JSON with file/line/field errors), `fields` (value rules), `ledger` and `custody` (the two input files),
`reconcile` (FIFO burns and account-level reconciliation), `statement` (the published round document),
`publish` (on-chain submission), `audit` (the independent verifier), `cli` (`rat-reserves`)."""

__all__ = ["__version__"]
__version__ = "0.1.0"
