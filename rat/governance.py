"""Governance actions through the RatGovernor and RatTimelock: proposals, votes, queue/execute, listings, asset
status changes and storage-checked upgrades. Used by the `propose`/`vote`/`queue`/`execute`/`list_asset`/`upgrade`
Ape scripts, the demo and tests/governance. Typical use::

    action = set_fees_action(record, asset, mint_bps=30, burn_bps=30)
    proposal = propose(record, proposer, [action], "Set rAAPL fees to 30 bps")
    vote(record, voter, proposal.proposal_id, VoteType.FOR)      # after the voting delay
    queue(record, anyone, proposal)                              # after the voting period
    execute(record, anyone, proposal)                            # after the timelock delay

On a local chain `pass_locally` runs the whole sequence, mining blocks and moving time as needed.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path
from typing import Any

from ape import chain, project
from ape.api import AccountAPI, ReceiptAPI
from ape.contracts import ContractInstance
from eth_utils import keccak
from pydantic import BaseModel, Field

from rat.deploy import AssetTerms
from rat.deployment import (
    DEPLOYMENTS,
    ContractRecord,
    DeploymentRecord,
    Transactor,
    _entry,
    _hex,
    sync_assets,
)
from rat.storage_layout import LayoutReport, check_upgrade, compile_layouts, layout_of
from rat.protocol import AssetStatus  # noqa: F401 (re-exported)

DAY = 24 * 3600


class ProposalState(IntEnum):
    PENDING = 0
    ACTIVE = 1
    CANCELED = 2
    DEFEATED = 3
    SUCCEEDED = 4
    QUEUED = 5
    EXPIRED = 6
    EXECUTED = 7


class VoteType(IntEnum):
    AGAINST = 0
    FOR = 1
    ABSTAIN = 2


class Action(BaseModel):
    """One call the timelock will make."""

    target: str
    value: int = 0
    calldata: str
    summary: str = ""


class Proposal(BaseModel):
    """A proposal as submitted; enough to vote, queue and execute it (also saved as a proposal file)."""

    network: str
    governor: str
    proposal_id: str  # decimal: the id is a uint256 that JSON readers in other languages would round
    description: str
    actions: list[Action]
    proposer: str | None = None
    block_number: int | None = None

    @property
    def id(self) -> int:
        return int(self.proposal_id)

    @property
    def description_hash(self) -> bytes:
        return keccak(text=self.description)

    def args(self) -> tuple[list[str], list[int], list[bytes]]:
        return (
            [a.target for a in self.actions],
            [a.value for a in self.actions],
            [bytes.fromhex(a.calldata[2:]) for a in self.actions],
        )


class Listing(BaseModel):
    """What governance fixes when it lists an equity; mirrors the Solidity `Listing` struct of AssetLister."""

    terms: AssetTerms
    custodian_signer: str
    min_tier: int = Field(default=1, ge=1, le=3)
    max_holders: int = Field(default=0, ge=0, lt=2**32)
    reserve_heartbeat: int = Field(default=DAY, gt=0, lt=2**32)
    mint_cap: int = Field(gt=0, lt=2**128)
    mint_rate_per_day: int = Field(gt=0, lt=2**128)
    mint_fee_bps: int = Field(default=0, ge=0, le=100)
    burn_fee_bps: int = Field(default=0, ge=0, le=100)

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.terms.as_tuple(), self.min_tier, self.max_holders, self.custodian_signer, self.reserve_heartbeat,
            self.mint_cap, self.mint_rate_per_day, self.mint_fee_bps, self.burn_fee_bps,
        )


# ============================================================================================ actions


def _action(contract: ContractInstance, method: str, *args: Any, summary: str) -> Action:
    data = getattr(contract, method).encode_input(*args)
    return Action(target=contract.address, calldata=_hex(data), summary=summary)


def set_fees_action(record: DeploymentRecord, asset: str, mint_bps: int, burn_bps: int) -> Action:
    vault = record.instance("FeeVault")
    return _action(vault, "setFees", asset, mint_bps, burn_bps,
                   summary=f"FeeVault.setFees({asset}, mint {mint_bps} bps, burn {burn_bps} bps)")


def split_action(asset: str, numerator: int, denominator: int, activates_at: int, notice: str) -> Action:
    """Schedules a split (numerator > denominator) or reverse split on `asset` (the timelock holds its
    CORPORATE_ACTIONS_ROLE). The compare-and-swap version is read now: if another split is scheduled or cancelled
    before this proposal executes, it reverts instead of applying on top. `notice` is the issuer's reference;
    its keccak256 goes on-chain."""
    token = project.RealAssetToken.at(asset)
    version = token.multiplierState()[1]
    return _action(token, "scheduleSplit", numerator, denominator, activates_at, version, keccak(text=notice),
                   summary=f"{token.symbol()}.scheduleSplit({numerator}-for-{denominator} at {activates_at}, "
                           f"version {version}, {notice!r})")


def management_fee_action(record: DeploymentRecord, asset: str, bps: int) -> Action:
    """Sets the annual management fee of `asset`, accrued through its share multiplier."""
    vault = record.instance("FeeVault")
    return _action(vault, "setManagementFee", asset, bps,
                   summary=f"FeeVault.setManagementFee({asset}, {bps} bps a year)")


def dividend_actions(record: DeploymentRecord, payout_token: str, terms: tuple, total_gross: int) -> list[Action]:
    """Creating a distribution from governance's treasury: approve the distributor for the gross total, then
    `createDistribution(terms)`, which pulls it. `terms` is the DistributionTerms tuple (reserves.distributor builds it
    from a distribution file); the timelock must hold `total_gross` of `payout_token`."""
    distributor = record.instance("DividendDistributor")
    stablecoin = project.TestStablecoin.at(payout_token)  # any ERC-20: only approve is used
    return [
        _action(stablecoin, "approve", distributor.address, total_gross,
                summary=f"{payout_token}.approve(DividendDistributor, {total_gross})"),
        _action(distributor, "createDistribution", terms,
                summary=f"DividendDistributor.createDistribution({terms[0]}, record block {terms[3]}, "
                        f"{terms[4]} per share, root {terms[2].hex() if isinstance(terms[2], bytes) else terms[2]})"),
    ]


def dividend_cancel_action(record: DeploymentRecord, distribution_id: int) -> Action:
    """Cancelling a wrong distribution (bad root, wrong amount): its claims stop and everything not yet paid
    returns to the treasury, the timelock (which holds DISTRIBUTION_CANCELLER_ROLE)."""
    distributor = record.instance("DividendDistributor")
    return _action(distributor, "cancelDistribution", distribution_id,
                   summary=f"DividendDistributor.cancelDistribution({distribution_id})")


def conversion_actions(record: DeploymentRecord, asset: str, terms: tuple, corporate_action: str) -> list[Action]:
    """Opening a merger, tender offer or delisting in one proposal: the asset stops minting (HALTED through the
    AssetLister), its management fee stops, the ConversionVault receives FORCED_TRANSFER_ROLE on it (and MINTER_ROLE on a TOKEN target),
    then the conversion opens with `terms` (the ConversionTerms tuple of rat.conversions)."""
    vault = record.instance("ConversionVault")
    token = project.RealAssetToken.at(asset)
    actions = [
        asset_status_action(record, asset, AssetStatus.HALTED, corporate_action),
        # The fee would keep shrinking every holder's payout while the conversion is open.
        management_fee_action(record, asset, 0),
        _action(token, "grantRole", token.FORCED_TRANSFER_ROLE(), vault.address,
                summary=f"{token.symbol()}.grantRole(FORCED_TRANSFER_ROLE, ConversionVault)"),
    ]
    kind, payout = terms[0], terms[1]
    if int(kind) == 2:  # TOKEN: the vault mints the target
        target = project.RealAssetToken.at(payout)
        actions.append(_action(target, "grantRole", target.MINTER_ROLE(), vault.address,
                               summary=f"{target.symbol()}.grantRole(MINTER_ROLE, ConversionVault)"))
    actions.append(_action(vault, "openConversion", asset, terms,
                           summary=f"ConversionVault.openConversion({token.symbol()}, {corporate_action!r})"))
    return actions


def list_asset_action(record: DeploymentRecord, listing: Listing) -> Action:
    lister = record.instance("AssetLister")
    predicted = lister.predictAddress(listing.terms.symbol)
    return _action(lister, "list", listing.as_tuple(),
                   summary=f"AssetLister.list({listing.terms.symbol} {listing.terms.isin}) -> {predicted}")


def channel_id(channel: str) -> bytes:
    """The on-chain id of a release channel: keccak256 of its name ("canary"); "stable" is the zero id."""
    return b"\0" * 32 if channel == "stable" else keccak(text=channel)


def set_channel_action(record: DeploymentRecord, channel: str, beacon: str) -> Action:
    """Registers release channel `channel` on the AssetLister with its own EquityBeacon (docs/release/playbook.md)."""
    lister = record.instance("AssetLister")
    return _action(lister, "setChannel", channel_id(channel), beacon,
                   summary=f"AssetLister.setChannel({channel}, {beacon})")


def list_asset_on_channel_action(record: DeploymentRecord, channel: str, listing: Listing) -> Action:
    """Lists an equity whose proxy follows the beacon of release channel `channel` for life."""
    # No predicted address in the summary: the channel may be registered by an earlier action of the same proposal.
    lister = record.instance("AssetLister")
    return _action(lister, "listOn", channel_id(channel), listing.as_tuple(),
                   summary=f"AssetLister.listOn({channel}, {listing.terms.symbol} {listing.terms.isin})")


def beacon_upgrade_action(beacon: ContractInstance, implementation: str, channel: str) -> Action:
    """Points one release channel's EquityBeacon at `implementation` (the canary first, then the stable one)."""
    return _action(beacon, "upgradeTo", implementation,
                   summary=f"EquityBeacon({channel}).upgradeTo({implementation})")


def asset_status_action(record: DeploymentRecord, asset: str, status: AssetStatus, corporate_action: str) -> Action:
    """`corporate_action` is the human reference (e.g. "CA-2027-0042 merger"); its keccak256 goes on-chain."""
    lister = record.instance("AssetLister")
    ref = keccak(text=corporate_action)
    return _action(lister, "setAssetStatus", asset, int(status), ref,
                   summary=f"AssetLister.setAssetStatus({asset}, {status.name}, {corporate_action!r})")


VENUE_METHODS = {"register": "registerVenue", "remove": "removeVenue", "resume": "resumeVenue",
                 "suspend": "suspendVenue"}


def venue_action(record: DeploymentRecord, change: str, asset: str, venue: str, decision: str) -> Action:
    """Registers, removes, resumes or suspends a trading venue of `asset` in the ComplianceRegistry (ADR 0101; the
    timelock holds VENUE_LISTING_ROLE). `decision` is the human reference; its keccak256 goes on-chain."""
    if change not in VENUE_METHODS:
        raise ValueError(f"venue change must be one of {', '.join(VENUE_METHODS)}, got {change!r}")
    registry = record.instance("ComplianceRegistry")
    return _action(registry, VENUE_METHODS[change], asset, venue, keccak(text=decision),
                   summary=f"ComplianceRegistry.{VENUE_METHODS[change]}({asset}, {venue}, {decision!r})")


def venue_exit_action(record: DeploymentRecord, asset: str, venue: str, exit_: str, decision: str) -> Action:
    """Gives `venue` one exit for `asset` in the ComplianceRegistry (ADR 0101 "Venue exits", ADR 0102: Morpho's is
    the RatMorphoGateway), or clears it with the zero address. `decision` is the human reference; its keccak256 goes
    on-chain."""
    registry = record.instance("ComplianceRegistry")
    return _action(registry, "setVenueExit", asset, venue, exit_, keccak(text=decision),
                   summary=f"ComplianceRegistry.setVenueExit({asset}, {venue}, {exit_}, {decision!r})")


def upgrade_action(record: DeploymentRecord, name: str, implementation: str) -> Action:
    """The call that points `name` (EquityBeacon or a UUPS proxy) at `implementation`."""
    target = record.instance(name)
    if name == "EquityBeacon":
        return _action(target, "upgradeTo", implementation, summary=f"EquityBeacon.upgradeTo({implementation})")
    return _action(target, "upgradeToAndCall", implementation, b"",
                   summary=f"{name}.upgradeToAndCall({implementation}, 0x)")


# ============================================================================================ lifecycle


def governor_of(record: DeploymentRecord) -> ContractInstance:
    return record.instance("RatGovernor")


def propose(record: DeploymentRecord, proposer: AccountAPI, actions: list[Action], description: str) -> Proposal:
    governor = governor_of(record)
    proposal = Proposal(network=record.network, governor=governor.address, proposal_id="0", description=description,
                        actions=actions, proposer=proposer.address)
    receipt = governor.propose(*proposal.args(), description, sender=proposer)
    created = next(log for log in receipt.events if log.event_name == "ProposalCreated")
    proposal.proposal_id = str(created.proposalId)
    proposal.block_number = receipt.block_number
    return proposal


def proposal_from_chain(record: DeploymentRecord, proposal_id: int) -> Proposal:
    """Rebuilds a proposal from the governor's ProposalCreated log (for `queue`/`execute` by id)."""
    governor = governor_of(record)
    for log in governor.ProposalCreated.range(record.first_block, chain.blocks.head.number + 1):
        if int(log.proposalId) == int(proposal_id):
            actions = [Action(target=t, value=int(v), calldata=_hex(c))
                       for t, v, c in zip(log.targets, log.values, log.calldatas, strict=True)]
            return Proposal(network=record.network, governor=governor.address, proposal_id=str(proposal_id),
                            description=log.description, actions=actions, proposer=log.proposer,
                            block_number=log.block_number)
    raise LookupError(f"no proposal {proposal_id} on governor {governor.address}")


def state(record: DeploymentRecord, proposal_id: int) -> ProposalState:
    return ProposalState(governor_of(record).state(int(proposal_id)))


def vote(record: DeploymentRecord, voter: AccountAPI, proposal_id: int, support: VoteType, reason: str = "") -> ReceiptAPI:
    governor = governor_of(record)
    if reason:
        return governor.castVoteWithReason(int(proposal_id), int(support), reason, sender=voter)
    return governor.castVote(int(proposal_id), int(support), sender=voter)


def queue(record: DeploymentRecord, sender: AccountAPI, proposal: Proposal) -> ReceiptAPI:
    return governor_of(record).queue(*proposal.args(), proposal.description_hash, sender=sender)


def execute(record: DeploymentRecord, sender: AccountAPI, proposal: Proposal, path: Path | None = None) -> ReceiptAPI:
    """Executes a queued proposal, then brings the record up to date (new listings, completed upgrades)."""
    receipt = governor_of(record).execute(*proposal.args(), proposal.description_hash, sender=sender)
    sync_assets(record)
    sync_implementations(record)
    if path is not None:
        record.save(path)
    return receipt


def pass_locally(
    record: DeploymentRecord, proposer: AccountAPI, voters: list[AccountAPI], actions: list[Action], description: str,
    path: Path | None = None,
) -> Proposal:
    """Local chains only: propose, vote FOR with every voter, queue, wait the timelock delay, execute."""
    if chain.provider.network.name not in ("local",) and not chain.provider.network.name.endswith("-fork"):
        raise RuntimeError("pass_locally mines blocks and moves time: local networks only")
    proposal = propose(record, proposer, actions, description)
    chain.mine(record.settings.voting_delay_blocks + 1)
    for voter in voters:
        vote(record, voter, proposal.id, VoteType.FOR)
    chain.mine(record.settings.voting_period_blocks + 1)
    queue(record, proposer, proposal)
    chain.pending_timestamp += record.settings.timelock_delay_seconds + 1
    execute(record, proposer, proposal, path)
    return proposal


def proposals_dir(directory: Path = DEPLOYMENTS) -> Path:
    return directory / "proposals"


def save_proposal(proposal: Proposal, directory: Path | None = None) -> Path:
    directory = directory or proposals_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{proposal.network}-{proposal.proposal_id[:12]}.json"
    path.write_text(proposal.model_dump_json(indent=2) + "\n")
    return path


def load_proposal(path: Path) -> Proposal:
    return Proposal.model_validate_json(path.read_text())


# ============================================================================================ upgrades


class PreparedUpgrade(BaseModel):
    name: str
    contract: str
    implementation: str
    report: LayoutReport
    action: Action


def prepare_upgrade(
    record: DeploymentRecord,
    deployer: AccountAPI,
    name: str,
    new_contract: str,
    constructor_args: list[Any] | None = None,
    dry_run: bool = False,
    echo: Any = print,
    path: Path | None = None,
    source: Path | None = None,
) -> PreparedUpgrade:
    """Checks that `new_contract` keeps the storage layout recorded for `name`'s current implementation (raises
    IncompatibleStorageLayout otherwise, before anything is sent), deploys it and returns the governance action.
    Constructor arguments default to those of the current implementation; `source` names the file defining
    `new_contract` when it is not under contracts/."""
    current = record.contracts[name].implementation
    if current is None or current.storage_layout is None:
        raise ValueError(f"{name} has no recorded implementation layout to compare against")
    new_layout = (compile_layouts([source], [new_contract])[new_contract] if source is not None
                  else layout_of(new_contract))
    report = check_upgrade(current.storage_layout, new_layout)
    for warning in report.warnings:
        echo(f"  note: {warning}")
    args = constructor_args if constructor_args is not None else list(current.constructor_args)
    tx = Transactor(deployer, dry_run=dry_run, echo=echo)
    address, receipt = tx.deploy(new_contract, *args)
    entry = _entry(new_contract, address, receipt, args)
    entry.storage_layout = new_layout
    if not dry_run:
        record.pending_upgrades[f"{name}:{address}"] = entry  # promoted by sync_implementations once executed
        if path is not None:
            record.save(path)
    return PreparedUpgrade(name=name, contract=new_contract, implementation=address, report=report,
                           action=upgrade_action(record, name, address))


def current_implementation(record: DeploymentRecord, name: str) -> str:
    target = record.contracts[name]
    if name == "EquityBeacon":
        return record.instance("EquityBeacon").implementation()
    # ERC-1967 implementation slot.
    slot = int.from_bytes(keccak(text="eip1967.proxy.implementation"), "big") - 1
    word = chain.provider.get_storage(target.address, slot)
    return "0x" + bytes(word)[-20:].hex()


def sync_implementations(record: DeploymentRecord) -> None:
    """Promotes a pending implementation to current once governance has executed its upgrade."""
    for key in list(record.pending_upgrades):
        name, address = key.split(":")
        if current_implementation(record, name).lower() == address.lower():
            entry: ContractRecord = record.pending_upgrades.pop(key)
            record.contracts[name].implementation = entry
