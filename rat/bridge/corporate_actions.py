"""Keeps a RAT asset's corporate actions in step across CCIP chains (ADR 0106, "Corporate actions in step").

The home chain's token is where the issuer's split is scheduled. `propagate_corporate_actions` copies it (the same
ratio, activation time and announcement hash) to a remote chain's token, or cancels there a split the home chain
cancelled, then records each token's state in the other chain's pool. Until both are done the pools refuse every
transfer on the lane (`MultiplierOutOfStep` on the source, quarantine on the destination), because one token unit
would be worth a different number of shares on each side.

A token's corporate-action state is its multiplier's compare-and-swap version (bumped by every scheduled or
cancelled split) and the split time (the scheduled split's, else the last one's). Both survive checkpoints, so two
chains that went through the same actions compare equal whenever their checkpoints ran.
"""

from __future__ import annotations

from ape import chain
from ape.api import AccountAPI
from ape.contracts import ContractInstance
from eth_abi import encode
from pydantic import BaseModel, ConfigDict, Field

from rat.bridge.ccip import ChainSide, CcipError

TOKEN_DECIMALS = 18


class CorporateActions(BaseModel):
    """What two chains must agree on before a token crosses between them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    multiplier_version: int = Field(ge=0, lt=2**32)
    split_at: int = Field(ge=0, lt=2**40)

    def as_tuple(self) -> tuple[int, int]:
        return (self.multiplier_version, self.split_at)

    def pool_data(self) -> bytes:
        """The `destPoolData` a source pool in this state sends: abi.encode(decimals, version, split time)."""
        return encode(["uint8", "uint32", "uint40"], [TOKEN_DECIMALS, self.multiplier_version, self.split_at])


class PendingSplit(BaseModel):
    """A split scheduled on a token and not yet folded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    numerator: int = Field(gt=0)
    denominator: int = Field(gt=0)
    activates_at: int = Field(gt=0)


# Field positions in MultiplierState (contracts/token/ShareMultiplier.sol).
_SPLIT_AT, _NUMERATOR, _DENOMINATOR = 3, 4, 5


def _multiplier_state(token: ContractInstance) -> tuple[tuple[int, ...], int]:
    state, version = token.multiplierState()
    return tuple(state), int(version)


def corporate_actions(token: ContractInstance) -> CorporateActions:
    """The token's corporate-action state, as its pool compares it."""
    state, version = _multiplier_state(token)
    return CorporateActions(multiplier_version=version, split_at=state[_SPLIT_AT])


def pending_split(token: ContractInstance) -> PendingSplit | None:
    """The token's scheduled split, or None (none scheduled, or already taken effect and folded)."""
    state, _ = _multiplier_state(token)
    if state[_NUMERATOR] == 0:
        return None
    return PendingSplit(numerator=state[_NUMERATOR], denominator=state[_DENOMINATOR], activates_at=state[_SPLIT_AT])


def in_step(home: ContractInstance, remote: ContractInstance) -> bool:
    """Whether the two tokens went through the same corporate actions."""
    return corporate_actions(home) == corporate_actions(remote)


def propagate_corporate_actions(home: ChainSide, remote: ChainSide, action_ref: bytes,
                                corporate_actions_admin: AccountAPI, lane_admin: AccountAPI) -> CorporateActions:
    """Brings `remote`'s token to `home`'s corporate-action state and records it in both pools.

    The home token must be exactly one action ahead (a split scheduled, or one cancelled) or already in step; a
    split is copied with the same ratio and activation time, which must still be at least the token's
    MIN_SPLIT_NOTICE away on the remote chain (otherwise cancel it at home and schedule it again with more notice).
    `corporate_actions_admin` holds CORPORATE_ACTIONS_ROLE on the remote token and `lane_admin` LANE_ADMIN_ROLE on
    both pools (governance in production). Returns the state both chains now share.
    """
    target = corporate_actions(home.token)
    current = corporate_actions(remote.token)
    if target != current:
        if target.multiplier_version != current.multiplier_version + 1:
            raise CcipError(f"remote token is at multiplier version {current.multiplier_version}, home at "
                            f"{target.multiplier_version}: only one pending action can be propagated")
        split = pending_split(home.token)
        if split is not None:
            earliest = chain.pending_timestamp + remote.token.MIN_SPLIT_NOTICE()
            if split.activates_at < earliest:
                raise CcipError(f"the home split activates at {split.activates_at}, before the remote chain's "
                                f"earliest activation {earliest}: cancel it at home and schedule it with more notice")
            remote.token.scheduleSplit(split.numerator, split.denominator, split.activates_at,
                                       current.multiplier_version, action_ref, sender=corporate_actions_admin)
        elif target.split_at == 0 and pending_split(remote.token) is not None:
            remote.token.cancelSplit(current.multiplier_version, action_ref, sender=corporate_actions_admin)
        else:
            raise CcipError("home and remote differ by more than a scheduled or cancelled split")
        if corporate_actions(remote.token) != target:
            raise CcipError("the remote token did not reach the home token's corporate-action state")
    home.pool.setRemoteCorporateActions(remote.selector, target.as_tuple(), sender=lane_admin)
    remote.pool.setRemoteCorporateActions(home.selector, target.as_tuple(), sender=lane_admin)
    return target
