"""Cross-chain RAT: CCIP burn/mint pools (ADR 0106)."""
