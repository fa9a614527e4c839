"""Share <-> token-unit arithmetic of the token's multiplier, exactly as the contracts round (Ape-free, so the
relayer uses the same code).

A token unit never changes; `multiplier` (1e18 = one share per token) says how many shares of the equity it
represents. Brokers and custodians count shares; the Minter, its requests and its attested fills count token units
and prices per token. These functions translate an execution at the broker into the fill the attestors sign.
"""

from __future__ import annotations

from dataclasses import dataclass

SCALE = 10**18


class InvalidMultiplier(ValueError):
    """A multiplier of zero or less cannot convert anything."""


def _check(multiplier: int) -> None:
    if multiplier <= 0:
        raise InvalidMultiplier(f"multiplier must be positive, got {multiplier}")


def to_shares(tokens: int, multiplier: int) -> int:
    """Shares `tokens` represent, rounded down (RealAssetToken.toShares)."""
    _check(multiplier)
    return tokens * multiplier // SCALE


def to_tokens(shares: int, multiplier: int) -> int:
    """Token units that represent `shares`, rounded down (RealAssetToken.toTokens)."""
    _check(multiplier)
    return shares * SCALE // multiplier


@dataclass(frozen=True)
class TokenFill:
    """An execution re-expressed in the Minter's units."""

    tokens: int  # token units (the Fill's `shares` field)
    price_per_token: int  # payment-token units per 1e18 token units (the Fill's `price` field)


def fill_in_tokens(shares: int, price_per_share: int, multiplier: int) -> TokenFill:
    """The fill for `shares` executed at `price_per_share` (payment units per 1e18 shares).

    Tokens round down (never more tokens than shares bought or sold); the price per token is the notional over
    the tokens, rounded down, so the on-chain cost or proceeds never exceed what the broker charged or paid (the
    settlement account keeps at most a few units of dust)."""
    _check(multiplier)
    tokens = to_tokens(shares, multiplier)
    if tokens == 0:
        return TokenFill(0, 0)
    notional = shares * price_per_share // SCALE
    return TokenFill(tokens, notional * SCALE // tokens)


def shares_for_tokens(tokens: int, multiplier: int) -> int:
    """Shares the broker must trade for a request of `tokens` token units (rounded down: never sell or buy more
    than the escrow covers)."""
    return to_shares(tokens, multiplier)
