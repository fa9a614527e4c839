"""StandardMerkleTree as OpenZeppelin specifies it (src/core.ts, src/standard.ts, src/hashes.ts of
@openzeppelin/merkle-tree): hashing, layout, proofs, multiproofs, dump validation. The C kernels and the pure
Python reference must agree on everything."""

from __future__ import annotations

import io
import json
import random

import pytest
import sha3
from lotgen import random_lot_columns

from reserves import merkle
from reserves.errors import MerkleError

needs_c = pytest.mark.skipif(not merkle.accelerated(), reason="C extension reserves._merkle not built")


@needs_c
@pytest.mark.parametrize("length", [0, 1, 31, 32, 64, 135, 136, 137, 271, 272, 1000, 70_000])
def test_c_keccak256_equals_the_reference_keccak(length):
    data = random.Random(length).randbytes(length)
    assert merkle._c.keccak256(data) == sha3.keccak_256(data).digest()


def test_string_tree_matches_openzeppelins_published_dump():
    # test/dumps/standard-v1.sorted.1_0_6.json in OpenZeppelin/merkle-tree: ["string"] leaves "a".."f"
    tree = merkle.StandardMerkleTree.of([[c] for c in "abcdef"], ["string"])
    assert tree.root_hex == "0x6deb52b5da8fd108f79fab00341f38d2587896634c646ee52e49f845680a70c8"
    assert merkle.leaf_hash(["string"], ["a"]).hex() == (
        "9c15a6a0eaeed500fd9eed4cbeab71f797cefcc67bfd46683e4d2e6ff7f06d1c")


def test_address_uint_tree_matches_openzeppelins_readme_example():
    values = [["0x1111111111111111111111111111111111111111", "5000000000000000000"],
              ["0x2222222222222222222222222222222222222222", "2500000000000000000"]]
    typed = [[merkle.from_json(t, v) for t, v in zip(["address", "uint256"], row)] for row in values]
    tree = merkle.StandardMerkleTree.of(typed, ["address", "uint256"])
    assert tree.root_hex == "0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77"


@needs_c
@pytest.mark.parametrize("n", [1, 2, 3, 5, 64, 1000])
def test_c_and_python_build_identical_trees(n, lot_encoding):
    columns = random_lot_columns(random.Random(n), n)
    hashes = merkle.leaf_hashes(lot_encoding, columns)
    reference = b"".join(merkle.leaf_hash(lot_encoding, row) for row in zip(*columns))
    assert hashes == reference
    assert merkle.make_tree(hashes) == merkle.make_tree(hashes, pure=True)


@needs_c
@pytest.mark.parametrize("encoding,row", [
    (["uint8", "uint256", "uint32"], [255, 2**256 - 1, 0]),
    (["address", "bool", "bool"], [b"\x01" * 20, True, False]),
    (["bytes1", "bytes16", "bytes32"], [b"\xaa", b"\x01" * 16, b"\xff" * 32]),
    (["bytes", "string", "bytes"], [b"", "ünïcødé " * 9, b"\x00" * 33]),
])
def test_c_leaf_encoding_equals_eth_abi_for_every_accelerated_type(encoding, row):
    assert merkle.leaf_hashes(encoding, [[v] for v in row]) == merkle.leaf_hash(encoding, row)


def test_leaves_are_stored_sorted_ascending_and_reversed(lot_encoding):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(7), 37), leaf_encoding=lot_encoding)
    n = len(tree)
    stored = [merkle.node(tree.tree, k) for k in range(n - 1, 2 * n - 1)]
    assert stored == sorted(stored, reverse=True)  # ascending from the last node backwards
    assert sorted(tree.tree_indices) == list(range(n - 1, 2 * n - 1))


def test_equal_leaves_keep_their_input_order():
    tree = merkle.StandardMerkleTree.of([["same"], ["same"], ["other"]], ["string"])
    assert tree.tree_indices[0] > tree.tree_indices[1]  # first of two equal leaves is "smaller": stored later


def test_every_proof_leads_to_the_root_and_only_for_its_own_value(lot_encoding):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(3), 50), leaf_encoding=lot_encoding)
    for i in range(len(tree)):
        proof = tree.proof(i)
        assert merkle.StandardMerkleTree.verify(tree.root, lot_encoding, tree.value(i), proof)
        assert not merkle.StandardMerkleTree.verify(tree.root, lot_encoding, tree.value((i + 1) % len(tree)), proof)


@pytest.mark.parametrize("seed", range(5))
def test_multiproofs_of_random_subsets_verify(seed, lot_encoding):
    rng = random.Random(seed)
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(rng, 40), leaf_encoding=lot_encoding)
    chosen = rng.sample(range(len(tree)), rng.randrange(1, 12))
    leaves, proof, flags = tree.multiproof(chosen)
    assert sorted(map(tuple, leaves)) == sorted(tree.value(i) for i in chosen)
    assert merkle.StandardMerkleTree.verify_multiproof(tree.root, lot_encoding, leaves, proof, flags)


def test_a_multiproof_with_a_flipped_flag_does_not_verify(lot_encoding):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(9), 40), leaf_encoding=lot_encoding)
    leaves, proof, flags = tree.multiproof([1, 5, 6, 20])
    flipped = [not f if i == 0 else f for i, f in enumerate(flags)]
    try:
        holds = merkle.StandardMerkleTree.verify_multiproof(tree.root, lot_encoding, leaves, proof, flipped)
    except MerkleError:
        holds = False
    assert not holds


def test_dump_then_load_reproduces_the_same_text(lot_encoding):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(4), 25), leaf_encoding=lot_encoding)
    text = tree.dump_text()
    assert merkle.StandardMerkleTree.load(json.loads(text)).dump_text() == text
    assert json.loads(text)["format"] == "standard-v1"


def _tampered(tree: merkle.StandardMerkleTree, edit) -> dict:
    data = json.loads(tree.dump_text())
    edit(data)
    return data


@pytest.mark.parametrize("edit", [
    pytest.param(lambda d: d["values"][0]["value"].__setitem__(5, str(int(d["values"][0]["value"][5]) + 1)),
                 id="leaf value raised"),
    pytest.param(lambda d: d["tree"].__setitem__(1, "0x" + "00" * 32), id="inner node replaced"),
    pytest.param(lambda d: (d["values"][0].__setitem__("treeIndex", d["values"][1]["treeIndex"])),
                 id="tree index reused"),
    pytest.param(lambda d: d["tree"].pop(), id="node removed"),
])
def test_load_refuses_a_tampered_dump(edit, lot_encoding):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(5), 9), leaf_encoding=lot_encoding)
    with pytest.raises(MerkleError):
        merkle.StandardMerkleTree.load(_tampered(tree, edit))


def test_load_refuses_json_numbers_as_values():
    tree = merkle.StandardMerkleTree.of([[1], [2]], ["uint256"])
    data = json.loads(tree.dump_text())
    data["values"][0]["value"] = [1]
    with pytest.raises(MerkleError, match="cannot be numbers"):
        merkle.StandardMerkleTree.load(data)


@pytest.mark.parametrize("fmt", ["jsonl", "bin"])
@pytest.mark.parametrize("to_file", [True, False], ids=["C-writer-to-file", "python-writer-to-buffer"])
def test_written_proofs_are_the_proofs_of_each_value(fmt, to_file, lot_encoding, tmp_path):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(6), 30), leaf_encoding=lot_encoding)
    if to_file:
        with (tmp_path / "proofs").open("wb") as f:
            written = tree.write_proofs(f, fmt)
        data = (tmp_path / "proofs").read_bytes()
    else:
        buf = io.BytesIO()
        written = tree.write_proofs(buf, fmt)
        data = buf.getvalue()
    assert written == len(data)
    if fmt == "bin":
        entries = merkle.read_binary_proofs(data)
        assert [k for k, _ in entries] == tree.tree_indices
        assert [proof for _, proof in entries] == [tree.proof(i) for i in range(len(tree))]
        return
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert [entry["i"] for entry in lines] == list(range(len(tree)))
    for entry in lines:
        assert entry["proof"] == ["0x" + p.hex() for p in tree.proof(entry["i"])]
        assert entry["leaf"] == "0x" + tree.leaf_hash(entry["i"]).hex()


def test_check_tree_names_the_first_bad_node(lot_encoding):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(8), 20), leaf_encoding=lot_encoding)
    broken = bytearray(tree.tree)
    broken[32 * 3] ^= 1
    assert merkle.check_tree(bytes(broken)) == 1  # node 3's parent no longer matches
    assert merkle.check_tree(bytes(broken), pure=True) == 1


@needs_c
def test_leaves_sharing_their_first_eight_bytes_are_still_ordered_by_the_whole_hash():
    rng = random.Random(12)
    prefix = rng.randbytes(8)
    hashes = [prefix + rng.randbytes(24) for _ in range(50)] + [rng.randbytes(32) for _ in range(50)]
    rng.shuffle(hashes)
    joined = b"".join(hashes)
    assert merkle.make_tree(joined) == merkle.make_tree(joined, pure=True)


@pytest.mark.parametrize("chunk_bytes", [1, 700, 1 << 24])
def test_the_compact_loader_reads_exactly_what_the_json_loader_reads(chunk_bytes, lot_encoding):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(13), 57), leaf_encoding=lot_encoding)
    text = tree.dump_text().encode()
    compact = merkle.load_compact(text, chunk_bytes=chunk_bytes)
    reference = merkle.StandardMerkleTree.load(json.loads(text))
    assert compact is not None
    assert (compact.tree, compact.tree_indices, compact.columns) == (reference.tree, reference.tree_indices,
                                                                     reference.columns)
    assert compact.dump_text() == text.decode()


def test_the_compact_loader_declines_a_dump_in_another_layout(lot_encoding):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(14), 5), leaf_encoding=lot_encoding)
    pretty = json.dumps(json.loads(tree.dump_text()), indent=1).encode()
    assert merkle.load_compact(pretty) is None


def test_the_compact_loader_refuses_an_altered_value(lot_encoding):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(15), 9), leaf_encoding=lot_encoding)
    data = json.loads(tree.dump_text())
    data["values"][4]["value"][4] = "7"
    with pytest.raises(MerkleError, match="does not hash to its leaf"):
        merkle.load_compact(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


def _compact_body(tree: merkle.StandardMerkleTree) -> bytes:
    text = tree.dump_text().encode()
    return text[text.index(b'"values":[') + 10 : -2]


def test_the_one_pass_values_parser_reads_exactly_what_json_reads_including_escaped_strings(lot_encoding):
    rng = random.Random(77)
    columns = random_lot_columns(rng, 50)
    columns[0][3], columns[0][7], columns[3][9] = 'LOT-"quoted"', "LOT-back\\slash", "ISIN-é-✓"
    tree = merkle.StandardMerkleTree.of(columns=columns, leaf_encoding=lot_encoding)
    parsed = merkle._parse_values(_compact_body(tree), lot_encoding)
    assert parsed is not None
    assert parsed == (tree.columns, tree.tree_indices)
    loaded = merkle.load_compact(tree.dump_text().encode())
    assert loaded.columns == tree.columns and loaded.root == tree.root
    # and the writer escapes them exactly as json.dumps does (OpenZeppelin's JSON.stringify writes the same)
    assert tree.dump_text() == json.dumps(tree.dump(), separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize("edit", [
    lambda b: b.replace(b'"0x', b'"0X', 1),  # not the written form: another spelling of the same hash
    lambda b: b.replace(b'},{"value"', b'} ,{"value"', 1),  # a character the entries do not account for
    lambda b: b.replace(b'"treeIndex":', b'"treeIndex":0', 1),  # a leading zero
], ids=["uppercase-hex-prefix", "space-between-values", "leading-zero"])
def test_values_not_exactly_as_written_are_left_to_the_general_parser(edit, lot_encoding):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(5), 20), leaf_encoding=lot_encoding)
    assert merkle._parse_values(edit(_compact_body(tree)), lot_encoding) is None


def _python_values_text(tree: merkle.StandardMerkleTree) -> str:
    rows = tree._json_rows(0, len(tree))
    return ",".join(json.dumps({"value": r, "treeIndex": k}, separators=(",", ":"), ensure_ascii=False)
                    for r, k in zip(rows, tree.tree_indices))


@needs_c
def test_the_c_value_writer_writes_what_json_dumps_writes_including_escapes_and_non_ascii(lot_encoding):
    columns = random_lot_columns(random.Random(31), 40)
    columns[0][1], columns[0][2], columns[0][3] = 'LOT-"q"\\', "LOT-\x01\x1f\n\t\x7f", "LOT-é-✓-\u2028"
    columns[4][5] = 2**256 - 1  # larger than a C long long: through Python's own int-to-text
    tree = merkle.StandardMerkleTree.of(columns=columns, leaf_encoding=lot_encoding)
    spec = merkle._c_spec(lot_encoding)
    assert merkle._c.dump_values(spec, tree.columns, tree.tree_indices, 0, len(tree)) == _python_values_text(tree)
    assert tree.dump_text() == json.dumps(tree.dump(), separators=(",", ":"), ensure_ascii=False)


@needs_c
def test_the_c_value_writer_declines_a_value_of_another_type(lot_encoding):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(32), 4), leaf_encoding=lot_encoding)
    columns = [list(c) for c in tree.columns]
    columns[4][2] = True  # a bool is not a uint256 value: the Python writer decides what to do with it
    assert merkle._c.dump_values(merkle._c_spec(lot_encoding), columns, tree.tree_indices, 0, 4) is None


@needs_c
def test_the_c_values_parser_reads_exactly_what_the_python_parser_reads(lot_encoding):
    columns = random_lot_columns(random.Random(33), 300)
    columns[3][7] = "ISIN-é-✓"
    tree = merkle.StandardMerkleTree.of(columns=columns, leaf_encoding=lot_encoding)
    body = _compact_body(tree)
    parsed = merkle._c.parse_values(body, 0, len(body), merkle._c_spec(lot_encoding))
    assert parsed == merkle._parse_values(body, lot_encoding) == (tree.columns, tree.tree_indices)


@needs_c
@pytest.mark.parametrize("edit", [
    lambda b: b.replace(b'"0x', b'"0X', 1),
    lambda b: b.replace(b'},{"value"', b'} ,{"value"', 1),
    lambda b: b.replace(b'"treeIndex":', b'"treeIndex":0', 1),
    lambda b: b.replace(b'"LOT-', b'"LOT-\\u0041', 1),  # an escape: left to the general parser
    lambda b: b[:-1],  # truncated inside the last entry
    lambda b: b + b",",  # a trailing comma
    lambda b: b.replace(b'"LOT-', b'"LOT-\xff', 1),  # not UTF-8
    lambda b: b.replace(b'],"treeIndex"', b',"1"],"treeIndex"', 1),  # one value too many
], ids=["uppercase-hex-prefix", "space-between-values", "leading-zero", "escaped-string", "truncated",
        "trailing-comma", "invalid-utf8", "extra-field"])
def test_the_c_values_parser_declines_anything_not_exactly_as_written(edit, lot_encoding):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(34), 20), leaf_encoding=lot_encoding)
    body = edit(_compact_body(tree))
    assert merkle._c.parse_values(body, 0, len(body), merkle._c_spec(lot_encoding)) is None


@needs_c
def test_the_c_values_parser_declines_a_uint_wider_than_its_type():
    body = b'{"value":["4294967296"],"treeIndex":0}'
    assert merkle._c.parse_values(body, 0, len(body), merkle._c_spec(["uint32"])) is None
    ok = b'{"value":["4294967295"],"treeIndex":0}'
    assert merkle._c.parse_values(ok, 0, len(ok), merkle._c_spec(["uint32"])) == ([[2**32 - 1]], [0])


@needs_c
def test_the_c_node_list_parser_reads_the_tree_and_declines_other_spellings():
    nodes = random.Random(35).randbytes(32 * 5)
    text = merkle._c.hex_list(nodes).encode()
    assert merkle._c.parse_hex_list(text, 1, len(text) - 1) == nodes
    upper = text.replace(text[4:6], text[4:6].upper())
    assert merkle._c.parse_hex_list(text.replace(b",", b" ", 1), 1, len(text) - 1) is None
    assert merkle._c.parse_hex_list(text, 1, len(text) - 2) is None
    if upper != text:
        assert merkle._c.parse_hex_list(upper, 1, len(upper) - 1) is None


def _broken_tree(kind: str, lot_encoding) -> merkle.StandardMerkleTree:
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(36), 12), leaf_encoding=lot_encoding)
    indices, columns = list(tree.tree_indices), [list(c) for c in tree.columns]
    if kind == "not-a-leaf":
        indices[5] = 2
    elif kind == "used-twice":
        indices[7] = indices[2]
    else:
        columns[5][9] += 1
    return merkle.StandardMerkleTree(tree.leaf_encoding, tree.tree, columns, indices)


@needs_c
@pytest.mark.parametrize(("kind", "message"), [
    ("not-a-leaf", "value 5: treeIndex 2 is not a leaf"),
    ("used-twice", "value 7: treeIndex .* is used twice"),
    ("altered", "value 9 does not hash to its leaf"),
])
def test_the_c_leaf_check_refuses_what_the_python_check_refuses_naming_the_same_value(kind, message, lot_encoding,
                                                                                      monkeypatch):
    with pytest.raises(MerkleError, match=message):
        _broken_tree(kind, lot_encoding).validate()
    monkeypatch.setattr(merkle, "_c_spec", lambda types: None)  # the reference path alone
    with pytest.raises(MerkleError, match=message):
        _broken_tree(kind, lot_encoding).validate()


@pytest.mark.parametrize("pure", [False, True], ids=["c-writer", "python-writer"])
def test_a_dump_written_to_a_binary_file_is_the_utf8_of_the_text_dump(pure, lot_encoding, monkeypatch):
    columns = random_lot_columns(random.Random(37), 30)
    columns[0][4] = 'LOT-"é"'
    tree = merkle.StandardMerkleTree.of(columns=columns, leaf_encoding=lot_encoding)
    if pure:
        monkeypatch.setattr(merkle, "_c_spec", lambda types: None)
    raw = io.BytesIO()
    tree.write_dump(raw, chunk=7)
    assert raw.getvalue() == tree.dump_text().encode()
    assert json.loads(raw.getvalue()) == json.loads(json.dumps(tree.dump()))
