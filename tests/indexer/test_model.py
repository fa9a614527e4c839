"""Decoding and modelling of the events a short protocol history on anvil does not emit (governance, dividends,
conversions, withdrawals), from logs encoded with the compiled ABIs; and the ABI file matches the compiled contracts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.deployment import DeploymentFile, parse_contract_option
from indexer.events import ABI_FILE, BUILD_MANIFEST, EventBook, extract_abis
from indexer.model import Modeller

BOOK = EventBook.load()
A = "0x" + "aa" * 20
B = "0x" + "bb" * 20
H = "0x" + "11" * 32


def _log(address: str, name: str, args: dict, index: int = 0) -> dict:
    event = next(e for e in BOOK.by_key.values() if e.name == name)
    topics, data = event.encode(args)
    return {"address": address, "topics": topics, "data": data, "blockNumber": "0x10", "blockHash": "0x" + "22" * 32,
            "transactionHash": "0x" + "33" * 32, "logIndex": hex(index)}


def _build(kind: str, *logs: dict):
    return Modeller(BOOK, 31337).build(list(logs), {A: kind})


def test_the_event_abi_file_matches_the_compiled_contracts():
    if not BUILD_MANIFEST.exists():
        pytest.skip("contracts not compiled (run `ape compile`)")
    assert json.loads(ABI_FILE.read_text()) == extract_abis()


def test_governance_proposals_and_votes_are_modelled():
    batch = _build("RatGovernor",
                   _log(A, "ProposalCreated", {"proposalId": 7, "proposer": B, "targets": [B], "values": [0],
                                               "signatures": [""], "calldatas": [b"\x01"], "voteStart": 10,
                                               "voteEnd": 20, "description": "List rAAPL"}),
                   _log(A, "VoteCast", {"voter": B, "proposalId": 7, "support": 1, "weight": 5 * 10**18,
                                        "reason": "yes"}, 1),
                   _log(A, "ProposalQueued", {"proposalId": 7, "etaSeconds": 99}, 2))
    created, queued = batch.rows["proposals"]
    assert (created["event"], created["proposer"], created["description"]) == ("created", B, "List rAAPL")
    assert (queued["event"], queued["eta"]) == ("queued", 99)
    [vote] = batch.rows["votes"]
    assert (vote["voter"], vote["support"], vote["weight"]) == (B, 1, 5 * 10**18)
    assert batch.rows["raw_events"][0]["args"]["targets"] == [B]


def test_dividends_and_claims_are_modelled_with_the_jurisdiction_code():
    batch = _build("DividendDistributor",
                   _log(A, "DistributionCreated", {"id": 1, "asset": B, "payoutToken": A, "merkleRoot": H,
                                                   "recordBlock": 5, "amountPerShare": 3, "totalGross": 300,
                                                   "claimDeadline": 9, "metadataURI": "ipfs://x",
                                                   "metadataHash": H, "funder": B}),
                   _log(A, "Claimed", {"id": 1, "holder": B, "caller": A, "gross": 30, "net": 21, "withheld": 9,
                                       "jurisdiction": b"BR", "withholdingBps": 3000, "taxAccount": A}, 1))
    [dividend] = batch.rows["dividends"]
    assert (dividend["event"], dividend["amount"], dividend["metadata_uri"]) == ("created", 300, "ipfs://x")
    [claim] = batch.rows["dividend_claims"]
    assert (claim["jurisdiction"], claim["net"], claim["withheld"]) == ("BR", 21, 9)


def test_conversions_and_fee_withdrawals_are_modelled():
    batch = _build("ConversionVault", _log(A, "Converted", {"asset": B, "id": 2, "holder": A, "tokens": 10,
                                                            "shares": 20, "payout": 4100, "forced": True}))
    [converted] = batch.rows["conversions"]
    assert (converted["event"], converted["holder"], converted["payout"]) == ("converted", A, 4100)
    assert converted["detail"]["forced"] is True
    fees = _build("FeeVault", _log(A, "FeeWithdrawn", {"token": B, "bucket": 1, "to": A, "amount": 55}))
    [withdrawn] = fees.rows["fee_events"]
    assert (withdrawn["kind"], withdrawn["bucket"], withdrawn["amount"]) == ("withdrawn", 1, 55)


def test_an_equity_listed_through_the_asset_lister_is_discovered_with_its_symbol():
    batch = _build("AssetLister", _log(A, "EquityListed", {"asset": B, "tickerHash": H, "symbol": "rMSFT",
                                                           "isin": "US5949181045", "reserveFeed": A}))
    [found] = batch.discovered
    assert (found.address, found.label, found.since_block) == (B, "rMSFT", 16)


def test_a_log_of_an_unfollowed_contract_or_unknown_event_is_ignored():
    unknown = {**_log(A, "Transfer", {"from": A, "to": B, "value": 1}), "topics": ["0x" + "99" * 32]}
    batch = Modeller(BOOK, 1).build([_log(B, "Transfer", {"from": A, "to": B, "value": 1}), unknown],
                                    {A: "RealAssetToken"})
    assert batch.events == 0 and not batch.rows["raw_events"]


def test_a_deployment_record_names_every_followed_contract_and_asset(tmp_path: Path):
    record = {"network": "local", "chain_id": 31337, "first_block": 3, "other": "ignored",
              "contracts": {"Minter": {"contract": "SingletonProxy", "address": A, "block_number": 4},
                            "EquityBeacon": {"contract": "EquityBeacon", "address": B}},
              "assets": {"rAAPL": {"symbol": "rAAPL", "address": B, "block_number": 9, "reserve_feed": A}}}
    path = tmp_path / "local.json"
    path.write_text(json.dumps(record))
    followed = {(f.address, f.kind, f.label, f.since_block) for f in DeploymentFile.read(path).followed()}
    assert followed == {(A, "Minter", "Minter", 4), (B, "RealAssetToken", "rAAPL", 9)}


def test_a_malformed_contract_option_is_refused_with_the_expected_form():
    with pytest.raises(ValueError, match="KIND\\[:LABEL\\]=0xADDRESS"):
        parse_contract_option("Mintr=0x12")


def test_no_other_package_imports_the_indexer():
    import ast

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for package in ("rat", "relayer", "reserves"):
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                offenders += [f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] == "indexer"]
    assert not offenders, offenders
