"""The Travel Rule service: this operator as the originating VASP (an investor sends tokens to an account at another
VASP) and as the beneficiary VASP (another VASP's customer sends tokens to one of this operator's investors).

Outgoing: `originate` builds the IVMS101 payload from the KYC provider's record of the investor and this operator's
identity, records the transfer, and sends the TRP inquiry to the URL in the beneficiary's Travel Address. The
beneficiary's resolution (at once or at the callback) decides: an approval whose address the ComplianceRegistry
would refuse (`canTransfer`) is `blocked` and cancelled towards the counterparty, never a go. `confirm` sends the
transaction hash once the transfer is mined; `cancel` withdraws it.

Incoming: `receive_inquiry` answers an inquiry addressed to one of this operator's investors (the wallet in the
Travel Address it issued): approved only when the asset is carried, the amount fits the token's decimals, the
beneficiary named in the payload is the investor on the KYC provider's record, and the registry would let the
investor receive; rejected with the reason otherwise. Every inquiry answered is kept (the AML record).

Every transfer is one row of `travel_rule_transfers`, keyed by the TRP request identifier; every state change is a
conditional update, so a repeated or concurrent message changes it once."""

from __future__ import annotations

import secrets
import time
import unicodedata
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Literal, Protocol

from eth_utils import is_address, to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import and_, insert, select, update

from rat.errors import TransferStatus
from relayer.config import TravelRuleConfig
from relayer.kyc.applicants import KycIdentity
from relayer.store import Store, schema
from relayer.travel_rule import address as travel_address
from relayer.travel_rule.ivms101 import (
    Address,
    Beneficiary,
    DateAndPlaceOfBirth,
    IdentityPayload,
    LegalPerson,
    LegalPersonName,
    LegalPersonNameId,
    NationalIdentification,
    NaturalPerson,
    NaturalPersonName,
    NaturalPersonNameId,
    OriginatingVASP,
    Originator,
    Person,
)
from relayer.travel_rule.trp import (
    Approval,
    Asset,
    Confirmation,
    CounterpartyRefused,
    Inquiry,
    Resolution,
    TrpClient,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
Status = Literal["unsent", "inquired", "approved", "blocked", "rejected", "refused", "confirmed", "canceled"]
Direction = Literal["outgoing", "incoming"]


class Identities(Protocol):
    async def identity(self, wallet: str) -> KycIdentity: ...


Precheck = Callable[[str, str, str, int], Awaitable[TransferStatus]]  # canTransfer(asset, from, to, amount)


class TravelRuleError(Exception):
    """A Travel Rule request that cannot be carried out as asked; `kind` names the problem for the API."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


class BeneficiaryName(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    surname: str = Field(min_length=1, max_length=100)
    given_names: str | None = Field(default=None, min_length=1, max_length=100)


class OutgoingTransfer(BaseModel):
    """What the withdrawal flow asks for: send `amount` (token base units) of `asset` from `originator` to the
    customer of the VASP behind `travel_address`, named `beneficiary`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    transfer_id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
                             description="a UUID chosen by the caller: repeating it never sends a second inquiry")
    asset: str
    originator: str
    amount: int = Field(gt=0, lt=2**256)
    travel_address: str = Field(min_length=3, max_length=512)
    beneficiary: BeneficiaryName


class TransferRecord(BaseModel):
    """A transfer as stored, without its personal data."""

    model_config = ConfigDict(frozen=True)

    id: str
    direction: Direction
    status: Status
    asset: str
    amount: int
    originator: str | None
    beneficiary: str | None
    reason: str | None
    tx_hash: str | None
    created_at: float
    updated_at: float


class TravelRuleService:
    def __init__(self, store: Store, config: TravelRuleConfig, trp: TrpClient, identities: Identities,
                 precheck: Precheck, clock: Callable[[], float] = time.time) -> None:
        self._store, self._config, self._trp = store, config, trp
        self._identities, self._precheck, self._clock = identities, precheck, clock

    async def aclose(self) -> None:
        await self._trp.aclose()

    def record(self, transfer_id: str) -> TransferRecord:
        """A transfer's state, without its personal data."""
        return _record(self._require(transfer_id))

    # --- addresses ------------------------------------------------------------------------------------------------

    def travel_address(self, wallet: str) -> str:
        """The Travel Address an investor gives a sending VASP: it leads to this relayer's inquiry endpoint."""
        wallet = self._known_investor(wallet)
        return travel_address.encode(f"{self._config.public_url}/trp/inquiries/{wallet}")

    def _known_investor(self, wallet: str) -> str:
        if not is_address(wallet):
            raise TravelRuleError("unknown-investor", f"{wallet!r} is not an address")
        wallet = to_checksum_address(wallet)
        k = schema.kyc_applicants
        with self._store.transaction() as conn:
            approved = conn.execute(select(k.c.provider_ref).where(and_(
                k.c.wallet == wallet, k.c.action == "set", k.c.expiry > int(self._clock())))).first()
        if approved is None:
            raise TravelRuleError("unknown-investor", f"{wallet} is not an investor with valid KYC at this VASP")
        return wallet

    # --- outgoing -------------------------------------------------------------------------------------------------

    async def originate(self, request: OutgoingTransfer) -> TransferRecord:
        """Sends the inquiry (once per transfer id) and applies an immediate resolution."""
        asset = self._carried(request.asset)
        if not is_address(request.originator):
            raise TravelRuleError("invalid-request", f"originator {request.originator!r} is not an address")
        originator = to_checksum_address(request.originator)
        try:
            url = travel_address.decode(request.travel_address)
        except travel_address.TravelAddressError as exc:
            raise TravelRuleError("invalid-travel-address", str(exc)) from exc
        existing = self._row(request.transfer_id)
        if existing is not None:
            same = (existing["direction"], existing["asset"], existing["originator"], int(existing["amount"]),
                    existing["counterparty_url"]) == ("outgoing", asset, originator, request.amount, url)
            if not same:
                raise TravelRuleError("transfer-id-reused", f"transfer {request.transfer_id} exists with other terms")
            if existing["status"] != "unsent":
                return _record(existing)
            payload, token = existing["payload"], existing["callback_token"]
        else:
            identity = await self._identities.identity(originator)
            payload = _payload(identity, request.beneficiary, self._config).model_dump(mode="json", exclude_none=True)
            token = secrets.token_urlsafe(32)
            now = self._clock()
            with self._store.transaction() as conn:
                conn.execute(insert(schema.travel_rule_transfers).values(
                    id=request.transfer_id, direction="outgoing", status="unsent", asset=asset,
                    amount=str(request.amount), originator=originator, counterparty_url=url, callback_token=token,
                    payload=payload, created_at=now, updated_at=now))
        inquiry = Inquiry(asset=Asset(dti=self._config.assets[asset].dti), amount=self._whole(asset, request.amount),
                          callback=self._callback(token), IVMS101=IdentityPayload.model_validate(payload))
        try:
            resolution = await self._trp.inquire(url, request.transfer_id, inquiry)
        except CounterpartyRefused as exc:
            self._move(request.transfer_id, ("unsent",), "refused", reason=str(exc)[:512])
            raise TravelRuleError("counterparty-refused", str(exc)) from exc
        self._move(request.transfer_id, ("unsent",), "inquired")
        if resolution is not None:
            await self._resolve(request.transfer_id, resolution)
        return _record(self._require(request.transfer_id))

    async def confirm(self, transfer_id: str, tx_hash: str) -> TransferRecord:
        """Tells the beneficiary VASP the transfer's transaction hash (after it is mined)."""
        row = self._require(transfer_id, "outgoing")
        if row["status"] == "confirmed" and row["tx_hash"] == tx_hash:
            return _record(row)
        if row["status"] != "approved":
            raise TravelRuleError("wrong-state", f"transfer {transfer_id} is {row['status']}, not approved")
        await self._trp.confirm(row["counterparty_callback"], transfer_id, Confirmation(txid=tx_hash))
        self._move(transfer_id, ("approved",), "confirmed", tx_hash=tx_hash)
        return _record(self._require(transfer_id))

    async def cancel(self, transfer_id: str, reason: str) -> TransferRecord:
        """Withdraws a transfer not yet confirmed; an approved one is cancelled towards the beneficiary VASP too."""
        row = self._require(transfer_id, "outgoing")
        if row["status"] == "canceled":
            return _record(row)
        if row["status"] not in ("unsent", "inquired", "approved"):
            raise TravelRuleError("wrong-state", f"transfer {transfer_id} is {row['status']}: nothing to cancel")
        if row["status"] == "approved":
            await self._trp.confirm(row["counterparty_callback"], transfer_id, Confirmation(canceled=reason))
        self._move(transfer_id, ("unsent", "inquired", "approved"), "canceled", reason=reason)
        return _record(self._require(transfer_id))

    async def _resolve(self, transfer_id: str, resolution: Resolution) -> None:
        row = self._require(transfer_id, "outgoing")
        if resolution.rejected is not None:
            self._move(transfer_id, ("inquired",), "rejected", reason=resolution.rejected)
            return
        approval = resolution.approved
        assert approval is not None
        if not is_address(approval.address):
            self._move(transfer_id, ("inquired",), "blocked", reason="the approved address is not an EVM address")
            return
        to = to_checksum_address(approval.address)
        verdict = await self._precheck(row["asset"], row["originator"], to, int(row["amount"]))
        if verdict is not TransferStatus.OK:
            reason = f"the registry refuses this transfer: {verdict.explain()}"
            if self._move(transfer_id, ("inquired",), "blocked", beneficiary=to, counterparty_callback=approval.callback,
                          reason=reason):
                await self._trp.confirm(approval.callback, transfer_id, Confirmation(canceled=reason))
            return
        self._move(transfer_id, ("inquired",), "approved", beneficiary=to, counterparty_callback=approval.callback)

    # --- incoming -------------------------------------------------------------------------------------------------

    async def receive_inquiry(self, wallet: str, request_id: str, inquiry: Inquiry) -> Resolution:
        """The answer to an inquiry for `wallet` (the path of a Travel Address this relayer issued)."""
        wallet = self._known_investor(wallet)
        existing = self._row(request_id)
        if existing is not None:
            if existing["direction"] != "incoming" or existing["beneficiary"] != wallet:
                raise TravelRuleError("transfer-id-reused", f"request {request_id} is another transfer")
            return self._answer(existing)
        asset = self._config.asset_by_dti(inquiry.asset.dti) if inquiry.asset.dti else None
        # An inquiry no transfer could follow (an asset not carried, an amount the token cannot hold) is answered
        # and not kept: there is no transfer to keep a record of.
        if asset is None:
            return Resolution(rejected="this VASP does not carry that asset")
        amount = self._base_units(asset, inquiry.amount)
        if amount is None:
            return Resolution(rejected=f"the amount has more decimals than the token's "
                                       f"{self._config.assets[asset].decimals}")
        reason = await self._screen(wallet, inquiry.IVMS101)
        if reason is None:
            verdict = await self._precheck(asset, ZERO_ADDRESS, wallet, amount)
            if verdict is not TransferStatus.OK:
                reason = f"the beneficiary cannot receive this asset: {verdict.explain()}"
        accounts = inquiry.IVMS101.originator.accountNumber or []
        originator = next((to_checksum_address(a) for a in accounts if is_address(a)), None)
        now = self._clock()
        row = dict(id=request_id, direction="incoming", status="rejected" if reason else "approved", asset=asset,
                   amount=str(amount), originator=originator,
                   beneficiary=wallet, counterparty_url=inquiry.callback, callback_token=secrets.token_urlsafe(32),
                   payload=inquiry.IVMS101.model_dump(mode="json", exclude_none=True), reason=reason, created_at=now,
                   updated_at=now)
        with self._store.transaction() as conn:
            conn.execute(insert(schema.travel_rule_transfers).values(**row))
        return self._answer(row)

    async def receive_callback(self, token: str, request_id: str, body: Any) -> TransferRecord:
        """A message at one of this relayer's callbacks: a resolution of an outgoing inquiry, or the confirmation
        of an incoming transfer this relayer approved. Its request identifier must be the transfer's."""
        t = schema.travel_rule_transfers
        with self._store.transaction() as conn:
            row = conn.execute(select(t).where(t.c.callback_token == token)).mappings().first()
        if row is None:
            raise TravelRuleError("unknown-callback", "no transfer has this callback")
        if row["id"] != request_id:
            raise TravelRuleError("invalid-message", "the request-identifier is not this callback's transfer")
        try:
            if row["direction"] == "outgoing":
                resolution = Resolution.model_validate(body)
                if row["status"] == "inquired":
                    await self._resolve(row["id"], resolution)
                elif row["status"] == "unsent":
                    raise TravelRuleError("wrong-state", "the inquiry has not been sent")
            else:
                confirmation = Confirmation.model_validate(body)
                if confirmation.txid is not None:
                    self._move(row["id"], ("approved",), "confirmed", tx_hash=confirmation.txid)
                else:
                    self._move(row["id"], ("approved",), "canceled", reason=confirmation.canceled)
        except ValidationError as exc:
            raise TravelRuleError("invalid-message", _first_error(exc)) from exc
        return _record(self._require(row["id"]))

    async def _screen(self, wallet: str, payload: IdentityPayload) -> str | None:
        """None when the payload names the investor behind `wallet` as the beneficiary, else the reason why not."""
        identity = await self._identities.identity(wallet)
        persons = payload.beneficiary.beneficiaryPersons
        if len(persons) != 1 or persons[0].naturalPerson is None:
            return "the beneficiary must be one natural person"
        named = [n for n in persons[0].naturalPerson.name.nameIdentifier if n.nameIdentifierType == "LEGL"]
        if not any(_same_name(n.primaryIdentifier, identity.surname)
                   and (identity.given_names is None or _same_name(n.secondaryIdentifier, identity.given_names))
                   for n in named):
            return "the beneficiary's name does not match the holder of the account"
        return None

    def _answer(self, row: Any) -> Resolution:
        if row["status"] == "rejected":
            return Resolution(rejected=row["reason"])
        return Resolution(approved=Approval(address=row["beneficiary"], callback=self._callback(row["callback_token"])))

    # --- helpers --------------------------------------------------------------------------------------------------

    def _carried(self, asset: str) -> str:
        if not is_address(asset) or to_checksum_address(asset) not in self._config.assets:
            raise TravelRuleError("unknown-asset", f"{asset} is not carried over TRP (travel_rule.assets)")
        return to_checksum_address(asset)

    def _whole(self, asset: str, amount: int) -> Decimal:
        return Decimal(amount).scaleb(-self._config.assets[asset].decimals)

    def _base_units(self, asset: str, amount: Decimal) -> int | None:
        units = amount.scaleb(self._config.assets[asset].decimals)
        return int(units) if units == units.to_integral_value() and units < 2**256 else None

    def _callback(self, token: str) -> str:
        return f"{self._config.public_url}/trp/callbacks/{token}"

    def _row(self, transfer_id: str) -> Any:
        t = schema.travel_rule_transfers
        with self._store.transaction() as conn:
            return conn.execute(select(t).where(t.c.id == transfer_id)).mappings().first()

    def _require(self, transfer_id: str, direction: Direction | None = None) -> Any:
        row = self._row(transfer_id)
        if row is None or (direction is not None and row["direction"] != direction):
            raise TravelRuleError("unknown-transfer", f"no {direction + ' ' if direction else ''}transfer {transfer_id}")
        return row

    def _move(self, transfer_id: str, from_states: tuple[str, ...], to_state: str, **values: Any) -> bool:
        """Moves the transfer to `to_state` if it is in one of `from_states`; False when another message already
        moved it (the first one wins)."""
        t = schema.travel_rule_transfers
        with self._store.transaction() as conn:
            moved = conn.execute(update(t).where(and_(t.c.id == transfer_id, t.c.status.in_(from_states))).values(
                status=to_state, updated_at=self._clock(), **values)).rowcount
        return moved == 1


def _record(row: Any) -> TransferRecord:
    return TransferRecord(id=row["id"], direction=row["direction"], status=row["status"], asset=row["asset"],
                          amount=int(row["amount"]), originator=row["originator"], beneficiary=row["beneficiary"],
                          reason=row["reason"], tx_hash=row["tx_hash"], created_at=row["created_at"],
                          updated_at=row["updated_at"])


def _payload(identity: KycIdentity, beneficiary: BeneficiaryName, config: TravelRuleConfig) -> IdentityPayload:
    """The IVMS101 payload of an outgoing transfer; refused when the KYC record lacks what FATF R.16 requires of an
    originator (a legal name and one of address, national identifier, date and place of birth)."""
    home = _home(identity)
    national = None
    if identity.tax_id:
        national = NationalIdentification(nationalIdentifier=identity.tax_id[:35], nationalIdentifierType="TXID",
                                          countryOfIssue=identity.nationality or identity.country_of_residence)
    birth = None
    if identity.date_of_birth and identity.place_of_birth:
        birth = DateAndPlaceOfBirth(dateOfBirth=identity.date_of_birth, placeOfBirth=identity.place_of_birth[:70])
    try:
        originator = Originator(originatorPersons=[Person(naturalPerson=NaturalPerson(
            name=NaturalPersonName(nameIdentifier=[NaturalPersonNameId(
                primaryIdentifier=identity.surname, secondaryIdentifier=identity.given_names,
                nameIdentifierType="LEGL")]),
            geographicAddress=home, nationalIdentification=national, dateAndPlaceOfBirth=birth,
            countryOfResidence=identity.country_of_residence))], accountNumber=[identity.wallet])
    except ValidationError as exc:
        raise TravelRuleError("originator-incomplete", f"the KYC record of {identity.wallet} lacks what the Travel "
                              f"Rule requires of an originator: {_first_error(exc)}") from exc
    return IdentityPayload(
        originator=originator,
        beneficiary=Beneficiary(beneficiaryPersons=[Person(naturalPerson=NaturalPerson(name=NaturalPersonName(
            nameIdentifier=[NaturalPersonNameId(primaryIdentifier=beneficiary.surname,
                                                secondaryIdentifier=beneficiary.given_names,
                                                nameIdentifierType="LEGL")])))]),
        originatingVASP=OriginatingVASP(originatingVASP=Person(legalPerson=LegalPerson(
            name=LegalPersonName(nameIdentifier=[LegalPersonNameId(legalPersonName=config.legal_name,
                                                                   legalPersonNameIdentifierType="LEGL")]),
            nationalIdentification=NationalIdentification(nationalIdentifier=config.lei,
                                                          nationalIdentifierType="LEIX"),
            countryOfRegistration=config.country))),
    )


def _home(identity: KycIdentity) -> list[Address] | None:
    """The investor's home address when the KYC record locates it (IVMS101 wants a street, a building and a town
    for a structured address); otherwise none, and another identifier has to do."""
    address = identity.address
    if address is None:
        return None
    try:
        return [Address(addressType="HOME", streetName=address.street_name, buildingNumber=address.building_number,
                        postCode=address.post_code, townName=address.town_name,
                        countrySubDivision=address.country_sub_division, country=address.country)]
    except ValidationError:
        return None


def _same_name(given: str | None, recorded: str) -> bool:
    """Names compared as a screening officer would: accents, case, punctuation and spacing do not count."""
    return given is not None and _fold(given) == _fold(recorded)


def _fold(name: str) -> str:
    stripped = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in stripped.casefold()).split())


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    return f"{where}: {error['msg']}" if where else error["msg"]
