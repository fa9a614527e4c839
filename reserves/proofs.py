"""Inclusion proofs for one lot, as a self-contained JSON document a holder can check with any
StandardMerkleTree implementation (`StandardMerkleTree.verify(root, leafEncoding, value, proof)` in
OpenZeppelin's library, `MerkleProof.verify(proof, root, leaf)` on-chain).

Checking a proof trusts none of its descriptive fields: the leaf is recomputed from `value` with the project's
fixed encoding (`LEAF_ENCODING`), and a file whose `leafEncoding`, `leafFields` or `leaf` say anything else is
refused, because the same ABI bytes read under another encoding or with swapped labels would mean another lot.
The `token` is checked against the chain (its `isin()` must be the lot's ISIN), as is the round carrying the root."""

from __future__ import annotations

import json
from enum import IntEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reserves import merkle
from reserves.errors import MerkleError, UnreadableError
from reserves.statement import ISIN, LEAF_ENCODING, LEAF_FIELDS, Statement

FORMAT = "rat-lot-proof-v1"


class ProofOutcome(IntEnum):
    """Exit codes of `rat-reserves verify-proof` (docs/reserves/methodology.md has the same table)."""

    OK = 0
    NOT_PROVEN = 1  # the leaf recomputed from the value does not lead to the root
    UNREADABLE = 3  # missing, empty, not JSON, truncated, or not a rat-lot-proof-v1 document
    TAMPERED = 4  # leafEncoding, leafFields or leaf disagree with the project's encoding or with the value
    WRONG_TOKEN = 5  # the token's isin() on-chain is not the lot's ISIN
    NOT_PUBLISHED = 6  # no round of the token carries this root and statement hash
    RPC = 11  # the node could not answer


class LotProof(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    format: str = FORMAT
    root: str = Field(pattern=r"^0x[0-9a-fA-F]{64}$")
    as_of: str = Field(alias="asOf")
    token: str
    statement_hash: str = Field(alias="statementHash")
    leaf_encoding: list[str] = Field(alias="leafEncoding")
    leaf_fields: list[str] = Field(alias="leafFields")
    value: list[Any]
    leaf: str
    proof: list[str]

    @field_validator("format")
    @classmethod
    def _format(cls, v: str) -> str:
        if v != FORMAT:
            raise ValueError(f"expected {FORMAT}")
        return v

    def leaf_hash(self) -> bytes:
        """The leaf recomputed from `value` with the project's fixed encoding, whatever `leafEncoding` says."""
        if len(self.value) != len(LEAF_ENCODING):
            raise MerkleError(f"value has {len(self.value)} fields, a lot has {len(LEAF_ENCODING)}")
        typed = [merkle.from_json(t, v) for t, v in zip(LEAF_ENCODING, self.value, strict=True)]
        return merkle.leaf_hash(LEAF_ENCODING, typed)

    @property
    def isin(self) -> str:
        return str(self.value[ISIN]) if len(self.value) > ISIN else ""

    def problems(self) -> list[str]:
        """Every way the file's own fields disagree with the project's encoding or with its value (empty: none)."""
        found = []
        if tuple(self.leaf_encoding) != LEAF_ENCODING:
            found.append(f"leafEncoding is {self.leaf_encoding}, lots are encoded as {list(LEAF_ENCODING)}")
        if tuple(self.leaf_fields) != LEAF_FIELDS:
            found.append(f"leafFields are {self.leaf_fields}, a lot's fields are {list(LEAF_FIELDS)}")
        try:
            leaf = "0x" + self.leaf_hash().hex()
        except MerkleError as exc:
            return [*found, f"value is not a lot: {exc}"]
        if self.leaf.lower() != leaf:
            found.append(f"leaf {self.leaf} is not the hash of the value ({leaf})")
        return found

    def computed_root(self) -> bytes:
        try:
            siblings = [bytes.fromhex(p.removeprefix("0x")) for p in self.proof]
        except ValueError:
            raise MerkleError("proof elements must be hex") from None
        return merkle.process_proof(self.leaf_hash(), siblings)


def prove(statement: Statement, value_index: int) -> LotProof:
    tree = statement.tree
    isin = tree.columns[LEAF_FIELDS.index("isin")][value_index]
    token = next(a.token for a in statement.header.assets if a.isin == isin)
    return LotProof(
        root=tree.root_hex,
        asOf=statement.header.as_of.isoformat().replace("+00:00", "Z"),
        token=token,
        statementHash="0x" + statement.file_hash.hex(),
        leafEncoding=list(LEAF_ENCODING),
        leafFields=list(LEAF_FIELDS),
        value=tree.json_value(value_index),
        leaf="0x" + merkle.node(tree.tree, tree.tree_indices[value_index]).hex(),
        proof=["0x" + p.hex() for p in tree.proof(value_index)],
    )


def load_proof(path: Path | str) -> LotProof:
    """The proof file, or UnreadableError (missing, empty, not JSON, truncated, unknown or missing keys)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        if not text.strip():
            raise UnreadableError(f"{path}: the proof file is empty")
        return LotProof.model_validate(json.loads(text))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableError(f"{path}: cannot read the proof (truncated or not JSON): {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UnreadableError(f"{path}: not a {FORMAT} document: field {'.'.join(map(str, first['loc']))}: "
                              f"{first['msg']}") from None


def check_proof(proof: LotProof, w3=None, registry_address: str | None = None) -> tuple[ProofOutcome, list[str]]:
    """(outcome, lines to print): the file's consistency, the path to the root, and with a node the asset and the
    round. Every check that can run runs; the outcome is the most fundamental failure (the lowest code)."""
    lines: list[str] = []
    if problems := proof.problems():
        return ProofOutcome.TAMPERED, [f"refused: {p}" for p in problems]
    try:
        holds = proof.computed_root() == bytes.fromhex(proof.root[2:])
    except MerkleError as exc:
        return ProofOutcome.TAMPERED, [f"refused: {exc}"]
    lines.append(f"proof {'leads' if holds else 'does NOT lead'} to root {proof.root}")
    if not holds:
        return ProofOutcome.NOT_PROVEN, lines
    if w3 is None or registry_address is None:
        lines.append("(not checked against the chain: give --rpc-url and --registry to check the token and the round)")
        return ProofOutcome.OK, lines
    from reserves import onchain

    reg = onchain.registry(w3, registry_address)
    token_isin = onchain.erc20(w3, proof.token).functions.isin().call()
    if token_isin != proof.isin:
        lines.append(f"token {proof.token} is {token_isin or 'not a RAT equity'}, the lot is {proof.isin}")
        return ProofOutcome.WRONG_TOKEN, lines
    latest = reg.functions.latestRoundId(proof.token).call()
    root, statement_hash = bytes.fromhex(proof.root[2:]), proof.statement_hash.lower()
    found = None
    for i in range(latest, 0, -1):
        stored = reg.functions.round(proof.token, i).call()
        if bytes(stored[3]) == root and "0x" + bytes(stored[4]).hex() == statement_hash:
            found = i
            break
    if found is None:
        lines.append(f"no round of {proof.token} carries this root and statement hash")
        return ProofOutcome.NOT_PUBLISHED, lines
    state = "the latest round" if found == latest else f"superseded: the latest round is {latest}"
    lines.append(f"on-chain: root of round {found} of {proof.token} ({proof.isin}, {state})")
    return ProofOutcome.OK, lines
