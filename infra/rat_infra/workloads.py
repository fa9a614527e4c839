"""The containers RAT runs and which on-chain role, if any, each one signs for.

Each signing role has its own KMS key and its own task role; a workload can sign only for the role listed
here, so a compromised API container cannot attest reserves or mint."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SigningRole(StrEnum):
    BROKERAGE_ATTESTOR = "brokerage-attestor"
    CUSTODY_ATTESTOR = "custody-attestor"
    SUBMITTER = "submitter"
    KYC_OPERATOR = "kyc-operator"


@dataclass(frozen=True)
class Workload:
    name: str
    command: tuple[str, ...]
    signing_role: SigningRole | None = None
    port: int | None = None  # set only for the workload served through the public load balancer


API_PORT = 8000

WORKLOADS: tuple[Workload, ...] = (
    Workload("api", ("rat-api", "--host", "0.0.0.0", "--port", str(API_PORT)), port=API_PORT),
    Workload("relayer", ("rat-relayer",), SigningRole.SUBMITTER),
    Workload("brokerage-attestor", ("rat-attestor", "--role", "brokerage"), SigningRole.BROKERAGE_ATTESTOR),
    Workload("custody-attestor", ("rat-reserves",), SigningRole.CUSTODY_ATTESTOR),
    Workload("kyc-operator", ("rat-kyc",), SigningRole.KYC_OPERATOR),
)


def workload(name: str) -> Workload:
    return next(w for w in WORKLOADS if w.name == name)
