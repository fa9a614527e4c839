"""Deploys RAT's contracts through Ape. Shared by the Ape scripts, the demo, the tests and the benchmarks so that
all of them exercise the exact same wiring."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ape import project
from ape.api import AccountAPI
from ape.contracts import ContractInstance
from eth_utils import keccak
from pydantic import BaseModel, Field

KYC_VALIDITY_SECONDS = 365 * 24 * 3600


class AssetTerms(BaseModel):
    """What a listing fixes about an equity; mirrors the Solidity `AssetTerms` struct."""

    name: str = Field(min_length=1)
    symbol: str = Field(min_length=1)
    isin: str
    mic: str
    custodian: str = Field(min_length=1)
    legal_terms_uri: str = Field(min_length=1)
    legal_terms_hash: bytes = Field(min_length=32, max_length=32)

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.name,
            self.symbol,
            self.isin,
            self.mic,
            self.custodian,
            self.legal_terms_uri,
            self.legal_terms_hash,
        )

    @classmethod
    def example(cls, symbol: str = "rAAPL", name: str = "RAT Apple Inc.", isin: str = "US0378331005") -> AssetTerms:
        uri = f"ipfs://rat/legal/{symbol}.pdf"
        return cls(
            name=name,
            symbol=symbol,
            isin=isin,
            mic="XNAS",
            custodian="Seychelles SPV custody account",
            legal_terms_uri=uri,
            legal_terms_hash=keccak(text=uri),
        )


@dataclass(frozen=True)
class ComplianceStack:
    """The shared registry, its record store, and the beacon every equity proxy follows."""

    registry: ContractInstance
    registry_implementation: ContractInstance
    records: ContractInstance
    beacon: ContractInstance
    token_implementation: ContractInstance


def role(name: str) -> bytes:
    """The AccessControl identifier of a role constant, e.g. role("MINTER_ROLE")."""
    return keccak(text=name)


def provider_ref(text: str) -> bytes:
    """A KYC provider reference as it goes on-chain: only its hash."""
    return keccak(text=text)


def jurisdiction(code: str) -> bytes:
    """ISO 3166-1 alpha-2 as the registry's bytes2."""
    raw = code.encode("ascii")
    if len(raw) != 2:
        raise ValueError(f"jurisdiction must be two letters, got {code!r}")
    return raw


def deploy_compliance_stack(deployer: AccountAPI, admin: AccountAPI | None = None) -> ComplianceStack:
    """Deploys the ComplianceRegistry (UUPS proxy) and the equity beacon; `admin` gets every admin role."""
    admin = admin or deployer
    registry_impl = deployer.deploy(project.ComplianceRegistry)
    init = registry_impl.initialize.encode_input(admin.address)
    proxy = deployer.deploy(project.SingletonProxy, registry_impl.address, init)
    registry = project.ComplianceRegistry.at(proxy.address)
    records = project.ComplianceRecords.at(registry.records())
    token_impl = deployer.deploy(project.RealAssetToken, registry.address)
    beacon = deployer.deploy(project.EquityBeacon, token_impl.address, admin.address)
    return ComplianceStack(registry, registry_impl, records, beacon, token_impl)


def list_equity(
    deployer: AccountAPI,
    stack: ComplianceStack,
    terms: AssetTerms,
    admin: AccountAPI,
    min_tier: int = 1,
    max_holders: int = 0,
) -> ContractInstance:
    """Deploys one equity proxy, initialised atomically, and registers it with the registry.

    `admin` must hold ASSET_POLICY_ROLE on the registry (the deployer does until governance takes over)."""
    init = stack.token_implementation.initialize.encode_input(terms.as_tuple(), admin.address)
    proxy = deployer.deploy(project.EquityProxy, stack.beacon.address, init)
    token = project.RealAssetToken.at(proxy.address)
    stack.registry.registerAsset(token.address, min_tier, max_holders, sender=admin)
    return token


def approve_investor(
    stack: ComplianceStack,
    operator: AccountAPI,
    account: str,
    tier: int = 1,
    country: str = "BR",
    valid_for: int = KYC_VALIDITY_SECONDS,
    now: int | None = None,
) -> None:
    """Writes a KYC record valid for `valid_for` seconds from `now` (chain time when given)."""
    expiry = (now if now is not None else int(time.time())) + valid_for
    stack.registry.setInvestor(
        account, tier, jurisdiction(country), expiry, provider_ref(f"applicant:{account}"), sender=operator
    )
