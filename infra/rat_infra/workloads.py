"""The containers RAT runs and which on-chain roles each one signs for.

Every signing role has its own KMS key, and exactly one workload's task role may use it. The relayer daemon as
written (`relayer/config.py`, `SignersConfig`) holds three role keys in one process: transaction sender
(submitter), brokerage attestor and custody attestor. Moving a role to its own workload is a change to this
table only; the tests keep every key usable by a single task role either way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


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


API_PORT = 8000
RELAYER_METRICS_PORT = 9464  # relayer/config.py `http.port`: /healthz /readyz /metrics

WORKLOADS: tuple[Workload, ...] = (
    # `rat-relayer api` reads its port (api.port = API_PORT) from the config file the task mounts.
    Workload("api", ("rat-relayer", "api", "--config", "/etc/rat/api.yaml"), port=API_PORT),
    Workload(
        "relayer",
        ("rat-relayer", "run"),
        (SigningRole.SUBMITTER, SigningRole.BROKERAGE_ATTESTOR, SigningRole.CUSTODY_ATTESTOR),
        metrics_port=RELAYER_METRICS_PORT,
    ),
    # A second `rat-relayer api` instance whose config has only the `kyc` section: the one task that holds the KYC
    # operator key and writes Sumsub decisions to the registry, so the public API never holds it.
    Workload("kyc-operator", ("rat-relayer", "api", "--config", "/etc/rat/kyc.yaml"), (SigningRole.KYC_OPERATOR,)),
)


def signer_of() -> Mapping[SigningRole, Workload]:
    owners: dict[SigningRole, Workload] = {}
    for w in WORKLOADS:
        for role in w.signing_roles:
            if role in owners:
                raise ValueError(f"{role.value} is held by both {owners[role].name} and {w.name}")
            owners[role] = w
    missing = set(SigningRole) - set(owners)
    if missing:
        raise ValueError(f"no workload signs for {sorted(r.value for r in missing)}")
    return owners
