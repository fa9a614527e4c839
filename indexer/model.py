"""From decoded logs to rows: the raw layer (every event, with lineage) and the modelled layer (what finance,
compliance and regulators query). Pure functions of the logs; the store writes a batch in one transaction."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from indexer import VERSION
from indexer.events import EventAbi, EventBook

ZERO = "0x" + "0" * 40
TOKEN = "RealAssetToken"
POOL = "RatCcipPool"
SCALE = 10**18


@dataclass(frozen=True)
class Discovered:
    """A token found through a listing event (AssetLister.EquityListed or Minter.AssetListed)."""

    address: str
    label: str
    since_block: int
    block_hash: str
    log_index: int


@dataclass
class Batch:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    deltas: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    touched_at: dict[tuple[str, str], int] = field(default_factory=dict)
    discovered: list[Discovered] = field(default_factory=list)
    events: int = 0


def _json_safe(value: Any) -> Any:
    # JSON numbers lose precision beyond 2**53: uint256 values are kept as decimal strings.
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def _ascii(code: str) -> str:
    raw = bytes.fromhex(code[2:]).rstrip(b"\0")
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        return code


def _int(value: str | int) -> int:
    return value if isinstance(value, int) else int(value, 16)


class Modeller:
    def __init__(self, book: EventBook, chain_id: int) -> None:
        self.book = book
        self.chain_id = chain_id

    def build(self, logs: list[dict[str, Any]], kinds: dict[str, str]) -> Batch:
        """`logs` as eth_getLogs returns them, in chain order; `kinds` maps a followed address to its kind."""
        batch = Batch()
        now = time.time()
        raw = batch.rows["raw_events"]
        lookup = self.book.by_key.get
        chain_id = self.chain_id
        for entry in logs:
            address = entry["address"].lower()
            kind = kinds.get(address)
            topics = entry["topics"]
            event = lookup((topics[0], len(topics))) if topics else None
            if kind is None or event is None:
                continue
            args = event.decode(topics, entry["data"])
            key = {
                "chain_id": chain_id, "block_hash": entry["blockHash"], "log_index": _int(entry["logIndex"]),
                "block_number": _int(entry["blockNumber"]), "tx_hash": entry["transactionHash"],
            }
            if event.static:  # flat values: only the integers need the JSON-safe decimal text
                safe = args.copy()
                for name in event.integers:
                    safe[name] = str(safe[name])
            else:
                safe = {k: _json_safe(v) for k, v in args.items()}
            raw.append({**key, "contract": address, "contract_kind": kind, "event_name": event.name,
                        "event_signature": event.signature, "topic0": event.topic0,
                        "args": safe, "indexer_version": VERSION, "ingested_at": now})
            batch.events += 1
            self._model(batch, kind, address, event, args, key)
        return batch

    def _model(self, batch: Batch, kind: str, address: str, event: EventAbi, a: dict[str, Any],
               key: dict[str, Any]) -> None:
        name = event.name
        add = batch.rows
        if kind == TOKEN:
            if name == "Transfer":
                sender, receiver, amount = a["from"], a["to"], a["value"]
                flow = "mint" if sender == ZERO else "burn" if receiver == ZERO else "transfer"
                add["transfers"].append({**key, "asset": address, "from_address": sender, "to_address": receiver,
                                         "amount": amount, "kind": flow})
                for holder, delta in ((sender, -amount), (receiver, amount)):
                    if holder != ZERO:
                        batch.deltas[(address, holder)] += delta
                        batch.touched_at[(address, holder)] = key["block_number"]
            elif name == "SplitScheduled":
                add["splits"].append({**key, "asset": address, "event": "scheduled", "version": a["version"],
                                      "numerator": a["numerator"], "denominator": a["denominator"],
                                      "activates_at": a["activatesAt"], "action_ref": a["actionRef"]})
            elif name == "SplitCancelled":
                add["splits"].append({**key, "asset": address, "event": "cancelled", "version": a["version"],
                                      "numerator": None, "denominator": None, "activates_at": None,
                                      "action_ref": a["actionRef"]})
        elif kind == "Minter":
            self._minter(batch, name, a, key)
        elif kind == "ReserveRegistry" and name == "RoundPublished":
            add["reserve_rounds"].append({**key, "asset": a["asset"], "round_id": a["roundId"], "shares": a["shares"],
                                          "as_of": a["asOf"], "merkle_root": a["merkleRoot"],
                                          "statement_uri": a["statementURI"], "statement_hash": a["statementHash"],
                                          "custodian": a["custodian"]})
        elif kind == "FeeVault":
            self._fees(batch, name, a, key)
        elif kind == "DividendDistributor":
            self._dividends(batch, name, a, key)
        elif kind == "ConversionVault" and name.startswith("Conver"):
            add["conversions"].append({**key, "asset": a["asset"], "conversion_id": a["id"],
                                       "event": name.removeprefix("Conversion").lower() or "converted",
                                       "holder": a.get("holder"), "tokens": a.get("tokens"),
                                       "shares": a.get("shares"), "payout": a.get("payout"),
                                       "detail": {k: _json_safe(v) for k, v in a.items()}})
        elif kind == "ComplianceRegistry":
            self._kyc(batch, name, a, key)
        elif kind == "RatGovernor":
            self._governance(batch, name, a, key)
        elif kind == POOL:
            self._bridge(batch, address, name, a, key)
        elif kind == "AssetLister" and name == "EquityListed":
            batch.discovered.append(Discovered(a["asset"], a["symbol"], key["block_number"], key["block_hash"],
                                               key["log_index"]))

    @staticmethod
    def _minter(batch: Batch, name: str, a: dict[str, Any], key: dict[str, Any]) -> None:
        add = batch.rows
        if name in ("MintRequested", "BurnRequested"):
            mint = name == "MintRequested"
            add["requests"].append({**key, "request_id": a["requestId"], "kind": "mint" if mint else "burn",
                                    "account": a["account"], "asset": a["asset"], "payment_token": a["paymentToken"],
                                    "amount": a["paymentAmount"] if mint else a["shares"],
                                    "limit_price": a["maxPricePerShare"] if mint else a["minPricePerShare"],
                                    "deadline": a["deadline"]})
            return
        base = {**key, "request_id": a.get("requestId"), "account": a.get("account"), "asset": a.get("asset"),
                "shares": None, "price": None, "value": None, "fees": None, "refund": None,
                "broker_order_ref": None, "custody_ref": None, "reason_code": None}
        if name in ("MintFulfilled", "BurnFulfilled"):
            mint = name == "MintFulfilled"
            add["request_outcomes"].append({**base, "outcome": "fulfilled", "payment_token": a["paymentToken"],
                                            "shares": a["shares"], "price": a["price"],
                                            "value": a["cost"] if mint else a["proceeds"], "fees": a["fees"],
                                            "refund": a["refund"] if mint else a["sharesReturned"],
                                            "broker_order_ref": a["brokerOrderRef"], "custody_ref": a["custodyRef"]})
        elif name == "RequestCancelled":
            add["request_outcomes"].append({**base, "outcome": "cancelled", "payment_token": a["refundToken"],
                                            "refund": a["refund"]})
        elif name == "RequestRejected":
            add["request_outcomes"].append({**base, "outcome": "rejected", "payment_token": a["refundToken"],
                                            "refund": a["refund"], "reason_code": a["reasonCode"]})
        elif name == "AssetListed":
            batch.discovered.append(Discovered(a["asset"], "", key["block_number"], key["block_hash"],
                                               key["log_index"]))

    @staticmethod
    def _fees(batch: Batch, name: str, a: dict[str, Any], key: dict[str, Any]) -> None:
        base = {**key, "asset": None, "to_treasury": None, "to_insurance": None, "bucket": None, "recipient": None,
                "fee_shares": None, "custody_ref": None}
        out = batch.rows["fee_events"]
        if name == "FeesBooked":
            out.append({**base, "kind": "booked", "token": a["token"], "amount": a["amount"],
                        "to_treasury": a["toTreasury"], "to_insurance": a["toInsurance"]})
        elif name == "FeeWithdrawn":
            out.append({**base, "kind": "withdrawn", "token": a["token"], "amount": a["amount"],
                        "bucket": a["bucket"], "recipient": a["to"]})
        elif name == "ManagementFeeAccrued":
            out.append({**base, "kind": "management_accrued", "token": a["asset"], "asset": a["asset"],
                        "amount": a["feeShares"], "fee_shares": a["feeShares"]})
        elif name == "ManagementFeeCollected":
            out.append({**base, "kind": "management_collected", "token": a["token"], "asset": a["asset"],
                        "amount": a["proceeds"], "fee_shares": a["shares"], "custody_ref": a["custodyRef"]})

    @staticmethod
    def _dividends(batch: Batch, name: str, a: dict[str, Any], key: dict[str, Any]) -> None:
        base = {**key, "distribution_id": a.get("id"), "asset": None, "payout_token": None, "merkle_root": None,
                "record_block": None, "amount_per_share": None, "claim_deadline": None, "metadata_uri": None,
                "metadata_hash": None}
        if name == "DistributionCreated":
            batch.rows["dividends"].append({
                **base, "event": "created", "asset": a["asset"], "payout_token": a["payoutToken"],
                "merkle_root": a["merkleRoot"], "record_block": a["recordBlock"],
                "amount_per_share": a["amountPerShare"], "amount": a["totalGross"],
                "claim_deadline": a["claimDeadline"], "metadata_uri": a["metadataURI"],
                "metadata_hash": a["metadataHash"], "counterparty": a["funder"]})
        elif name == "Swept":
            batch.rows["dividends"].append({**base, "event": "swept", "amount": a["amount"],
                                            "counterparty": a["treasury"]})
        elif name == "DistributionCancelled":
            batch.rows["dividends"].append({**base, "event": "cancelled", "amount": a["returned"],
                                            "counterparty": a["treasury"]})
        elif name == "Claimed":
            batch.rows["dividend_claims"].append({
                **key, "distribution_id": a["id"], "holder": a["holder"], "caller": a["caller"], "gross": a["gross"],
                "net": a["net"], "withheld": a["withheld"], "jurisdiction": _ascii(a["jurisdiction"]),
                "withholding_bps": a["withholdingBps"], "tax_account": a["taxAccount"]})

    @staticmethod
    def _kyc(batch: Batch, name: str, a: dict[str, Any], key: dict[str, Any]) -> None:
        # Hashes only: the provider reference is already a keccak hash on chain; nothing else identifies a person.
        base = {**key, "account": a.get("account"), "tier": None, "jurisdiction": None, "expiry": None}
        out = batch.rows["kyc_changes"]
        if name == "InvestorUpdated":
            out.append({**base, "event": "updated", "tier": a["tier"], "jurisdiction": _ascii(a["jurisdiction"]),
                        "expiry": a["expiry"], "reference_hash": a["providerRef"]})
        elif name == "InvestorRevoked":
            out.append({**base, "event": "revoked", "reference_hash": a["providerRef"]})
        elif name in ("AccountFrozen", "AccountUnfrozen"):
            out.append({**base, "event": "frozen" if name == "AccountFrozen" else "unfrozen",
                        "reference_hash": a["reasonRef"]})

    @staticmethod
    def _governance(batch: Batch, name: str, a: dict[str, Any], key: dict[str, Any]) -> None:
        base = {**key, "proposal_id": a.get("proposalId"), "proposer": None, "vote_start": None, "vote_end": None,
                "eta": None, "description": None}
        if name == "ProposalCreated":
            batch.rows["proposals"].append({**base, "event": "created", "proposer": a["proposer"],
                                            "vote_start": a["voteStart"], "vote_end": a["voteEnd"],
                                            "description": a["description"]})
        elif name == "ProposalQueued":
            batch.rows["proposals"].append({**base, "event": "queued", "eta": a["etaSeconds"]})
        elif name in ("ProposalExecuted", "ProposalCanceled"):
            batch.rows["proposals"].append({**base, "event": name.removeprefix("Proposal").lower()})
        elif name in ("VoteCast", "VoteCastWithParams"):
            batch.rows["votes"].append({**key, "proposal_id": a["proposalId"], "voter": a["voter"],
                                        "support": a["support"], "weight": a["weight"], "reason": a["reason"]})

    @staticmethod
    def _bridge(batch: Batch, pool: str, name: str, a: dict[str, Any], key: dict[str, Any]) -> None:
        base = {**key, "pool": pool, "remote_chain_selector": a.get("remoteChainSelector"), "sender": None,
                "recipient": a.get("recipient"), "amount": a.get("amount"), "quarantine_id": a.get("quarantineId"),
                "reason": None, "status": None, "ref": None}
        out = batch.rows["bridge_transfers"]
        if name == "Burned":
            out.append({**base, "event": "burned", "sender": a["sender"]})
        elif name == "Minted":
            out.append({**base, "event": "minted", "sender": _remote_sender(a["sender"])})
        elif name == "Quarantined":
            out.append({**base, "event": "quarantined", "sender": _remote_sender(a["sender"]),
                        "reason": a["reason"], "status": a["status"]})
        elif name == "QuarantineReleased":
            out.append({**base, "event": "released", "recipient": a["to"], "ref": a["ref"]})
        elif name == "QuarantineReturned":  # its burn is the `Burned` logged with it (counted as bridged out)
            sender = _remote_sender(a["originalSender"])
            out.append({**base, "event": "returned", "sender": sender,
                        "recipient": sender if len(sender) == 42 else None, "ref": a["ref"]})


def _remote_sender(encoded: str) -> str:
    """The pool logs the source chain's sender as CCIP carries it, `abi.encode(address)` for an EVM chain: shown as
    the address; any other encoding is kept as its hex."""
    raw = encoded[2:]
    if len(raw) == 64 and raw[:24] == "0" * 24:
        return "0x" + raw[24:]
    return encoded


# ---------------------------------------------------------------------------------------------- per-chain supply


@dataclass(frozen=True)
class BridgeFlow:
    """One `bridge_transfers` row, as `chain_supply` reads it (in chain order)."""

    pool: str
    event: str
    remote_chain_selector: int | None
    amount: int


@dataclass(frozen=True)
class LaneFlow:
    """What crossed one lane of a pool (gross token units, since the mirror's first block)."""

    remote_chain_selector: int
    bridged_out: int  # burned here for the remote chain
    bridged_in: int  # minted here from it, quarantined deliveries included


@dataclass(frozen=True)
class ChainSupply:
    """A bridged asset's supply on the mirrored chain and what its pool moved across lanes (ADR 0106). The sum of
    `total_supply` over every chain's mirror is what the reserves must cover; `net_bridged_out` follows the pool's
    own state variable (saturating at zero, as the pool does), which the home chain's CrossChainReserveFeed reads."""

    chain_id: int
    asset: str
    symbol: str
    pool: str | None
    total_supply: int  # Σ balances in the mirror (the escrow's quarantined tokens included)
    multiplier: int
    bridged_out: int
    bridged_in: int  # minted and quarantined deliveries
    quarantined: int  # still in the quarantine escrow: quarantined less released
    net_bridged_out: int
    lanes: tuple[LaneFlow, ...]
    last_block: int | None  # block of the pool's latest movement (None: none yet)

    @property
    def shares(self) -> int:
        """total_supply × multiplier / 1e18, rounded up (as the reserve guard rounds)."""
        return -(-self.total_supply * self.multiplier // SCALE)


def chain_supply(chain_id: int, assets: dict[str, tuple[str, int, int]], pools: dict[str, str],
                 flows: list[tuple[BridgeFlow, int]]) -> list[ChainSupply]:
    """Per-chain supply of every asset that has a pool: `assets` maps an asset to (symbol, multiplier, total
    supply), `pools` a pool to its asset, `flows` is every bridge movement with its block number, in chain order.
    A pure function of mirrored rows (the store reads them)."""
    by_pool: dict[str, list[tuple[BridgeFlow, int]]] = defaultdict(list)
    for flow, block in flows:
        by_pool[flow.pool].append((flow, block))
    out = []
    for pool, asset in sorted(pools.items(), key=lambda item: item[1]):
        symbol, multiplier, supply = assets.get(asset, ("", SCALE, 0))
        out_total = in_total = quarantined = net = 0
        lanes: dict[int, list[int]] = {}
        last = None
        for flow, block in by_pool.get(pool, []):
            last = block
            amount = flow.amount
            if flow.event in ("released", "returned"):  # left the escrow (a return's burn is its own row)
                quarantined -= amount
                continue
            lane = lanes.setdefault(flow.remote_chain_selector or 0, [0, 0])
            if flow.event == "burned":
                out_total += amount
                lane[0] += amount
                net += amount
            else:  # minted or quarantined: both minted here, both consume the inbound bucket
                in_total += amount
                lane[1] += amount
                net = max(net - amount, 0)
                if flow.event == "quarantined":
                    quarantined += amount
        out.append(ChainSupply(chain_id, asset, symbol, pool, supply, multiplier, out_total, in_total, quarantined,
                               net, tuple(LaneFlow(s, o, i) for s, (o, i) in sorted(lanes.items())), last))
    return out


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
