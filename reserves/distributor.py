"""Deploys and drives the DividendDistributor (cash dividends by Merkle claim, ADR 0081) through Ape.

For the demo, the Ape scripts and the tests, so that all of them use the same wiring. Typical use::

    dd = deploy_dividend_distributor(deployer, registry.address, treasury=treasury, tax_account=tax,
                                     admin=timelock, creators=[timelock], withholding_managers=[timelock],
                                     rates={"US": 3000}, default_bps=3000)
    dist = snapshot_distribution(rpc_url, token.address, record_block, amount_per_share, distributor=dd.address)
    dist_id = create_distribution(dd, funder, usdc, dist, claim_period=90 * DAY, uri="ipfs://...")
    claim_all(dd, anyone, dist_id, dist)        # or claim(dd, sender, dist_id, dist.claim_of(holder))
    cancel_distribution(dd, canceller, dist_id)  # a wrong one: claims stop, the unpaid rest to the treasury

The distribution file itself (snapshot, tree, proofs) comes from `reserves.dividends`, which needs only web3. This
module lives in reserves/ rather than the SDK because packages depend one way only: reserves/ uses rat/ (the
attestation digests, the deployment helpers), never the reverse (tests/docs/test_package_dependencies.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from ape import chain, project
from ape.api import AccountAPI, ReceiptAPI
from ape.contracts import ContractInstance
from eth_utils import keccak

from rat.deploy import jurisdiction, role
from reserves.dividends import (
    DividendFile,
    HolderClaim,
    SnapshotRequest,
    as_claim_args,
    build_distribution,
    connect,
    take_snapshot,
)

DAY = 24 * 3600
DEFAULT_CLAIM_PERIOD = 90 * DAY
# The roles `deploy_dividend_distributor` may hand out, by what they allow.
CREATOR_ROLE = "DISTRIBUTION_CREATOR_ROLE"
CANCELLER_ROLE = "DISTRIBUTION_CANCELLER_ROLE"
WITHHOLDING_ROLE = "WITHHOLDING_MANAGER_ROLE"
ACCOUNTS_ROLE = "PAYOUT_ACCOUNTS_ROLE"
UPGRADER_ROLE = "UPGRADER_ROLE"
DEFAULT_ADMIN = b"\0" * 32  # AccessControl's DEFAULT_ADMIN_ROLE


def deploy_dividend_distributor(
    deployer: AccountAPI,
    registry: str,
    *,
    treasury: str,
    tax_account: str,
    admin: str | None = None,
    creators: Iterable[str] = (),
    cancellers: Iterable[str] = (),
    withholding_managers: Iterable[str] = (),
    accounts_managers: Iterable[str] = (),
    rates: Mapping[str, int] | None = None,
    default_bps: int | None = None,
) -> ContractInstance:
    """Deploys the implementation and its SingletonProxy (UUPS), initialised atomically with the deployer as admin;
    grants the operational roles, writes the withholding table, then, when `admin` is someone else, hands
    DEFAULT_ADMIN_ROLE and UPGRADER_ROLE to `admin` and renounces the deployer's (and its temporary manager role).

    `registry` is the ComplianceRegistry proxy; `rates` maps ISO 3166-1 alpha-2 codes to basis points."""
    me = deployer.address
    impl = deployer.deploy(project.DividendDistributor, registry)
    init = impl.initialize.encode_input(me, treasury, tax_account)
    proxy = deployer.deploy(project.SingletonProxy, impl.address, init)
    dd = project.DividendDistributor.at(proxy.address)
    for name, holders in ((CREATOR_ROLE, creators), (CANCELLER_ROLE, cancellers),
                          (WITHHOLDING_ROLE, withholding_managers), (ACCOUNTS_ROLE, accounts_managers)):
        for holder in holders:
            dd.grantRole(role(name), holder, sender=deployer)
    if rates or default_bps is not None:
        temporary = not dd.hasRole(role(WITHHOLDING_ROLE), me)
        if temporary:
            dd.grantRole(role(WITHHOLDING_ROLE), me, sender=deployer)
        for code, bps in (rates or {}).items():
            dd.setWithholdingRate(jurisdiction(code), bps, sender=deployer)
        if default_bps is not None:
            dd.setDefaultWithholdingRate(default_bps, sender=deployer)
        if temporary:
            dd.renounceRole(role(WITHHOLDING_ROLE), me, sender=deployer)
    if admin is not None and admin != me:
        dd.grantRole(role(UPGRADER_ROLE), admin, sender=deployer)
        dd.grantRole(DEFAULT_ADMIN, admin, sender=deployer)
        dd.renounceRole(role(UPGRADER_ROLE), me, sender=deployer)
        dd.renounceRole(DEFAULT_ADMIN, me, sender=deployer)
    return dd


def snapshot_distribution(rpc_url: str, asset: str, record_block: int, amount_per_share: int, *,
                          distributor: str | None = None, excluded: Iterable[str] = (),
                          from_block: int = 0) -> DividendFile:
    """The distribution file for `asset` at `record_block` (holders from the chain; `distributor` excluded)."""
    skip = [*excluded, *([distributor] if distributor else [])]
    request = SnapshotRequest(asset=asset, record_block=record_block, from_block=from_block,
                              excluded=tuple(dict.fromkeys(skip)))
    return build_distribution(take_snapshot(connect(rpc_url), request), amount_per_share)


def distribution_terms(dist: DividendFile, payout_token: str, claim_deadline: int, *,
                       uri: str = "ipfs://rat/dividends/distribution.json", file_path: Path | None = None,
                       total_gross: int | None = None) -> tuple:
    """The DistributionTerms tuple `createDistribution` takes, for a direct call or a governance proposal. The
    metadata hash is keccak256 of the file at `file_path` when given, else of the file's canonical JSON."""
    content = file_path.read_bytes() if file_path else dist.model_dump_json(by_alias=True).encode()
    amount = dist.total_gross if total_gross is None else total_gross
    return (dist.asset, payout_token, bytes.fromhex(dist.root[2:]), dist.record_block, dist.amount_per_share,
            amount, claim_deadline, uri, keccak(content))


def create_distribution(
    distributor: ContractInstance,
    funder: AccountAPI,
    payout_token: ContractInstance,
    dist: DividendFile,
    *,
    claim_period: int = DEFAULT_CLAIM_PERIOD,
    uri: str = "ipfs://rat/dividends/distribution.json",
    file_path: Path | None = None,
    total_gross: int | None = None,
) -> int:
    """Approves and creates the distribution (funded with `dist.total_gross` unless given); returns its id.
    `funder` needs DISTRIBUTION_CREATOR_ROLE and the payout tokens. The metadata hash is keccak256 of the file at
    `file_path` when given, else of the file's canonical JSON."""
    amount = dist.total_gross if total_gross is None else total_gross
    payout_token.approve(distributor.address, amount, sender=funder)
    terms = distribution_terms(dist, payout_token.address, chain.pending_timestamp + claim_period, uri=uri,
                               file_path=file_path, total_gross=amount)
    receipt = distributor.createDistribution(terms, sender=funder)
    [event] = receipt.events.filter(distributor.DistributionCreated)
    return int(event.id)


def cancel_distribution(distributor: ContractInstance, sender: AccountAPI, distribution_id: int) -> int:
    """Cancels a distribution (`sender` needs DISTRIBUTION_CANCELLER_ROLE); returns the payout-token units sent
    back to the treasury (the gross total less every claim's gross)."""
    receipt = distributor.cancelDistribution(distribution_id, sender=sender)
    [event] = receipt.events.filter(distributor.DistributionCancelled)
    return int(event.returned)


def claim(distributor: ContractInstance, sender: AccountAPI, distribution_id: int, entry: HolderClaim) -> ReceiptAPI:
    """Claims one holder's dividend (any sender; the money goes to the holder)."""
    holder, gross, proof = as_claim_args(entry)
    return distributor.claim(distribution_id, holder, gross, proof, sender=sender)


def claim_all(distributor: ContractInstance, sender: AccountAPI, distribution_id: int,
              dist: DividendFile) -> list[ReceiptAPI]:
    """Claims for every holder in the file not paid yet (frozen holders are skipped: they cannot be paid)."""
    records = project.ComplianceRecords.at(distributor.RECORDS())
    receipts = []
    for entry in dist.claims:
        if distributor.claimed(distribution_id, entry.holder):
            continue
        if records.isFrozen(entry.holder):
            continue
        receipts.append(claim(distributor, sender, distribution_id, entry))
    return receipts


__all__ = [
    "ACCOUNTS_ROLE", "CANCELLER_ROLE", "DEFAULT_ADMIN", "CREATOR_ROLE", "DEFAULT_CLAIM_PERIOD", "UPGRADER_ROLE",
    "WITHHOLDING_ROLE", "cancel_distribution", "claim", "claim_all", "create_distribution",
    "deploy_dividend_distributor", "snapshot_distribution",
]
