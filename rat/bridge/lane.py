"""A CCIP lane between two chains (ADR 0106): the RAT stack, the Router, the pool and the ramp harness on each
chain, connected both ways with matched rate limits; a send from either side.

`Side` bundles one chain's contracts with the `Chain` they live on; every call here enters that chain's provider
(`Chain.active()`), so the same code drives one anvil with two selectors or two anvils.
"""

from __future__ import annotations

from dataclasses import dataclass

from ape import chain as ape_chain
from ape import project
from ape.api import AccountAPI, ReceiptAPI
from ape.contracts import ContractInstance

from rat.bridge.ccip import (
    LanePairLimits,
    configure_lane,
    deploy_pool,
    deploy_router,
    register_pool,
    rmn_of,
    set_ramps,
)
from rat.bridge.chains import Chain
from rat.deploy import AssetTerms, ComplianceStack, approve_investor, deploy_compliance_stack, list_equity, role

KYC_VALIDITY_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class Side:
    """One chain's half of a lane."""

    chain: Chain
    stack: ComplianceStack
    token: ContractInstance
    router: ContractInstance
    pool: ContractInstance
    ramp: ContractInstance  # registered on `router` as OnRamp to, and OffRamp from, the other side

    @property
    def selector(self) -> int:
        return self.chain.selector


def deploy_side(chain: Chain, admin: AccountAPI, kyc_operator: AccountAPI, stack: ComplianceStack | None = None,
                token: ContractInstance | None = None, terms: AssetTerms | None = None) -> Side:
    """Deploys on `chain` what a lane needs: the compliance stack and the asset (unless given), Chainlink's Router
    from the package's bytecode, a RatCcipPool (MINTER_ROLE, PROTOCOL holder) and the ramp harness. `admin` stands
    for governance (DEFAULT_ADMIN_ROLE, ASSET_POLICY_ROLE, LANE_ADMIN_ROLE)."""
    with chain.active():
        if stack is None:
            stack = deploy_compliance_stack(admin)
            stack.registry.grantRole(role("KYC_OPERATOR_ROLE"), kyc_operator, sender=admin)
            stack.registry.grantRole(role("ASSET_POLICY_ROLE"), admin, sender=admin)
        if token is None:
            token = list_equity(admin, stack, terms or AssetTerms.example(), admin)
        router = deploy_router(admin)
        pool = deploy_pool(admin, token, stack.registry, router, rmn_of(router).address, admin)
        ramp = admin.deploy(project.CcipRampHarness)
    return Side(chain, stack, token, router, pool, ramp)


def connect(a: Side, b: Side, limits: LanePairLimits, admin: AccountAPI, a_min_tier: int = 1,
            b_min_tier: int = 1) -> None:
    """Registers each side's ramp on its Router and sets the lane on both pools (`limits` is a checked matched
    pair; `b_min_tier` is what A's pool requires of a recipient on B, and the reverse)."""
    with a.chain.active():
        set_ramps(a.router, admin, b.selector, a.ramp.address, a.ramp.address)
        register_pool(a.ramp, a.router, a.token, a.pool, admin)
        configure_lane(a.pool, b.selector, b.pool.address, b.token.address, b_min_tier, limits.a_outbound,
                       limits.a_inbound, admin)
    with b.chain.active():
        set_ramps(b.router, admin, a.selector, b.ramp.address, b.ramp.address)
        register_pool(b.ramp, b.router, b.token, b.pool, admin)
        configure_lane(b.pool, a.selector, a.pool.address, a.token.address, a_min_tier, limits.b_outbound,
                       limits.b_inbound, admin)


def approve_everywhere(sides: tuple[Side, ...], kyc_operator: AccountAPI, account: str, tier: int = 1,
                       country: str = "BR", valid_for: int = KYC_VALIDITY_SECONDS) -> None:
    """Writes the same KYC record on every chain, as the relayer's KYC writer is to fan out (status ccip-kyc-fanout)."""
    for side in sides:
        with side.chain.active():
            approve_investor(side.stack, kyc_operator, account, tier, country, valid_for,
                             now=ape_chain.pending_timestamp)


def send(source: Side, dest: Side, sender: AccountAPI, recipient: str, amount: int) -> ReceiptAPI:
    """Sends `amount` of the asset from `sender` on `source` to `recipient` on `dest`: the ramp pulls the tokens into
    the pool, which checks both parties and its outbound bucket, then burns (or the whole send reverts)."""
    with source.chain.active():
        if source.token.allowance(sender, source.ramp) < amount:
            source.token.approve(source.ramp, amount, sender=sender)
        return source.ramp.send(source.pool, dest.selector, recipient, amount, sender=sender)


def balances(sides: tuple[Side, ...], account: str) -> dict[str, int]:
    """`account`'s balance of the asset on each chain, by chain name."""
    out = {}
    for side in sides:
        with side.chain.active():
            out[side.chain.name] = int(side.token.balanceOf(account))
    return out


def supplies(sides: tuple[Side, ...]) -> dict[str, int]:
    """The asset's total supply on each chain, by chain name (their sum is what crosses-chain reserves must cover)."""
    out = {}
    for side in sides:
        with side.chain.active():
            out[side.chain.name] = int(side.token.totalSupply())
    return out
