"""On-chain: OpenZeppelin's MerkleProof accepts our proofs; a round built from lots is published to the
ReserveRegistry with the custodian's signature; the independent `verify` passes on it and fails, with the code
of its kind, on a tampered file, an undercollateralised token or a stale round."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ape import project
from click.testing import CliRunner
from eth_account import Account
from eth_utils import keccak
from lotgen import random_lot_columns

from rat.deploy import AssetTerms, list_equity, role
from reserves import merkle
from reserves.audit import Failure
from reserves.cli import main
from reserves.errors import PublishError
from reserves.onchain import connect
from reserves.proofs import ProofOutcome
from reserves.publish import publish_round
from reserves.statement import LEAF_ENCODING, load_statement

SAMPLES = Path(__file__).resolve().parents[2] / "reserves" / "samples"
HELD = {"US0378331005": 105_500_000_000_000_000_000, "US5949181045": 42_125_000_000_000_000_000}


@pytest.fixture(scope="module")
def harness(admin):
    return admin.deploy(project.MerkleProofHarness)


@pytest.fixture(scope="session")
def custodian():
    return Account.from_key(keccak(text="rat-test:reserves-custodian"))


@pytest.fixture(scope="module")
def publisher(accounts):
    return accounts[4]


@pytest.fixture(scope="module")
def registry(admin, publisher, custodian):
    impl = admin.deploy(project.ReserveRegistry)
    proxy = admin.deploy(project.SingletonProxy, impl.address, impl.initialize.encode_input(admin.address))
    reg = project.ReserveRegistry.at(proxy.address)
    reg.grantRole(role("PUBLISHER_ROLE"), publisher, sender=admin)
    reg.grantRole(role("CUSTODIAN_MANAGER_ROLE"), admin, sender=admin)
    return reg


@pytest.fixture(scope="module")
def equities(stack, token, admin, registry, custodian, kyc, alice, minter):
    """rAAPL and rMSFT (the sample ISINs), each with the custodian set and a supply equal to the sample lots."""
    msft = list_equity(admin, stack, AssetTerms.example("rMSFT", "RAT Microsoft Corp.", "US5949181045"), admin)
    msft.grantRole(role("MINTER_ROLE"), minter, sender=admin)
    kyc(alice)
    tokens = {"US0378331005": token, "US5949181045": msft}
    for isin, t in tokens.items():
        registry.setCustodian(t.address, custodian.address, sender=admin)
        t.mint(alice, HELD[isin], sender=minter)
    return tokens


@pytest.fixture(scope="module")
def rpc_url(chain):
    return chain.provider.uri


@pytest.fixture(scope="module", autouse=True)
def deployed(harness, registry, equities, rpc_url):
    """Deploys everything before the first test, so Ape's per-test snapshots all start from the same state."""


@pytest.fixture
def round_dir(tmp_path, equities, chain):
    """The sample lots and a matching custodian statement as of a minute ago (chain time), built."""
    assets = [{"isin": isin, "token": t.address, "symbol": t.symbol()} for isin, t in equities.items()]
    (tmp_path / "assets.json").write_text(json.dumps(assets) + "\n")
    as_of = datetime.fromtimestamp(chain.pending_timestamp - 60, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    statement = (SAMPLES / "custodian.csv").read_text().replace("2026-11-27T21:00:00Z", as_of)
    (tmp_path / "custodian.csv").write_text(statement)
    result = CliRunner().invoke(main, ["build", "--ledger", str(SAMPLES / "ledger.csv"), "--custodian",
                                       str(tmp_path / "custodian.csv"), "--assets", str(tmp_path / "assets.json"),
                                       "--out", str(tmp_path / "round")])
    assert result.exit_code == 0, result.output
    return tmp_path / "round"


def publish(rpc_url, registry, statement_path, custodian, publisher):
    return publish_round(connect(rpc_url), registry.address, load_statement(statement_path), "https://rat.example/r.json",
                         custodian.key, publisher.private_key)


def verify(rpc_url, registry, statement_path, *extra):
    result = CliRunner().invoke(main, ["verify", str(statement_path), "--rpc-url", rpc_url, "--registry",
                                       registry.address, "--json", *extra])
    return result.exit_code, json.loads(result.output)


def test_merkleproof_verify_accepts_our_proof_of_every_lot(harness):
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(random.Random(1), 40), leaf_encoding=LEAF_ENCODING)
    for i in range(len(tree)):
        leaf = merkle.node(tree.tree, tree.tree_indices[i])
        assert harness.verify(tree.proof(i), tree.root, leaf)
        assert harness.verifyCalldata(tree.proof(i), tree.root, leaf)
    assert not harness.verify(tree.proof(0), tree.root, merkle.node(tree.tree, tree.tree_indices[1]))


def test_the_lot_leaf_hashed_on_chain_equals_ours(harness):
    columns = random_lot_columns(random.Random(2), 5)
    tree = merkle.StandardMerkleTree.of(columns=columns, leaf_encoding=LEAF_ENCODING)
    for i in range(5):
        assert harness.lotLeaf(*tree.value(i)) == merkle.node(tree.tree, tree.tree_indices[i])


def test_merkleproof_multiproofverify_accepts_our_multiproofs(harness):
    rng = random.Random(3)
    tree = merkle.StandardMerkleTree.of(columns=random_lot_columns(rng, 33), leaf_encoding=LEAF_ENCODING)
    for size in (1, 2, 7, 33):
        chosen = rng.sample(range(len(tree)), size)
        leaves, proof, flags = tree.multiproof(chosen)
        hashes = [merkle.leaf_hash(LEAF_ENCODING, v) for v in leaves]
        assert harness.multiProofVerify(proof, flags, tree.root, hashes)


def test_a_published_round_passes_the_independent_audit(rpc_url, registry, round_dir, custodian, publisher):
    published = publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)
    assert [p.report.round_id for p in published] == [1, 1]
    code, report = verify(rpc_url, registry, round_dir / "statement.json")
    assert code == 0, report
    names = {c["check"] for c in report["checks"] if c["ok"]}
    assert {"tree intact", "totals equal the leaves", "round published", "root matches", "shares match",
            "custodian signature", "reserves cover supply", "fresh"} <= names


def test_the_registry_stores_the_statement_root_total_and_hash(rpc_url, registry, round_dir, custodian, publisher,
                                                                equities):
    publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)
    statement = load_statement(round_dir / "statement.json")
    for isin, t in equities.items():
        stored = registry.round(t.address, 1)
        assert stored.merkleRoot == statement.tree.root
        assert stored.statementHash == statement.file_hash
        assert stored.shares == HELD[isin]


def test_verify_fails_on_a_statement_edited_after_publication(rpc_url, registry, round_dir, custodian, publisher):
    path = round_dir / "statement.json"
    publish(rpc_url, registry, path, custodian, publisher)
    path.write_text(path.read_text().replace('"heldShares":"105.5"', '"heldShares":"105.50"'))  # cosmetic, yet no longer what was signed
    code, report = verify(rpc_url, registry, path)
    assert code == Failure.NOT_PUBLISHED
    assert report["outcome"] == "NOT_PUBLISHED"


def test_verify_fails_on_a_statement_whose_leaf_was_altered(rpc_url, registry, round_dir, custodian, publisher):
    path = round_dir / "statement.json"
    publish(rpc_url, registry, path, custodian, publisher)
    data = json.loads(path.read_text())
    data["merkleTree"]["values"][0]["value"][5] = "1"
    path.write_text(json.dumps(data, separators=(",", ":")))
    code, _ = verify(rpc_url, registry, path)
    assert code == Failure.TAMPERED


def test_verify_fails_when_the_token_supply_exceeds_the_shares_in_custody(rpc_url, registry, round_dir, custodian,
                                                                         publisher, equities, alice, minter):
    equities["US0378331005"].mint(alice, 1, sender=minter)  # one unit more than the lots hold
    publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)
    code, report = verify(rpc_url, registry, round_dir / "statement.json")
    assert code == Failure.UNDERCOLLATERALISED
    failed = [c for c in report["checks"] if not c["ok"]]
    assert [c["check"] for c in failed] == ["reserves cover supply"]
    assert "rAAPL" in failed[0]["asset"]


def test_verify_fails_on_a_round_older_than_the_allowed_age(rpc_url, registry, round_dir, custodian, publisher):
    publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)
    code, _ = verify(rpc_url, registry, round_dir / "statement.json", "--max-age", "10s")
    assert code == Failure.STALE


def test_verify_fails_on_a_statement_never_published(rpc_url, registry, round_dir):
    code, _ = verify(rpc_url, registry, round_dir / "statement.json")
    assert code == Failure.NOT_PUBLISHED


def test_publish_refuses_a_statement_not_newer_than_the_last_round(rpc_url, registry, round_dir, custodian, publisher):
    publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)
    with pytest.raises(PublishError, match="not newer than round 1"):
        publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)


def test_publish_refuses_totals_that_differ_from_the_leaves_and_sends_nothing(rpc_url, registry, round_dir,
                                                                              custodian, publisher, equities):
    path = round_dir / "statement.json"
    path.write_text(path.read_text().replace('"heldUnits":"42125000000000000000"', '"heldUnits":"52125000000000000000"'))
    with pytest.raises(PublishError, match="do not match its leaves"):
        publish(rpc_url, registry, path, custodian, publisher)
    assert all(registry.latestRoundId(t.address) == 0 for t in equities.values())


def test_publish_refuses_a_key_that_is_not_the_custodian(rpc_url, registry, round_dir, publisher):
    impostor = Account.from_key(keccak(text="rat-test:not-the-custodian"))
    with pytest.raises(PublishError, match="the registry expects"):
        publish(rpc_url, registry, round_dir / "statement.json", impostor, publisher)


def test_verify_proof_finds_the_lots_root_on_chain(rpc_url, registry, round_dir, custodian, publisher, tmp_path):
    publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)
    rid = (SAMPLES / "ledger.csv").read_text().splitlines()[1].split(",")[2]
    proved = CliRunner().invoke(main, ["prove", str(round_dir / "statement.json"), "--request-id", rid])
    (tmp_path / "proof.json").write_text(proved.output)
    result = CliRunner().invoke(main, ["verify-proof", str(tmp_path / "proof.json"), "--rpc-url", rpc_url,
                                       "--registry", registry.address])
    assert result.exit_code == 0, result.output
    assert "root of round 1" in result.output and "the latest round" in result.output


def test_a_round_signed_for_a_contract_wallet_custodian_passes_the_audit(rpc_url, registry, round_dir, custodian,
                                                                         publisher, equities, admin):
    wallet = admin.deploy(project.ERC1271WalletMock, custodian.address)
    for t in equities.values():
        registry.setCustodian(t.address, wallet.address, sender=admin)
    publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)
    code, report = verify(rpc_url, registry, round_dir / "statement.json")
    assert code == 0, report
    assert all("ERC-1271" in c["detail"] for c in report["checks"] if c["check"] == "custodian signature")


def test_the_cli_publishes_with_keys_from_the_environment_then_verifies(rpc_url, registry, round_dir, custodian,
                                                                         publisher, monkeypatch):
    monkeypatch.setenv("RAT_CUSTODIAN_KEY", custodian.key.hex())
    monkeypatch.setenv("RAT_PUBLISHER_KEY", publisher.private_key)
    statement = str(round_dir / "statement.json")
    published = CliRunner().invoke(main, ["publish", statement, "--rpc-url", rpc_url, "--registry", registry.address,
                                          "--uri", "https://rat.example/round.json"])
    assert published.exit_code == 0, published.output
    assert published.output.count("round 1:") == 2
    again = CliRunner().invoke(main, ["publish", statement, "--rpc-url", rpc_url, "--registry", registry.address,
                                      "--uri", "https://rat.example/round.json"])
    assert again.exit_code == 2
    assert "not newer than round 1" in again.output
    result = CliRunner().invoke(main, ["verify", statement, "--rpc-url", rpc_url, "--registry", registry.address])
    assert result.exit_code == 0, result.output
    assert "Result: every check holds" in result.output


# ------------------------------------------------------------------ collateral in shares, after the multiplier

AAPL, MSFT = "US0378331005", "US5949181045"
SHARE = 10**18
DAY = 86_400


def _quantity(units: int) -> str:
    whole, frac = divmod(units, SHARE)
    return f"{whole}.{frac:018d}".rstrip("0").rstrip(".") if frac else str(whole)


def build_round(tmp_path, equities, held: dict[str, int] | list[tuple[str, str, int]], as_of: int) -> Path:
    """A round whose custody holds `held` units, as of `as_of`: one lot and one custodian row per ISIN (a dict) or
    per (ISIN, custody account, units) (a list)."""
    rows = [(isin, "CUST-ACC-001", units) for isin, units in held.items()] if isinstance(held, dict) else held
    rng = random.Random(as_of)
    lots = [f"mint,LOT-{n}-{isin},0x{rng.randbytes(32).hex()},0x{rng.randbytes(32).hex()},{isin},{_quantity(units)},"
            f"2026-11-20,{account}" for n, (isin, account, units) in enumerate(rows)]
    stamp = datetime.fromtimestamp(as_of, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    (tmp_path / "ledger.csv").write_text(
        "kind,lot_id,request_id,broker_order_ref,isin,quantity,settlement_date,custody_account\n"
        + "\n".join(lots) + "\n")
    (tmp_path / "custodian.csv").write_text(
        "as_of,isin,custody_account,quantity\n"
        + "".join(f"{stamp},{isin},{account},{_quantity(units)}\n" for isin, account, units in rows))
    assets = [{"isin": isin, "token": t.address, "symbol": t.symbol()} for isin, t in equities.items()]
    (tmp_path / "assets.json").write_text(json.dumps(assets) + "\n")
    result = CliRunner().invoke(main, ["build", "--ledger", str(tmp_path / "ledger.csv"), "--custodian",
                                       str(tmp_path / "custodian.csv"), "--assets", str(tmp_path / "assets.json"),
                                       "--out", str(tmp_path / "round")])
    assert result.exit_code == 0, result.output
    return tmp_path / "round" / "statement.json"


@pytest.fixture
def split_two_for_one(equities, admin, chain):
    """rAAPL after a 2-for-1 split took effect: every token is two shares, no balance changed."""
    token = equities[AAPL]
    token.grantRole(role("CORPORATE_ACTIONS_ROLE"), admin, sender=admin)
    activates = chain.pending_timestamp + DAY + 60
    token.scheduleSplit(2, 1, activates, token.multiplierState()[1], keccak(text="2-for-1"), sender=admin)
    chain.mine(timestamp=activates + 60)
    assert token.multiplier() == 2 * SHARE
    return token


def test_verify_fails_undercollateralised_after_a_two_for_one_split_with_custody_one_share_short(
        rpc_url, registry, split_two_for_one, equities, custodian, publisher, tmp_path, chain):
    # 105.5 tokens are 211 shares after the split; in token units 210 shares would look like twice the supply
    held = {AAPL: 2 * HELD[AAPL] - SHARE, MSFT: HELD[MSFT]}
    statement = build_round(tmp_path, equities, held, chain.pending_timestamp - 60)
    publish(rpc_url, registry, statement, custodian, publisher)
    code, report = verify(rpc_url, registry, statement)
    assert code == Failure.UNDERCOLLATERALISED, report
    [failed] = [c for c in report["checks"] if not c["ok"]]
    assert failed["check"] == "reserves cover supply" and "rAAPL" in failed["asset"]
    assert "211 shares" in failed["detail"]


def test_verify_passes_after_a_two_for_one_split_with_custody_of_twice_the_supply(
        rpc_url, registry, split_two_for_one, equities, custodian, publisher, tmp_path, chain):
    statement = build_round(tmp_path, equities, {AAPL: 2 * HELD[AAPL], MSFT: HELD[MSFT]}, chain.pending_timestamp - 60)
    publish(rpc_url, registry, statement, custodian, publisher)
    code, report = verify(rpc_url, registry, statement)
    assert code == 0, report


def _publish_at(rpc_url, registry, statement, custodian, publisher, timestamp: int) -> None:
    """Publishes with the first publishRound (rAAPL, the lowest ISIN) mined at `timestamp`."""
    w3 = connect(rpc_url)
    w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
    published = publish_round(w3, registry.address, load_statement(statement), "https://rat.example/r.json",
                              custodian.key, publisher.private_key)
    assert connect(rpc_url).eth.get_block(published[0].block_number)["timestamp"] == timestamp


@pytest.fixture
def fee_accrued(equities, admin, chain):
    """rAAPL 30 days into a 2 % a year management fee: a token is a little less than one share."""
    token = equities[AAPL]
    token.grantRole(role("MANAGEMENT_FEE_ROLE"), admin, sender=admin)
    token.setManagementFee(200, sender=admin)
    chain.mine(timestamp=chain.pending_timestamp + 30 * DAY)
    return token


def _fee_custody(token, at: int) -> int:
    """The shares the supply represents at `at`, rounded up as the reserve guard rounds: what exact custody is."""
    represented = -(-token.totalSupply() * token.multiplierAt(at) // SHARE)
    assert represented < token.totalSupply()  # the custodian sold the fee's shares: fewer shares than tokens
    return represented


def test_verify_passes_after_the_management_fee_with_exactly_the_shares_the_supply_represents(
        rpc_url, registry, fee_accrued, equities, custodian, publisher, tmp_path, chain):
    at = chain.pending_timestamp + 100
    held = {AAPL: _fee_custody(fee_accrued, at), MSFT: HELD[MSFT]}
    statement = build_round(tmp_path, equities, held, at - 200)
    _publish_at(rpc_url, registry, statement, custodian, publisher, at)
    code, report = verify(rpc_url, registry, statement)
    assert code == 0, report


def test_verify_fails_after_the_management_fee_with_one_unit_less_than_the_shares_the_supply_represents(
        rpc_url, registry, fee_accrued, equities, custodian, publisher, tmp_path, chain):
    at = chain.pending_timestamp + 100
    held = {AAPL: _fee_custody(fee_accrued, at) - 1, MSFT: HELD[MSFT]}
    statement = build_round(tmp_path, equities, held, at - 200)
    _publish_at(rpc_url, registry, statement, custodian, publisher, at)
    code, report = verify(rpc_url, registry, statement)
    assert code == Failure.UNDERCOLLATERALISED, report


def test_verify_proof_refuses_a_proof_that_names_another_assets_token(rpc_url, registry, round_dir, custodian,
                                                                    publisher, equities, tmp_path):
    # one tree per round: rMSFT's round carries the same root, so only the token's ISIN tells the assets apart
    publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)
    rid = (SAMPLES / "ledger.csv").read_text().splitlines()[1].split(",")[2]
    proof = json.loads(CliRunner().invoke(main, ["prove", str(round_dir / "statement.json"), "--request-id", rid]).output)
    assert proof["value"][3] == "US0378331005"
    proof["token"] = equities["US5949181045"].address
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    result = CliRunner().invoke(main, ["verify-proof", str(tmp_path / "proof.json"), "--rpc-url", rpc_url,
                                       "--registry", registry.address])
    assert result.exit_code == ProofOutcome.WRONG_TOKEN, result.output
    assert "US5949181045" in result.output


def test_verify_proof_reports_a_root_no_round_of_the_token_carries(rpc_url, registry, round_dir, tmp_path):
    rid = (SAMPLES / "ledger.csv").read_text().splitlines()[1].split(",")[2]
    (tmp_path / "proof.json").write_text(
        CliRunner().invoke(main, ["prove", str(round_dir / "statement.json"), "--request-id", rid]).output)
    result = CliRunner().invoke(main, ["verify-proof", str(tmp_path / "proof.json"), "--rpc-url", rpc_url,
                                       "--registry", registry.address])
    assert result.exit_code == ProofOutcome.NOT_PUBLISHED, result.output


def test_publish_refuses_a_per_asset_total_above_uint128_before_sending_any_round(rpc_url, registry, equities,
                                                                                 custodian, publisher, tmp_path,
                                                                                 chain):
    # each lot and each account fits in uint128, their per-ISIN sum does not; rMSFT sorts after rAAPL, so a check
    # made asset by asset would have published rAAPL's round before failing on rMSFT's
    half = 2**127 + 1
    statement = build_round(tmp_path, equities, [(AAPL, "CUST-ACC-001", HELD[AAPL]), (MSFT, "CUST-ACC-001", half),
                                                 (MSFT, "CUST-ACC-002", half)], chain.pending_timestamp - 60)
    with pytest.raises(PublishError, match=r"uint128 limit.*rMSFT"):
        publish(rpc_url, registry, statement, custodian, publisher)
    assert all(registry.latestRoundId(t.address) == 0 for t in equities.values())


def test_publish_sends_nothing_when_the_second_assets_round_would_be_refused(rpc_url, registry, equities, custodian,
                                                                             publisher, admin, round_dir):
    registry.setCustodian(equities[MSFT].address, admin.address, sender=admin)  # our key no longer signs for rMSFT
    with pytest.raises(PublishError, match="the registry expects"):
        publish(rpc_url, registry, round_dir / "statement.json", custodian, publisher)
    assert all(registry.latestRoundId(t.address) == 0 for t in equities.values())
