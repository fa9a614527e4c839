"""The published reserve statement: per-asset totals, the burns' FIFO record, and the full Merkle dump of the lots.

The file is what the custodian signs (its keccak256 is `statementHash` in every asset's round), so it is written
once, byte for byte, and never re-serialised: verifiers hash the bytes they downloaded."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import compress
from operator import ne
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reserves import merkle
from reserves.custody import Asset
from reserves.errors import MerkleError, ReservesError, UnreadableError
from reserves.fields import format_units
from reserves.heap import without_gc
from reserves.reconcile import Reconciled

FORMAT = "rat-reserve-statement-v1"
LEAF_FIELDS = (
    "lotId",
    "requestId",
    "brokerOrderRef",
    "isin",
    "mintedUnits",
    "heldUnits",
    "settlementDate",
    "accountHash",
)
LEAF_ENCODING = ("string", "bytes32", "bytes32", "string", "uint256", "uint256", "uint32", "bytes32")
ISIN, HELD = LEAF_FIELDS.index("isin"), LEAF_FIELDS.index("heldUnits")
SALT_LABEL = b"rat-reserves/account-salt/v1"


def account_salt(round_secret: bytes, account: str) -> bytes:
    """A per-account, per-round salt. Derived (not stored per lot) so one 32-byte secret reproduces the round,
    and keyed by the account so disclosing one account's salt to its owner reveals nothing about the others."""
    return hmac.new(round_secret, SALT_LABEL + account.encode(), hashlib.sha256).digest()


def account_hash(salt: bytes, account: str) -> bytes:
    return merkle.keccak256(salt + account.encode())


class AssetTotal(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    isin: str
    token: str
    symbol: str
    lots: int = Field(ge=0)
    held_units: str = Field(alias="heldUnits", pattern=r"^\d+$")
    held_shares: str = Field(alias="heldShares")


class Burn(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    burn_id: str = Field(alias="burnId")
    request_id: str = Field(alias="requestId")
    isin: str
    units: str
    settlement_date: str = Field(alias="settlementDate")
    consumed: list[tuple[str, str]]  # (lotId, units)


class Summary(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    lots_in_tree: int = Field(alias="lotsInTree")
    lots_consumed: int = Field(alias="lotsConsumed")
    burns: int
    deferred: int
    ledger_sha256: str = Field(alias="ledgerSha256")
    custodian_statement_sha256: str = Field(alias="custodianStatementSha256")


class StatementHeader(BaseModel):
    """Everything in statement.json except the tree dump, validated at load."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    format: str
    as_of: datetime = Field(alias="asOf")
    as_of_unix: int = Field(alias="asOfUnix", ge=0, lt=2**64)
    generated_at: datetime = Field(alias="generatedAt")
    root: str = Field(pattern=r"^0x[0-9a-f]{64}$")
    leaf_fields: list[str] = Field(alias="leafFields")
    assets: list[AssetTotal]
    burns: list[Burn]
    summary: Summary


class Statement:
    """A loaded statement: the header, its tree, and the keccak256 of the exact file bytes."""

    def __init__(self, path: Path, header: StatementHeader, tree: merkle.StandardMerkleTree, file_hash: bytes):
        self.path = path
        self.header = header
        self.tree = tree
        self.file_hash = file_hash

    def asset(self, token: str) -> AssetTotal:
        for a in self.header.assets:
            if a.token.lower() == token.lower():
                return a
        raise ReservesError(f"{self.path}: no asset {token}")

    def leaf_totals(self) -> dict[str, int]:
        """ISIN -> sum of heldUnits over every leaf: what the per-asset totals must equal."""
        isins, held = self.tree.columns[ISIN], self.tree.columns[HELD]
        distinct = self.leaf_counts()
        if len(distinct) <= 16:  # a round has a few assets: one pass per ISIN at C speed (sum, compress, map)
            return {isin: sum(compress(held, map(isin.__eq__, isins))) for isin in distinct}
        totals: dict[str, int] = defaultdict(int)
        for isin, units in zip(isins, held):
            totals[isin] += units
        return dict(totals)

    def leaf_counts(self) -> dict[str, int]:
        return dict(Counter(self.tree.columns[ISIN]))

    def totals_problems(self) -> list[str]:
        """Every way the stated per-asset totals differ from the sums of the leaves (empty when they agree)."""
        sums, counts = self.leaf_totals(), self.leaf_counts()
        problems = []
        listed = {a.isin for a in self.header.assets}
        for a in self.header.assets:
            if int(a.held_units) != sums.get(a.isin, 0):
                problems.append(f"{a.symbol} ({a.isin}): statement says {a.held_units} units, leaves sum to "
                                f"{sums.get(a.isin, 0)}")
            if a.lots != counts.get(a.isin, 0):
                problems.append(f"{a.symbol} ({a.isin}): statement says {a.lots} lots, tree has {counts.get(a.isin, 0)}")
        for isin in sums:
            if isin not in listed:
                problems.append(f"leaves hold {sums[isin]} units of {isin}, which has no total in the statement")
        return problems

    def duplicate_problems(self) -> list[str]:
        """Lot ids or request ids carried by more than one leaf: a lot committed twice is summed twice."""
        problems = []
        for name in ("lotId", "requestId"):
            column = self.tree.columns[LEAF_FIELDS.index(name)]
            if len(set(column)) != len(column):
                seen: set = set()
                twice = [v for v in column if v in seen or seen.add(v)]
                shown = ", ".join(v if isinstance(v, str) else "0x" + v.hex() for v in twice[:5])
                problems.append(f"{len(twice)} {name} value(s) appear in more than one leaf: {shown}")
        return problems

    def burn_problems(self) -> list[str]:
        """Lots whose heldUnits differ from mintedUnits less what the recorded burns consumed from them."""
        consumed: dict[str, int] = defaultdict(int)
        for burn in self.header.burns:
            for lot_id, units in burn.consumed:
                consumed[lot_id] += int(units)
        ids, minted, held = (self.tree.columns[LEAF_FIELDS.index(f)] for f in ("lotId", "mintedUnits", "heldUnits"))
        # only two kinds of leaf can be wrong: one whose held differs from its minted, and one a burn consumed
        # from; both are found at C speed (compress over map), then checked one by one
        touched = {lot for lot, units in consumed.items() if units}
        rows = sorted(set(compress(range(len(ids)), map(ne, minted, held)))
                      | set(compress(range(len(ids)), map(touched.__contains__, ids))))
        return [f"lot {ids[i]}: minted {minted[i]} - consumed {consumed.get(ids[i], 0)} != held {held[i]}"
                for i in rows if minted[i] - consumed.get(ids[i], 0) != held[i]]

    def find_request(self, request_id: bytes) -> int:
        column = self.tree.columns[LEAF_FIELDS.index("requestId")]
        for i, value in enumerate(column):
            if value == request_id:
                return i
        raise ReservesError(f"request 0x{request_id.hex()} has no lot in this round")


def lot_tree(rec: Reconciled, round_secret: bytes, threads: int | None = None) -> merkle.StandardMerkleTree:
    salts: dict[str, bytes] = {}
    hashes: dict[str, bytes] = {}
    for lot in rec.lots:
        account = lot.entry.account
        if account not in hashes:
            salts[account] = account_salt(round_secret, account)
            hashes[account] = account_hash(salts[account], account)
    lots = rec.lots
    columns = [
        [lot.entry.lot_id for lot in lots],
        [lot.entry.request_id for lot in lots],
        [lot.entry.broker_order_ref for lot in lots],
        [lot.entry.isin for lot in lots],
        [lot.entry.units for lot in lots],
        [lot.held for lot in lots],
        [_yyyymmdd(lot.entry.settlement) for lot in lots],
        [hashes[lot.entry.account] for lot in lots],
    ]
    return merkle.StandardMerkleTree.of(columns=columns, leaf_encoding=LEAF_ENCODING, threads=threads)


@lru_cache(maxsize=4096)
def _yyyymmdd(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@without_gc
def write_round(
    out_dir: Path,
    rec: Reconciled,
    assets: dict[str, Asset],
    as_of: datetime,
    ledger: Path,
    custodian: Path,
    round_secret: bytes | None = None,
    threads: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Path, Path, merkle.StandardMerkleTree]:
    """Writes statement.json (public) and round-secret.json (private, mode 0600); returns their paths and tree."""
    if not rec.lots:
        raise ReservesError("no lot holds shares at the as-of date: there is nothing to attest")
    secret = round_secret if round_secret is not None else secrets.token_bytes(32)
    if progress:
        progress("hashing lots")
    tree = lot_tree(rec, secret, threads)
    counts: dict[str, int] = defaultdict(int)
    for lot in rec.lots:
        counts[lot.entry.isin] += 1
    totals = [
        {
            "isin": a.isin,
            "token": a.token,
            "symbol": a.symbol,
            "lots": counts.get(a.isin, 0),
            "heldUnits": str(rec.totals.get(a.isin, 0)),
            "heldShares": format_units(rec.totals.get(a.isin, 0)),
        }
        for a in sorted(assets.values(), key=lambda a: a.isin)
    ]
    header = {
        "format": FORMAT,
        "asOf": as_of.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "asOfUnix": int(as_of.timestamp()),
        "generatedAt": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "root": tree.root_hex,
        "leafFields": list(LEAF_FIELDS),
        "assets": totals,
        "burns": [
            {
                "burnId": b.entry.lot_id,
                "requestId": "0x" + b.entry.request_id.hex(),
                "isin": b.entry.isin,
                "units": str(b.entry.units),
                "settlementDate": b.entry.settlement.isoformat(),
                "consumed": [[lot_id, str(units)] for lot_id, units in b.consumed],
            }
            for b in rec.burns
        ],
        "summary": {
            "lotsInTree": len(rec.lots),
            "lotsConsumed": len(rec.consumed),
            "burns": len(rec.burns),
            "deferred": rec.deferred,
            "ledgerSha256": file_sha256(ledger),
            "custodianStatementSha256": file_sha256(custodian),
        },
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    statement_path = out_dir / "statement.json"
    secret_path = out_dir / "round-secret.json"
    if progress:
        progress("writing statement")
    tmp = statement_path.with_suffix(".json.tmp")
    with tmp.open("wb") as f:  # bytes: the C writer's UTF-8 goes to the file without a text layer re-encoding it
        head = json.dumps(header, separators=(",", ":"), ensure_ascii=False)
        f.write((head[:-1] + ',"merkleTree":').encode())
        tree.write_dump(f)
        f.write(b"}\n")
    os.replace(tmp, statement_path)
    accounts = sorted({lot.entry.account for lot in rec.lots})
    private = {
        "format": "rat-reserve-round-secret-v1",
        "warning": "PRIVATE: reveals custody account numbers. Never publish; keep with the custodian's records.",
        "root": tree.root_hex,
        "roundSecret": "0x" + secret.hex(),
        "accounts": [
            {"account": a, "salt": "0x" + account_salt(secret, a).hex(),
             "accountHash": "0x" + account_hash(account_salt(secret, a), a).hex()}
            for a in accounts
        ],
    }
    fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(private, f, indent=2)
        f.write("\n")
    return statement_path, secret_path, tree


@without_gc
def load_statement(path: Path | str, threads: int | None = None, *, validate: bool = True) -> Statement:
    """Reads statement.json, hashes its bytes, validates the header and (unless told not to) the whole tree."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableError(f"{path}: cannot read: {exc.strerror}") from None
    if not raw or raw.isspace():  # isspace stops at the first other byte: no copy of a large file
        raise UnreadableError(f"{path}: the file is empty")
    # the file's keccak256 on another core while this one parses (the hash releases the GIL)
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(merkle.keccak256, raw)
        # what was signed is the exact bytes `write_round` produced: header, then the dump, then "}\n"
        marker = raw.find(b',"merkleTree":')
        compact = None
        if marker > 0 and raw.endswith(b"}\n"):
            try:
                compact = merkle.load_compact(raw, threads, validate=False, start=marker + 14, end=len(raw) - 2)
            except MerkleError as exc:
                raise MerkleError(f"{path}: merkleTree: {exc}") from None
        file_hash = hashing.result()
    try:
        data = json.loads(raw[:marker] + b"}") if compact is not None else json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableError(f"{path}: not a JSON statement (truncated or not JSON): {exc}") from None
    del raw
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UnreadableError(f"{path}: not a {FORMAT} document")
    dump = data.pop("merkleTree", None)
    try:
        header = StatementHeader.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UnreadableError(f"{path}: not a valid statement: field {where}: {first['msg']}") from None
    if header.leaf_fields != list(LEAF_FIELDS):
        raise MerkleError(f"{path}: leafFields are not {list(LEAF_FIELDS)}")
    if compact is not None:
        tree = compact
        if tree.leaf_encoding != LEAF_ENCODING:
            raise MerkleError(f"{path}: merkleTree must have leaf encoding {list(LEAF_ENCODING)}")
        if validate:  # now that the file's bytes are released: the peak is the bytes or the hashes, not both
            try:
                tree.validate(threads)
            except MerkleError as exc:
                raise MerkleError(f"{path}: merkleTree: {exc}") from None
    else:
        if not isinstance(dump, dict) or tuple(dump.get("leafEncoding") or ()) != LEAF_ENCODING:
            raise MerkleError(f"{path}: merkleTree must be a standard-v1 dump with leaf encoding "
                              f"{list(LEAF_ENCODING)}")
        try:
            tree = merkle.StandardMerkleTree.load(dump, threads, validate=validate)
        except MerkleError as exc:
            raise MerkleError(f"{path}: merkleTree: {exc}") from None
    if tree.root_hex != header.root:
        raise MerkleError(f"{path}: root {header.root} is not the root of its tree ({tree.root_hex})")
    return Statement(path, header, tree, file_hash)
