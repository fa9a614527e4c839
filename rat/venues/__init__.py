"""Trading venues for RAT assets (Uniswap v4 first)."""
