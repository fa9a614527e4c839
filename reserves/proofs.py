"""Inclusion proofs for one lot, as a self-contained JSON document a holder can check with any
StandardMerkleTree implementation (`StandardMerkleTree.verify(root, leafEncoding, value, proof)` in
OpenZeppelin's library, `MerkleProof.verify(proof, root, leaf)` on-chain)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reserves import merkle
from reserves.errors import MerkleError
from reserves.statement import LEAF_ENCODING, LEAF_FIELDS, Statement

FORMAT = "rat-lot-proof-v1"


class LotProof(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

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
        typed = [merkle.from_json(t, v) for t, v in zip(self.leaf_encoding, self.value, strict=True)]
        return merkle.leaf_hash(self.leaf_encoding, typed)

    def computed_root(self) -> bytes:
        try:
            siblings = [bytes.fromhex(p.removeprefix("0x")) for p in self.proof]
        except ValueError:
            raise MerkleError("proof elements must be hex") from None
        return merkle.process_proof(self.leaf_hash(), siblings)

    def holds(self) -> bool:
        return self.computed_root() == bytes.fromhex(self.root[2:])


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
    path = Path(path)
    try:
        return LotProof.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MerkleError(f"{path}: cannot read the proof: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise MerkleError(f"{path}: field {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
