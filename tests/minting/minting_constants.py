"""Numbers the minting fixtures are built with, importable by the test modules."""

from rat.minting import SHARE

USDC = 10**6
MINT_FEE_BPS = 30
BURN_FEE_BPS = 50
MINT_CAP = 1_000_000 * SHARE
MINT_RATE = 100_000 * SHARE
RESERVE_SHARES = 10_000 * SHARE
PRICE = 200 * USDC  # USDC per share
KEEPALIVE = 1  # Minter.ESCROW_KEEPALIVE: base units of each payment token the Minter holds beyond escrow
