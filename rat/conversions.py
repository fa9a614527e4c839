"""Mergers, tender offers and delistings through the ConversionVault (ADR 0082), driven through Ape.

Shared by the tests and, later, the demo and the ape scripts, so all of them exercise the same wiring. Typical use::

    vault = deploy_conversion_vault(deployer, minter, registry, treasury=spv_treasury, manager=timelock)
    grant_conversion_roles(vault, token_admin, source=rXYZ, target=rABC)   # FORCED_TRANSFER / MINTER on tokens
    minter.setAssetStatus(rXYZ, AssetStatus.REDEEM_ONLY, sender=asset_manager)   # no new mints while converting
    open_conversion(vault, manager, rXYZ, ConversionTerms.cash(usdc, cash_per_share, notice_hash, effective_at))
    fund_conversion(vault, settlement, rXYZ, amount)            # the SPV's settlement account deposits the cash
    convert_all(vault, anyone, rXYZ, holders_of(rXYZ))          # mandatory: everyone is converted
    close_conversion(vault, manager, rXYZ)                      # unused cash back to the treasury

Amounts: token units are 1e18 per token; shares are the source's `toShares` (after its multiplier); cash is in the
payment token's base units per share; a TOKEN rate is target shares per source share, 1e18 fixed point.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from ape import chain, project
from ape.api import AccountAPI, ReceiptAPI
from ape.contracts import ContractInstance

from rat.deploy import role

SHARE = 10**18
DAY = 24 * 3600
# Mirrors ConversionVault's constants.
MIN_CONVERSION_WINDOW = 7 * DAY
MAX_BATCH = 200
DEFAULT_WINDOW = 90 * DAY


class ConversionKind(IntEnum):
    """Mirrors `ConversionKind` in contracts/corporate/ConversionVault.sol (order matters)."""

    NONE = 0
    CASH = 1
    TOKEN = 2


class ConversionState(IntEnum):
    NONE = 0
    OPEN = 1
    CLOSED = 2


@dataclass(frozen=True)
class ConversionTerms:
    """What governance fixes when it opens a conversion; mirrors the Solidity `ConversionTerms` struct."""

    kind: ConversionKind
    payout: str  # the stablecoin (CASH) or the target RAT equity (TOKEN)
    rate: int  # CASH: payment-token units per share; TOKEN: target shares per source share, 1e18 fixed point
    mandatory: bool
    effective_at: int
    expires_at: int
    action_ref: bytes  # 32-byte hash of the issuer's notice

    def as_tuple(self) -> tuple:
        return (int(self.kind), self.payout, self.rate, self.mandatory, self.effective_at, self.expires_at,
                self.action_ref)

    @classmethod
    def cash(cls, stablecoin, cash_per_share: int, action_ref: bytes, effective_at: int,
             window: int = DEFAULT_WINDOW, mandatory: bool = True) -> ConversionTerms:
        """A cash merger or delisting (mandatory) or a cash tender offer (mandatory=False)."""
        return cls(ConversionKind.CASH, _addr(stablecoin), cash_per_share, mandatory, effective_at,
                   effective_at + window, action_ref)

    @classmethod
    def token(cls, target, ratio: int, action_ref: bytes, effective_at: int,
              window: int = DEFAULT_WINDOW, mandatory: bool = True) -> ConversionTerms:
        """A stock merger into another listed RAT equity: `ratio` target shares per source share (1e18 = 1:1)."""
        return cls(ConversionKind.TOKEN, _addr(target), ratio, mandatory, effective_at, effective_at + window,
                   action_ref)


# ============================================================================================ pure arithmetic


def shares_of(tokens: int, multiplier: int) -> int:
    """Source shares `tokens` represent at `multiplier` (the token's `toShares`, rounded down)."""
    return tokens * multiplier // SHARE


def cash_payout(tokens: int, multiplier: int, cash_per_share: int) -> int:
    """Cash the vault pays for `tokens`: floor(shares * cash_per_share / 1e18)."""
    return shares_of(tokens, multiplier) * cash_per_share // SHARE


def token_payout(tokens: int, multiplier: int, ratio: int, target_multiplier: int) -> int:
    """Target token units the vault mints for `tokens`: the target's toTokens(floor(shares * ratio / 1e18))."""
    target_shares = shares_of(tokens, multiplier) * ratio // SHARE
    return target_shares * SHARE // target_multiplier


# ============================================================================================ wiring


def deploy_conversion_vault(
    deployer: AccountAPI,
    minter: ContractInstance | str,
    registry: ContractInstance | str,
    treasury: AccountAPI | str,
    admin: AccountAPI | str | None = None,
    manager: AccountAPI | str | None = None,
) -> ContractInstance:
    """Deploys the ConversionVault against the Minter (statuses, reserve feeds) and the ComplianceRegistry (freeze
    flags, eligibility). `admin` (default: deployer) gets DEFAULT_ADMIN_ROLE; `manager` (default: admin, when the
    deployer is the admin) gets CONVERSION_MANAGER_ROLE. The token roles are granted by `grant_conversion_roles`."""
    admin_address = _addr(admin or deployer)
    vault = deployer.deploy(project.ConversionVault, admin_address, _addr(minter), _addr(registry), _addr(treasury))
    if manager is not None or admin_address == deployer.address:
        vault.grantRole(role("CONVERSION_MANAGER_ROLE"), _addr(manager or deployer), sender=deployer)
    return vault


def grant_conversion_roles(
    vault: ContractInstance,
    token_admin: AccountAPI,
    source: ContractInstance | None = None,
    target: ContractInstance | None = None,
) -> None:
    """What the vault needs on the tokens: FORCED_TRANSFER_ROLE on a source (it burns holders' tokens with the
    notice as legal reference) and MINTER_ROLE on a TOKEN target. `token_admin` holds the tokens' admin role."""
    if source is not None:
        source.grantRole(role("FORCED_TRANSFER_ROLE"), vault.address, sender=token_admin)
    if target is not None:
        target.grantRole(role("MINTER_ROLE"), vault.address, sender=token_admin)


def open_conversion(
    vault: ContractInstance, manager: AccountAPI, asset: ContractInstance | str, terms: ConversionTerms
) -> int:
    """Opens the conversion (the asset must be REDEEM_ONLY or HALTED in the Minter); returns its id."""
    receipt = vault.openConversion(_addr(asset), terms.as_tuple(), sender=manager)
    [event] = receipt.events.filter(vault.ConversionOpened)
    return int(event.id)


def fund_conversion(vault: ContractInstance, funder: AccountAPI, asset: ContractInstance | str, amount: int,
                    approve: bool = True) -> ReceiptAPI:
    """Deposits `amount` of the conversion's stablecoin (approving the vault first unless told not to)."""
    stablecoin = project.TestStablecoin.at(vault.conversion(_addr(asset)).payout) if approve else None
    if stablecoin is not None:
        stablecoin.approve(vault.address, amount, sender=funder)
    return vault.fund(_addr(asset), amount, sender=funder)


def convert_all(
    vault: ContractInstance,
    sender: AccountAPI,
    asset: ContractInstance | str,
    holders: Iterable[AccountAPI | str],
    batch_size: int = MAX_BATCH,
) -> list[ReceiptAPI]:
    """Pushes a mandatory conversion to `holders`, `batch_size` per transaction (anyone may send it)."""
    addresses = list(dict.fromkeys(_addr(h) for h in holders))
    if not 0 < batch_size <= MAX_BATCH:
        raise ValueError(f"batch_size must be 1..{MAX_BATCH}, got {batch_size}")
    return [
        vault.convertAll(_addr(asset), addresses[i:i + batch_size], sender=sender)
        for i in range(0, len(addresses), batch_size)
    ]


def close_conversion(vault: ContractInstance, manager: AccountAPI, asset: ContractInstance | str) -> ReceiptAPI:
    return vault.closeConversion(_addr(asset), sender=manager)


def holders_of(token: ContractInstance, start_block: int = 0, stop_block: int | None = None) -> list[str]:
    """Every address holding a non-zero balance of `token` now, found from its Transfer events (the indexer's
    job in production). Ordered by first appearance."""
    seen: dict[str, None] = {}
    stop = stop_block if stop_block is not None else chain.blocks.head.number + 1
    for log in token.Transfer.range(start_block, stop):
        seen.setdefault(str(log.to), None)
    zero = "0x" + "00" * 20
    return [a for a in seen if a != zero and token.balanceOf(a) > 0]


def deferred_holders(vault: ContractInstance, receipts: Sequence[ReceiptAPI]) -> list[str]:
    """Holders `convert_all` skipped (frozen, or refused by the target), from the ConversionDeferred events."""
    return [str(e.holder) for r in receipts for e in r.events.filter(vault.ConversionDeferred)]


def _addr(x: object) -> str:
    return x if isinstance(x, str) else x.address  # type: ignore[attr-defined]
