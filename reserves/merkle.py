"""OpenZeppelin's `StandardMerkleTree` (npm `@openzeppelin/merkle-tree` 1.0.x), byte for byte.

The format, from the library's `src/standard.ts`, `src/core.ts`, `src/hashes.ts`:

* leaf = keccak256(keccak256(abi.encode(leafEncoding, value))): the second hash keeps a 64-byte leaf from
  passing for an inner node;
* inner node = keccak256 of the two children in ascending order (`Hashes.commutativeKeccak256` on-chain);
* layout: a flat array of 2n-1 nodes; leaves sorted ascending by hash (stable) and stored reversed at the end,
  node i has children 2i+1 and 2i+2, the root is node 0;
* dump: `{"format":"standard-v1","leafEncoding":[...],"tree":["0x.."],"values":[{"value":[...],"treeIndex":k}]}`
  with values in input order.

The tree lives in one `bytes` object (32 bytes per node) and values in typed columns, not one Python object per
node: a million-leaf tree is 64 MB of hashes instead of two million strings. Hot loops run in the C extension
`reserves._merkle` when it is built; the pure-Python path below is the reference it is tested against, and it
also handles the encodings the C code does not accelerate (signed integers, arrays).
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import sha3

from reserves.errors import MerkleError

try:  # built by `pip install -e .`; optional so that a checkout without a compiler still works (slowly)
    from reserves import _merkle as _c
except ImportError:  # pragma: no cover - exercised on machines without the extension
    _c = None
_KERNELS = ("keccak256", "leaf_hashes", "build", "check_tree", "write_proofs", "write_proofs_bin", "hex_list",
            "dump_values", "parse_values", "parse_hex_list", "check_leaves", "csv_columns", "units_column",
            "hex32_column")
if _c is not None and not all(hasattr(_c, k) for k in _KERNELS):  # pragma: no cover - a stale build
    warnings.warn("reserves._merkle was built from an older reserves/_merkle.c: using the pure-Python path; "
                  "rebuild it with `pip install -e .`", RuntimeWarning, stacklevel=1)
    _c = None

FORMAT = "standard-v1"
LeafEncoding = tuple[str, ...]
JSONValue = Any

_UINT = re.compile(r"uint(\d*)")
_INT = re.compile(r"int(\d*)")
_BYTES_N = re.compile(r"bytes(\d+)")
_ARRAY = re.compile(r"(.+)\[(\d*)\]")


def accelerated() -> bool:
    """True when the C kernels are available."""
    return _c is not None


def default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


# ---------------------------------------------------------------------------------------------- hashing


def keccak256(data: bytes) -> bytes:
    """Ethereum's keccak256 (safe-pysha3: XKCP's optimised code, faster than our scalar C one on large inputs,
    and it releases the GIL while it hashes them, so another thread can work meanwhile)."""
    return sha3.keccak_256(data).digest()


def node_hash(a: bytes, b: bytes) -> bytes:
    return keccak256(a + b if a <= b else b + a)


# ---------------------------------------------------------------------------------------------- values


def _bits(match: re.Match[str], typ: str) -> int:
    bits = int(match.group(1) or 256)
    if not (8 <= bits <= 256 and bits % 8 == 0):
        raise MerkleError(f"invalid type {typ!r}")
    return bits


def _hex(value: JSONValue, typ: str, size: int | None) -> bytes:
    if isinstance(value, str) and value.startswith(("0x", "0X")):
        try:
            raw = bytes.fromhex(value[2:])
        except ValueError:
            raise MerkleError(f"{typ} value is not hex: {value!r}") from None
        if size is None or len(raw) == size:
            return raw
    raise MerkleError(f"{typ} value must be 0x-prefixed hex of {size or 'any'} bytes: {value!r}")


def from_json(typ: str, value: JSONValue) -> Any:
    """A JSON dump value → the Python value ABI-encoded for `typ`. JSON numbers are refused, as OpenZeppelin
    refuses them: above 2^53 they silently lose precision."""
    if (m := _ARRAY.fullmatch(typ)) is not None:
        if not isinstance(value, list) or (m.group(2) and len(value) != int(m.group(2))):
            raise MerkleError(f"{typ} value must be a JSON array of the right length: {value!r}")
        return [from_json(m.group(1), v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise MerkleError(f"leaf values cannot be numbers (use strings): {value!r}")
    if typ == "string":
        if not isinstance(value, str):
            raise MerkleError(f"string value must be a JSON string: {value!r}")
        return value
    if typ == "bool":
        if not isinstance(value, bool):
            raise MerkleError(f"bool value must be true or false: {value!r}")
        return value
    if typ == "address":
        return _hex(value, typ, 20)
    if typ == "bytes":
        return _hex(value, typ, None)
    if (m := _BYTES_N.fullmatch(typ)) is not None:
        size = int(m.group(1))
        if not 1 <= size <= 32:
            raise MerkleError(f"invalid type {typ!r}")
        return _hex(value, typ, size)
    for pattern, signed in ((_UINT, False), (_INT, True)):
        if (m := pattern.fullmatch(typ)) is not None:
            bits = _bits(m, typ)
            if not isinstance(value, str):
                raise MerkleError(f"{typ} value must be a decimal or 0x string: {value!r}")
            try:
                number = int(value, 0) if value.lower().startswith(("0x", "-0x")) else int(value, 10)
            except ValueError:
                raise MerkleError(f"{typ} value is not an integer: {value!r}") from None
            low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1)) if signed else (0, 2**bits)
            if not low <= number < high:
                raise MerkleError(f"{typ} value out of range: {value!r}")
            return number
    raise MerkleError(f"unsupported leaf type {typ!r}")


def to_json(typ: str, value: Any) -> JSONValue:
    """Inverse of `from_json`: integers as decimal strings, byte strings as lowercase 0x hex, addresses
    checksummed (EIP-55)."""
    if (m := _ARRAY.fullmatch(typ)) is not None:
        return [to_json(m.group(1), v) for v in value]
    if typ in ("string", "bool"):
        return value
    if typ == "address":
        from eth_utils import to_checksum_address

        return to_checksum_address(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value)


def encode_leaf(types: Sequence[str], values: Sequence[Any]) -> bytes:
    """abi.encode(types, values): the reference encoder (eth_abi), used for every encoding on the slow path."""
    from eth_abi import encode

    if len(types) != len(values):
        raise MerkleError(f"leaf has {len(values)} values for {len(types)} types")
    return encode(list(types), list(values))


def leaf_hash(types: Sequence[str], values: Sequence[Any]) -> bytes:
    return keccak256(keccak256(encode_leaf(types, values)))


def _c_spec(types: Sequence[str]) -> list[tuple[int, int]] | None:
    """The C encoder's description of `types`, or None when a type needs the Python encoder."""
    if _c is None:
        return None
    spec: list[tuple[int, int]] = []
    for typ in types:
        if (m := _UINT.fullmatch(typ)) is not None:
            spec.append((_c.UINT, _bits(m, typ)))
        elif typ == "address":
            spec.append((_c.ADDRESS, 20))
        elif typ == "bool":
            spec.append((_c.BOOL, 0))
        elif typ == "string":
            spec.append((_c.STRING, 0))
        elif typ == "bytes":
            spec.append((_c.BYTES, 0))
        elif (m := _BYTES_N.fullmatch(typ)) is not None and 1 <= int(m.group(1)) <= 32:
            spec.append((_c.FIXED_BYTES, int(m.group(1))))
        else:
            return None
    return spec


def leaf_hashes(types: Sequence[str], columns: Sequence[Sequence[Any]], threads: int | None = None) -> bytes:
    """Leaf hashes of every row (`columns[j][i]` is value j of row i), 32 bytes each, in row order."""
    spec = _c_spec(types)
    if spec is not None:
        try:
            return _c.leaf_hashes(spec, columns, threads or default_threads())
        except (TypeError, ValueError, OverflowError) as exc:
            raise MerkleError(f"cannot encode leaf: {exc}") from None
    try:
        return b"".join(leaf_hash(types, row) for row in zip(*columns, strict=True))
    except ValueError as exc:
        raise MerkleError(f"cannot encode leaf: {exc}") from None


# ---------------------------------------------------------------------------------------------- tree


def make_tree(hashes: bytes, threads: int | None = None, *, pure: bool = False) -> tuple[bytes, list[int]]:
    """(tree, tree index of every leaf in input order) from concatenated 32-byte leaf hashes."""
    if not hashes or len(hashes) % 32:
        raise MerkleError("expected a non-zero number of 32-byte leaves")
    if _c is not None and not pure:
        return _c.build(hashes, True, threads or default_threads())
    n = len(hashes) // 32
    leaves = [hashes[32 * i : 32 * i + 32] for i in range(n)]
    order = sorted(range(n), key=lambda i: (leaves[i], i))
    total = 2 * n - 1
    nodes: list[bytes] = [b""] * total
    indices = [0] * n
    for pos, i in enumerate(order):
        nodes[total - 1 - pos] = leaves[i]
        indices[i] = total - 1 - pos
    for i in range(total - 1 - n, -1, -1):
        nodes[i] = node_hash(nodes[2 * i + 1], nodes[2 * i + 2])
    return b"".join(nodes), indices


def node(tree: bytes, index: int) -> bytes:
    return tree[32 * index : 32 * index + 32]


def tree_size(tree: bytes) -> int:
    return len(tree) // 32


def is_leaf_index(tree: bytes, index: int) -> bool:
    return 0 <= index < tree_size(tree) and 2 * index + 1 >= tree_size(tree)


def check_tree(tree: bytes, threads: int | None = None, *, pure: bool = False) -> int | None:
    """None when every inner node equals the hash of its children, else the first index that does not."""
    total = tree_size(tree)
    if total == 0 or total % 2 == 0 or len(tree) % 32:
        raise MerkleError("a tree has an odd, non-zero number of 32-byte nodes")
    if _c is not None and not pure:
        bad = _c.check_tree(tree, threads or default_threads())
        return None if bad < 0 else bad
    for i in range((total - 1) // 2):
        if node(tree, i) != node_hash(node(tree, 2 * i + 1), node(tree, 2 * i + 2)):
            return i
    return None


def get_proof(tree: bytes, index: int) -> list[bytes]:
    if not is_leaf_index(tree, index):
        raise MerkleError(f"index {index} is not a leaf")
    proof = []
    while index > 0:
        proof.append(node(tree, index + 1 if index % 2 else index - 1))
        index = (index - 1) // 2
    return proof


def process_proof(leaf: bytes, proof: Iterable[bytes]) -> bytes:
    """The root a proof leads to, as `MerkleProof.processProof` computes it."""
    computed = leaf
    for sibling in proof:
        if len(sibling) != 32:
            raise MerkleError("proof elements must be 32 bytes")
        computed = node_hash(computed, sibling)
    return computed


@dataclass(frozen=True)
class MultiProof:
    """OpenZeppelin's multiproof: `leaves` (hashes here, values in `StandardMerkleTree.multiproof`), the
    sibling hashes in `proof`, and one flag per hashing step (True: the other operand is a leaf or computed)."""

    leaves: list[bytes]
    proof: list[bytes]
    proof_flags: list[bool]


def get_multiproof(tree: bytes, indices: Sequence[int]) -> MultiProof:
    for i in indices:
        if not is_leaf_index(tree, i):
            raise MerkleError(f"index {i} is not a leaf")
    ordered = sorted(indices, reverse=True)
    if any(a == b for a, b in itertools.pairwise(ordered)):
        raise MerkleError("cannot prove a duplicated index")
    queue = list(ordered)
    head = 0  # a moving head instead of list.pop(0): the queue only ever grows at the back
    proof: list[bytes] = []
    flags: list[bool] = []
    while head < len(queue) and queue[head] > 0:
        j = queue[head]
        head += 1
        s = j + 1 if j % 2 else j - 1
        if head < len(queue) and queue[head] == s:
            flags.append(True)
            head += 1
        else:
            flags.append(False)
            proof.append(node(tree, s))
        queue.append((j - 1) // 2)
    if not indices:
        proof.append(node(tree, 0))
    return MultiProof([node(tree, i) for i in ordered], proof, flags)


def process_multiproof(multiproof: MultiProof) -> bytes:
    leaves, proof, flags = multiproof.leaves, multiproof.proof, multiproof.proof_flags
    if len(proof) < flags.count(False) or len(leaves) + len(proof) != len(flags) + 1:
        raise MerkleError("leaves and multiproof are not compatible")
    stack = list(leaves)
    siblings = list(proof)
    sh = ph = 0
    for flag in flags:
        if sh >= len(stack) or (flag and sh + 1 >= len(stack)) or (not flag and ph >= len(siblings)):
            raise MerkleError("multiproof flags do not match its leaves and proof")
        a = stack[sh]
        sh += 1
        if flag:
            b = stack[sh]
            sh += 1
        else:
            b = siblings[ph]
            ph += 1
        stack.append(node_hash(a, b))
    remaining = stack[sh:] + siblings[ph:]
    if len(remaining) != 1:
        raise MerkleError("multiproof does not reduce to one root")
    return remaining[0]


# ---------------------------------------------------------------------------------------------- the tree object


@dataclass
class StandardMerkleTree:
    """A StandardMerkleTree with its values in typed columns (`columns[j][i]`: value j of leaf i)."""

    leaf_encoding: LeafEncoding
    tree: bytes
    columns: list[list[Any]]
    tree_indices: list[int]
    # JSON text of each value as loaded from a dump, so that a re-dump is byte-identical even when the source
    # spelled a value differently from our canonical form (e.g. a lowercase address)
    _json_values: list[list[JSONValue]] | None = field(default=None, repr=False)

    @classmethod
    def of(
        cls,
        values: Sequence[Sequence[Any]] | None = None,
        leaf_encoding: Sequence[str] = (),
        *,
        columns: Sequence[Sequence[Any]] | None = None,
        threads: int | None = None,
    ) -> StandardMerkleTree:
        """Builds from rows (`values`) or from columns; values are Python-typed (int, bytes, str, bool)."""
        encoding = tuple(leaf_encoding)
        if not encoding:
            raise MerkleError("a leaf encoding needs at least one type")
        if columns is None:
            if values is None:
                raise MerkleError("give values or columns")
            for row in values:
                if len(row) != len(encoding):
                    raise MerkleError(f"leaf has {len(row)} values for {len(encoding)} types: {row!r}")
            columns = [list(col) for col in zip(*values)] if values else [[] for _ in encoding]
        cols = [list(c) for c in columns]
        if not cols or not cols[0]:
            raise MerkleError("expected a non-zero number of leaves")
        tree, indices = make_tree(leaf_hashes(encoding, cols, threads), threads)
        return cls(encoding, tree, cols, indices)

    # -- reading

    @property
    def root(self) -> bytes:
        return node(self.tree, 0)

    @property
    def root_hex(self) -> str:
        return "0x" + self.root.hex()

    def __len__(self) -> int:
        return len(self.tree_indices)

    def value(self, i: int) -> tuple[Any, ...]:
        return tuple(col[i] for col in self.columns)

    def json_value(self, i: int) -> list[JSONValue]:
        if self._json_values is not None:
            return self._json_values[i]
        return [to_json(t, col[i]) for t, col in zip(self.leaf_encoding, self.columns)]

    def leaf_hash(self, i: int) -> bytes:
        return leaf_hash(self.leaf_encoding, self.value(i))

    # -- proofs

    def proof(self, i: int) -> list[bytes]:
        """Inclusion proof of value `i`; checked against the root before it is returned, as OpenZeppelin does."""
        self._validate_value_at(i)
        proof = get_proof(self.tree, self.tree_indices[i])
        if process_proof(node(self.tree, self.tree_indices[i]), proof) != self.root:
            raise MerkleError("unable to prove value")
        return proof

    def multiproof(self, value_indices: Sequence[int]) -> tuple[list[tuple[Any, ...]], list[bytes], list[bool]]:
        """(leaf values in proof order, proof, flags) for several values at once."""
        for i in value_indices:
            self._validate_value_at(i)
        by_tree = {self.tree_indices[i]: i for i in value_indices}
        mp = get_multiproof(self.tree, [self.tree_indices[i] for i in value_indices])
        if process_multiproof(mp) != self.root:
            raise MerkleError("unable to prove values")
        ordered = sorted(by_tree, reverse=True)
        return [self.value(by_tree[t]) for t in ordered], mp.proof, mp.proof_flags

    @staticmethod
    def verify(root: bytes, leaf_encoding: Sequence[str], value: Sequence[Any], proof: Sequence[bytes]) -> bool:
        return process_proof(leaf_hash(leaf_encoding, value), proof) == root

    @staticmethod
    def verify_multiproof(
        root: bytes,
        leaf_encoding: Sequence[str],
        leaves: Sequence[Sequence[Any]],
        proof: Sequence[bytes],
        proof_flags: Sequence[bool],
    ) -> bool:
        hashes = [leaf_hash(leaf_encoding, v) for v in leaves]
        return process_multiproof(MultiProof(hashes, list(proof), list(proof_flags))) == root

    def write_proofs(self, fp: IO[bytes], fmt: str = "jsonl", threads: int | None = None) -> int:
        """Every proof, in value order; returns the bytes written.

        `jsonl`: one line per value, {"i","treeIndex","leaf","proof"} in hex, for people and scripts.
        `bin`: the compact form of `read_binary_proofs` (a million lots: ~640 MB instead of ~1.5 GB of hex)."""
        if fmt not in ("jsonl", "bin"):
            raise MerkleError(f"unknown proof format {fmt!r}")
        fp.flush()
        fileno = _fileno(fp)
        if _c is not None and fileno is not None:
            if fmt == "bin":
                return _c.write_proofs_bin(self.tree, self.tree_indices, fileno, threads or default_threads())
            return _c.write_proofs(self.tree, self.tree_indices, fileno)
        written = 0
        if fmt == "bin":
            written += fp.write(BINARY_PROOFS_MAGIC + len(self).to_bytes(8, "little")
                                + tree_size(self.tree).to_bytes(8, "little"))
        for i, k in enumerate(self.tree_indices):
            proof = get_proof(self.tree, k)
            if fmt == "bin":
                written += fp.write(k.to_bytes(4, "little") + bytes([len(proof)]) + b"".join(proof))
                continue
            line = json.dumps(
                {"i": i, "treeIndex": k, "leaf": "0x" + node(self.tree, k).hex(),
                 "proof": ["0x" + p.hex() for p in proof]},
                separators=(",", ":"),
            ) + "\n"
            written += fp.write(line.encode())
        return written

    # -- integrity

    def validate(self, threads: int | None = None) -> None:
        """What OpenZeppelin's `load` checks: every value hashes to its leaf, every inner node to its children."""
        if len(self.columns) != len(self.leaf_encoding):
            raise MerkleError("values do not match the leaf encoding")
        total = tree_size(self.tree)
        if total != 2 * len(self) - 1:
            raise MerkleError(f"a tree of {len(self)} values has {2 * len(self) - 1} nodes, not {total}")
        indices = self.tree_indices
        if _c is not None and _c_spec(self.leaf_encoding) is not None:  # one pass in C, same rules, same messages
            problem, i = _c.check_leaves(self.tree, indices, leaf_hashes(self.leaf_encoding, self.columns, threads))
            if problem == 1:
                raise MerkleError(f"value {i}: treeIndex {indices[i]} is not a leaf")
            if problem == 2:
                raise MerkleError(f"value {i}: treeIndex {indices[i]} is used twice")
            if problem == 3:
                raise MerkleError(f"value {i} does not hash to its leaf (treeIndex {indices[i]}): the dump was altered")
            bad = check_tree(self.tree, threads)
            if bad is not None:
                raise MerkleError(f"node {bad} is not the hash of its children: the dump was altered")
            return
        # whole-list checks at C speed; the loops below only run to name the first offending value
        if indices and (min(indices) < total - len(self) or max(indices) >= total or len(set(indices)) != len(self)):
            seen = set()
            for i, k in enumerate(indices):
                if not is_leaf_index(self.tree, k):
                    raise MerkleError(f"value {i}: treeIndex {k} is not a leaf")
                if k in seen:
                    raise MerkleError(f"value {i}: treeIndex {k} is used twice")
                seen.add(k)
        hashes = leaf_hashes(self.leaf_encoding, self.columns, threads)
        tree = self.tree
        if b"".join([tree[32 * k : 32 * k + 32] for k in indices]) != hashes:
            for i, k in enumerate(indices):
                if hashes[32 * i : 32 * i + 32] != tree[32 * k : 32 * k + 32]:
                    raise MerkleError(f"value {i} does not hash to its leaf (treeIndex {k}): the dump was altered")
        bad = check_tree(self.tree, threads)
        if bad is not None:
            raise MerkleError(f"node {bad} is not the hash of its children: the dump was altered")

    def _validate_value_at(self, i: int) -> None:
        if not 0 <= i < len(self):
            raise MerkleError(f"value index {i} out of bounds")
        if node(self.tree, self.tree_indices[i]) != self.leaf_hash(i):
            raise MerkleError("tree does not contain the expected value")

    # -- dump / load

    def dump(self) -> dict[str, Any]:
        """The `standard-v1` dump as a dict (fine for small trees; large ones go through `write_dump`)."""
        return json.loads(self.dump_text())

    def dump_text(self) -> str:
        buf = io.StringIO()
        self.write_dump(buf)
        return buf.getvalue()

    def write_dump(self, fp: IO[str] | IO[bytes], chunk: int = 50_000) -> None:
        """Writes exactly what `JSON.stringify(tree.dump())` writes (UTF-8 when `fp` is binary), streaming the
        values in chunks so a large tree never exists as one Python structure."""
        binary = not isinstance(fp, io.TextIOBase)

        def put(text: str | bytes) -> None:
            fp.write(text.encode() if binary and isinstance(text, str) else text)  # type: ignore[arg-type]

        put('{"format":"standard-v1","leafEncoding":')
        put(json.dumps(list(self.leaf_encoding), separators=(",", ":")))
        put(',"tree":[')
        # in slices: the whole list is 69 bytes per node, 138 MB for a million leaves, and the text file would
        # hold a second, encoded copy of it
        nodes, step = memoryview(self.tree), 32 * chunk
        for at in range(0, len(self.tree), step):
            put(("," if at else "") + _hex_list(nodes[at : at + step])[1:-1])
        put('],"values":[')
        # one str.format per value over per-column JSON texts: the bytes json.dumps(separators=(",", ":"),
        # ensure_ascii=False) writes, without building a dict and a list per value
        entry = ('{{"value":[' + ",".join(["{}"] * len(self.leaf_encoding)) + '],"treeIndex":{}}}').format
        spec = _c_spec(self.leaf_encoding) if self._json_values is None else None
        for start in range(0, len(self), chunk):
            stop = min(start + chunk, len(self))
            if spec is not None:  # the C writer: the same bytes without a Python string per value
                text = _c.dump_values(spec, self.columns, self.tree_indices, start, stop, binary)
                if text is not None:
                    if start:
                        put(",")
                    put(text)
                    continue
                spec = None
            if self._json_values is not None:
                texts = [[json.dumps(v, separators=(",", ":"), ensure_ascii=False) for v in column]
                         for column in zip(*self._json_values[start:stop])]
            else:
                texts = [_column_json_text(t, col[start:stop]) for t, col in zip(self.leaf_encoding, self.columns)]
            if start:
                put(",")
            put(",".join(map(entry, *texts, self.tree_indices[start:stop])))
        put("]}")

    def _json_rows(self, start: int, stop: int) -> list[list[JSONValue]]:
        if self._json_values is not None:
            return self._json_values[start:stop]
        cols = [_column_to_json(t, col[start:stop]) for t, col in zip(self.leaf_encoding, self.columns)]
        return [list(r) for r in zip(*cols)]

    @classmethod
    def load(cls, data: dict[str, Any], threads: int | None = None, *, validate: bool = True) -> StandardMerkleTree:
        """Reads a `standard-v1` dump and, like OpenZeppelin's `load`, validates it unless told not to."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise MerkleError(f"unknown format {data.get('format') if isinstance(data, dict) else data!r}")
        encoding = data.get("leafEncoding")
        if not isinstance(encoding, list) or not encoding or not all(isinstance(t, str) for t in encoding):
            raise MerkleError("expected a leaf encoding")
        raw_tree, raw_values = data.get("tree"), data.get("values")
        if not isinstance(raw_tree, list) or not isinstance(raw_values, list) or not raw_values:
            raise MerkleError("expected a tree and a non-empty list of values")
        try:
            tree = b"".join(_node_bytes(h) for h in raw_tree)
        except (ValueError, TypeError):
            raise MerkleError("tree nodes must be 0x-prefixed 32-byte hex strings") from None
        json_values: list[list[JSONValue]] = []
        indices: list[int] = []
        for i, entry in enumerate(raw_values):
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), list):
                raise MerkleError(f"value {i} is malformed")
            k = entry.get("treeIndex")
            if not isinstance(k, int) or isinstance(k, bool):
                raise MerkleError(f"value {i}: treeIndex must be an integer")
            if len(entry["value"]) != len(encoding):
                raise MerkleError(f"value {i} has {len(entry['value'])} fields for {len(encoding)} types")
            json_values.append(entry["value"])
            indices.append(k)
        columns = [
            _column_from_json(t, [v[j] for v in json_values], j) for j, t in enumerate(encoding)
        ]
        loaded = cls(tuple(encoding), tree, columns, indices, json_values)
        if validate:
            loaded.validate(threads)
        return loaded


BINARY_PROOFS_MAGIC = b"RATPRF1\0"


def read_binary_proofs(data: bytes) -> list[tuple[int, list[bytes]]]:
    """(tree index, proof) of every value from the `bin` proof format, in value order."""
    if data[:8] != BINARY_PROOFS_MAGIC or len(data) < 24:
        raise MerkleError("not a RATPRF1 proof file")
    count = int.from_bytes(data[8:16], "little")
    pos, out = 24, []
    for _ in range(count):
        if pos + 5 > len(data):
            raise MerkleError("proof file is truncated")
        k, depth = int.from_bytes(data[pos : pos + 4], "little"), data[pos + 4]
        pos += 5
        out.append((k, [data[pos + 32 * j : pos + 32 * j + 32] for j in range(depth)]))
        pos += 32 * depth
    if pos != len(data):
        raise MerkleError("proof file has trailing or missing bytes")
    return out


def _fileno(fp: IO[bytes]) -> int | None:
    try:
        return fp.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


_SEP = b'},{"value":'


def load_compact(dump: bytes, threads: int | None = None, *, validate: bool = True, start: int = 0,
                 end: int | None = None, chunk_bytes: int = 1 << 24) -> StandardMerkleTree | None:
    """Loads a dump written exactly as `write_dump` writes it (compact, keys in OpenZeppelin's order) without
    building its JSON object graph: tree nodes are decoded in one pass, values parsed in chunks straight into
    typed columns. A million-lot dump then needs about a third of the memory `json.loads` would. Returns None
    when the bytes are not in that layout, so the caller can fall back to `StandardMerkleTree.load`."""
    # offsets into `dump` instead of slices: a slice of a 400 MB document is a 400 MB copy
    end = len(dump) if end is None else end
    head = b'{"format":"standard-v1","leafEncoding":'
    if not dump.startswith(head, start) or not dump.endswith(b"]}", start, end):
        return None
    tree_at = dump.find(b',"tree":[', start + len(head), end)
    values_at = dump.find(b'],"values":[', tree_at, end)
    if tree_at < 0 or values_at < 0:
        return None
    try:
        encoding = json.loads(dump[start + len(head) : tree_at])
    except ValueError:
        return None
    if not isinstance(encoding, list) or not encoding or not all(isinstance(t, str) for t in encoding):
        return None
    nodes_at, nodes_end = tree_at + 9, values_at
    count = (nodes_end - nodes_at + 1) // 69
    if count == 0 or nodes_end - nodes_at != 69 * count - 1:
        return None
    body_at, body_end = values_at + 12, end - 2
    spec = _c_spec(encoding)
    if spec is not None:  # the C readers: no decoded copy of the text, no intermediate string per value
        tree = _c.parse_hex_list(dump, nodes_at, nodes_end)
        if tree is None:
            return None
        fast = _c.parse_values(dump, body_at, body_end, spec) if body_at < body_end else None
        if fast is None:
            fast = _parse_values_chunked(dump, body_at, body_end, encoding, chunk_bytes)
    else:
        if dump.count(b'","0x', nodes_at, nodes_end) != count - 1:
            return None
        if not dump.startswith(b'"0x', nodes_at) or not dump.endswith(b'"', nodes_at, nodes_end):
            return None
        try:
            tree = bytes.fromhex(dump[nodes_at + 3 : nodes_end - 1].replace(b'","0x', b"").decode("ascii"))
        except ValueError:
            return None
        if len(tree) != 32 * count:
            return None
        fast = _parse_values_chunked(dump, body_at, body_end, encoding, chunk_bytes)
    if fast is not None:
        loaded = StandardMerkleTree(tuple(encoding), tree, *fast)
        if validate:
            loaded.validate(threads)
        return loaded
    columns: list[list[Any]] = [[] for _ in encoding]
    indices: list[int] = []
    pos = body_at
    while pos < body_end:
        cut = dump.find(_SEP, pos + chunk_bytes, body_end) if pos + chunk_bytes < body_end else -1
        stop = body_end if cut < 0 else cut + 1
        try:
            entries = json.loads(b"[" + dump[pos:stop] + b"]")
        except ValueError:
            return None
        rows = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), list) or len(entry) != 2:
                raise MerkleError(f"value {len(indices)} is malformed")
            k = entry.get("treeIndex")
            if not isinstance(k, int) or isinstance(k, bool) or len(entry["value"]) != len(encoding):
                raise MerkleError(f"value {len(indices)} is malformed")
            rows.append(entry["value"])
            indices.append(k)
        for j, typ in enumerate(encoding):
            columns[j].extend(_column_from_json(typ, [r[j] for r in rows], j))
        pos = stop + 1 if cut >= 0 else stop
    if not indices:
        return None
    loaded = StandardMerkleTree(tuple(encoding), tree, columns, indices)
    if validate:
        loaded.validate(threads)
    return loaded


_JSON_STRING = r'"([^"\\\x00-\x1f]*(?:\\.[^"\\\x00-\x1f]*)*)"'
_DECIMAL = r"(0|[1-9][0-9]*)"


def _value_pattern(typ: str) -> tuple[str, int] | None:
    """(regex capturing one JSON value of `typ` as `write_dump` writes it, bytes of fixed text around the capture)."""
    if typ == "string":
        return _JSON_STRING, 2
    if (m := _BYTES_N.fullmatch(typ)) is not None and 1 <= int(m.group(1)) <= 32:
        return f'"0x([0-9a-f]{{{2 * int(m.group(1))}}})"', 4
    if _UINT.fullmatch(typ) is not None:
        return f'"{_DECIMAL}"', 2
    return None


def _parse_values_chunked(dump: bytes, start: int, end: int, encoding: Sequence[str],
                          chunk_bytes: int) -> tuple[list[list[Any]], list[int]] | None:
    """`_parse_values` over chunks of about `chunk_bytes` cut between two values, so that the intermediate strings
    of one chunk at a time are alive, not those of the whole dump."""
    columns: list[list[Any]] = [[] for _ in encoding]
    indices: list[int] = []
    pos = start
    while pos < end:
        cut = dump.find(_SEP, pos + chunk_bytes, end) if pos + chunk_bytes < end else -1
        stop = end if cut < 0 else cut + 1
        part = _parse_values(dump[pos:stop], encoding)
        if part is None:
            return None
        for column, values in zip(columns, part[0]):
            column.extend(values)
        indices.extend(part[1])
        pos = stop + 1 if cut >= 0 else stop
    return (columns, indices) if indices else None


def _parse_values(body: bytes, encoding: Sequence[str]) -> tuple[list[list[Any]], list[int]] | None:
    """The values of a compact dump in one regular-expression pass instead of a JSON object per value: typed
    columns and tree indices, or None when any value is not in the exact form `write_dump` writes (the caller
    then takes the general path, which names the offending value)."""
    patterns = [_value_pattern(t) for t in encoding]
    if any(p is None for p in patterns) or not body:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    entry = re.compile(r'\{"value":\[' + ",".join(p for p, _ in patterns) + r'\],"treeIndex":' + _DECIMAL + r"\}")
    rows = entry.findall(text)
    if not rows:
        return None
    n = len(rows)
    raw_columns = list(zip(*rows))
    # every character is accounted for: n matched entries joined by exactly n - 1 commas, nothing skipped
    fixed = len('{"value":[],"treeIndex":}') + len(encoding) - 1 + sum(extra for _, extra in patterns)
    if (text.count('},{"value":[') != n - 1
            or sum(sum(map(len, col)) for col in raw_columns) + n * fixed + n - 1 != len(text)):
        return None
    columns: list[list[Any]] = []
    for typ, col in zip(encoding, raw_columns):
        if typ == "string":
            try:
                columns.append([json.loads(f'"{v}"') if "\\" in v else v for v in col]
                               if "\\" in "".join(col) else list(col))
            except ValueError:  # an escape JSON does not define
                return None
        elif typ.startswith("bytes"):
            size = len(col[0]) // 2
            joined = bytes.fromhex("".join(col))
            columns.append([joined[i : i + size] for i in range(0, len(joined), size)])
        else:
            ints = list(map(int, col))
            if max(ints) >= 1 << int(typ[4:] or 256):
                return None
            columns.append(ints)
    return columns, list(map(int, raw_columns[-1]))


def _node_bytes(text: str) -> bytes:
    if not text.startswith("0x") or len(text) != 66:
        raise ValueError(text)
    return bytes.fromhex(text[2:])


def _hex_list(tree: bytes | memoryview) -> str:
    if _c is not None:
        return _c.hex_list(tree)
    return json.dumps(["0x" + bytes(tree[32 * i : 32 * i + 32]).hex() for i in range(len(tree) // 32)],
                      separators=(",", ":"))


def _column_to_json(typ: str, column: Sequence[Any]) -> list[JSONValue]:
    # column-wise so the common types cost one comprehension instead of a function call per value
    if typ.startswith("uint") and "[" not in typ:
        return [str(v) for v in column]
    if (typ == "bytes" or _BYTES_N.fullmatch(typ)) and "[" not in typ:
        return ["0x" + v.hex() for v in column]
    if typ in ("string", "bool"):
        return list(column)
    return [to_json(typ, v) for v in column]


_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\\"]')  # what json.dumps(ensure_ascii=False) escapes in a string


def _column_json_text(typ: str, column: Sequence[Any]) -> list[str]:
    """Each value's JSON text, as json.dumps(ensure_ascii=False) writes it."""
    if typ == "bool" or _ARRAY.fullmatch(typ) or typ == "address":
        return [json.dumps(v, separators=(",", ":"), ensure_ascii=False) for v in _column_to_json(typ, column)]
    values = _column_to_json(typ, column)  # strings: decimal integers, 0x hex, or the string values themselves
    if typ == "string" and _NEEDS_ESCAPE.search("".join(values)):
        return [json.dumps(v, ensure_ascii=False) for v in values]
    return [f'"{v}"' for v in values]


def _column_from_json(typ: str, column: list[JSONValue], j: int) -> list[Any]:
    # Whole-column checks run at C speed (join, map, set); any column that fails them goes value by value
    # through `from_json`, which names the offending value.
    try:
        if typ == "string" and all(type(v) is str for v in column):
            return column
        if _BYTES_N.fullmatch(typ) and typ != "bytes":
            size = int(typ[5:])
            if set(map(len, column)) == {2 + 2 * size} and {v[:2] for v in column} == {"0x"}:
                out = [bytes.fromhex(v[2:]) for v in column]
                if set(map(len, out)) == {size}:
                    return out
        elif _UINT.fullmatch(typ) and column and min(map(len, column)) > 0:
            joined = "".join(column)
            if joined.isascii() and joined.isdigit():
                out_ints = list(map(int, column))
                bits = int(typ[4:] or 256)
                if max(out_ints) < 1 << bits:
                    return out_ints
    except (TypeError, ValueError, AttributeError):
        pass
    out_any = []
    for i, v in enumerate(column):
        try:
            out_any.append(from_json(typ, v))
        except MerkleError as exc:
            raise MerkleError(f"value {i}, field {j} ({typ}): {exc}") from None
    return out_any
