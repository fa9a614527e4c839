"""The containers RAT runs and which on-chain roles each one signs for.

Every signing role has its own KMS key, and exactly one workload's task role may use it. The relayer daemon holds
only the submitter key (`relayer/config.py`, `SignersConfig`); each attestor role is its own `rat-attestor`
workload, reachable on its mutual-TLS port from the relayer's security group only (decision 0048). The custody
attestor can instead run in a separate stack, in the custodian's own AWS account (`custody_attestor:
separate-stack`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


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


API_PORT = 8000
RELAYER_METRICS_PORT = 9464  # relayer/config.py `http.port`: /healthz /readyz /metrics
ATTESTOR_PORT = 8490  # attestor/config.py `listen.port`: POST /v1/fills over mutual TLS
ATTESTOR_METRICS_PORT = 9465  # attestor/config.py `metrics_listen.port`: /healthz /metrics
CUSTODY_ATTESTOR = "custody-attestor"


def _attestor(role: SigningRole) -> Workload:
    return Workload(
        role.value,
        ("rat-attestor", "run", "--config", f"/etc/rat/{role.value}.yaml"),
        (role,),
        metrics_port=ATTESTOR_METRICS_PORT,
        service_port=ATTESTOR_PORT,
        reachable_from=("relayer",),
    )


WORKLOADS: tuple[Workload, ...] = (
    # `rat-relayer api` reads its port (api.port = API_PORT) from the config file the task mounts.
    Workload("api", ("rat-relayer", "api", "--config", "/etc/rat/api.yaml"), port=API_PORT),
    # The relayer signs transactions only; it asks the attestor workloads for their signatures.
    Workload("relayer", ("rat-relayer", "run"), (SigningRole.SUBMITTER,), metrics_port=RELAYER_METRICS_PORT),
    # A second `rat-relayer api` instance whose config has only the `kyc` section: the one task that holds the KYC
    # operator key and writes Sumsub decisions to the registry, so the public API never holds it.
    Workload("kyc-operator", ("rat-relayer", "api", "--config", "/etc/rat/kyc.yaml"), (SigningRole.KYC_OPERATOR,)),
    _attestor(SigningRole.BROKERAGE_ATTESTOR),
    _attestor(SigningRole.CUSTODY_ATTESTOR),
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
