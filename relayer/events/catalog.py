"""Every topic the relayer publishes and the model of its message: the source of docs/api/asyncapi.yaml, and what
the tests validate published messages against."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

REQUEST_STEPS = ("received", "validated", "order_placed", "filled", "custody_confirmed", "signed", "submitted",
                 "done", "rejecting", "reject_submitted", "rejected", "closed", "reorged", "revived", "orphaned")
OPERATOR_ACTIONS = ("asset_paused", "asset_resumed", "saga_retried", "saga_rejected", "webhook_secret_rotated",
                    "travel_rule_originated", "travel_rule_confirmed", "travel_rule_canceled")


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RequestStepPayload(_Closed):
    request_id: str = Field(pattern=r"^0x[0-9a-f]{64}$")
    kind: Literal["mint", "burn"]
    step: Literal[REQUEST_STEPS]  # type: ignore[valid-type]
    status: str = Field(description="active, waiting_market, blocked, paused, reorged, stuck (waits for an "
                                    "operator: retry or reject), done, rejected, closed, orphaned")
    account: str | None
    asset: str | None
    at: float = Field(description="unix time of the transition")
    detail: dict[str, Any] = Field(description="step data (order ids, fill, tx hashes); never signatures. The bus "
                                               "is the operator's: the public stream keeps only PublicStepDetail")


class PublicStepDetail(_Closed):
    """What the WebSocket stream keeps of a step's detail: facts anyone can read on-chain."""

    block: int | None = None
    tx: str | None = None
    tx_hash: str | None = None
    fulfil_tx: str | None = None
    reject_tx: str | None = None
    reject_reason: int | None = None
    ancestor: int | None = None


class PublicRequestStepPayload(_Closed):
    """A step as the public WebSocket stream shows it (relayer/api/feed.py): no broker, custody or operator data."""

    request_id: str = Field(pattern=r"^0x[0-9a-f]{64}$")
    kind: Literal["mint", "burn"]
    step: Literal[REQUEST_STEPS]  # type: ignore[valid-type]
    status: str
    account: str | None
    asset: str | None
    at: float
    detail: PublicStepDetail


class KycDecisionPayload(_Closed):
    provider_ref: str = Field(pattern=r"^0x[0-9a-f]{64}$", description="keccak of the provider's applicant id")
    wallet: str
    action: Literal["set", "revoke"]
    tier: int = Field(ge=0, le=3)
    jurisdiction: str = Field(pattern="^[A-Z]{2}$")
    expiry: int
    level: str | None
    provider_time_ms: int
    event_type: str


class KycRegistryPayload(_Closed):
    provider_ref: str = Field(pattern=r"^0x[0-9a-f]{64}$")
    wallet: str
    action: Literal["set", "revoke"]
    tier: int = Field(ge=0, le=3)
    jurisdiction: str = Field(pattern="^[A-Z]{2}$")
    expiry: int
    tx_hash: str
    block_number: int


class OperatorActionPayload(_Closed):
    action: Literal[OPERATOR_ACTIONS]  # type: ignore[valid-type]
    actor: str = Field(description="OAuth client id of the operator")
    target: str
    detail: dict[str, Any]
    at: float


def _envelope(name: str, payload: type[BaseModel], request_scoped: bool) -> type[BaseModel]:
    from pydantic import create_model

    return create_model(
        name,
        __config__=ConfigDict(extra="forbid"),
        id=(str, Field(description="event id: consumers dedupe on it (also the Nats-Msg-Id header)")),
        topic=(str, Field(description="subject without the rat.<network>. prefix")),
        trace_id=(str, Field(description="the saga's trace id (logs, broker and custody calls carry it too)")),
        request_id=(str if request_scoped else str | None, ...),
        created_at=(float, Field(description="unix time the event was recorded")),
        payload=(payload, ...),
    )


RequestStepEvent = _envelope("RequestStepEvent", RequestStepPayload, True)
PublicRequestStepEvent = _envelope("PublicRequestStepEvent", PublicRequestStepPayload, True)
KycDecisionEvent = _envelope("KycDecisionEvent", KycDecisionPayload, False)
KycRegistryEvent = _envelope("KycRegistryEvent", KycRegistryPayload, False)
OperatorActionEvent = _envelope("OperatorActionEvent", OperatorActionPayload, False)


class Channel(BaseModel):
    key: str
    address: str
    summary: str
    message: type[BaseModel]
    parameter: tuple[str, tuple[str, ...]] | None = None

    def matches(self, topic: str) -> bool:
        head = self.address.removeprefix("rat.{network}.")
        if self.parameter is None:
            return topic == head
        prefix = head.split("{")[0]
        return topic.startswith(prefix) and topic[len(prefix):] in self.parameter[1]


CHANNELS = (
    Channel(key="requestStep", address="rat.{network}.requests.{step}", message=RequestStepEvent,
            summary="A mint or burn saga moved to a step (or changed status at it).",
            parameter=("step", REQUEST_STEPS)),
    Channel(key="kycDecisionRecorded", address="rat.{network}.kyc.decision_recorded", message=KycDecisionEvent,
            summary="A verified Sumsub review was recorded and queued for the registry."),
    Channel(key="kycRegistryUpdated", address="rat.{network}.kyc.registry_updated", message=KycRegistryEvent,
            summary="A KYC decision is on-chain (the batch transaction was mined)."),
    Channel(key="kycRegistryFailed", address="rat.{network}.kyc.registry_failed", message=KycRegistryEvent,
            summary="A registry batch reverted; an operator must look."),
    Channel(key="operatorAction", address="rat.{network}.operator.{action}", message=OperatorActionEvent,
            summary="An operator call took effect (also in the audit log).", parameter=("action", OPERATOR_ACTIONS)),
)


def channel_for(topic: str) -> Channel:
    for channel in CHANNELS:
        if channel.matches(topic):
            return channel
    raise KeyError(f"topic {topic!r} is not in the event catalog")
