"""The containers RAT runs and which on-chain roles each one signs for.

Every signing role has its own KMS key, and exactly one workload's task role may use it. The relayer daemon holds
only the submitter key (`relayer/config.py`, `SignersConfig`); each attestor role is its own `rat-attestor`
workload, reachable on its mutual-TLS port from the relayer's security group only (decision 0048). The custody
attestor can instead run in a separate stack, in the custodian's own AWS account (`custody_attestor:
separate-stack`). The TRP listener (`travel-rule`) is the one workload other VASPs reach from the internet, through
a network load balancer that passes its mutual TLS through (rat_infra/travel_rule.py, decision 0072)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from rat_infra.task_env import (
    ALPACA_KEY_ID,
    ALPACA_SECRET,
    CONFIG,
    CUSTODIAN_TOKEN,
    SUMSUB_APP_TOKEN,
    SUMSUB_SECRET_KEY,
    SUMSUB_WEBHOOK_SECRET,
)


class SigningRole(StrEnum):
    BROKERAGE_ATTESTOR = "brokerage-attestor"
    CUSTODY_ATTESTOR = "custody-attestor"
    SUBMITTER = "submitter"
    KYC_OPERATOR = "kyc-operator"

    @property
    def env_var(self) -> str:
        """Environment variable through which the workload learns this role's KMS key ARN."""
        return f"RAT_KMS_KEY_{self.name}"


@dataclass(frozen=True)
class Workload:
    name: str
    command: tuple[str, ...]
    signing_roles: tuple[SigningRole, ...] = ()
    port: int | None = None  # set only for the workload served through the public load balancer
    metrics_port: int | None = None  # Prometheus /metrics scraped by the OTEL sidecar
    service_port: int | None = None  # a private port other workloads reach (the attestors' mutual-TLS API)
    reachable_from: tuple[str, ...] = ()  # the only workloads whose security group may reach `service_port`
    # A port served to the internet through a network load balancer that does not terminate TLS: the process does
    # its own (mutual) TLS, so the client's certificate reaches it (the TRP listener).
    passthrough_port: int | None = None
    tls: bool = False  # gets its mutual-TLS bundle (`tls/<name>` secret) as files in task_env.TLS_DIR
    database: bool = True  # logs in to PostgreSQL as its own user; the attestors keep to their own record (SQLite)
    bus: bool = True  # publishes the event outbox to NATS (`rat-relayer api`); the daemon and the attestors do not
    credentials: tuple[str, ...] = ()  # vendor credential variables, from its `credentials/<name>` secret

    @property
    def credentials_secret(self) -> str | None:
        """The secret holding its vendor credentials (JSON: one key per variable in `credentials`), if it has any."""
        return f"credentials/{self.name}" if self.credentials else None

    @property
    def config_secret(self) -> str:
        """The Secrets Manager secret (under the stack's prefix) holding this workload's YAML config."""
        return f"config/{self.name}"

    @property
    def tls_secret(self) -> str | None:
        """The secret holding its TLS bundle (JSON: ca, cert, key), for a workload that speaks mutual TLS."""
        return f"tls/{self.name}" if self.tls else None


API_PORT = 8000
RELAYER_METRICS_PORT = 9464  # relayer/config.py `http.port`: /healthz /readyz /metrics
ATTESTOR_PORT = 8490  # attestor/config.py `listen.port`: POST /v1/fills over mutual TLS
ATTESTOR_METRICS_PORT = 9465  # attestor/config.py `metrics_listen.port`: /healthz /metrics
CUSTODY_ATTESTOR = "custody-attestor"
TRP_PORT = 8443  # relayer/config.py `travel_rule.port`: the TRP listener, TLS ends in the process
TRAVEL_RULE = "travel-rule"


# Every workload reads its YAML config from the variable ECS fills with its `config/<name>` secret
# (infra/config/<name>.yaml is the template an operator fills in).
CONFIG_FROM_ENV = ("--config-env", CONFIG)


ALPACA = (ALPACA_KEY_ID, ALPACA_SECRET)
SUMSUB = (SUMSUB_APP_TOKEN, SUMSUB_SECRET_KEY)


def _attestor(role: SigningRole, credentials: tuple[str, ...]) -> Workload:
    return Workload(
        role.value,
        ("rat-attestor", "run", *CONFIG_FROM_ENV),
        (role,),
        metrics_port=ATTESTOR_METRICS_PORT,
        service_port=ATTESTOR_PORT,
        reachable_from=("relayer",),
        tls=True,
        database=False,
        bus=False,
        credentials=credentials,
    )


WORKLOADS: tuple[Workload, ...] = (
    # `rat-relayer api` reads its port (api.port = API_PORT) from its config. It also originates Travel Rule
    # transfers (its config's `travel_rule` section): a TRP client with the operator's mutual-TLS bundle, reading
    # originators' identities from Sumsub.
    Workload("api", ("rat-relayer", "api", *CONFIG_FROM_ENV), port=API_PORT, tls=True, credentials=SUMSUB),
    # The relayer signs transactions only; it asks the attestor workloads for their signatures (mutual TLS).
    Workload("relayer", ("rat-relayer", "run", *CONFIG_FROM_ENV), (SigningRole.SUBMITTER,),
             metrics_port=RELAYER_METRICS_PORT, tls=True, bus=False, credentials=(*ALPACA, CUSTODIAN_TOKEN)),
    # A second `rat-relayer api` instance whose config has the `kyc` section: the one task that holds the KYC
    # operator key and writes Sumsub decisions to the registry, so the public API never holds it.
    Workload("kyc-operator", ("rat-relayer", "api", *CONFIG_FROM_ENV), (SigningRole.KYC_OPERATOR,),
             credentials=(SUMSUB_WEBHOOK_SECRET,)),
    # Each attestor asks its own vendor: the broker (Alpaca) or the custodian.
    _attestor(SigningRole.BROKERAGE_ATTESTOR, ALPACA),
    _attestor(SigningRole.CUSTODY_ATTESTOR, (CUSTODIAN_TOKEN,)),
    # The TRP listener (`travel_rule.port` = TRP_PORT): other VASPs' inquiries and callbacks over mutual TLS. It
    # holds no key (the registry's canTransfer is a call), screens beneficiaries' names against Sumsub and keeps
    # the messages in PostgreSQL (`travel_rule_transfers`); it publishes nothing, so it needs no bus.
    Workload(TRAVEL_RULE, ("rat-relayer", "travel-rule", "serve", *CONFIG_FROM_ENV), passthrough_port=TRP_PORT,
             tls=True, bus=False, credentials=SUMSUB),
)

Deploys = Literal["platform", "custody-attestor"]
Placement = Literal["this-stack", "separate-stack"]


def workloads_for(deploys: Deploys = "platform", custody_attestor: Placement = "this-stack") -> tuple[Workload, ...]:
    """The workloads one stack runs: the platform (everything, or everything but the custody attestor when that
    runs in its own stack), or the custody attestor alone (the custodian's stack)."""
    if deploys == "custody-attestor":
        return tuple(w for w in WORKLOADS if w.name == CUSTODY_ATTESTOR)
    if custody_attestor == "separate-stack":
        return tuple(w for w in WORKLOADS if w.name != CUSTODY_ATTESTOR)
    return WORKLOADS


def signer_of(workloads: tuple[Workload, ...] = WORKLOADS) -> Mapping[SigningRole, Workload]:
    """Which workload holds each signing role the stack declares: one holder per role, every role of the full
    set held by some workload of the full set."""
    owners: dict[SigningRole, Workload] = {}
    for w in workloads:
        for role in w.signing_roles:
            if role in owners:
                raise ValueError(f"{role.value} is held by both {owners[role].name} and {w.name}")
            owners[role] = w
    if workloads == WORKLOADS:
        missing = set(SigningRole) - set(owners)
        if missing:
            raise ValueError(f"no workload signs for {sorted(r.value for r in missing)}")
    return owners
