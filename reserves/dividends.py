"""Cash dividends: the holder snapshot at a record block, read from the chain alone; the Merkle distribution in
OpenZeppelin's StandardMerkleTree format; and the independent check of a distribution against the chain.

Method (ADR 0081, docs/reserves/dividends.md):

* holders: every address in the token's `Transfer` events up to the record block (`eth_getLogs`), less the zero
  address, the DividendDistributor and any exclusion named in the file;
* each holder's token balance and the token's `multiplier()` are read with `eth_call` at the record block
  (archive state); shares = balance * multiplier // 1e18;
* gross = shares * amountPerShare // 1e18 (amountPerShare: payout-token units per whole share); holders whose
  gross rounds to 0 get no leaf;
* leaf = (address holder, uint256 grossAmount), double-hashed as OpenZeppelin does (`reserves.merkle`);
* funding = eligibleShares * amountPerShare // 1e18 with eligibleShares = sum(balances) * multiplier // 1e18:
  what the custodian receives on those shares. The leaves sum to at most that; the difference is rounding dust,
  below 1 + amountPerShare / 1e18 payout units per holder (`dust_bound`).

Deliberately independent of Ape and of the build artefacts (like `reserves.onchain`): a verifier needs this package,
an RPC endpoint that keeps historical state, the distributor address and the distribution id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from eth_utils import keccak, to_checksum_address
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
)
from pydantic.alias_generators import to_camel
from web3 import Web3

from reserves import merkle
from reserves.errors import MerkleError, ReservesError

FORMAT = "rat-dividend-v1"
LEAF_ENCODING: tuple[str, ...] = ("address", "uint256")
SCALE = 10**18
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
DEFAULT_LOG_CHUNK = 10_000


class DividendError(ReservesError):
    """A dividend distribution cannot be built or checked."""


class DividendFileError(DividendError):
    """A distribution file is unreadable or breaks its schema."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{path}: {message}")


class ChainReadError(DividendError):
    """The node could not answer (unreachable, pruned history, no contract)."""


# ============================================================================================ models


def _uint(value: Any) -> Any:
    """Integers travel as decimal strings in the file (JSON numbers lose precision above 2^53)."""
    if isinstance(value, bool):
        raise ValueError("expected an integer, not a boolean")
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit():
            raise ValueError(f"expected a decimal integer string, got {value!r}")
        return int(value, 10)
    return value


def _address(value: str) -> str:
    try:
        return to_checksum_address(value)
    except (ValueError, TypeError):
        raise ValueError(f"not an address: {value!r}") from None


def _hex32(value: str) -> str:
    if not (isinstance(value, str) and value.startswith("0x") and len(value) == 66):
        raise ValueError(f"expected 0x + 64 hex digits, got {value!r}")
    try:
        bytes.fromhex(value[2:])
    except ValueError:
        raise ValueError(f"expected 0x + 64 hex digits, got {value!r}") from None
    return value.lower()


Uint256 = Annotated[int, BeforeValidator(_uint), Field(ge=0, lt=2**256), PlainSerializer(str, return_type=str)]
Address = Annotated[str, AfterValidator(_address)]
Hash32 = Annotated[str, AfterValidator(_hex32)]


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")


class SnapshotRequest(_Model):
    """Which holder snapshot to take."""

    asset: Address
    record_block: int = Field(ge=0)
    from_block: int = Field(default=0, ge=0)
    excluded: tuple[Address, ...] = ()


class HolderBalance(_Model):
    """One holder at the record block."""

    holder: Address
    balance: Uint256
    shares: Uint256


class Snapshot(_Model):
    """Every holder with a non-zero balance at the record block, in address order, and the multiplier then."""

    chain_id: int
    asset: Address
    record_block: int
    from_block: int
    multiplier: Uint256
    excluded: tuple[Address, ...]
    holders: tuple[HolderBalance, ...]


class HolderClaim(_Model):
    """What a holder (or anyone on its behalf) passes to `DividendDistributor.claim`."""

    holder: Address
    balance: Uint256
    shares: Uint256
    gross: Uint256
    proof: tuple[Hash32, ...]


class DividendFile(_Model):
    """The published distribution: terms, totals, the StandardMerkleTree dump (`tree`, loadable by OpenZeppelin's
    `StandardMerkleTree.load`) and every holder's claim with its proof."""

    format: Literal["rat-dividend-v1"] = FORMAT
    chain_id: int
    asset: Address
    record_block: int = Field(ge=0)
    from_block: int = Field(ge=0)
    multiplier: Uint256
    amount_per_share: Uint256
    holder_count: int = Field(ge=0)
    eligible_shares: Uint256
    total_gross: Uint256
    claimable_gross: Uint256
    dust_bound: Uint256
    excluded: tuple[Address, ...]
    root: Hash32
    tree: dict[str, Any]
    claims: tuple[HolderClaim, ...]

    def claim_of(self, holder: str) -> HolderClaim:
        wanted = to_checksum_address(holder)
        for c in self.claims:
            if c.holder == wanted:
                return c
        raise DividendError(f"{wanted} has no claim in this distribution")


# ============================================================================================ arithmetic


def shares_of(balance: int, multiplier: int) -> int:
    """Shares a balance represents, rounded down (as `RealAssetToken.sharesOf`)."""
    return balance * multiplier // SCALE


def gross_of(shares: int, amount_per_share: int) -> int:
    """Gross payout of `shares`, rounded down."""
    return shares * amount_per_share // SCALE


def dust_bound(holders: int, amount_per_share: int) -> int:
    """Most the funding can exceed the leaves by: each holder's share and payout floors lose less than
    1 + amountPerShare / 1e18 units (the share floor of the total recovers up to holders - 1 share units)."""
    if holders == 0:
        return 0
    return holders + -(-(holders - 1) * amount_per_share // SCALE)


# ============================================================================================ chain


_TOKEN_ABI: list[dict[str, Any]] = [
    {"type": "function", "name": "balanceOf", "stateMutability": "view",
     "inputs": [{"name": "account", "type": "address"}], "outputs": [{"name": "", "type": "uint256"}]},
    {"type": "function", "name": "multiplier", "stateMutability": "view", "inputs": [],
     "outputs": [{"name": "", "type": "uint256"}]},
    {"type": "function", "name": "REGISTRY", "stateMutability": "view", "inputs": [],
     "outputs": [{"name": "", "type": "address"}]},
]
_REGISTRY_ABI: list[dict[str, Any]] = [
    {"type": "function", "name": "venues", "stateMutability": "view",
     "inputs": [{"name": "asset", "type": "address"}], "outputs": [{"name": "", "type": "address[]"}]},
]
_DISTRIBUTION = {
    "name": "",
    "type": "tuple",
    "components": [
        {"name": "asset", "type": "address"},
        {"name": "recordBlock", "type": "uint64"},
        {"name": "claimDeadline", "type": "uint40"},
        {"name": "swept", "type": "bool"},
        {"name": "payoutToken", "type": "address"},
        {"name": "totalGross", "type": "uint128"},
        {"name": "claimedGross", "type": "uint128"},
        {"name": "merkleRoot", "type": "bytes32"},
        {"name": "amountPerShare", "type": "uint256"},
        {"name": "metadataHash", "type": "bytes32"},
        {"name": "metadataURI", "type": "string"},
    ],
}
DISTRIBUTOR_ABI: list[dict[str, Any]] = [
    {"type": "function", "name": "distribution", "stateMutability": "view",
     "inputs": [{"name": "id", "type": "uint256"}], "outputs": [_DISTRIBUTION]},
]


class OnChainDistribution(_Model):
    """`DividendDistributor.distribution(id)`."""

    asset: Address
    record_block: int
    claim_deadline: int
    swept: bool
    payout_token: Address
    total_gross: Uint256
    claimed_gross: Uint256
    merkle_root: Hash32
    amount_per_share: Uint256
    metadata_hash: Hash32
    metadata_uri: str

    @property
    def exists(self) -> bool:
        return self.asset != ZERO_ADDRESS


def connect(rpc_url: str, timeout: float = 30.0) -> Web3:
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
    if not w3.is_connected(show_traceback=False):
        raise ChainReadError(f"cannot reach the node at {rpc_url}")
    return w3


def read_distribution(w3: Web3, distributor: str, distribution_id: int) -> OnChainDistribution:
    address = to_checksum_address(distributor)
    try:
        if not w3.eth.get_code(address):
            raise ChainReadError(f"no contract at {address}")
        raw = w3.eth.contract(address=address, abi=DISTRIBUTOR_ABI).functions.distribution(distribution_id).call()
    except ChainReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - any node failure becomes one readable error
        raise ChainReadError(f"cannot read distribution {distribution_id} from {address}: {exc}") from exc
    keys = [c["name"] for c in _DISTRIBUTION["components"]]
    values = dict(zip(keys, raw, strict=True))
    for k in ("merkleRoot", "metadataHash"):
        values[k] = "0x" + bytes(values[k]).hex()
    return OnChainDistribution(**{_snake(k): v for k, v in values.items()})


def holder_set(w3: Web3, asset: str, from_block: int, to_block: int, chunk: int = DEFAULT_LOG_CHUNK) -> set[str]:
    """Every address that sent or received the token between the two blocks (inclusive)."""
    address = to_checksum_address(asset)
    seen: set[str] = set()
    start = from_block
    while start <= to_block:
        stop = min(start + chunk - 1, to_block)
        try:
            logs = w3.eth.get_logs({"address": address, "fromBlock": start, "toBlock": stop,
                                    "topics": [TRANSFER_TOPIC]})
        except Exception as exc:  # noqa: BLE001
            raise ChainReadError(f"cannot read Transfer events of {address} in blocks {start}-{stop}: {exc}") from exc
        for log in logs:
            topics = log["topics"]
            if len(topics) != 3:  # not an ERC-20 Transfer (ERC-721 has 4 topics)
                continue
            seen.add(to_checksum_address(bytes(topics[1])[-20:]))
            seen.add(to_checksum_address(bytes(topics[2])[-20:]))
        start = stop + 1
    return seen


def venues_at(w3: Web3, token: Any, block: int) -> tuple[str, ...]:
    """The asset's registered venues (active or suspended) at `block`, from the token's compliance registry.

    A venue (a pool's adapter, a lending market) holds RAT for its users, who are paid on what they hold
    themselves; paying the venue contract would pay none of them (ADR 0101), so every snapshot leaves venues out.
    """
    try:
        registry = token.functions.REGISTRY().call(block_identifier=block)
        found = w3.eth.contract(address=registry, abi=_REGISTRY_ABI).functions.venues(token.address).call(
            block_identifier=block)
    except Exception as exc:  # noqa: BLE001
        raise ChainReadError(f"cannot read the venues of {token.address} at block {block}: {exc}") from exc
    return tuple(to_checksum_address(v) for v in found)


def take_snapshot(w3: Web3, request: SnapshotRequest) -> Snapshot:
    """Holders and their balances at the end of `record_block`, from Transfer logs and archive `eth_call`s."""
    try:
        head = w3.eth.block_number
        chain_id = w3.eth.chain_id
    except Exception as exc:  # noqa: BLE001
        raise ChainReadError(f"cannot read the chain head: {exc}") from exc
    if request.record_block > head:
        raise DividendError(f"record block {request.record_block} is in the future (head {head})")
    if request.from_block > request.record_block:
        raise DividendError(f"from block {request.from_block} is after the record block {request.record_block}")
    token = w3.eth.contract(address=request.asset, abi=_TOKEN_ABI)
    block = request.record_block
    try:
        if not w3.eth.get_code(request.asset, block_identifier=block):
            raise ChainReadError(f"no contract at {request.asset} at block {block}")
        multiplier = token.functions.multiplier().call(block_identifier=block)
    except ChainReadError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ChainReadError(f"cannot read multiplier() of {request.asset} at block {block} (does the node keep "
                             f"historical state?): {exc}") from exc
    excluded = {*request.excluded, *venues_at(w3, token, block)}
    candidates = sorted(holder_set(w3, request.asset, request.from_block, block) - {ZERO_ADDRESS, *excluded},
                        key=lambda a: a.lower())
    holders = []
    for account in candidates:
        try:
            balance = token.functions.balanceOf(account).call(block_identifier=block)
        except Exception as exc:  # noqa: BLE001
            raise ChainReadError(f"cannot read balanceOf({account}) at block {block}: {exc}") from exc
        if balance:
            holders.append(HolderBalance(holder=account, balance=balance, shares=shares_of(balance, multiplier)))
    return Snapshot(chain_id=chain_id, asset=request.asset, record_block=block, from_block=request.from_block,
                    multiplier=multiplier, excluded=tuple(sorted(excluded, key=str.lower)),
                    holders=tuple(holders))


# ============================================================================================ distribution


def build_distribution(snapshot: Snapshot, amount_per_share: int) -> DividendFile:
    """The distribution of `amount_per_share` payout units per share over the snapshot (no chain access)."""
    if amount_per_share <= 0:
        raise DividendError("the amount per share must be positive")
    claims_in = [(h, gross_of(h.shares, amount_per_share)) for h in snapshot.holders]
    paid = [(h, g) for h, g in claims_in if g > 0]
    if not paid:
        raise DividendError(f"no holder of {snapshot.asset} at block {snapshot.record_block} is owed anything "
                            f"at {amount_per_share} units per share")
    tree = merkle.StandardMerkleTree.of([(bytes.fromhex(h.holder[2:]), g) for h, g in paid], LEAF_ENCODING)
    claims = tuple(
        HolderClaim(holder=h.holder, balance=h.balance, shares=h.shares, gross=g,
                    proof=tuple("0x" + p.hex() for p in tree.proof(i)))
        for i, (h, g) in enumerate(paid)
    )
    eligible = shares_of(sum(h.balance for h in snapshot.holders), snapshot.multiplier)
    return DividendFile(
        chain_id=snapshot.chain_id,
        asset=snapshot.asset,
        record_block=snapshot.record_block,
        from_block=snapshot.from_block,
        multiplier=snapshot.multiplier,
        amount_per_share=amount_per_share,
        holder_count=len(snapshot.holders),
        eligible_shares=eligible,
        total_gross=gross_of(eligible, amount_per_share),
        claimable_gross=sum(g for _, g in paid),
        dust_bound=dust_bound(len(snapshot.holders), amount_per_share),
        excluded=snapshot.excluded,
        root=tree.root_hex,
        tree=tree.dump(),
        claims=claims,
    )


def write_file(distribution: DividendFile, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(distribution.model_dump_json(by_alias=True, indent=1) + "\n", encoding="utf-8")
    return path


def load_file(path: Path) -> DividendFile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DividendFileError(path, f"cannot read: {exc}") from exc
    try:
        return DividendFile.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DividendFileError(path, f"{where}: {first['msg']} ({exc.error_count()} problem(s))") from None


def internal_problems(dist: DividendFile) -> list[str]:
    """What makes a file inconsistent with itself: a tree that does not validate, a root that is not the tree's,
    claims whose leaf or proof do not match, totals that are not the claims'. Empty when consistent."""
    problems: list[str] = []
    try:
        tree = merkle.StandardMerkleTree.load(dist.tree)
    except MerkleError as exc:
        return [f"tree: {exc}"]
    if tuple(tree.leaf_encoding) != LEAF_ENCODING:
        return [f"tree: leaf encoding {list(tree.leaf_encoding)}, expected {list(LEAF_ENCODING)}"]
    if tree.root_hex != dist.root:
        problems.append(f"root {dist.root} is not the tree's root {tree.root_hex}")
    root = bytes.fromhex(dist.root[2:])
    in_tree = {(to_checksum_address(tree.value(i)[0]), tree.value(i)[1]) for i in range(len(tree))}
    in_claims = {(c.holder, c.gross) for c in dist.claims}
    if in_tree != in_claims or len(dist.claims) != len(tree):
        problems.append(f"claims ({len(dist.claims)}) and tree values ({len(tree)}) differ")
    for c in dist.claims:
        proof = [bytes.fromhex(p[2:]) for p in c.proof]
        if not merkle.StandardMerkleTree.verify(root, LEAF_ENCODING, [bytes.fromhex(c.holder[2:]), c.gross], proof):
            problems.append(f"claim of {c.holder}: proof does not lead to the root")
        if c.shares != shares_of(c.balance, dist.multiplier) or c.gross != gross_of(c.shares, dist.amount_per_share):
            problems.append(f"claim of {c.holder}: shares or gross do not follow from its balance")
    if dist.claimable_gross != sum(c.gross for c in dist.claims):
        problems.append(f"claimableGross {dist.claimable_gross} is not the sum of the claims")
    return problems


# ============================================================================================ verification


class Failure(IntEnum):
    """Exit codes of `rat-reserves dividend verify`; lower values are more fundamental and win."""

    OK = 0
    UNREADABLE = 3  # the file cannot be read or breaks the schema
    TAMPERED = 4  # the file is inconsistent with itself, or its leaves differ from the chain's
    TOTALS = 5  # the on-chain funding does not match the leaves (beyond rounding dust)
    TERMS = 6  # no such distribution, or its asset / record block / amount per share differ from the file's
    ROOT_MISMATCH = 7  # the on-chain root is not the root of the distribution rebuilt from the chain
    RPC = 11  # the node could not answer


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    failure: Failure = Failure.OK


@dataclass
class VerifyReport:
    distributor: str
    distribution_id: int
    file: str
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, ok: bool, detail: str, failure: Failure) -> bool:
        self.checks.append(Check(name, ok, detail, Failure.OK if ok else failure))
        return ok

    @property
    def outcome(self) -> Failure:
        failed = [c.failure for c in self.checks if not c.ok]
        return min(failed) if failed else Failure.OK

    def as_json(self) -> dict[str, Any]:
        return {
            "distributor": self.distributor,
            "id": self.distribution_id,
            "file": self.file,
            "outcome": self.outcome.name,
            "exitCode": int(self.outcome),
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail,
                        **({} if c.ok else {"failure": c.failure.name})} for c in self.checks],
        }

    def render(self) -> str:
        lines = [f"distribution {self.distribution_id} of {self.distributor} against {self.file}"]
        lines += [f"  [{'ok' if c.ok else 'FAIL'}] {c.name}: {c.detail}" for c in self.checks]
        verdict = "holds" if self.outcome is Failure.OK else f"does NOT hold ({self.outcome.name})"
        lines.append(f"verdict: the distribution {verdict}")
        return "\n".join(lines)


def verify_distribution(w3: Web3, distributor: str, distribution_id: int, path: Path,
                        from_block: int = 0) -> VerifyReport:
    """Rebuilds distribution `distribution_id` from the chain and checks it against the on-chain distribution and
    the published file. Reads holders from `from_block` (default: genesis), not from the file's own start."""
    report = VerifyReport(to_checksum_address(distributor), distribution_id, str(path))
    try:
        dist = load_file(path)
    except DividendFileError as exc:
        report.add("file", False, str(exc), Failure.UNREADABLE)
        return report
    report.add("file", True, f"{len(dist.claims)} claims, root {dist.root}", Failure.UNREADABLE)
    problems = internal_problems(dist)
    report.add("file consistency", not problems, "; ".join(problems[:5]) or "tree, proofs and totals agree",
               Failure.TAMPERED)
    try:
        onchain = read_distribution(w3, distributor, distribution_id)
    except ChainReadError as exc:
        report.add("on-chain distribution", False, str(exc), Failure.RPC)
        return report
    if not report.add("on-chain distribution", onchain.exists,
                      f"asset {onchain.asset}, record block {onchain.record_block}, root {onchain.merkle_root}"
                      if onchain.exists else f"no distribution {distribution_id}", Failure.TERMS):
        return report
    differ = [name for name, a, b in (("asset", onchain.asset, dist.asset),
                                      ("recordBlock", onchain.record_block, dist.record_block),
                                      ("amountPerShare", onchain.amount_per_share, dist.amount_per_share))
              if a != b]
    report.add("terms", not differ, f"file and chain differ in {', '.join(differ)}" if differ
               else "asset, record block and amount per share match", Failure.TERMS)
    excluded = tuple(dict.fromkeys([*dist.excluded, report.distributor]))
    try:
        snapshot = take_snapshot(w3, SnapshotRequest(asset=onchain.asset, record_block=onchain.record_block,
                                                     from_block=min(from_block, onchain.record_block),
                                                     excluded=excluded))
        rebuilt = build_distribution(snapshot, onchain.amount_per_share)
    except ChainReadError as exc:
        report.add("rebuild", False, str(exc), Failure.RPC)
        return report
    except DividendError as exc:
        report.add("rebuild", False, str(exc), Failure.ROOT_MISMATCH)
        return report
    others = [a for a in dist.excluded if a != report.distributor]
    report.add("rebuild", True, f"{rebuilt.holder_count} holders at block {rebuilt.record_block}, multiplier "
               f"{rebuilt.multiplier}; excluded besides the zero address and the distributor: "
               f"{', '.join(others) or 'none'}", Failure.ROOT_MISMATCH)
    report.add("root", rebuilt.root == onchain.merkle_root,
               f"rebuilt {rebuilt.root}, on-chain {onchain.merkle_root}", Failure.ROOT_MISMATCH)
    report.add("file matches chain", rebuilt.root == dist.root and rebuilt.claims == dist.claims,
               "every claim, balance and proof equals the rebuilt one" if rebuilt.root == dist.root
               else f"file root {dist.root} differs from the rebuilt {rebuilt.root}", Failure.TAMPERED)
    low, high = rebuilt.claimable_gross, rebuilt.claimable_gross + rebuilt.dust_bound
    report.add("funding", low <= onchain.total_gross <= high,
               f"funded {onchain.total_gross}, leaves sum to {low}, dust bound {rebuilt.dust_bound}",
               Failure.TOTALS)
    return report


def payout_units(text: str, decimals: int) -> int:
    """'0.24' with 6 decimals → 240000; refuses amounts that are not a whole number of units."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text)
    except InvalidOperation:
        raise DividendError(f"not a decimal amount: {text!r}") from None
    units = value.scaleb(decimals)
    if not value.is_finite() or units != units.to_integral_value() or units <= 0:
        raise DividendError(f"{text} is not a positive whole number of units at {decimals} decimals")
    return int(units)


def as_claim_args(claim: HolderClaim) -> tuple[str, int, list[bytes]]:
    """(holder, gross, proof) as `DividendDistributor.claim(id, holder, gross, proof)` takes them after the id."""
    return claim.holder, claim.gross, [bytes.fromhex(p[2:]) for p in claim.proof]


def excluded_addresses(values: Iterable[str], distributor: str | None) -> tuple[str, ...]:
    out = [to_checksum_address(v) for v in values]
    if distributor:
        out.append(to_checksum_address(distributor))
    return tuple(dict.fromkeys(out))


def _snake(name: str) -> str:
    out = "".join("_" + ch.lower() if ch.isupper() else ch for ch in name)
    return out.replace("u_r_i", "uri")


def summary(dist: DividendFile) -> dict[str, Any]:
    """The headline figures of a distribution, for the CLI."""
    return {
        "asset": dist.asset,
        "recordBlock": dist.record_block,
        "multiplier": str(dist.multiplier),
        "amountPerShare": str(dist.amount_per_share),
        "holders": dist.holder_count,
        "claims": len(dist.claims),
        "root": dist.root,
        "eligibleShares": str(dist.eligible_shares),
        "totalGross": str(dist.total_gross),
        "claimableGross": str(dist.claimable_gross),
        "dustBound": str(dist.dust_bound),
        "excluded": list(dist.excluded),
    }


__all__: Sequence[str] = (
    "ChainReadError", "DividendError", "DividendFile", "DividendFileError", "Failure", "HolderClaim",
    "LEAF_ENCODING", "Snapshot", "SnapshotRequest", "VerifyReport", "as_claim_args", "build_distribution",
    "connect", "dust_bound", "excluded_addresses", "gross_of", "holder_set", "internal_problems", "load_file",
    "payout_units", "read_distribution", "shares_of", "summary", "take_snapshot", "verify_distribution",
    "write_file",
)
