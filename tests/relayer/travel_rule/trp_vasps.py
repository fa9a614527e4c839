"""Two VASPs running RAT's Travel Rule service, each with its own store and KYC records, talking TRP to each other
through their real listener apps (in-process ASGI; test_mutual_tls.py covers the TLS layer)."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from rat.errors import TransferStatus
from relayer.config import TravelRuleConfig
from relayer.kyc.applicants import ApplicantNotFound, KycIdentity, PostalAddress
from relayer.store import Store, schema
from relayer.travel_rule.listener import create_trp_app
from relayer.travel_rule.service import Precheck, TravelRuleService
from relayer.travel_rule.trp import TrpClient

TOKEN = "0x00000000000000000000000000000000000000A1"
DTI = "4H95J0R2X"
SHARE = 10**18
ALICE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # an investor of VASP A
BEA = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"  # an investor of VASP B

IDENTITIES = {
    ALICE: KycIdentity(wallet=ALICE, surname="Mustermann", given_names="Jördis Anna",
                       date_of_birth=datetime.date(1990, 4, 1), place_of_birth="Hamburg", country_of_residence="DE",
                       address=PostalAddress(street_name="Hauptstraße", building_number="5", post_code="20095",
                                             town_name="Hamburg", country="DE")),
    BEA: KycIdentity(wallet=BEA, surname="Da Silva", given_names="Beatriz", country_of_residence="BR"),
}


class Records:
    """The KYC provider's records, as the service reads them (relayer/kyc/applicants.py is tested on its own)."""

    def __init__(self, identities: dict[str, KycIdentity]) -> None:
        self.identities = dict(identities)

    async def identity(self, wallet: str) -> KycIdentity:
        if wallet not in self.identities:
            raise ApplicantNotFound(f"no applicant for {wallet}")
        return self.identities[wallet]


@dataclass
class Vasp:
    name: str
    store: Store
    config: TravelRuleConfig
    records: Records
    verdicts: dict[str, TransferStatus] = field(default_factory=dict)  # recipient -> what canTransfer answers
    prechecks: list[tuple[str, str, str, int]] = field(default_factory=list)
    service: TravelRuleService | None = None
    received: list[httpx.Request] = field(default_factory=list)  # TRP requests that reached this VASP

    async def precheck(self, asset: str, sender: str, recipient: str, amount: int) -> TransferStatus:
        self.prechecks.append((asset, sender, recipient, amount))
        return self.verdicts.get(recipient, TransferStatus.OK)

    def investor(self, wallet: str, *, expiry: float | None = None) -> None:
        with self.store.transaction() as conn:
            conn.execute(schema.kyc_applicants.insert().values(
                provider_ref="0x" + wallet[2:].lower().rjust(64, "0"), wallet=wallet, provider_ts=1,
                level="rat-retail", answer="GREEN", action="set", tier=1, jurisdiction="BR",
                expiry=int(expiry if expiry is not None else time.time() + 86_400), version=1, synced_version=1,
                sync_state="synced", updated_at=time.time()))

    def rows(self) -> list[dict]:
        with self.store.transaction() as conn:
            return [dict(r) for r in conn.execute(schema.travel_rule_transfers.select()).mappings()]


class Network(httpx.AsyncBaseTransport):
    """Routes each VASP's HTTPS calls to the listener app of the VASP whose host it names; `down` hosts fail to
    connect, `answers` replaces a host's app with a canned answer."""

    def __init__(self) -> None:
        self.apps: dict[str, Vasp] = {}
        self.down: set[str] = set()
        self.answers: dict[str, httpx.Response] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        vasp = self.apps[host]
        await request.aread()
        vasp.received.append(request)
        if host in self.answers:
            return self.answers[host]
        assert vasp.service is not None
        return await httpx.ASGITransport(app=create_trp_app(vasp.service)).handle_async_request(request)


def config_of(host: str, legal_name: str, lei: str, country: str, asset: str = TOKEN) -> TravelRuleConfig:
    return TravelRuleConfig(
        legal_name=legal_name, lei=lei, country=country, public_url=f"https://{host}",
        registry="0x00000000000000000000000000000000000000B2", assets={asset: {"dti": DTI}},
        tls_cert=Path("unused.pem"), tls_key=Path("unused.key"), tls_ca=Path("unused-ca.pem"))


def vasp_on(tmp_path: Path, network: Network, host: str, legal_name: str, lei: str, country: str,
            identities: dict[str, KycIdentity] = IDENTITIES, precheck: Precheck | None = None,
            asset: str = TOKEN) -> Iterator[Vasp]:
    """A VASP on `network` at `host`; its registry check is `precheck` (default: the verdicts the test sets)."""
    store = Store.open(f"sqlite:///{tmp_path / (host + '.db')}")
    vasp = Vasp(host, store, config_of(host, legal_name, lei, country, asset), Records(identities))
    vasp.service = TravelRuleService(store, vasp.config, TrpClient(httpx.AsyncClient(transport=network)),
                                     vasp.records, precheck or vasp.precheck)
    network.apps[host] = vasp
    yield vasp
    store.close()


def inquiry_body() -> str:
    """A valid inquiry from VASP A for 2 tokens to Beatriz at VASP B."""
    return json.dumps({
        "asset": {"dti": DTI}, "amount": 2, "callback": "https://trp.vasp-a.test/trp/callbacks/" + "c" * 43,
        "IVMS101": {
            "originator": {"originatorPersons": [{"naturalPerson": {
                "name": {"nameIdentifier": [{"primaryIdentifier": "Mustermann", "nameIdentifierType": "LEGL"}]},
                "dateAndPlaceOfBirth": {"dateOfBirth": "1990-04-01", "placeOfBirth": "Hamburg"}}}],
                "accountNumber": [ALICE]},
            "beneficiary": {"beneficiaryPersons": [{"naturalPerson": {"name": {"nameIdentifier": [
                {"primaryIdentifier": "Da Silva", "secondaryIdentifier": "Beatriz", "nameIdentifierType": "LEGL"}]}}}]},
            "originatingVASP": {"originatingVASP": {"legalPerson": {"name": {"nameIdentifier": [
                {"legalPersonName": "Agora Exchange S.A.", "legalPersonNameIdentifierType": "LEGL"}]}}}},
        }})
