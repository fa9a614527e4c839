"""Builders shared by the governance specifications."""

from __future__ import annotations

from rat.deploy import AssetTerms
from rat.governance import Listing

SHARE = 10**18


def listing(symbol: str, name: str, isin: str, custodian: str) -> Listing:
    return Listing(
        terms=AssetTerms.example(symbol, name, isin),
        custodian_signer=custodian,
        mint_cap=1_000_000 * SHARE,
        mint_rate_per_day=100_000 * SHARE,
        mint_fee_bps=30,
        burn_fee_bps=30,
    )
