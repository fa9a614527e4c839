"""Cost of goods sold per user transaction: measured gas x chain fee parameters, plus the relayer's
infrastructure cost per transaction at 10,000 transactions per second sustained; compared with the bar of
USD 0.07 per user transaction.

Inputs: bench/results/gas.json (measured by `make bench`, the same run as the other figures) and the fee table
below. The fee table is NOT fetched (this machine reaches only package registries): every row names its source
page and the date its figure describes; refresh them before using the output for a decision
(docs/decisions/0061-chain-choice-cost-per-transaction.md). Outputs bench/results/cogs.json, cogs.md, cogs.png.

    python bench/cogs.py
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
BAR_USD = 0.07
TPS = 10_000
SECONDS_PER_MONTH = 730 * 3600


@dataclass(frozen=True)
class ChainFees:
    name: str
    kind: str
    gas_price_gwei: float  # execution gas price paid (base + priority), typical
    eth_usd: float
    l1_data_usd_per_byte: float  # L2 only: L1 data-availability fee per compressed calldata byte (blobs)
    sustained_gas_per_s: float  # gas/s the chain targets over time (capacity for the 10k tps question)
    source: str
    as_of: str


ETH_USD = 3_000.0  # https://www.coingecko.com/en/coins/ethereum, 2025-H2 range 2,500-4,500; mid-range figure

CHAINS = (
    ChainFees("Ethereum L1", "L1", 2.0, ETH_USD, 0.0, 45_000_000 / 2 / 12,
              "https://etherscan.io/gastracker (median 2025-H2 1-3 gwei); gas limit 45M, target half, 12 s slots "
              "(ethereum.org, July 2025 limit raise)", "2025-11"),
    ChainFees("Base", "L2 (OP Stack)", 0.005, ETH_USD, 1.0e-7, 25_000_000,
              "https://docs.base.org/base-chain/network-information/network-fees (L2 base fee typically "
              "0.001-0.01 gwei); https://l2fees.info (blob-era L1 fee fractions of a cent); Base engineering "
              "blog 'Scaling Base' (25 Mgas/s target)", "2025-11"),
    ChainFees("Arbitrum One", "L2 (Nitro)", 0.01, ETH_USD, 1.0e-7, 7_000_000,
              "https://docs.arbitrum.io/how-arbitrum-works/gas-fees (minimum L2 base fee 0.01 gwei, speed limit "
              "7 Mgas/s); https://l2fees.info", "2025-11"),
    ChainFees("OP Mainnet", "L2 (OP Stack)", 0.002, ETH_USD, 1.0e-7, 2_500_000,
              "https://docs.optimism.io/stack/transactions/fees (L2 base fee ~0.001 gwei); 30M gas limit per "
              "2 s block, elasticity 6 (target 5M / 2 s); https://l2fees.info", "2025-11"),
)

# Compressed calldata bytes of each operation (ABI size + ~110 bytes of signed envelope, x0.6 brotli/zlib as OP
# Stack and Nitro compress batches); estimates, documented in the ADR.
CALLDATA_BYTES = {"transfer": 110, "requestMint": 165, "fulfillMint": 430, "requestBurn": 165,
                  "fulfillBurn": 430, "cancel": 90}

# What an investor does, and which transactions that takes (who pays each is in `payer`).
USER_TRANSACTIONS = {
    "transfer": (("transfer", "investor"),),
    "mint (request + attested fill)": (("requestMint", "investor"), ("fulfillMint", "relayer")),
    "redeem (request + attested fill)": (("requestBurn", "investor"), ("fulfillBurn", "relayer")),
}


@dataclass(frozen=True)
class Infra:
    """The relayer's infrastructure at a sustained rate. Fixed part from infra/ (prod stack run-rate,
    `python -m rat_infra.cost`); variable part: one KMS ECC sign per submitted transaction and relayer tasks
    scaled to the rate."""

    fixed_usd_month: float = 1_379.76  # infra/rat_infra/cost.py, prod stack (sa-east-1), prices as of 2026-06-01
    kms_usd_per_10k_signs: float = 0.15  # https://aws.amazon.com/kms/pricing/ ECC Sign, as of 2026-06-01
    task_usd_hour: float = 0.05568 + 2 * 0.00608  # Fargate Graviton 1 vCPU + 2 GB, sa-east-1 (infra/ prices)
    tx_per_s_per_task: float = 250.0  # assumption: sign (KMS, async) + submit + receipt per tx, I/O bound
    rpc_usd_per_million_tx: float = 200.0  # assumption: managed RPC at ~4 calls/tx (send, receipt, logs, nonce)

    def usd_per_tx(self, tps: float, relayer_tx_share: float) -> dict[str, float]:
        relayer_tps = tps * relayer_tx_share
        tasks = max(1.0, relayer_tps / self.tx_per_s_per_task)
        per_month_tx = tps * SECONDS_PER_MONTH
        fixed = self.fixed_usd_month / per_month_tx
        compute = tasks * self.task_usd_hour * 730 / per_month_tx
        kms = relayer_tx_share * self.kms_usd_per_10k_signs / 10_000
        rpc = relayer_tx_share * self.rpc_usd_per_million_tx / 1_000_000
        return {"fixed": fixed, "compute": compute, "kms": kms, "rpc": rpc, "total": fixed + compute + kms + rpc,
                "relayer_tasks": tasks}


def tx_usd(gas: int, op: str, chain: ChainFees) -> float:
    execution = gas * chain.gas_price_gwei * 1e-9 * chain.eth_usd
    return execution + CALLDATA_BYTES[op] * chain.l1_data_usd_per_byte


def load_gas() -> dict[str, int]:
    gas = json.loads((RESULTS / "gas.json").read_text())
    m = gas["minting"]
    return {
        "transfer": gas["token"]["transfer"]["rat"],
        "requestMint": m["requestMint"],
        "fulfillMint": m["fulfillMint_2_attestations"],
        "requestBurn": m["requestBurn"],
        "fulfillBurn": m["fulfillBurn_2_attestations"],
        "cancel": m["cancel"],
    }


def compute() -> dict:
    gas = load_gas()
    infra = Infra()
    rows = []
    for chain in CHAINS:
        for user_tx, steps in USER_TRANSACTIONS.items():
            chain_usd = sum(tx_usd(gas[op], op, chain) for op, _ in steps)
            relayer_share = sum(1 for _, payer in steps if payer == "relayer")
            infra_usd = infra.usd_per_tx(TPS, relayer_share)
            total = chain_usd + infra_usd["total"]
            gas_total = sum(gas[op] for op, _ in steps)
            rows.append({
                "chain": chain.name,
                "user_transaction": user_tx,
                "gas": gas_total,
                "chain_fee_usd": round(chain_usd, 6),
                "relayer_infra_usd": round(infra_usd["total"], 6),
                "total_usd": round(total, 6),
                "meets_bar": total <= BAR_USD,
                "share_of_chain_capacity_at_10k_tps": round(gas_total * TPS / chain.sustained_gas_per_s, 1),
            })
    return {
        "bar_usd": BAR_USD,
        "sustained_tps": TPS,
        "gas": gas,
        "calldata_bytes_estimate": CALLDATA_BYTES,
        "chains": [asdict(c) for c in CHAINS],
        "infra_assumptions": asdict(infra),
        "relayer_infra_usd_per_tx_at_10k_tps": {k: round(v, 8) for k, v in infra.usd_per_tx(TPS, 1).items()},
        "rows": rows,
    }


def render_markdown(result: dict) -> str:
    lines = [
        f"| chain | user transaction | gas | chain fee USD | relayer infra USD | total USD | ≤ {BAR_USD} | "
        f"× chain capacity at {TPS:,} tps |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['chain']} | {r['user_transaction']} | {r['gas']:,} | {r['chain_fee_usd']:.5f} | "
            f"{r['relayer_infra_usd']:.6f} | {r['total_usd']:.5f} | {'pass' if r['meets_bar'] else 'short'} | "
            f"{r['share_of_chain_capacity_at_10k_tps']:,} |")
    return "\n".join(lines) + "\n"


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chains = [c["name"] for c in result["chains"]]
    kinds = list(USER_TRANSACTIONS)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / len(kinds)
    for i, kind in enumerate(kinds):
        values = [next(r["total_usd"] for r in result["rows"] if r["chain"] == c and r["user_transaction"] == kind)
                  for c in chains]
        ax.bar([x + i * width for x in range(len(chains))], values, width, label=kind)
    ax.axhline(BAR_USD, color="red", linestyle="--", label=f"bar USD {BAR_USD}")
    ax.set_yscale("log")
    ax.set_xticks([x + width for x in range(len(chains))], chains)
    ax.set_ylabel("USD per user transaction (log)")
    ax.set_title(f"RAT cost per user transaction: measured gas x fee table, relayer infra at {TPS:,} tps")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    result = compute()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cogs.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "cogs.md").write_text(render_markdown(result))
    plot(result, RESULTS / "cogs.png")
    print(render_markdown(result))
    print(f"wrote {RESULTS / 'cogs.json'}, cogs.md, cogs.png")


if __name__ == "__main__":
    main()
