"""The dividend snapshot and its independent verification: the Python builder's root is the contract's and
OpenZeppelin's; the snapshot after a 2-for-1 split reads balances and multiplier at the record block, not after it;
`rat-reserves dividend verify` passes on an honest distribution and fails, with the code of its kind, on a tampered
file, a wrong on-chain root, a wrong funding or an unknown id; `build` refuses bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from eth_utils import keccak

from rat.deploy import role
from reserves.distributor import claim, create_distribution, snapshot_distribution
from reserves import merkle
from reserves.cli import main
from reserves.dividends import (
    LEAF_ENCODING,
    DividendError,
    DividendFileError,
    Failure,
    SnapshotRequest,
    build_distribution,
    connect,
    dust_bound,
    internal_problems,
    load_file,
    payout_units,
    take_snapshot,
)

DAY = 24 * 3600
SHARE = 10**18
USDC = 10**6
PER_SHARE = 24 * USDC // 100


@pytest.fixture(scope="module", autouse=True)
def deployed(dividend_distributor, dividend_usdc, dividend_holders, dividend_rpc_url, oz, admin, token):
    """Deploys everything before the first test, so every test's snapshot starts from the same chain."""
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)


def build_cli(rpc_url: str, token, record_block: int, out: Path, *extra: str, per_share: str = "0.24"):
    return CliRunner().invoke(main, ["dividend", "build", "--rpc-url", rpc_url, "--asset", token.address,
                                     "--record-block", str(record_block), "--per-share", per_share, "--out", str(out),
                                     *extra])


def verify_cli(rpc_url: str, distributor, dist_id: int, path: Path) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["dividend", "verify", "--rpc", rpc_url, "--distributor", distributor.address,
                                       "--id", str(dist_id), "--file", str(path), "--json"])
    return result.exit_code, json.loads(result.output)


@pytest.fixture
def published(tmp_path, dividend_rpc_url, dividend_distributor, dividend_usdc, dividend_holders, admin, chain):
    """A distribution built with the CLI, its file hash committed on-chain: (id, file path)."""
    out = tmp_path / "dividend.json"
    result = build_cli(dividend_rpc_url, dividend_holders, chain.blocks.head.number, out, "--distributor",
                       dividend_distributor.address)
    assert result.exit_code == 0, result.output
    dist_id = create_distribution(dividend_distributor, admin, dividend_usdc, load_file(out), file_path=out,
                                  uri="ipfs://rat/dividends/1.json")
    return dist_id, out


# ============================================================================================ builder = contract = OZ


def test_the_builders_root_is_the_contracts_and_its_proofs_pay(published, dividend_distributor, dividend_usdc,
                                                               mallory, alice, bob, carol):
    dist_id, path = published
    dist = load_file(path)
    stored = dividend_distributor.distribution(dist_id)
    assert "0x" + bytes(stored.merkleRoot).hex() == dist.root
    assert bytes(stored.metadataHash) == keccak(path.read_bytes())
    assert {c.holder: c.gross for c in dist.claims} == {
        alice.address: 100 * PER_SHARE, bob.address: 50 * PER_SHARE, carol.address: 7 * PER_SHARE + PER_SHARE // 2}
    for entry in dist.claims:
        claim(dividend_distributor, mallory, dist_id, entry)
        assert dividend_usdc.balanceOf(entry.holder) == entry.gross
        assert dividend_distributor.leaf(entry.holder, entry.gross) == merkle.leaf_hash(
            LEAF_ENCODING, [bytes.fromhex(entry.holder[2:]), entry.gross])


def test_openzeppelins_js_tree_builds_the_same_root_dump_and_proofs(published, oz):
    dist = load_file(published[1])
    values = [v["value"] for v in dist.tree["values"]]  # input order, as OpenZeppelin's dump keeps it
    theirs = oz({"op": "of", "values": values, "encoding": list(LEAF_ENCODING)})
    assert theirs["root"] == dist.root
    assert theirs["dump"] == json.dumps(dist.tree, separators=(",", ":"))
    assert theirs["proofs"] == [list(c.proof) for c in dist.claims]
    loaded = oz({"op": "load", "dump": json.dumps(dist.tree),
                          "checks": [{"value": [c.holder, str(c.gross)], "proof": list(c.proof)} for c in dist.claims]})
    assert loaded["verified"] == [True] * len(dist.claims)


# ============================================================================================ snapshot


def test_the_snapshot_after_a_two_for_one_split_reads_the_record_block_not_later(
    dividend_holders, dividend_rpc_url, admin, alice, bob, carol, chain,
):
    token = dividend_holders
    before_split = chain.blocks.head.number
    (_, version) = token.multiplierState()
    at = chain.pending_timestamp + DAY + 60
    token.scheduleSplit(2, 1, at, version, keccak(text="2-for-1"), sender=admin)
    chain.mine(timestamp=at + 1)
    record = chain.blocks.head.number
    assert token.multiplier() == 2 * SHARE
    token.transfer(bob, 40 * SHARE, sender=alice)  # after the record block: must not count
    token.transfer(carol, 10 * SHARE, sender=bob)

    dist = snapshot_distribution(dividend_rpc_url, token.address, record, PER_SHARE)
    assert dist.multiplier == 2 * SHARE
    assert {c.holder: (c.balance, c.shares) for c in dist.claims} == {
        alice.address: (100 * SHARE, 200 * SHARE),
        bob.address: (50 * SHARE, 100 * SHARE),
        carol.address: (7 * SHARE + SHARE // 2, 15 * SHARE),
    }
    assert dist.claim_of(alice.address).gross == 200 * PER_SHARE
    assert dist.eligible_shares == 315 * SHARE
    assert dist.total_gross == dist.claimable_gross == 315 * PER_SHARE

    earlier = snapshot_distribution(dividend_rpc_url, token.address, before_split, PER_SHARE)
    assert earlier.multiplier == SHARE
    assert earlier.claim_of(alice.address).shares == 100 * SHARE
    now = snapshot_distribution(dividend_rpc_url, token.address, chain.blocks.head.number, PER_SHARE)
    assert now.claim_of(alice.address).balance == 60 * SHARE


def test_the_snapshot_leaves_out_the_zero_address_the_distributor_and_named_exclusions(
    dividend_holders, dividend_rpc_url, dividend_distributor, kyc, minter, alice, bob, chain,
):
    kyc(dividend_distributor.address, country="SC")
    dividend_holders.mint(dividend_distributor, 5 * SHARE, sender=minter)
    w3 = connect(dividend_rpc_url)
    request = SnapshotRequest(asset=dividend_holders.address, record_block=chain.blocks.head.number,
                              excluded=(dividend_distributor.address, bob.address))
    snap = take_snapshot(w3, request)
    held = [h.holder for h in snap.holders]
    assert held == sorted(held, key=str.lower)
    assert dividend_distributor.address not in held and bob.address not in held
    assert "0x0000000000000000000000000000000000000000" not in held
    assert alice.address in held


def test_the_snapshot_leaves_out_the_assets_registered_venues_without_being_told(
    dividend_holders, dividend_rpc_url, registry, admin, alice, chain,
):
    """A venue holds RAT for its users, who are paid on their own holdings; paying the venue pays none of them."""
    import ape

    venue = admin.deploy(ape.project.ERC1271WalletMock, admin.address)
    registry.grantRole(role("VENUE_LISTING_ROLE"), admin, sender=admin)
    registry.registerVenue(dividend_holders, venue, keccak(text="pool listing"), sender=admin)
    dividend_holders.transfer(venue, 4 * SHARE, sender=alice)
    registry.suspendVenue(dividend_holders, venue, keccak(text="a suspended venue is still a venue"), sender=admin)

    snap = take_snapshot(connect(dividend_rpc_url),
                         SnapshotRequest(asset=dividend_holders.address, record_block=chain.blocks.head.number))
    assert venue.address not in [h.holder for h in snap.holders]
    assert snap.excluded == (venue.address,)  # named in the file, so the verifier rebuilds the same set


def test_the_dust_bound_covers_the_worst_rounding():
    # three holders each one token unit short of a share unit boundary at a 1/3 multiplier
    from reserves.dividends import HolderBalance, Snapshot

    multiplier = SHARE // 3 + 1
    holders = tuple(HolderBalance(holder="0x" + f"{i:040x}", balance=b, shares=b * multiplier // SHARE)
                    for i, b in enumerate((2, 5, 3 * SHARE + 2), start=1))
    snap = Snapshot(chain_id=1, asset="0x" + "11" * 20, record_block=1, from_block=0, multiplier=multiplier,
                    excluded=(), holders=holders)
    for per_share in (1, 999_999, SHARE - 1, 3 * SHARE + 7):
        dist = build_distribution(snap, per_share)
        assert 0 <= dist.total_gross - dist.claimable_gross <= dist.dust_bound == dust_bound(3, per_share)


def test_builder_refuses_bad_input(dividend_holders, dividend_rpc_url, chain):
    w3 = connect(dividend_rpc_url)
    head = chain.blocks.head.number
    with pytest.raises(DividendError, match="in the future"):
        take_snapshot(w3, SnapshotRequest(asset=dividend_holders.address, record_block=head + 10))
    with pytest.raises(DividendError, match="after the record block"):
        take_snapshot(w3, SnapshotRequest(asset=dividend_holders.address, record_block=head, from_block=head + 1))
    with pytest.raises(DividendError, match="no contract"):
        take_snapshot(w3, SnapshotRequest(asset="0x" + "12" * 20, record_block=head))
    from reserves.dividends import HolderBalance, Snapshot

    dust_only = Snapshot(chain_id=1, asset="0x" + "11" * 20, record_block=1, from_block=0, multiplier=SHARE,
                         excluded=(), holders=(HolderBalance(holder="0x" + "22" * 20, balance=1, shares=1),))
    with pytest.raises(DividendError, match="owed anything"):
        build_distribution(dust_only, USDC)  # one share unit (1e-18 share) earns nothing
    with pytest.raises(DividendError, match="positive"):
        build_distribution(dust_only, 0)
    for text in ("abc", "0", "-1", "0.0000001", "NaN"):
        with pytest.raises(DividendError):
            payout_units(text, 6)
    assert payout_units("0.24", 6) == 240_000
    with pytest.raises(ValueError):
        SnapshotRequest(asset="not an address", record_block=1)


# ============================================================================================ CLI: build


@pytest.mark.parametrize("extra,per_share,message", [
    ((), "abc", "not a decimal amount"),
    ((), "0.0000001", "whole number of units"),
    (("--exclude", "0x1234"), "0.24", "bad address"),
])
def test_build_refuses_bad_input_with_exit_2_and_writes_nothing(extra, per_share, message, tmp_path,
                                                                dividend_rpc_url, dividend_holders, chain):
    out = tmp_path / "d.json"
    result = build_cli(dividend_rpc_url, dividend_holders, chain.blocks.head.number, out, *extra, per_share=per_share)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not out.exists()


def test_build_refuses_an_unreachable_node(tmp_path, dividend_holders):
    result = build_cli("http://127.0.0.1:9", dividend_holders, 1, tmp_path / "d.json")
    assert result.exit_code == 2 and "cannot reach" in result.output


def test_build_summary_as_json(tmp_path, dividend_rpc_url, dividend_holders, chain):
    result = build_cli(dividend_rpc_url, dividend_holders, chain.blocks.head.number, tmp_path / "d.json", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["holders"] == 3 and summary["totalGross"] == str(315 * PER_SHARE // 2)


# ============================================================================================ CLI: verify


def test_verify_passes_on_an_honest_distribution(published, dividend_rpc_url, dividend_distributor):
    code, report = verify_cli(dividend_rpc_url, dividend_distributor, *published)
    assert code == 0, report
    assert report["outcome"] == "OK" and all(c["ok"] for c in report["checks"])


def test_verify_detects_a_tampered_amount(published, dividend_rpc_url, dividend_distributor):
    dist_id, path = published
    data = json.loads(path.read_text())
    data["claims"][0]["gross"] = str(int(data["claims"][0]["gross"]) * 10)
    data["tree"]["values"][0]["value"][1] = data["claims"][0]["gross"]
    path.write_text(json.dumps(data))
    code, report = verify_cli(dividend_rpc_url, dividend_distributor, dist_id, path)
    assert code == Failure.TAMPERED, report
    assert internal_problems(load_file(path))


def test_verify_detects_a_consistently_rebuilt_forgery(published, dividend_rpc_url, dividend_distributor, alice):
    """A forger who rebuilds the whole tree with Alice's amount doubled makes a self-consistent file; it no longer
    matches the chain."""
    dist_id, path = published
    honest = load_file(path)
    forged_holders = [(bytes.fromhex(c.holder[2:]), c.gross * (2 if c.holder == alice.address else 1))
                      for c in honest.claims]
    tree = merkle.StandardMerkleTree.of(forged_holders, LEAF_ENCODING)
    data = json.loads(path.read_text())
    data["root"], data["tree"] = tree.root_hex, tree.dump()
    for i, c in enumerate(data["claims"]):
        c["gross"] = str(forged_holders[i][1])
        c["proof"] = ["0x" + p.hex() for p in tree.proof(i)]
    path.write_text(json.dumps(data))
    code, report = verify_cli(dividend_rpc_url, dividend_distributor, dist_id, path)
    assert code == Failure.TAMPERED, report
    failing = {c["name"] for c in report["checks"] if not c["ok"]}
    assert "file matches chain" in failing


def test_verify_detects_an_on_chain_root_that_is_not_the_chains_distribution(
    tmp_path, dividend_rpc_url, dividend_distributor, dividend_usdc, dividend_holders, admin, alice, chain,
):
    record = chain.blocks.head.number
    honest = snapshot_distribution(dividend_rpc_url, dividend_holders.address, record, PER_SHARE,
                                   distributor=dividend_distributor.address)
    out = tmp_path / "honest.json"
    from reserves.dividends import write_file

    write_file(honest, out)
    rigged = honest.model_copy(update={"root": merkle.StandardMerkleTree.of(
        [(bytes.fromhex(alice.address[2:]), honest.total_gross)], LEAF_ENCODING).root_hex})
    dist_id = create_distribution(dividend_distributor, admin, dividend_usdc, rigged)
    code, report = verify_cli(dividend_rpc_url, dividend_distributor, dist_id, out)
    assert code == Failure.ROOT_MISMATCH, report


def test_verify_detects_funding_that_does_not_match_the_leaves(tmp_path, dividend_rpc_url, dividend_distributor,
                                                               dividend_usdc, dividend_holders, admin, chain):
    dist = snapshot_distribution(dividend_rpc_url, dividend_holders.address, chain.blocks.head.number, PER_SHARE,
                                 distributor=dividend_distributor.address)
    out = tmp_path / "d.json"
    from reserves.dividends import write_file

    write_file(dist, out)
    dist_id = create_distribution(dividend_distributor, admin, dividend_usdc, dist,
                                  total_gross=dist.claimable_gross - 1)
    code, report = verify_cli(dividend_rpc_url, dividend_distributor, dist_id, out)
    assert code == Failure.TOTALS, report


def test_verify_reports_an_unknown_distribution_and_different_terms(published, dividend_rpc_url,
                                                                    dividend_distributor):
    dist_id, path = published
    code, report = verify_cli(dividend_rpc_url, dividend_distributor, dist_id + 5, path)
    assert code == Failure.TERMS, report
    data = json.loads(path.read_text())
    data["amountPerShare"] = str(PER_SHARE + 1)
    path.write_text(json.dumps(data))
    code, report = verify_cli(dividend_rpc_url, dividend_distributor, dist_id, path)
    assert code == Failure.TAMPERED  # the file's own claims no longer follow from its terms (4 < 6)
    assert {c["name"] for c in report["checks"] if not c["ok"]} >= {"file consistency", "terms"}


@pytest.mark.parametrize("content", ["not json", '{"format": "rat-dividend-v1"}', ""])
def test_verify_reports_an_unreadable_file(content, published, tmp_path, dividend_rpc_url, dividend_distributor):
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, report = verify_cli(dividend_rpc_url, dividend_distributor, published[0], path)
    assert code == Failure.UNREADABLE, report
    with pytest.raises(DividendFileError):
        load_file(path)


def test_verify_reports_an_unreachable_node_and_bad_arguments(published, dividend_distributor):
    dist_id, path = published
    result = CliRunner().invoke(main, ["dividend", "verify", "--rpc-url", "http://127.0.0.1:9", "--distributor",
                                       dividend_distributor.address, "--id", str(dist_id), "--file", str(path)])
    assert result.exit_code == Failure.RPC and "cannot reach" in result.output
    result = CliRunner().invoke(main, ["dividend", "verify", "--rpc-url", "http://127.0.0.1:9", "--distributor",
                                       dividend_distributor.address, "--id", "0", "--file", str(path)])
    assert result.exit_code == 2
