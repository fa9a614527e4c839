"""A fully compromised relayer: it holds the submitter key, the relayer's TLS client certificate and the vendor
credentials, and talks to the attestors' HTTP API directly. Whatever it asks, no mint beyond what the broker
executed AND custody received gets two signatures: every attack below is refused with a 4xx problem+json and
nothing is signed (the attestors' own records stay empty).

The honest path is the control: the same helpers produce a fill both attestors sign and the Minter accepts."""

from __future__ import annotations

import ssl
from decimal import Decimal

import ape
import httpx
import pytest
import yaml
from eth_account import Account
from eth_utils import keccak
from simproc import set_fault

from rat.attestations import Attestation, Fill, fill_digest, ordered_signatures
from rat.deploy import role as role_id
from rat.minting import RequestStatus, build_fill, request_mint

SHARE = 10**18
USDC = 10**6
PROBLEM = "application/problem+json"


# ---------------------------------------------------------------------------------------------- the attacker's kit


def _tls(pki, cert=True) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.ca))
    if cert:
        context.load_cert_chain(str(pki.relayer.cert), str(pki.relayer.key))
    return context


def ask(attestors, role: str, fill: Fill, context: ssl.SSLContext) -> httpx.Response:
    body = {"request_id": "0x" + fill.request_id.hex(), "shares": fill.shares, "price": fill.price,
            "fees": fill.fees, "broker_order_ref": "0x" + fill.broker_order_ref.hex(),
            "custody_ref": "0x" + fill.custody_ref.hex(), "deadline": fill.deadline}
    return httpx.post(f"{attestors[role].url}/v1/fills", json=body, verify=context, timeout=20)


def signed_count(attestors, role: str, pki) -> int:
    return httpx.get(f"{attestors[role].url}/healthz", verify=_tls(pki, cert=False)).json()["signed"]


def assert_refused(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["type"] == f"urn:rat:problem:attestor:{slug}"


class Vendors:
    """The broker and custodian as the relayer drives them (it has their API credentials)."""

    def __init__(self, broker: str, custodian: str) -> None:
        self.broker, self.custodian = broker, custodian

    def buy(self, request_id: bytes, qty: str, limit: str = "200") -> str:
        order = httpx.post(f"{self.broker}/v2/orders", json={
            "symbol": "AAPL", "qty": qty, "side": "buy", "type": "limit", "time_in_force": "day",
            "limit_price": limit, "client_order_id": "0x" + request_id.hex()}).json()
        return order["id"]

    def receive(self, request_id: bytes, qty: str, broker_order_id: str) -> str:
        settlement = httpx.post(f"{self.custodian}/v1/settlements", headers={"Idempotency-Key": "0x" + request_id.hex()},
                                json={"symbol": "AAPL", "direction": "receive", "quantity": qty,
                                      "broker_order_id": broker_order_id}).json()
        return settlement["settlement_id"]


def _forget(procs: dict, sims) -> None:
    """Ape reverts the chain after each test, so the next test's requests get the same ids: the services'
    memories of those ids are reverted with it (the broker's orders, the custodian's settlements, what each
    attestor signed)."""
    import sqlite3

    for url in sims:
        httpx.post(f"{url}/_sim/reset").raise_for_status()
    for proc in procs.values():
        database = yaml.safe_load(proc.config.read_text())["database"]
        with sqlite3.connect(database) as db:
            db.execute("DELETE FROM signed_fills")


@pytest.fixture
def attestors(module_attestors, module_sims):
    yield module_attestors
    _forget(module_attestors, module_sims)


@pytest.fixture
def start_attestors(module_attestor_launcher, module_sims):
    """A pair of attestors with their own config (limits, confirmations) on the module's vendors."""
    started: list = []

    def start(**overrides) -> dict:
        procs = module_attestor_launcher(**overrides)
        started.extend(procs.values())
        return procs

    yield start
    for proc in started:
        proc.stop()
    for url in module_sims:
        httpx.post(f"{url}/_sim/reset").raise_for_status()


@pytest.fixture
def vendors(module_sims) -> Vendors:
    return Vendors(*module_sims)


@pytest.fixture
def mint(deployment, alice, token, chain):
    ms, usdc = deployment

    def make() -> bytes:
        return request_mint(ms, alice, token, usdc, 2_000 * USDC, 200 * USDC, chain.pending_timestamp + 3600)

    return make


@pytest.fixture
def honest(deployment, vendors, mint, chain):
    """A mint request the broker filled (5 shares at 190) and custody received; returns (request id, the fill an
    honest relayer would ask for, broker order id, settlement id)."""
    ms, _ = deployment

    def make(qty: str = "5", settle: bool = True):
        rid = mint()
        order = vendors.buy(rid, qty)
        settlement = vendors.receive(rid, qty, order) if settle else "none"
        fill, _, _ = build_fill(ms, rid, int(Decimal(qty) * SHARE), 190 * USDC, chain.pending_timestamp + 600,
                                keccak(text=order), keccak(text=settlement))
        return rid, fill

    return make


def with_(fill: Fill, **changes) -> Fill:
    return fill.model_copy(update=changes)


def submit(ms, submitter, fill: Fill, signatures: list[bytes]):
    return ms.minter.fulfillMint(fill.as_tuple(), signatures, sender=submitter)


# ---------------------------------------------------------------------------------------------- control


def test_an_honest_fill_is_signed_by_both_attestors_and_the_minter_accepts_it(
        attestors, attestor_pki, honest, deployment, admin, alice, token, relayer_keys, chain):
    ms, _ = deployment
    _, keys = relayer_keys
    rid, fill = honest()
    answers = {role: ask(attestors, role, fill, _tls(attestor_pki)) for role in ("brokerage", "custody")}
    assert all(a.status_code == 200 for a in answers.values()), {r: a.text for r, a in answers.items()}
    digest = fill_digest(chain.chain_id, ms.minter.address, fill, token.address, alice.address)
    for role, answer in answers.items():
        signature = bytes.fromhex(answer.json()["signature"][2:])
        assert Account._recover_hash(digest, signature=signature) == keys[role]
    signatures = ordered_signatures(Attestation(signer=a.json()["signer"], signature=bytes.fromhex(a.json()["signature"][2:]))
                                    for a in answers.values())
    before = token.balanceOf(alice)
    ms.minter.grantRole(role_id("SUBMITTER_ROLE"), admin, sender=admin)
    submit(ms, admin, fill, signatures)
    assert token.balanceOf(alice) == before + fill.shares


def test_the_same_fill_is_signed_again_with_a_later_deadline(attestors, attestor_pki, honest):
    _, fill = honest()
    first = ask(attestors, "custody", fill, _tls(attestor_pki))
    again = ask(attestors, "custody", with_(fill, deadline=fill.deadline + 60), _tls(attestor_pki))
    assert first.status_code == again.status_code == 200
    assert again.json()["resigned"] is True and signed_count(attestors, "custody", attestor_pki) == 1


# ---------------------------------------------------------------------------------------------- attacks


def test_a_larger_quantity_than_executed_and_received_is_refused_by_both(attestors, attestor_pki, honest):
    _, fill = honest()
    bigger = with_(fill, shares=fill.shares + 1)
    for role in ("brokerage", "custody"):
        assert_refused(ask(attestors, role, bigger, _tls(attestor_pki)), 403, "quantity-exceeds-evidence")
        assert signed_count(attestors, role, attestor_pki) == 0


def test_a_better_price_than_the_execution_is_refused_by_the_brokerage_attestor(attestors, attestor_pki, honest):
    _, fill = honest()
    cheaper = with_(fill, price=fill.price - 2)  # 190 USDC executed; a mint at 189.999998 enriches the investor
    assert_refused(ask(attestors, "brokerage", cheaper, _tls(attestor_pki)), 403, "price-better-than-execution")
    assert signed_count(attestors, "brokerage", attestor_pki) == 0


def test_a_request_that_does_not_exist_is_refused_by_both(attestors, attestor_pki, honest):
    _, fill = honest()
    ghost = with_(fill, request_id=keccak(b"no such request"))
    for role in ("brokerage", "custody"):
        assert_refused(ask(attestors, role, ghost, _tls(attestor_pki)), 404, "request-not-found")
        assert signed_count(attestors, role, attestor_pki) == 0


def test_a_request_already_closed_is_refused_by_both(attestors, attestor_pki, honest, deployment, admin):
    ms, _ = deployment
    rid, fill = honest()
    # The compromised relayer holds the rejecter key: it rejects the request (refunding the escrow) and then
    # tries to get the executed shares minted anyway.
    ms.minter.grantRole(role_id("REJECTER_ROLE"), admin, sender=admin)
    ms.minter.reject(rid, 1, sender=admin)
    assert ms.minter.getRequest(rid).status == RequestStatus.REJECTED
    for role in ("brokerage", "custody"):
        assert_refused(ask(attestors, role, fill, _tls(attestor_pki)), 409, "request-closed")
        assert signed_count(attestors, role, attestor_pki) == 0


def test_a_replay_of_one_requests_evidence_for_a_second_request_is_refused_by_both(
        attestors, attestor_pki, honest, mint):
    _, fill = honest()
    second = mint()  # pending, but nothing was bought or received for it
    replay = with_(fill, request_id=second)
    for role in ("brokerage", "custody"):
        assert_refused(ask(attestors, role, replay, _tls(attestor_pki)), 409, "no-vendor-evidence")
        assert signed_count(attestors, role, attestor_pki) == 0


def test_evidence_of_another_order_is_refused_even_when_this_request_has_its_own(attestors, attestor_pki, honest):
    _, first = honest()
    _, second = honest()
    crossed = with_(second, broker_order_ref=first.broker_order_ref, custody_ref=first.custody_ref)
    for role in ("brokerage", "custody"):
        assert_refused(ask(attestors, role, crossed, _tls(attestor_pki)), 409, "evidence-mismatch")


def test_a_fill_while_custody_shows_no_new_shares_gets_one_signature_and_the_minter_refuses_it(
        attestors, attestor_pki, honest, deployment, admin):
    ms, _ = deployment
    _, fill = honest(settle=False)  # the broker filled; nothing arrived at the custodian
    broker = ask(attestors, "brokerage", fill, _tls(attestor_pki))
    assert broker.status_code == 200
    assert_refused(ask(attestors, "custody", fill, _tls(attestor_pki)), 409, "no-vendor-evidence")
    assert signed_count(attestors, "custody", attestor_pki) == 0
    ms.minter.grantRole(role_id("SUBMITTER_ROLE"), admin, sender=admin)
    lone = [bytes.fromhex(broker.json()["signature"][2:])]
    with ape.reverts(ms.minter.TooFewAttestations, given=1, quorum=2):
        submit(ms, admin, fill, lone)


def test_custody_short_of_the_fill_is_refused_by_the_custody_attestor(attestors, attestor_pki, honest, module_sims):
    set_fault(module_sims[1], mode="short", quantity="1", count=1)  # DTC delivered 4 of 5 shares
    _, fill = honest()
    assert_refused(ask(attestors, "custody", fill, _tls(attestor_pki)), 403, "quantity-exceeds-evidence")
    assert signed_count(attestors, "custody", attestor_pki) == 0


def test_a_second_different_fill_for_the_same_request_is_refused_by_both(attestors, attestor_pki, honest):
    _, fill = honest()
    for role in ("brokerage", "custody"):
        assert ask(attestors, role, fill, _tls(attestor_pki)).status_code == 200
        smaller = with_(fill, shares=fill.shares - SHARE)  # backed by the evidence, but not what was signed
        assert_refused(ask(attestors, role, smaller, _tls(attestor_pki)), 409, "conflicting-fill")
        assert signed_count(attestors, role, attestor_pki) == 1


def test_a_killed_attestor_still_refuses_a_different_fill_and_signs_the_same_one_again(
        attestors, attestor_pki, honest):
    _, fill = honest()
    first = ask(attestors, "custody", fill, _tls(attestor_pki))
    assert first.status_code == 200
    attestors["custody"].kill()  # SIGKILL right after answering: the record was committed before the answer
    attestors["custody"].start()
    smaller = with_(fill, shares=fill.shares - SHARE)
    assert_refused(ask(attestors, "custody", smaller, _tls(attestor_pki)), 409, "conflicting-fill")
    again = ask(attestors, "custody", fill, _tls(attestor_pki))
    assert again.status_code == 200 and again.json()["signature"] == first.json()["signature"]


def test_a_client_without_a_certificate_is_refused_with_401(attestors, attestor_pki, honest):
    _, fill = honest()
    for role in ("brokerage", "custody"):
        assert_refused(ask(attestors, role, fill, _tls(attestor_pki, cert=False)), 401,
                       "client-certificate-required")
        assert signed_count(attestors, role, attestor_pki) == 0


def test_a_client_certificate_from_another_ca_never_completes_the_handshake(attestors, attestor_pki, honest,
                                                                          tmp_path):
    from attestor.tls import LocalCA

    rogue = LocalCA(tmp_path / "rogue", name="rogue CA").issue("rat-relayer", client=True)
    context = ssl.create_default_context(cafile=str(attestor_pki.ca))
    context.load_cert_chain(str(rogue.cert), str(rogue.key))
    _, fill = honest()
    for role in ("brokerage", "custody"):
        with pytest.raises(httpx.HTTPError):
            ask(attestors, role, fill, context)
        assert signed_count(attestors, role, attestor_pki) == 0


def test_a_client_certificate_from_the_right_ca_for_another_client_is_refused_with_403(
        attestors, attestor_pki, honest):
    other = attestor_pki.authority.issue("reserve-publisher", client=True)
    context = ssl.create_default_context(cafile=str(attestor_pki.ca))
    context.load_cert_chain(str(other.cert), str(other.key))
    _, fill = honest()
    assert_refused(ask(attestors, "brokerage", fill, context), 403, "client-not-allowed")
    assert signed_count(attestors, "brokerage", attestor_pki) == 0


def test_a_server_certificate_of_the_same_ca_cannot_act_as_a_client(attestors, attestor_pki, honest):
    # The custody attestor's own certificate is for TLS servers only (extended key usage): no handshake.
    context = ssl.create_default_context(cafile=str(attestor_pki.ca))
    context.load_cert_chain(str(attestor_pki.servers["custody"].cert), str(attestor_pki.servers["custody"].key))
    _, fill = honest()
    with pytest.raises(httpx.HTTPError):
        ask(attestors, "brokerage", fill, context)
    assert signed_count(attestors, "brokerage", attestor_pki) == 0


def test_a_fill_over_the_attestors_per_fill_limit_is_refused(start_attestors, attestor_pki, honest):
    attestors = start_attestors(custody={"limits": {"max_fill_shares": 4}})
    _, fill = honest()  # 5 shares
    assert_refused(ask(attestors, "custody", fill, _tls(attestor_pki)), 403, "over-fill-limit")
    assert ask(attestors, "brokerage", fill, _tls(attestor_pki)).status_code == 200


def test_fills_over_the_attestors_daily_limit_are_refused(start_attestors, attestor_pki, honest):
    attestors = start_attestors(brokerage={"limits": {"max_daily_shares": 8}})
    _, first = honest()
    _, second = honest()  # 5 + 5 > 8
    assert ask(attestors, "brokerage", first, _tls(attestor_pki)).status_code == 200
    assert_refused(ask(attestors, "brokerage", second, _tls(attestor_pki)), 403, "over-daily-limit")
    assert signed_count(attestors, "brokerage", attestor_pki) == 1


def test_a_request_not_yet_at_the_attestors_confirmation_depth_is_not_signed_until_it_is(
        start_attestors, attestor_pki, honest, chain):
    attestors = start_attestors(custody={"confirmations": 3})
    _, fill = honest()  # the order and settlement are off-chain: the request is 0 blocks deep
    assert_refused(ask(attestors, "custody", fill, _tls(attestor_pki)), 409, "request-not-confirmed")
    chain.mine(3)
    assert ask(attestors, "custody", fill, _tls(attestor_pki)).status_code == 200


def test_a_deadline_beyond_the_attestors_ttl_is_refused(attestors, attestor_pki, honest):
    _, fill = honest()
    late = with_(fill, deadline=fill.deadline + 7200)
    assert_refused(ask(attestors, "brokerage", late, _tls(attestor_pki)), 422, "deadline-too-late")


def test_a_malformed_fill_is_a_422_problem(attestors, attestor_pki):
    response = httpx.post(f"{attestors['custody'].url}/v1/fills", json={"request_id": "0x12", "extra": 1},
                          verify=_tls(attestor_pki), timeout=20)
    assert_refused(response, 422, "invalid-fill")


def _refusals(attestors, role: str, pki, reason: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{attestors[role].url}/metrics", verify=_tls(pki, cert=False)).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "attestor_refusals_total" and sample.labels == {"role": role, "reason": reason}:
                return sample.value
    return 0.0


def test_a_refusal_is_counted_in_metrics_and_logged_as_one_json_line(attestors, attestor_pki, honest):
    import json

    _, fill = honest()
    before = _refusals(attestors, "custody", attestor_pki, "quantity-exceeds-evidence")
    ask(attestors, "custody", with_(fill, shares=fill.shares + 1), _tls(attestor_pki))
    assert _refusals(attestors, "custody", attestor_pki, "quantity-exceeds-evidence") == before + 1
    lines = [json.loads(line) for line in attestors["custody"].log_path.read_text().splitlines() if line.startswith("{")]
    refused = [e for e in lines if e["msg"] == "fill refused" and e["request_id"] == "0x" + fill.request_id.hex()]
    assert refused and refused[-1]["reason"] == "quantity-exceeds-evidence" and refused[-1]["client"] == "rat-relayer"
