"""One report of every benchmark: reads whatever bench/results/*.json exist (gas, T-REX comparison, Merkle,
relayer, COGS, mutation check, Slither) and writes bench/results/REPORT.md with each figure, its target and
pass/short, plus plots where a picture reads faster than a table. A missing input is listed as MISSING with the
command that produces it; nothing is carried over from a previous report.

    python bench/report.py
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
REPORT = RESULTS / "REPORT.md"

PRODUCERS = {
    "gas.json": "make bench (bench/gas.py)",
    "trex.json": "make bench (bench/gas.py calling bench.trex.measure_trex, or python bench/trex.py)",
    "merkle.json": "make bench (bench/merkle.py)",
    "relayer.json": "make bench (bench/relayer.py)",
    "api_stream.json": "python bench/api_stream.py",
    "cogs.json": "make bench (bench/cogs.py, after gas.json)",
    "indexer.json": "make bench (bench/indexer.py)",
    "venue.json": "make bench-venue (bench/venue.py)",
    "collateral.json": "make bench-collateral (bench/collateral.py)",
    "ccip.json": "make bench-ccip (bench/ccip.py)",
    "mutation.json": "make mutation (tools/mutation/run.py)",
    "slither.json": "make test / make static (tools/static/slither_gate.py)",
}


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / name
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        return None


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**pass**" if ok else "**short**")


def fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 1000 else f"{value:,.0f}"
    return str(value)


def section_gas(gas: dict | None, trex: dict | None) -> list[str]:
    out = ["## Gas: RAT beside OpenZeppelin and ERC-3643 (T-REX)", ""]
    if gas is None and trex is None:
        return out + [f"MISSING: gas.json and trex.json — run {PRODUCERS['gas.json']}.", ""]
    if trex is not None:
        pk = trex.get("packages", {})
        out += [f"One anvil run; whole-transaction gas (21,000 intrinsic included). T-REX "
                f"{pk.get('@tokenysolutions/t-rex', '?')} with ONCHAINID {pk.get('@onchain-id/solidity', '?')}: "
                f"{trex.get('trex_configuration', '')}.", "",
                "| operation | OZ ERC-20 | T-REX | RAT | RAT ÷ OZ | RAT ÷ T-REX |", "|---|---:|---:|---:|---:|---:|"]
        for op in ("transfer", "mint", "burn", "kyc_onboarding"):
            oz, tx, rat = trex["oz"].get(op), trex["trex"].get(op), trex["rat"].get(op)
            r_oz = f"{rat / oz:.2f}×" if oz and rat else "—"
            r_tx = f"{rat / tx:.2f}×" if tx and rat else "—"
            out.append(f"| {op.replace('_', ' ')} | {fmt(oz)} | {fmt(tx)} | {fmt(rat)} | {r_oz} | {r_tx} |")
        steps = trex["trex"].get("onboarding_steps", {})
        out += ["", f"T-REX onboarding = identity deployment {fmt(steps.get('identity_deployment'))} + KYC claim "
                f"{fmt(steps.get('add_kyc_claim'))} + registry entry {fmt(steps.get('register_identity'))}; RAT "
                f"onboarding is one registry write.", "", "| target | measured | verdict |", "|---|---:|---|"]
        names = {"transfer_rat_vs_oz": "RAT transfer ≤ 1.30× OZ", "transfer_rat_vs_trex": "RAT transfer ≤ 0.40× T-REX",
                 "onboarding_rat_vs_trex_identity_deployment": "RAT onboarding ≤ 0.10× T-REX identity deployment"}
        for key, t in trex.get("targets", {}).items():
            out.append(f"| {names.get(key, key)} | {t['measured']:.3f}× | {verdict(t['meets'])} |")
        if (RESULTS / "gas_comparison.png").exists():
            out += ["", "![gas comparison](gas_comparison.png)"]
        out.append("")
    if gas is not None:
        out += [f"Minter operations (bench/gas.py, git {gas.get('git_commit', '?')}, {gas.get('generated_at', '?')}):",
                "", "| operation | gas |", "|---|---:|"]
        out += [f"| {k} | {fmt(v)} |" for k, v in gas.get("minting", {}).items()]
        out += ["", "| target (issue 3) | measured | verdict |", "|---|---:|---|"]
        for key, bound in MINTER_TARGETS.items():
            measured = gas.get("minting", {}).get(key)
            if measured is not None:
                out.append(f"| {key} ≤ {fmt(bound)} | {fmt(measured)} | {verdict(measured <= bound)} |")
        out += ["", "fulfillMint reads the token's share multiplier for the reserve guard since issue 11 (one more "
                "cold storage read, ADR 0080)."]
        out.append("")
    return out


MINTER_TARGETS = {"requestMint": 120_000, "fulfillMint_2_attestations": 160_000}


def section_generic(title: str, name: str, data: dict | None) -> list[str]:
    out = [f"## {title}", ""]
    if data is None:
        return out + [f"MISSING: {name} — run {PRODUCERS[name]}.", ""]
    flat = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        elif isinstance(value, list):
            for i, v in enumerate(value[:5]):
                walk(f"{prefix}[{i}]", v)
        else:
            flat.append((prefix, value))

    walk("", data)
    out += ["| figure | value |", "|---|---|"]
    for key, value in flat[:60]:
        shown = verdict(value) if key.endswith(("meets_bar", "meets_target", "meets", "meets_goal")) else fmt(value)
        out.append(f"| {key} | {shown} |")
    return out + [""]


def section_failover(relayer: dict | None) -> list[str]:
    out = ["## Relayer failover (two daemons on PostgreSQL, SIGKILL of the leader)", ""]
    failover = (relayer or {}).get("failover")
    if failover is None:
        return out + ["MISSING: the failover section of relayer.json — run "
                      "`python bench/relayer.py --failover-only` (needs PostgreSQL on 127.0.0.1:5432).", ""]
    if "skipped" in failover:
        return out + [f"Skipped: {failover['skipped']}.", ""]
    goal = failover["goal"]
    rows = [
        ("kill → first fulfilment (s)", failover["kill_to_first_fulfilment_s"], f"≤ {goal['first_fulfilment_after_kill_s']}"),
        ("kill → standby holds the lease (s)", failover["kill_to_lease_taken_s"], "—"),
        ("requests / fulfilled", f"{failover['requests']} / {failover['fulfilled']}", "all"),
        ("lost / doubled", f"{failover['lost']} / {failover['doubled']}", "0 / 0"),
        ("broker orders / custody settlements", f"{failover['broker_orders']} / {failover['custody_settlements']}",
         "one each per request"),
        ("leader changes before the kill", failover.get("leader_changes_before_kill"), "0"),
        ("sent → fulfilled p50 / p99 across the run (s)",
         f"{failover['sent_to_fulfilled_s'].get('p50')} / {failover['sent_to_fulfilled_s'].get('p99')}", "—"),
    ]
    out += [failover["setup"] + f"; load average after: {failover.get('load_average_after')}.", "",
            "| figure | value | goal |", "|---|---|---|"]
    out += [f"| {name} | {fmt(value)} | {target} |" for name, value, target in rows]
    return out + ["", f"Verdict: {verdict(failover.get('meets_goal'))}.", ""]


def section_cogs(cogs: dict | None) -> list[str]:
    out = ["## Cost per user transaction (COGS)", ""]
    if cogs is None:
        return out + [f"MISSING: cogs.json — run {PRODUCERS['cogs.json']}.", ""]
    out += [f"Bar: USD {cogs['bar_usd']} per user transaction; relayer infrastructure at "
            f"{cogs['sustained_tps']:,} tps sustained. Fee table rows carry their source and date "
            "(bench/cogs.py); the last column is the multiple of the chain's sustained gas capacity that "
            f"{cogs['sustained_tps']:,} tps of that transaction alone would need (> 1 = does not fit).", ""]
    md = RESULTS / "cogs.md"
    out += [md.read_text() if md.exists() else "(cogs.md missing)"]
    if (RESULTS / "cogs.png").exists():
        out += ["![cost per user transaction](cogs.png)", ""]
    return out


def section_ccip(data: dict | None) -> list[str]:
    out = ["## Cross-chain (CCIP): RAT pool vs plain burn/mint pool", ""]
    if data is None:
        return out + [f"MISSING: ccip.json — run {PRODUCERS['ccip.json']}.", ""]
    out += [f"Whole-transaction gas on {data['chain']}, {data['unit']}; path: {data['path']}.", "",
            "| operation | plain burn/mint pool | RAT pool | RAT / plain |", "|---|---:|---:|---:|"]
    rows = [(data, op, label) for op, label in (
        ("send", "send (source: whole Router.ccipSend)"),
        ("receive", "receive (destination: whole OffRamp execute)"),
        ("commit", "commit of the message's root (same for both)"))]
    harness = data.get("harness")
    if harness is not None:
        rows += [(harness, "send", "pool share of the send (ramp harness: pull + lockOrBurn)"),
                 (harness, "receive", "pool share of the receive (ramp harness: releaseOrMint)")]
    for source, op, label in rows:
        out.append(f"| {label} | {fmt(source['plain_pool'][op])} | {fmt(source['rat_pool'][op])} | "
                   f"{fmt(source['rat_vs_plain'][op])} |")
    return out + [""]


def section_mutation(mutation: dict | None) -> list[str]:
    out = ["## Mutation score (generated mutants)", ""]
    if mutation is None or "contracts" not in mutation:
        return out + [f"MISSING: mutation.json — run {PRODUCERS['mutation.json']}.", ""]
    goals = mutation.get("goals", {})
    forge_goal, total_goal = goals.get("forge_score", 90.0), goals.get("total_score", 98.0)
    out += [f"Engine {mutation.get('engine')}, Forge profile {mutation.get('profile')}, {mutation.get('generated_at')}. "
            "Scores are over the non-equivalent mutants run so far (killed / (killed + survived)); mutants that do "
            "not compile, compile to identical bytecode or are listed in tools/mutation/equivalent.toml are not "
            f"counted. Goals: Forge ≥ {forge_goal:g} %, Forge + pytest ≥ {total_goal:g} %; a contract with mutants "
            "not yet run is **partial**.", "",
            "| contract | generated | run & scored | invalid | identical | equivalent | killed (Forge) | killed (pytest) "
            "| survived | not run | Forge % | Forge + pytest % | verdict |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, c in mutation["contracts"].items():
        if c["scored"] == 0:
            state = "not run"
        elif not c["complete"]:
            state = "partial"
        else:
            state = verdict(c["forge_score"] >= forge_goal and c["total_score"] >= total_goal)
        pct = lambda v: "—" if v is None else f"{v:.1f}"  # noqa: E731
        out.append(f"| {name} | {c['generated']} | {c['scored']} | {c['invalid']} | {c['identical']} | "
                   f"{c['equivalent']} | {c['killed_forge']} | {c['killed_pytest']} | {c['survived']} | "
                   f"{c['not_run']} | {pct(c['forge_score'])} | {pct(c['total_score'])} | {state} |")
    out += section_mutation_sample(mutation.get("sample"), forge_goal, total_goal)
    t = mutation.get("timing")
    if t:
        by = ", ".join(f"{k} {v} s" for k, v in t["mean_seconds_by_status"].items())
        out += ["", f"Time per mutant, measured here ({t['mutants_timed']} mutants, 2 shared cores, niced): mean "
                f"{t['mean_seconds_per_mutant']} s ({by}); the whole catalogue at that mix and {t['jobs']} jobs: "
                f"≈ {t['full_run_hours_estimate']:g} h."]
    survivors = [r for r in mutation.get("results", []) if r.get("status") == "survived"]
    if survivors:
        out += ["", "Open survivors (kill with a test or argue equivalent in tools/mutation/equivalent.toml):", ""]
        out += [f"- `{r['key']}` {r['file']}:{r['line']} [{r['operator']}] `{r['change'][:140]}`" for r in survivors[:40]]
    return out + [""]


def section_mutation_sample(sample: dict | None, forge_goal: float, total_goal: float) -> list[str]:
    """The score estimate from the seeded per-contract sample (`run.py --random N --per-contract --seed S`)."""
    if not sample:
        return []
    def pct(v) -> str:
        return "—" if v is None else f"{v:.1f}"

    def ci(v) -> str:
        return "—" if not v else f"{v[0]:.1f}–{v[1]:.1f}"

    o = sample["overall"]
    draws = sample.get("pooled") or [{"seed": sample["seed"], "per_contract": sample["per_contract"]}]
    title = " and ".join(f"{d['per_contract']} mutants per contract by seed `{d['seed']}`" for d in draws)
    out = ["", f"### Estimate from a seeded random sample ({title}{', pooled' if len(draws) > 1 else ''})", "",
           "Each contract's mutants drawn by the seed and run as above; the interval is the 95 % Wilson score "
           "interval of the sample's score (the population is the contract's scorable mutants). *pytest* = Forge "
           "survivors run through the contract's pytest folders too (`--python`); where the pytest stage has not run, "
           "Forge + pytest equals Forge. Not run = drawn but not yet run (the run's time budget ran out).", "",
           "| contract | generated | drawn | not run | invalid | identical | equivalent | scored | killed (Forge) "
           "| killed (pytest) | survived | Forge % | 95 % CI | Forge + pytest % | 95 % CI |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, c in sample["contracts"].items():
        out.append(f"| {name} | {c['generated']} | {c['drawn']} | {c['not_run'] + c.get('error', 0)} | {c['invalid']} "
                   f"| {c['identical']} | {c['equivalent']} | {c['scored']} | {c['killed_forge']} | "
                   f"{c['killed_pytest']} | {c['survived']} | {pct(c['forge_score'])} | {ci(c['forge_ci95'])} | "
                   f"{pct(c['total_score'])} | {ci(c['total_ci95'])} |")
    out += ["", f"Overall ({o['scored']} scored): Forge {pct(o['forge_score_pooled'])} % (95 % CI "
            f"{ci(o['forge_ci95_pooled'])}, pooled), weighted by each contract's estimated scorable mutants "
            f"{pct(o['forge_score_weighted'])} %; Forge + pytest {pct(o['total_score_pooled'])} % (95 % CI "
            f"{ci(o['total_ci95_pooled'])}), weighted {pct(o['total_score_weighted'])} %. Goals: Forge ≥ "
            f"{forge_goal:g} %, Forge + pytest ≥ {total_goal:g} %."]
    return out


def section_slither(slither: dict | None) -> list[str]:
    out = ["## Static analysis", ""]
    if slither is None:
        return out + [f"MISSING: slither.json — run {PRODUCERS['slither.json']}.", ""]
    ok = slither.get("untriaged_high_medium") == 0
    return out + [f"Slither findings by impact: {slither.get('by_impact')}; High/Medium untriaged: "
                  f"{slither.get('untriaged_high_medium')} (target 0) → {verdict(ok)}; triage: "
                  f"`{slither.get('triage_file')}`.", ""]


def plot_gas(trex: dict | None) -> None:
    if trex is None:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ops = ["transfer", "mint", "burn", "kyc_onboarding"]
    fig, ax = plt.subplots(figsize=(8, 4))
    for i, (label, side) in enumerate((("OZ ERC-20", "oz"), ("T-REX", "trex"), ("RAT", "rat"))):
        values = [trex[side].get(op) or 0 for op in ops]
        ax.bar([x + i * 0.27 for x in range(len(ops))], values, 0.27, label=label)
    ax.set_xticks([x + 0.27 for x in range(len(ops))], [o.replace("_", " ") for o in ops])
    ax.set_ylabel("gas per transaction")
    ax.set_title("Same anvil run: OZ vs ERC-3643 T-REX vs RAT")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "gas_comparison.png", dpi=110)
    plt.close(fig)


def section_indexer(data: dict | None) -> list[str]:
    out = ["## Analytics mirror (rat-indexer)", ""]
    if data is None:
        return out + [f"MISSING: indexer.json — run {PRODUCERS['indexer.json']}.", ""]
    machine = data.get("machine", {})
    out += [f"{machine.get('cpus', '?')} CPUs, shared: load average {machine.get('load_average_before')} before, "
            f"{machine.get('load_average_after')} after.", "", "| figure | goal | measured | verdict |",
            "|---|---:|---:|---|"]
    backfill = data.get("backfill")
    if backfill:
        out.append(f"| backfill into PostgreSQL, {fmt(backfill['events'])} synthetic events, wall clock | "
                   f"≥ {fmt(backfill['goal_events_per_s'])} events/s | {fmt(backfill['events_per_s'])} events/s | "
                   f"{verdict(backfill['meets_goal'])} |")
        out.append(f"| same, per CPU-second of the indexer and its PostgreSQL backend | — | "
                   f"{fmt(backfill['events_per_cpu_s'])} events/CPU-s | n/a |")
    lag = data.get("catch_up")
    if lag:
        out.append(f"| catch-up lag at {lag['rate_per_s']:g} transfers/s for {lag['duration_s']:g} s "
                   f"(max; p95 {lag['lag_blocks_p95']}) | ≤ {lag['goal_lag_blocks']} blocks | "
                   f"{lag['lag_blocks_max']} blocks | {verdict(lag['meets_goal'])} |")
    out.append("")
    if backfill:
        out += [f"Backfill: {backfill['batches']} transactions of {fmt(backfill['batch_events'])} events, "
                f"{fmt(backfill['holders'])} holders × {backfill['assets']} assets; decode and model "
                f"{fmt(backfill['decode_and_model_s'])} s, database writes {fmt(backfill['database_write_s'])} s. "
                f"indexer process {fmt(backfill['indexer_process_cpu_s'])} CPU-s, PostgreSQL backend "
                f"{fmt(backfill['postgres_backend_cpu_s'])} CPU-s. {backfill.get('note', '')}. "
                f"Database: {backfill.get('database', '?')}. "
                f"{backfill.get('synthetic_caveat', '')}".rstrip(" .") + ".", ""]
    if lag:
        out += [f"Catch-up: {lag['setup']}; {fmt(lag['transfers_sent'])} transfers sent, "
                f"{fmt(lag['transfers_mirrored'])} mirrored.", ""]
    return out


def main() -> None:
    gas = load("gas.json")
    # The comparison measured inside bench/gas.py's run (gas.json "trex") is preferred: same chain, same run as the
    # other gas figures. bench/trex.py's standalone trex.json (OZ, T-REX and RAT in one run of its own) otherwise.
    trex = gas.get("trex") if gas and gas.get("trex") else load("trex.json")
    plot_gas(trex)
    lines = ["# RAT benchmark report", "",
             f"Generated {datetime.now(timezone.utc).isoformat(timespec='seconds')} by `bench/report.py` from "
             "`bench/results/*.json`.", ""]
    lines += section_gas(gas, trex)
    lines += section_cogs(load("cogs.json"))
    lines += section_generic("Proof of reserve (Merkle)", "merkle.json", load("merkle.json"))
    relayer = load("relayer.json")
    lines += section_generic("Relayer latency and rate", "relayer.json",
                             None if relayer is None else {k: v for k, v in relayer.items() if k != "failover"})
    lines += section_failover(relayer)
    lines += section_indexer(load("indexer.json"))
    lines += section_generic("API WebSocket stream: idle cost, hostile frames, SIGTERM", "api_stream.json",
                             load("api_stream.json"))
    lines += section_generic("Trading venue (Uniswap v4)", "venue.json", load("venue.json"))
    lines += section_generic("DeFi collateral (Morpho Blue): RAT vs plain ERC-20", "collateral.json",
                             load("collateral.json"))
    lines += section_ccip(load("ccip.json"))
    lines += section_mutation(load("mutation.json"))
    lines += section_slither(load("slither.json"))
    REPORT.write_text("\n".join(lines) + "\n")
    print(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
