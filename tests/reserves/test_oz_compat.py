"""Cross-implementation: on random statements our trees, dumps and proofs are byte-identical to OpenZeppelin's
JavaScript library (npm @openzeppelin/merkle-tree, run through node) in both directions, and to PyPI's
merkle-zeppelin as a second, independent Python reference."""

from __future__ import annotations

import json
import random

import pytest
from lotgen import random_lot_columns

from reserves import merkle
from reserves.statement import LEAF_ENCODING


def _json_rows(tree: merkle.StandardMerkleTree) -> list[list]:
    return [tree.json_value(i) for i in range(len(tree))]


def _hex(proof: list[bytes]) -> list[str]:
    return ["0x" + p.hex() for p in proof]


@pytest.mark.parametrize("n", [1, 2, 3, 8, 77, 300])
def test_openzeppelin_builds_the_same_dump_root_and_proofs_from_the_same_lots(n, oz):
    rng = random.Random(1000 + n)
    ours = merkle.StandardMerkleTree.of(columns=random_lot_columns(rng, n), leaf_encoding=LEAF_ENCODING)
    multi = sorted(rng.sample(range(n), min(n, 5)))
    theirs = oz({"op": "of", "values": _json_rows(ours), "encoding": list(LEAF_ENCODING), "multi": multi})
    assert theirs["dump"] == ours.dump_text()
    assert theirs["root"] == ours.root_hex
    assert theirs["proofs"] == [_hex(ours.proof(i)) for i in range(n)]
    leaves, proof, flags = ours.multiproof(multi)
    assert theirs["multi"]["proof"] == _hex(proof)
    assert theirs["multi"]["proofFlags"] == flags
    assert theirs["multi"]["leaves"] == [[merkle.to_json(t, v) for t, v in zip(LEAF_ENCODING, leaf)] for leaf in leaves]


@pytest.mark.parametrize("seed", range(3))
def test_our_dump_loads_in_openzeppelin_and_our_proofs_verify_there(seed, oz):
    rng = random.Random(seed)
    ours = merkle.StandardMerkleTree.of(columns=random_lot_columns(rng, 120), leaf_encoding=LEAF_ENCODING)
    picked = rng.sample(range(len(ours)), 10)
    leaves, proof, flags = ours.multiproof(picked)
    answer = oz({
        "op": "load",
        "dump": ours.dump_text(),
        "checks": [{"value": ours.json_value(i), "proof": _hex(ours.proof(i))} for i in picked],
        "multi": {"leaves": [[merkle.to_json(t, v) for t, v in zip(LEAF_ENCODING, leaf)] for leaf in leaves],
                  "proof": _hex(proof), "proofFlags": flags},
    })
    assert "error" not in answer
    assert answer["redump"] == ours.dump_text()
    assert answer["verified"] == [True] * len(picked)
    assert answer["multiVerified"] is True


@pytest.mark.parametrize("seed", range(3))
def test_openzeppelins_dump_loads_here_and_its_proofs_verify_with_our_verifier(seed, oz):
    rng = random.Random(50 + seed)
    values = _json_rows(merkle.StandardMerkleTree.of(columns=random_lot_columns(rng, 90), leaf_encoding=LEAF_ENCODING))
    multi = rng.sample(range(len(values)), 7)
    theirs = oz({"op": "of", "values": values, "encoding": list(LEAF_ENCODING), "multi": multi})
    loaded = merkle.StandardMerkleTree.load(json.loads(theirs["dump"]))
    assert loaded.dump_text() == theirs["dump"]
    root = bytes.fromhex(theirs["root"][2:])
    for i, proof in enumerate(theirs["proofs"]):
        typed = [merkle.from_json(t, v) for t, v in zip(LEAF_ENCODING, values[i])]
        assert merkle.StandardMerkleTree.verify(root, LEAF_ENCODING, typed, [bytes.fromhex(p[2:]) for p in proof])
    m = theirs["multi"]
    typed_leaves = [[merkle.from_json(t, v) for t, v in zip(LEAF_ENCODING, leaf)] for leaf in m["leaves"]]
    assert merkle.StandardMerkleTree.verify_multiproof(
        root, LEAF_ENCODING, typed_leaves, [bytes.fromhex(p[2:]) for p in m["proof"]], m["proofFlags"])


@pytest.mark.parametrize("encoding,make", [
    (["address", "uint256"], lambda r: ["0x" + r.randbytes(20).hex(), str(r.randrange(2**256))]),
    (["string"], lambda r: ["ünï " * r.randrange(40)]),
    (["bytes32", "bool", "bytes", "uint8"],
     lambda r: ["0x" + r.randbytes(32).hex(), r.random() < 0.5, "0x" + r.randbytes(r.randrange(70)).hex(),
                str(r.randrange(256))]),
    (["int256", "uint256[]"], lambda r: [str(r.randrange(-2**255, 2**255)), [str(r.randrange(99)) for _ in range(3)]]),
], ids=["address-uint", "string", "mixed-static-dynamic", "signed-and-array"])
def test_other_leaf_encodings_match_openzeppelin(encoding, make, oz):
    rng = random.Random(str(encoding))
    values = [make(rng) for _ in range(33)]
    theirs = oz({"op": "of", "values": values, "encoding": encoding})
    loaded = merkle.StandardMerkleTree.load(json.loads(theirs["dump"]))
    typed = [[merkle.from_json(t, v) for t, v in zip(encoding, row)] for row in values]
    rebuilt = merkle.StandardMerkleTree.of(typed, encoding)
    assert rebuilt.root_hex == loaded.root_hex == theirs["root"]
    assert [_hex(rebuilt.proof(i)) for i in range(len(values))] == theirs["proofs"]


def test_openzeppelin_refuses_a_dump_we_refuse(oz):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(11), 12), leaf_encoding=LEAF_ENCODING)
    data = json.loads(tree.dump_text())
    data["values"][3]["value"][5] = str(int(data["values"][3]["value"][5]) + 1)
    assert "error" in oz({"op": "load", "dump": json.dumps(data)})
    with pytest.raises(merkle.MerkleError):
        merkle.StandardMerkleTree.load(data)


@pytest.mark.parametrize("n", [1, 2, 9, 64])
def test_merkle_zeppelin_computes_the_same_root_and_proofs(n):
    mz = pytest.importorskip("merkle_zeppelin", reason="second reference: pip install merkle-zeppelin==1.0.0")
    columns = random_lot_columns(random.Random(n * 7), n)
    ours = merkle.StandardMerkleTree.of(columns=columns, leaf_encoding=LEAF_ENCODING)
    rows = [tuple(row) for row in zip(*columns)]
    theirs = mz.MerkleTree(rows, list(LEAF_ENCODING))
    assert theirs.root == ours.root
    for i, row in enumerate(rows):
        assert theirs.get_proofs(row) == ours.proof(i)
