"""The independent audit: from an RPC URL, the registry address and a published statement file, check that

1. the statement's tree is intact (every value hashes to its leaf, every node to its children, each value has its
   own leaf: tree indices distinct and as many values as leaves);
2. the per-asset totals equal the sums of the leaves (verifiers sum every leaf themselves), no lot or request id
   is in two leaves, and each lot holds what it minted less what the recorded FIFO burns consumed;
3. every asset has a published round carrying this file's keccak256, and that round's root and shares equal the
   statement's;
4. the custodian registered for the asset signed that round (signature taken from the publishRound calldata,
   recovered against the EIP-712 digest, compared with `custodianOf` at the round's block);
5. shares in custody ≥ the shares the token's supply represents at the round's block: totalSupply × multiplier /
   1e18, rounded up as the Minter's reserve guard rounds it (`supplyAfterMint(0)`), never token units: after a
   2-for-1 split every token is two shares, after the management fee a little less than one;
6. the round is the asset's latest and its as-of is within `max_age` of the chain's clock;
7. with other chains given (CCIP burn/mint copies of the asset, ADR 0106): shares in custody ≥ Σ over chains of
   totalSupply × multiplier, the other chains read at their latest block, each no older than `chain_max_age`
   (a lagging node is refused as stale, never summed).

Each kind of failure has its own exit code (`Failure`); the process exits with the code of the most fundamental
failure found, after running every check it still can."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3

from rat.attestations import RoundReport, round_digest
from rat.bridge.supply import ChainToken, StaleChainRead, SupplyReadError, read_chain_supply
from reserves import onchain
from reserves.errors import MerkleError, ReservesError, UnreadableError
from reserves.fields import format_units
from reserves.statement import Statement, load_statement


class Failure(IntEnum):
    """Exit codes of `rat-reserves verify`; lower values are more fundamental and win when several fail."""

    OK = 0
    UNREADABLE = 3  # the statement file cannot be read or is not a statement
    TAMPERED = 4  # the tree dump does not hash to its root, or a leaf was altered
    TOTALS = 5  # per-asset totals differ from the leaves or from the on-chain round
    NOT_PUBLISHED = 6  # no on-chain round carries this file's hash
    ROOT_MISMATCH = 7  # the round carries another root
    SIGNATURE = 8  # the custodian did not sign the round
    UNDERCOLLATERALISED = 9  # shares in custody < shares the token supply represents
    STALE = 10  # superseded or older than max_age
    RPC = 11  # the node could not answer


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    failure: Failure = Failure.OK
    asset: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail, "asset": self.asset,
                "failure": None if self.ok else self.failure.name}


@dataclass
class Report:
    statement: str
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, ok: bool, detail: str, failure: Failure, asset: str | None = None) -> bool:
        self.checks.append(Check(name, ok, detail, Failure.OK if ok else failure, asset))
        return ok

    @property
    def outcome(self) -> Failure:
        failed = [c.failure for c in self.checks if not c.ok]
        return min(failed) if failed else Failure.OK

    def as_json(self) -> dict[str, Any]:
        return {"statement": self.statement, "ok": self.outcome is Failure.OK, "outcome": self.outcome.name,
                "exitCode": int(self.outcome), "checks": [c.as_json() for c in self.checks]}

    def render(self) -> str:
        lines = [f"Reserve statement {self.statement}"]
        for c in self.checks:
            mark = "PASS" if c.ok else "FAIL"
            scope = f" [{c.asset}]" if c.asset else ""
            lines.append(f"  {mark}  {c.name}{scope}: {c.detail}")
        verdict = "every check holds" if self.outcome is Failure.OK else f"FAILED ({self.outcome.name})"
        lines.append(f"Result: {verdict}")
        return "\n".join(lines)


def audit(rpc_url: str, registry_address: str, statement_path: Path, max_age: int, threads: int | None = None,
          remotes: dict[str, list[ChainToken]] | None = None, chain_max_age: int = 300) -> Report:
    """`remotes`: home token address (checksummed) -> the same asset on other chains."""
    report = Report(str(statement_path))
    remotes = remotes or {}
    try:
        statement = load_statement(statement_path, threads)
    except UnreadableError as exc:
        report.add("statement readable", False, str(exc), Failure.UNREADABLE)
        return report
    except MerkleError as exc:
        report.add("tree intact", False, str(exc), Failure.TAMPERED)
        return report
    report.add("tree intact", True, f"{len(statement.tree)} leaves hash to root {statement.tree.root_hex}",
               Failure.TAMPERED)
    problems = statement.totals_problems()
    report.add("totals equal the leaves", not problems, "; ".join(problems) or "every per-asset total is the sum "
               "of its leaves", Failure.TOTALS)
    twice = statement.duplicate_problems()
    report.add("every lot once", not twice, "; ".join(twice) or "no lot id or request id is in two leaves",
               Failure.TOTALS)
    burns = statement.burn_problems()
    report.add("burns consistent", not burns, "; ".join(burns[:5]) or "every lot holds what it minted less what "
               "the recorded burns consumed", Failure.TOTALS)
    try:
        w3 = onchain.connect(rpc_url)
        reg = onchain.registry(w3, registry_address)
        now = w3.eth.get_block("latest")["timestamp"]
        for asset in statement.header.assets:
            _audit_asset(w3, reg, statement, asset, now, max_age, report,
                         remotes.get(Web3.to_checksum_address(asset.token), []), chain_max_age)
    except ReservesError as exc:
        report.add("node reachable", False, str(exc), Failure.RPC)
    except Exception as exc:  # noqa: BLE001 - web3 raises transport, RPC and decoding errors of many types
        report.add("node answered", False, f"{type(exc).__name__}: {exc}", Failure.RPC)
    return report


def _audit_asset(w3: Web3, reg, statement: Statement, asset, now: int, max_age: int, report: Report,
                 remote: list[ChainToken] = (), chain_max_age: int = 300) -> None:
    label = f"{asset.symbol} {asset.token}"
    rounds = onchain.published_rounds(reg, asset.token)
    mine = [r for r in rounds if r.statement_hash == statement.file_hash]
    if not report.add(
        "round published", bool(mine),
        f"round {mine[-1].round_id} in block {mine[-1].block_number}" if mine
        else f"no round of this asset carries statement hash 0x{statement.file_hash.hex()} "
             f"({len(rounds)} rounds published): the file differs from what the custodian signed",
        Failure.NOT_PUBLISHED, label,
    ):
        return
    r = mine[-1]
    report.add("root matches", r.merkle_root == statement.tree.root,
               f"on-chain 0x{r.merkle_root.hex()}, statement {statement.tree.root_hex}", Failure.ROOT_MISMATCH, label)
    stored = reg.functions.round(asset.token, r.round_id).call(block_identifier=r.block_number)
    report.add("shares match", r.shares == int(asset.held_units) == stored[0],
               f"on-chain {format_units(r.shares)}, statement {asset.held_shares} shares", Failure.TOTALS, label)
    report.add("as-of matches", r.as_of == statement.header.as_of_unix,
               f"on-chain {r.as_of}, statement {statement.header.as_of_unix}", Failure.TOTALS, label)
    _check_signature(w3, reg, r, report, label)
    backed = onchain.supply_shares(w3, asset.token, r.block_number)
    report.add("reserves cover supply", r.shares >= backed.shares,
               f"{format_units(r.shares)} shares in custody, {format_units(backed.supply)} tokens × multiplier "
               f"{format_units(backed.multiplier)} = {format_units(backed.shares)} shares (rounded up) at block "
               f"{r.block_number}", Failure.UNDERCOLLATERALISED, label)
    if remote:
        _check_across_chains(r.shares, backed, remote, now, chain_max_age, report, label)
    latest = reg.functions.latestRoundId(asset.token).call()
    age = now - r.as_of
    fresh = latest == r.round_id and age <= max_age
    detail = f"round {r.round_id} of {latest}, as of {age}s ago (limit {max_age}s)"
    if latest != r.round_id:
        detail += ": superseded by a newer round"
    report.add("fresh", fresh, detail, Failure.STALE, label)


def _check_across_chains(custody: int, home: onchain.SupplyShares, remote: list[ChainToken], now: int,
                         chain_max_age: int, report: Report, label: str) -> None:
    scaled, parts = home.supply * home.multiplier, [f"home {format_units(home.supply)}"]
    for chain in remote:
        try:
            c = read_chain_supply(chain, chain_max_age, now)
        except StaleChainRead as exc:
            report.add("other chains fresh", False, str(exc), Failure.STALE, label)
            return
        except SupplyReadError as exc:
            report.add("other chains reachable", False, str(exc), Failure.RPC, label)
            return
        scaled += c.shares_scaled
        parts.append(f"{c.chain} {format_units(c.supply)} at block {c.block_number}")
    total = -(-scaled // onchain.MULTIPLIER_SCALE)
    report.add("reserves cover supply on every chain", custody >= total,
               f"{format_units(custody)} shares in custody, {format_units(total)} shares over {len(remote) + 1} "
               f"chains (tokens: {', '.join(parts)})", Failure.UNDERCOLLATERALISED, label)


def _check_signature(w3: Web3, reg, r: onchain.PublishedRound, report: Report, label: str) -> None:
    tx = w3.eth.get_transaction(r.tx_hash)
    decoded = onchain.publish_calldata(reg, bytes(tx["input"])) if tx["to"] == reg.address else None
    if decoded is None:
        report.add("custodian signature", False, "the round was not published by a direct publishRound call; "
                   "its signature cannot be read from calldata", Failure.SIGNATURE, label)
        return
    fields, signature = decoded
    signed = RoundReport(
        asset=fields["asset"], round_id=fields["roundId"], shares=fields["shares"], as_of=fields["asOf"],
        merkle_root=fields["merkleRoot"], statement_uri=fields["statementURI"], statement_hash=fields["statementHash"],
    )
    same = (signed.round_id, signed.shares, signed.merkle_root, signed.statement_hash) == (
        r.round_id, r.shares, r.merkle_root, r.statement_hash)
    digest = round_digest(w3.eth.chain_id, reg.address, signed)
    custodian = reg.functions.custodianOf(r.asset).call(block_identifier=r.block_number)
    if w3.eth.get_code(custodian, block_identifier=r.block_number):
        # a contract custodian (multisig, MPC wallet) signs through ERC-1271, as the registry's SignatureChecker
        valid = onchain.erc1271_accepts(w3, custodian, digest, signature, r.block_number)
        detail = f"ERC-1271 custodian {custodian} {'accepts' if valid else 'rejects'} the signature"
    else:
        try:
            signer = Account._recover_hash(digest, signature=signature)
        except Exception:  # noqa: BLE001 - malformed signatures raise various errors
            signer = None
        valid = signer == custodian
        detail = f"signed by {signer}, custodian {custodian}"
    report.add("custodian signature", same and valid,
               detail + ("" if same else "; calldata differs from the event"), Failure.SIGNATURE, label)
