"""Deploys and drives the mint/burn engine (Minter, ReserveRegistry + ReserveFeed, FeeVault) through Ape.

Shared by the demo, the tests and the gas benchmark so all of them exercise the same wiring. Typical use::

    stack = deploy_minting_stack(deployer, compliance, kyc_operator=kyc_op, settlement=relayer.address)
    grant_minting_roles(stack, admin, submitter=relayer, rejecter=ops, publisher=publisher)
    set_attestors(stack, admin, brokerage=[broker_key_addr], custody=[custody_key_addr])
    usdc = deploy_test_stablecoin(deployer); list_payment_token(stack, admin, usdc)
    set_tier_limits(stack, admin)
    feed = list_asset(stack, admin, token, custodian=custodian_addr, mint_cap=..., mint_rate_per_day=...)
    publish_reserves(stack, publisher, custodian_key, token, shares=..., as_of=chain_time)
    rid = request_mint(stack, investor, token, usdc, amount, max_price, deadline)
    fulfill_mint(stack, relayer, rid, shares=..., price=..., attestor_keys=[broker_key, custody_key])
"""

from __future__ import annotations

from collections.abc import Sequence
import time
from dataclasses import dataclass

from ape import project
from ape.api import AccountAPI, ReceiptAPI
from ape.contracts import ContractInstance
from eth_utils import keccak
from pydantic import BaseModel, Field

from rat.attestations import Fill, RoundReport, attest_fill, sign_round
from rat.deploy import ComplianceStack, jurisdiction, provider_ref, role
from rat.protocol import AssetStatus, AttestorRole, FeeBucket, HolderClass, RejectReason, RequestKind, RequestStatus  # noqa: F401 (re-exported)

DAY = 24 * 3600
SHARE = 10**18
USD = 10**18  # notional limits are 18-decimal USD
# The Minter holds escrowed tokens, so it needs a KYC record that does not lapse during the deployment's life.
MINTER_KYC_TIER = 3
MINTER_KYC_VALIDITY = 100 * 365 * DAY
MINTER_JURISDICTION = "SC"


class TierLimit(BaseModel):
    per_request: int = Field(ge=0, lt=2**128)
    per_day: int = Field(ge=0, lt=2**96)


DEFAULT_TIER_LIMITS: dict[int, TierLimit] = {
    1: TierLimit(per_request=10_000 * USD, per_day=25_000 * USD),  # retail
    2: TierLimit(per_request=250_000 * USD, per_day=1_000_000 * USD),  # professional
    3: TierLimit(per_request=5_000_000 * USD, per_day=20_000_000 * USD),  # institutional
}


@dataclass(frozen=True)
class MintingStack:
    minter: ContractInstance
    minter_implementation: ContractInstance
    reserves: ContractInstance
    reserves_implementation: ContractInstance
    fee_vault: ContractInstance
    fee_vault_implementation: ContractInstance
    compliance: ComplianceStack


def deploy_minting_stack(
    deployer: AccountAPI,
    compliance: ComplianceStack,
    kyc_operator: AccountAPI,
    settlement: str,
    admin: AccountAPI | None = None,
    insurance_share_bps: int = 2_000,
    now: int | None = None,
    policy_admin: AccountAPI | None = None,
) -> MintingStack:
    """Deploys FeeVault, ReserveRegistry and Minter behind UUPS proxies, names the Minter in the vault (which pushes
    fee rates to it), classifies the Minter as a PROTOCOL holder (its escrow takes no holder slot, ADR 0084;
    `policy_admin`, default `deployer`, holds the registry's ASSET_POLICY_ROLE) and gives it a KYC record. `admin`
    gets every admin and upgrader role."""
    admin = admin or deployer
    vault_impl = deployer.deploy(project.FeeVault)
    vault = project.FeeVault.at(
        deployer.deploy(
            project.SingletonProxy, vault_impl.address, vault_impl.initialize.encode_input(admin.address,
                                                                                           insurance_share_bps)
        ).address
    )
    reserves_impl = deployer.deploy(project.ReserveRegistry)
    reserves = project.ReserveRegistry.at(
        deployer.deploy(
            project.SingletonProxy, reserves_impl.address, reserves_impl.initialize.encode_input(admin.address)
        ).address
    )
    minter_impl = deployer.deploy(project.Minter, compliance.registry.address, vault.address, reserves.address)
    minter = project.Minter.at(
        deployer.deploy(
            project.SingletonProxy, minter_impl.address, minter_impl.initialize.encode_input(admin.address, settlement)
        ).address
    )
    vault.setMinter(minter.address, sender=admin)
    expiry = (now if now is not None else int(time.time())) + MINTER_KYC_VALIDITY
    compliance.registry.setInvestor(
        minter.address, MINTER_KYC_TIER, jurisdiction(MINTER_JURISDICTION), expiry,
        provider_ref(f"rat-minter:{minter.address}"), sender=kyc_operator,
    )
    compliance.registry.setHolderClass(minter.address, HolderClass.PROTOCOL,
                                       provider_ref(f"rat-protocol-holder:{minter.address}"),
                                       sender=policy_admin or deployer)
    return MintingStack(minter, minter_impl, reserves, reserves_impl, vault, vault_impl, compliance)


def grant_minting_roles(
    stack: MintingStack,
    admin: AccountAPI,
    *,
    submitter: AccountAPI | str | None = None,
    rejecter: AccountAPI | str | None = None,
    publisher: AccountAPI | str | None = None,
    asset_manager: AccountAPI | str | None = None,
    attestor_manager: AccountAPI | str | None = None,
    custodian_manager: AccountAPI | str | None = None,
    fee_governor: AccountAPI | str | None = None,
    fee_withdrawer: AccountAPI | str | None = None,
) -> None:
    """Grants the operational roles; the manager/governor roles default to `admin`."""
    grants = [
        (stack.minter, "SUBMITTER_ROLE", submitter),
        (stack.minter, "REJECTER_ROLE", rejecter),
        (stack.reserves, "PUBLISHER_ROLE", publisher),
        (stack.minter, "ASSET_MANAGER_ROLE", asset_manager or admin),
        (stack.minter, "ATTESTOR_MANAGER_ROLE", attestor_manager or admin),
        (stack.reserves, "CUSTODIAN_MANAGER_ROLE", custodian_manager or admin),
        (stack.fee_vault, "FEE_GOVERNOR_ROLE", fee_governor or admin),
        (stack.fee_vault, "FEE_WITHDRAWER_ROLE", fee_withdrawer or admin),
    ]
    for contract, name, who in grants:
        if who is not None:
            contract.grantRole(role(name), _addr(who), sender=admin)


def set_attestors(
    stack: MintingStack, manager: AccountAPI, brokerage: Sequence[str], custody: Sequence[str], quorum: int = 2
) -> None:
    for address in brokerage:
        stack.minter.setAttestor(address, AttestorRole.BROKERAGE, sender=manager)
    for address in custody:
        stack.minter.setAttestor(address, AttestorRole.CUSTODY, sender=manager)
    if quorum != stack.minter.quorum():
        stack.minter.setQuorum(quorum, sender=manager)


def set_tier_limits(
    stack: MintingStack, manager: AccountAPI, limits: dict[int, TierLimit] | None = None
) -> None:
    for tier, limit in (limits or DEFAULT_TIER_LIMITS).items():
        stack.minter.setTierLimits(tier, limit.per_request, limit.per_day, sender=manager)


def deploy_test_stablecoin(
    deployer: AccountAPI, name: str = "Test USD Coin", symbol: str = "USDC", decimals: int = 6
) -> ContractInstance:
    """A real OpenZeppelin ERC-20 with permit and `decimals` decimals; `deployer` may mint test balances."""
    return deployer.deploy(project.TestStablecoin, name, symbol, decimals, deployer.address)


def list_payment_token(stack: MintingStack, manager: AccountAPI, token: ContractInstance) -> None:
    """Lists `token`; the Minter pulls ESCROW_KEEPALIVE base units from `manager` that stay in it for good (so its
    escrow balance never returns to zero). A manager owning a TestStablecoin mints them first."""
    keepalive = stack.minter.ESCROW_KEEPALIVE()
    if token.balanceOf(manager) < keepalive:
        token.mint(manager, keepalive, sender=manager)
    token.approve(stack.minter.address, keepalive, sender=manager)
    stack.minter.listPaymentToken(token.address, sender=manager)


def list_asset(
    stack: MintingStack,
    admin: AccountAPI,
    token: ContractInstance,
    custodian: str,
    mint_cap: int,
    mint_rate_per_day: int,
    reserve_heartbeat: int = DAY,
    mint_fee_bps: int = 0,
    burn_fee_bps: int = 0,
    token_admin: AccountAPI | None = None,
) -> ContractInstance:
    """Makes `token` mintable through the Minter: MINTER_ROLE, custodian signer, the listing with its limits (the
    secure-mint guard reads the ReserveRegistry directly) and its fees. Also deploys the asset's ReserveFeed, the
    Chainlink AggregatorV3Interface view of the same rounds for outside consumers, and returns it."""
    token.grantRole(role("MINTER_ROLE"), stack.minter.address, sender=token_admin or admin)
    stack.reserves.setCustodian(token.address, custodian, sender=admin)
    feed = admin.deploy(project.ReserveFeed, stack.reserves.address, token.address,
                        f"{token.symbol()} / shares in custody")
    stack.minter.listAsset(token.address, stack.reserves.address, reserve_heartbeat, mint_cap, mint_rate_per_day,
                           sender=admin)
    if mint_fee_bps or burn_fee_bps:
        stack.fee_vault.setFees(token.address, mint_fee_bps, burn_fee_bps, sender=admin)
    return feed


def publish_reserves(
    stack: MintingStack,
    publisher: AccountAPI,
    custodian_key: bytes | str,
    token: ContractInstance | str,
    shares: int,
    as_of: int,
    merkle_root: bytes = b"\x00" * 32,
    statement_uri: str | None = None,
    statement_hash: bytes | None = None,
) -> RoundReport:
    """Signs the next reserve round of `token` with the custodian key and publishes it."""
    asset = _addr(token)
    uri = statement_uri or f"ipfs://rat/reserves/{asset}/{as_of}.json"
    report = RoundReport(
        asset=asset,
        round_id=stack.reserves.latestRoundId(asset) + 1,
        shares=shares,
        as_of=as_of,
        merkle_root=merkle_root,
        statement_uri=uri,
        statement_hash=statement_hash or keccak(text=uri),
    )
    signature = sign_round(custodian_key, _chain_id(stack), stack.reserves.address, report)
    stack.reserves.publishRound(report.as_tuple(), signature, sender=publisher)
    return report


def request_id_of(receipt: ReceiptAPI) -> bytes:
    """The request id a requestMint / requestBurn transaction created."""
    for log in receipt.events:
        if log.event_name in ("MintRequested", "BurnRequested"):
            return bytes(log.requestId)
    raise ValueError("no MintRequested/BurnRequested event in receipt")


def request_mint(
    stack: MintingStack,
    investor: AccountAPI,
    token: ContractInstance | str,
    payment_token: ContractInstance,
    amount: int,
    max_price: int,
    deadline: int,
) -> bytes:
    """Approves and escrows `amount` of `payment_token`; returns the request id."""
    payment_token.approve(stack.minter.address, amount, sender=investor)
    receipt = stack.minter.requestMint(_addr(token), payment_token.address, amount, max_price, deadline,
                                       sender=investor)
    return request_id_of(receipt)


def request_burn(
    stack: MintingStack,
    investor: AccountAPI,
    token: ContractInstance,
    payment_token: ContractInstance | str,
    shares: int,
    min_price: int,
    deadline: int,
) -> bytes:
    token.approve(stack.minter.address, shares, sender=investor)
    receipt = stack.minter.requestBurn(token.address, _addr(payment_token), shares, min_price, deadline,
                                       sender=investor)
    return request_id_of(receipt)


def fee_for(stack: MintingStack, token: ContractInstance | str, kind: RequestKind, shares: int, price: int) -> int:
    """The fee the FeeVault will charge for a fill, computed exactly as the Minter does."""
    value = -(-shares * price // SHARE) if kind == RequestKind.MINT else shares * price // SHARE
    return stack.fee_vault.quote(_addr(token), kind, value)


def build_fill(
    stack: MintingStack,
    request_id: bytes,
    shares: int,
    price: int,
    deadline: int,
    broker_order_ref: bytes | None = None,
    custody_ref: bytes | None = None,
) -> tuple[Fill, str, str]:
    """A fill of a stored request with the fee the vault will charge; returns (fill, asset, account)."""
    req = stack.minter.getRequest(request_id)
    asset_address = stack.minter.assetById(req.assetId)
    fill = Fill(
        request_id=request_id,
        shares=shares,
        price=price,
        fees=fee_for(stack, asset_address, RequestKind(req.kind), shares, price),
        broker_order_ref=broker_order_ref or keccak(b"broker:" + request_id),
        custody_ref=custody_ref or keccak(b"custody:" + request_id),
        deadline=deadline,
    )
    return fill, asset_address, req.account


def attest(stack: MintingStack, fill: Fill, asset: str, account: str, keys: Sequence[bytes | str]) -> list[bytes]:
    return attest_fill(keys, _chain_id(stack), stack.minter.address, fill, asset, account)


def fulfill(
    stack: MintingStack,
    submitter: AccountAPI,
    request_id: bytes,
    shares: int,
    price: int,
    attestor_keys: Sequence[bytes | str],
    attestation_deadline: int,
) -> ReceiptAPI:
    """Builds the fill, has every attestor key sign it and submits fulfillMint or fulfillBurn."""
    fill, asset, account = build_fill(stack, request_id, shares, price, attestation_deadline)
    signatures = attest(stack, fill, asset, account, attestor_keys)
    kind = RequestKind(stack.minter.getRequest(request_id).kind)
    method = stack.minter.fulfillMint if kind == RequestKind.MINT else stack.minter.fulfillBurn
    return method(fill.as_tuple(), signatures, sender=submitter)


# ---------------------------------------------------------------------------------------------- helpers


def _chain_id(stack: MintingStack) -> int:
    return stack.minter.provider.chain_id


def _addr(x: object) -> str:
    return x if isinstance(x, str) else x.address  # type: ignore[attr-defined]
