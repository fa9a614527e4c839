"""Deploys the whole RAT system idempotently and keeps `deployments/<network>.json` as the record.

Used by `ape run deploy` / `ape run handover`, the demo and tests/governance. Typical use::

    settings = load_settings("local")
    result = deploy_system(deployer, settings, record_path("local"), guardian=multisig, settlement=relayer)
    grant_operators(result.record, deployer, kyc_operators=[...], ...)   # optional, before the hand-over
    handover(result.record, deployer)                                      # timelock holds every power
    table = role_table(result.record); assert not table.powerful_eoas()

The record carries every address, each proxy's implementation with its constructor and initialiser arguments and
storage layout (the baseline `upgrade` compares against), compiler settings, git commit, blocks and deployer.
Running `deploy_system` again against the same chain deploys and sends nothing: every contract recorded there is
found by its code, every wiring step by its on-chain state.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rlp
import yaml
from ape import chain, project
from ape.api import AccountAPI, ReceiptAPI
from ape.contracts import ContractInstance
from eth_utils import keccak, to_checksum_address
from pydantic import BaseModel, Field

from rat.deploy import jurisdiction, provider_ref, role
from rat.protocol import HolderClass
from rat.storage_layout import EVM_VERSION, ROOT, SOLC_VERSION, StorageLayout, layout_of

DEPLOYMENTS = ROOT / "deployments"
SCHEMA_PATH = DEPLOYMENTS / "schema" / "deployment.schema.json"
RECORD_VERSION = 1
ZERO = "0x0000000000000000000000000000000000000000"
MINTER_KYC_TIER = 3
MINTER_KYC_VALIDITY = 100 * 365 * 24 * 3600
MINTER_JURISDICTION = "SC"
GOVERNANCE_TOKEN_NAME = "RAT Governance"
GOVERNANCE_TOKEN_SYMBOL = "RATG"

Echo = Callable[[str], None]

# Roles whose holder can mint, upgrade, change fees or listings, move funds or administer roles. After the
# hand-over no externally-owned account may hold any of them; the others are operational and may be EOAs.
POWER_ROLES = frozenset(
    {
        "DEFAULT_ADMIN_ROLE",
        "UPGRADER_ROLE",
        "MINTER_ROLE",
        "ASSET_POLICY_ROLE",
        "VENUE_LISTING_ROLE",
        "ASSET_MANAGER_ROLE",
        "ATTESTOR_MANAGER_ROLE",
        "CUSTODIAN_MANAGER_ROLE",
        "FEE_GOVERNOR_ROLE",
        "FEE_WITHDRAWER_ROLE",
        "COLLECTOR_ROLE",
        "FORCED_TRANSFER_ROLE",
        "UNPAUSER_ROLE",
        "LISTING_ROLE",
        "LEGAL_HOLD_ROLE",
        "PROPOSER_ROLE",
        "CORPORATE_ACTIONS_ROLE",
        "MANAGEMENT_FEE_ROLE",
        "DISTRIBUTION_CREATOR_ROLE",
        "DISTRIBUTION_CANCELLER_ROLE",
        "WITHHOLDING_MANAGER_ROLE",
        "PAYOUT_ACCOUNTS_ROLE",
        "CONVERSION_MANAGER_ROLE",
        "OWNER",
    }
)




def TIMELOCK_MANAGEMENT_ROLES(registry: str, minter: str, reserves: str, vault: str) -> list[tuple[str, str, str]]:  # noqa: N802
    """The management roles the timelock receives at deployment, so governance can act before the hand-over."""
    return [
        ("ComplianceRegistry", registry, "ASSET_POLICY_ROLE"),
        ("ComplianceRegistry", registry, "VENUE_LISTING_ROLE"),
        ("Minter", minter, "ASSET_MANAGER_ROLE"),
        ("Minter", minter, "ATTESTOR_MANAGER_ROLE"),
        ("Minter", minter, "LEGAL_HOLD_ROLE"),
        ("ReserveRegistry", reserves, "CUSTODIAN_MANAGER_ROLE"),
        ("FeeVault", vault, "FEE_GOVERNOR_ROLE"),
        ("FeeVault", vault, "FEE_WITHDRAWER_ROLE"),
    ]


# ============================================================================================ settings


class NetworkSettings(BaseModel):
    """Per-network governance parameters (deployments/settings.json)."""

    timelock_delay_seconds: int = Field(ge=0)
    voting_delay_blocks: int = Field(ge=0, lt=2**48)
    voting_period_blocks: int = Field(gt=0, lt=2**32)
    proposal_threshold: int = Field(ge=0)
    quorum_percent: int = Field(gt=0, le=100)
    governance_token_supply: int = Field(gt=0)
    insurance_share_bps: int = Field(ge=0, le=10_000)


def load_settings(network: str, path: Path = DEPLOYMENTS / "settings.json") -> NetworkSettings:
    table = json.loads(path.read_text())
    if network not in table:
        raise KeyError(f"no settings for network {network!r} in {path}; known: {', '.join(sorted(table))}")
    return NetworkSettings.model_validate(table[network])


def record_path(network: str, directory: Path = DEPLOYMENTS) -> Path:
    return directory / f"{network}.json"


# ============================================================================================ record


class Initializer(BaseModel):
    function: str
    args: list[Any]


class ContractRecord(BaseModel):
    contract: str
    address: str
    tx_hash: str | None = None
    block_number: int | None = None
    constructor_args: list[Any] = Field(default_factory=list)
    initializer: Initializer | None = None
    implementation: ContractRecord | None = None
    storage_layout: StorageLayout | None = None


class Compiler(BaseModel):
    name: str = "solc"
    version: str
    evm_version: str
    optimizer_enabled: bool
    optimizer_runs: int
    via_ir: bool


class AssetRecord(BaseModel):
    symbol: str
    address: str
    reserve_feed: str
    block_number: int


class Handover(BaseModel):
    completed: bool
    block_number: int
    timelock: str


class DeploymentRecord(BaseModel):
    schema_version: int = RECORD_VERSION
    network: str
    chain_id: int
    deployer: str
    git_commit: str
    git_dirty: bool
    compiler: Compiler
    settings: NetworkSettings
    guardian: str
    settlement: str
    first_block: int
    first_block_hash: str
    updated_at: str
    contracts: dict[str, ContractRecord] = Field(default_factory=dict)
    assets: dict[str, AssetRecord] = Field(default_factory=dict)
    # Implementations deployed by `upgrade` whose governance proposal has not executed yet, by "<name>:<address>".
    pending_upgrades: dict[str, ContractRecord] = Field(default_factory=dict)
    handover: Handover | None = None

    def address(self, name: str) -> str:
        return self.contracts[name].address

    def instance(self, name: str) -> ContractInstance:
        entry = self.contracts[name]
        type_name = entry.implementation.contract if entry.implementation else entry.contract
        return project.get_contract(type_name).at(entry.address)

    def save(self, path: Path) -> None:
        self.updated_at = _now()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.model_dump(mode="json"), indent=2) + "\n")


def load_record(path: Path) -> DeploymentRecord | None:
    if not path.exists():
        return None
    return DeploymentRecord.model_validate_json(path.read_text())


def record_matches_chain(record: DeploymentRecord) -> bool:
    """Whether the record describes this chain (same chain id and same block at the record's first block)."""
    if record.chain_id != chain.chain_id or record.first_block > chain.blocks.head.number:
        return False
    return _hex(chain.blocks[record.first_block].hash) == record.first_block_hash


# ============================================================================================ transactions


@dataclass
class Transactor:
    """Sends (or, with `dry_run`, only prints) the deployer's transactions and counts them."""

    account: AccountAPI
    dry_run: bool = False
    echo: Echo = print
    sent: int = 0
    _nonce: int = field(init=False)

    def __post_init__(self) -> None:
        self._nonce = self.account.nonce

    def deploy(self, contract: str, *args: Any) -> tuple[str, ReceiptAPI | None]:
        shown = ", ".join(_show(a) for a in args)
        if self.dry_run:
            address = _create_address(self.account.address, self._nonce)
            self._nonce += 1
            self.sent += 1
            self.echo(f"  [dry-run] deploy {contract}({shown}) -> {address}")
            return address, None
        instance = self.account.deploy(project.get_contract(contract), *args)
        self.sent += 1
        receipt = chain.get_receipt(instance.txn_hash) if instance.txn_hash else None
        self.echo(f"  deployed {contract} at {instance.address}")
        return instance.address, receipt

    def transact(self, contract: str, address: str, method: str, *args: Any) -> ReceiptAPI | None:
        instance = ContractInstance(address, project.get_contract(contract).contract_type)
        shown = ", ".join(_show(a) for a in args)
        if self.dry_run:
            data = getattr(instance, method).encode_input(*args)
            self._nonce += 1
            self.sent += 1
            self.echo(f"  [dry-run] {contract}({address}).{method}({shown}) data={_hex(data)}")
            return None
        receipt = getattr(instance, method)(*args, sender=self.account)
        self.sent += 1
        self.echo(f"  {contract}.{method}({shown})")
        return receipt


def _create_address(sender: str, nonce: int) -> str:
    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(sender[2:]), nonce]))[12:])


def _has_code(address: str | None) -> bool:
    return bool(address) and len(chain.provider.get_code(address)) > 0


# ============================================================================================ deploy


@dataclass(frozen=True)
class DeployResult:
    record: DeploymentRecord
    transactions: int
    path: Path


def deploy_system(
    deployer: AccountAPI,
    settings: NetworkSettings,
    path: Path,
    *,
    guardian: str,
    settlement: str,
    network: str | None = None,
    dry_run: bool = False,
    echo: Echo = print,
    governance_token_holder: str | None = None,
) -> DeployResult:
    """Deploys every contract the record at `path` lacks and every wiring the chain lacks; writes the record.

    `guardian` is the emergency multisig (GUARDIAN_ROLE, timelock canceller); `settlement` the Minter's settlement
    account. The governance token's supply goes to `governance_token_holder` (default: the deployer)."""
    network = network or chain.provider.network.name
    tx = Transactor(deployer, dry_run=dry_run, echo=echo)
    record = load_record(path)
    if record is not None and not record_matches_chain(record):
        echo(f"{path} describes another chain (or a throw-away chain that is gone); deploying anew")
        record = None
    if record is None:
        head = chain.blocks.head
        record = DeploymentRecord(
            network=network,
            chain_id=chain.chain_id,
            deployer=deployer.address,
            git_commit=_git("rev-parse", "HEAD") or "unknown",
            git_dirty=bool(_git("status", "--porcelain", "--", "contracts")),
            compiler=_compiler(),
            settings=settings,
            guardian=guardian,
            settlement=settlement,
            first_block=head.number,
            first_block_hash=_hex(head.hash),
            updated_at=_now(),
        )

    def save() -> None:
        if not dry_run:
            record.save(path)

    def ensure(name: str, contract: str, *args: Any) -> str:
        entry = record.contracts.get(name)
        if entry is not None and _has_code(entry.address):
            return entry.address
        address, receipt = tx.deploy(contract, *args)
        record.contracts[name] = _entry(contract, address, receipt, args)
        save()
        return address

    def ensure_proxy(name: str, implementation: str, impl_args: tuple[Any, ...], init: str, init_args: tuple) -> str:
        entry = record.contracts.get(name)
        if entry is not None and _has_code(entry.address):
            return entry.address
        impl_address, impl_receipt = tx.deploy(implementation, *impl_args)
        impl_entry = _entry(implementation, impl_address, impl_receipt, impl_args)
        impl_entry.storage_layout = layout_of(implementation)
        data = ContractInstance(impl_address, project.get_contract(implementation).contract_type)
        init_data = getattr(data, init).encode_input(*init_args)
        address, receipt = tx.deploy("SingletonProxy", impl_address, init_data)
        proxy = _entry("SingletonProxy", address, receipt, (impl_address, _hex(init_data)))
        proxy.initializer = Initializer(function=init, args=[_json(a) for a in init_args])
        proxy.implementation = impl_entry
        record.contracts[name] = proxy
        save()
        return address

    me = deployer.address
    echo(f"deploying RAT to {network} (chain {chain.chain_id}) from {me}")
    registry = ensure_proxy("ComplianceRegistry", "ComplianceRegistry", (), "initialize", (me,))
    beacon_entry = record.contracts.get("EquityBeacon")
    if beacon_entry is None or not _has_code(beacon_entry.address):
        token_impl, token_receipt = tx.deploy("RealAssetToken", registry)
        impl_entry = _entry("RealAssetToken", token_impl, token_receipt, (registry,))
        impl_entry.storage_layout = layout_of("RealAssetToken")
        beacon_address, beacon_receipt = tx.deploy("EquityBeacon", token_impl, me)
        beacon_entry = _entry("EquityBeacon", beacon_address, beacon_receipt, (token_impl, me))
        beacon_entry.implementation = impl_entry
        record.contracts["EquityBeacon"] = beacon_entry
        save()
    beacon = beacon_entry.address
    vault = ensure_proxy("FeeVault", "FeeVault", (), "initialize", (me, settings.insurance_share_bps))
    reserves = ensure_proxy("ReserveRegistry", "ReserveRegistry", (), "initialize", (me,))
    # The Minter's constructor takes (registry, vault) or, since the gas work of issue 3, (registry, vault, reserves).
    minter_args = (registry, vault, reserves)[: len(project.Minter.contract_type.constructor.inputs)]
    minter = ensure_proxy("Minter", "Minter", minter_args, "initialize", (me, settlement))
    gov_token = ensure(
        "RatGovernanceToken", "RatGovernanceToken", GOVERNANCE_TOKEN_NAME, GOVERNANCE_TOKEN_SYMBOL,
        governance_token_holder or me, settings.governance_token_supply,
    )
    timelock = ensure("RatTimelock", "RatTimelock", settings.timelock_delay_seconds, [], [ZERO], me)
    governor = ensure(
        "RatGovernor", "RatGovernor", gov_token, timelock, settings.voting_delay_blocks,
        settings.voting_period_blocks, settings.proposal_threshold, settings.quorum_percent,
    )
    guardian_contract = ensure("EmergencyGuardian", "EmergencyGuardian", timelock, guardian, minter, registry)
    ensure("AssetLister", "AssetLister", timelock, beacon, guardian_contract, registry, minter, reserves, vault)
    lister = record.address("AssetLister")
    # Corporate actions (ADR 0081, 0082): unclaimed dividends and unused conversion cash return to governance's
    # treasury, the timelock; it also receives withheld tax until governance names a withholding agent.
    distributor = ensure_proxy("DividendDistributor", "DividendDistributor", (registry,), "initialize",
                               (me, timelock, timelock))
    conversions = ensure("ConversionVault", "ConversionVault", me, minter, registry, timelock)

    def grant(contract: str, address: str, role_name: str, holder: str) -> None:
        if _has_code(address) and ContractInstance(
            address, project.get_contract(contract).contract_type
        ).hasRole(role(role_name), holder):
            return
        tx.transact(contract, address, "grantRole", role(role_name), holder)

    _connect_vault(tx, vault, minter, grant)
    grant("RatTimelock", timelock, "PROPOSER_ROLE", governor)
    grant("RatTimelock", timelock, "CANCELLER_ROLE", governor)
    grant("RatTimelock", timelock, "CANCELLER_ROLE", guardian)
    # The lister lists; the guardian halts and freezes. Both expose only those functions.
    grant("ComplianceRegistry", registry, "ASSET_POLICY_ROLE", lister)
    grant("ReserveRegistry", reserves, "CUSTODIAN_MANAGER_ROLE", lister)
    grant("Minter", minter, "ASSET_MANAGER_ROLE", lister)
    grant("FeeVault", vault, "FEE_GOVERNOR_ROLE", lister)
    # Governance holds every management power from the start (admin and upgrade roles follow at the hand-over).
    for contract, address, role_name in TIMELOCK_MANAGEMENT_ROLES(registry, minter, reserves, vault):
        grant(contract, address, role_name, timelock)
    for role_name in ("DISTRIBUTION_CREATOR_ROLE", "DISTRIBUTION_CANCELLER_ROLE", "WITHHOLDING_MANAGER_ROLE",
                      "PAYOUT_ACCOUNTS_ROLE"):
        grant("DividendDistributor", distributor, role_name, timelock)
    grant("ConversionVault", conversions, "CONVERSION_MANAGER_ROLE", timelock)
    grant("Minter", minter, "ASSET_MANAGER_ROLE", guardian_contract)
    grant("ComplianceRegistry", registry, "SANCTIONS_OFFICER_ROLE", guardian_contract)
    # Venues (ADR 0101): governance lists, removes and resumes them; the guardian contract may only suspend one.
    grant("ComplianceRegistry", registry, "VENUE_GUARDIAN_ROLE", guardian_contract)
    # The Minter holds escrowed tokens, so it needs a lasting KYC record; the deployer writes it with a KYC role
    # it renounces at the hand-over.
    if not (_has_code(registry) and project.ComplianceRegistry.at(registry).investor(minter).tier != 0):
        grant("ComplianceRegistry", registry, "KYC_OPERATOR_ROLE", me)
        expiry = chain.pending_timestamp + MINTER_KYC_VALIDITY
        tx.transact(
            "ComplianceRegistry", registry, "setInvestor", minter, MINTER_KYC_TIER,
            jurisdiction(MINTER_JURISDICTION), expiry, provider_ref(f"rat-minter:{minter}"),
        )
    # Contracts holding on investors' behalf are PROTOCOL holders: no holder slot, escrow always returnable, never
    # frozen themselves (ADR 0084). The deployer's temporary ASSET_POLICY_ROLE goes at the hand-over.
    for holder in (minter, distributor, conversions):
        if not (_has_code(registry) and project.ComplianceRegistry.at(registry).investor(holder).holderClass
                == HolderClass.PROTOCOL):
            grant("ComplianceRegistry", registry, "ASSET_POLICY_ROLE", me)
            tx.transact("ComplianceRegistry", registry, "setHolderClass", holder, HolderClass.PROTOCOL,
                        provider_ref(f"rat-protocol-holder:{holder}"))
    save()
    if tx.sent == 0:
        echo(f"nothing to deploy: every contract and wiring in {path} is already on chain")
    else:
        echo(f"{'would send' if dry_run else 'sent'} {tx.sent} transactions" + ("" if dry_run else f"; wrote {path}"))
    return DeployResult(record, tx.sent, path)


def _connect_vault(tx: Transactor, vault: str, minter: str, grant: Callable[..., None]) -> None:
    """Lets the Minter pay fees into the vault: `setMinter` (set once) where the vault has it, else COLLECTOR_ROLE."""
    vault_type = project.FeeVault.contract_type
    if "setMinter" not in {m.name for m in vault_type.mutable_methods}:
        grant("FeeVault", vault, "COLLECTOR_ROLE", minter)
        return
    if _has_code(vault) and project.FeeVault.at(vault).minter() == minter:
        return
    tx.transact("FeeVault", vault, "setMinter", minter)


def grant_operators(
    record: DeploymentRecord,
    admin: AccountAPI,
    *,
    kyc_operators: Iterable[str] = (),
    sanctions_officers: Iterable[str] = (),
    submitters: Iterable[str] = (),
    rejecters: Iterable[str] = (),
    publishers: Iterable[str] = (),
) -> int:
    """Grants operational (non-power) roles while `admin` still administers them, i.e. before the hand-over.
    After it, the same grants go through governance. Returns how many grants were sent."""
    plan = [
        ("ComplianceRegistry", "KYC_OPERATOR_ROLE", kyc_operators),
        ("ComplianceRegistry", "SANCTIONS_OFFICER_ROLE", sanctions_officers),
        ("Minter", "SUBMITTER_ROLE", submitters),
        ("Minter", "REJECTER_ROLE", rejecters),
        ("ReserveRegistry", "PUBLISHER_ROLE", publishers),
    ]
    sent = 0
    for name, role_name, holders in plan:
        contract = record.instance(name)
        for holder in holders:
            if not contract.hasRole(role(role_name), holder):
                contract.grantRole(role(role_name), holder, sender=admin)
                sent += 1
    return sent


# ============================================================================================ assets


def sync_assets(record: DeploymentRecord, path: Path | None = None) -> dict[str, AssetRecord]:
    """Adds every equity the AssetLister has listed (from its EquityListed events) to the record."""
    lister = record.instance("AssetLister")
    for log in lister.EquityListed.range(record.first_block, chain.blocks.head.number + 1):
        record.assets[log.symbol] = AssetRecord(
            symbol=log.symbol, address=log.asset, reserve_feed=log.reserveFeed, block_number=log.block_number
        )
    if path is not None:
        record.save(path)
    return record.assets


# ============================================================================================ hand-over and roles


@dataclass(frozen=True)
class RoleHolder:
    contract: str
    address: str
    role: str
    holder: str
    kind: str  # "contract", "EOA" or "anyone"
    holder_name: str

    @property
    def power(self) -> bool:
        return self.role in POWER_ROLES


@dataclass(frozen=True)
class RoleTable:
    rows: list[RoleHolder]

    def powerful_eoas(self) -> list[RoleHolder]:
        return [r for r in self.rows if r.power and r.kind != "contract"]

    def held_by(self, address: str) -> list[RoleHolder]:
        return [r for r in self.rows if r.holder.lower() == address.lower()]

    def render(self) -> str:
        header = ("contract", "role", "holder", "kind", "power")
        lines = [(r.contract, r.role, f"{r.holder_name} {r.holder}", r.kind, "yes" if r.power else "") for r in self.rows]
        widths = [max(len(str(x[i])) for x in [header, *lines]) for i in range(len(header))]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
        out += [fmt.format(*line) for line in lines]
        bad = self.powerful_eoas()
        out.append(
            "no externally-owned account holds a power role" if not bad
            else f"{len(bad)} power role(s) held by an externally-owned account or anyone: " + ", ".join(
                f"{r.contract}.{r.role}->{r.holder}" for r in bad
            )
        )
        return "\n".join(out)


def access_controlled(record: DeploymentRecord) -> dict[str, ContractInstance]:
    """Every AccessControl contract of the deployment, listed equities included, by display name."""
    names = ["ComplianceRegistry", "Minter", "ReserveRegistry", "FeeVault", "RatTimelock", "EmergencyGuardian",
             "AssetLister", "DividendDistributor", "ConversionVault"]
    contracts = {name: record.instance(name) for name in names if name in record.contracts}
    for symbol, asset in record.assets.items():
        contracts[symbol] = project.RealAssetToken.at(asset.address)
    return contracts


def role_table(record: DeploymentRecord) -> RoleTable:
    """Every current holder of every role of every contract, read on-chain: candidates come from RoleGranted logs
    since the first deployment block, and each is confirmed with `hasRole`; the beacon's owner is added."""
    names = {entry.address.lower(): name for name, entry in record.contracts.items()}
    names.update({a.address.lower(): a.symbol for a in record.assets.values()})
    names[record.deployer.lower()] = "deployer"
    names[record.guardian.lower()] = names.get(record.guardian.lower(), "guardian")
    names[ZERO] = "anyone"
    rows: list[RoleHolder] = []
    head = chain.blocks.head.number
    for display, contract in access_controlled(record).items():
        role_names = _role_names(contract)
        seen: set[tuple[bytes, str]] = set()
        for log in contract.RoleGranted.range(record.first_block, head + 1):
            key = (bytes(log.role), log.account)
            if key in seen:
                continue
            seen.add(key)
            if contract.hasRole(log.role, log.account):
                rows.append(_row(display, contract.address, role_names.get(bytes(log.role), _hex(log.role)),
                                 log.account, names))
    beacon = record.instance("EquityBeacon")
    rows.append(_row("EquityBeacon", beacon.address, "OWNER", beacon.owner(), names))
    return RoleTable(rows)


def handover(
    record: DeploymentRecord, deployer: AccountAPI, path: Path | None = None, dry_run: bool = False,
    echo: Echo = print,
) -> RoleTable | None:
    """Moves every power the deployer holds to the timelock and renounces every role the deployer holds, then
    verifies it on-chain. Idempotent. Raises if an externally-owned account still holds a power role."""
    tx = Transactor(deployer, dry_run=dry_run, echo=echo)
    timelock = record.address("RatTimelock")
    me = deployer.address
    if path is not None and not dry_run:
        sync_assets(record, path)
    contracts = access_controlled(record)
    for display, contract in contracts.items():
        if display == "RatTimelock":
            continue  # last: its admin role is what lets the deployer fix anything that goes wrong above
        type_name = contract.contract_type.name
        for role_id, role_name in _role_names(contract).items():
            if not contract.hasRole(role_id, me):
                continue
            if role_name in POWER_ROLES and not contract.hasRole(role_id, timelock):
                tx.transact(type_name, contract.address, "grantRole", role_id, timelock)
        for role_id, role_name in _role_names(contract).items():
            if role_name != "DEFAULT_ADMIN_ROLE" and contract.hasRole(role_id, me):
                tx.transact(type_name, contract.address, "renounceRole", role_id, me)
        if contract.hasRole(b"\x00" * 32, me):
            tx.transact(type_name, contract.address, "renounceRole", b"\x00" * 32, me)
    beacon = record.instance("EquityBeacon")
    if beacon.owner().lower() == me.lower():
        tx.transact("EquityBeacon", beacon.address, "transferOwnership", timelock)
    tl = contracts["RatTimelock"]
    for role_id in _role_names(tl):
        if tl.hasRole(role_id, me):
            tx.transact("RatTimelock", tl.address, "renounceRole", role_id, me)
    if dry_run:
        echo(f"would send {tx.sent} transactions")
        return None
    table = role_table(record)
    bad = table.powerful_eoas()
    if bad:
        raise RuntimeError("hand-over incomplete:\n" + table.render())
    record.handover = Handover(completed=True, block_number=chain.blocks.head.number, timelock=timelock)
    if path is not None:
        record.save(path)
    echo("hand-over complete" if tx.sent else "hand-over already complete: nothing to send")
    return table


def _role_names(contract: ContractInstance) -> dict[bytes, str]:
    names: dict[bytes, str] = {}
    for abi in contract.contract_type.view_methods:
        if abi.name.endswith("_ROLE") and not abi.inputs:
            names[bytes(getattr(contract, abi.name)())] = abi.name
    return names


def _row(display: str, address: str, role_name: str, holder: str, names: dict[str, str]) -> RoleHolder:
    if holder.lower() == ZERO:
        kind = "anyone"
    else:
        kind = "contract" if _has_code(holder) else "EOA"
    return RoleHolder(display, address, role_name, holder, kind, names.get(holder.lower(), ""))


# ============================================================================================ helpers


def _entry(contract: str, address: str, receipt: ReceiptAPI | None, args: Iterable[Any]) -> ContractRecord:
    return ContractRecord(
        contract=contract,
        address=address,
        tx_hash=_hex(receipt.txn_hash) if receipt is not None else None,
        block_number=receipt.block_number if receipt is not None else None,
        constructor_args=[_json(a) for a in args],
    )


def _compiler() -> Compiler:
    config = yaml.safe_load((ROOT / "ape-config.yaml").read_text()).get("solidity", {})
    return Compiler(
        version=str(config.get("version", SOLC_VERSION)),
        evm_version=str(config.get("evm_version", EVM_VERSION)),
        optimizer_enabled=bool(config.get("optimize", True)),
        optimizer_runs=int(config.get("optimization_runs", 200)),
        via_ir=bool(config.get("via_ir", False)),
    )


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value if value.startswith("0x") else "0x" + value
    return "0x" + bytes(value).hex()


def _json(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return _hex(value)
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


def _show(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        text = _hex(value)
        return text if len(text) <= 42 else text[:18] + f"…({len(value)} bytes)"
    return repr(value) if isinstance(value, str) and not value.startswith("0x") else str(value)
