# RAT developer entry points. `make demo` and `make test` are the two commands a new machine needs;
# both bootstrap first (idempotent, fast when nothing changed).
SHELL := /bin/bash
ENV := source tools/env.sh &&
NETWORK ?= ethereum:local:foundry
PYTEST_WORKERS ?= auto

.PHONY: help bootstrap compile demo deploy api specs test static fuzz-deep mutation mutants mutation-sample docs bench bench-gas bench-merkle bench-relayer bench-indexer bench-api-stream bench-venue bench-collateral bench-ccip bench-cogs bench-report clean mutation-estimate

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

bootstrap: ## install Python, node and compiler toolchains (idempotent)
	@tools/bootstrap.sh

compile: bootstrap ## compile the contracts with the pinned solc
	@$(ENV) ape compile
	@# Ape's first dependency install leaves copies of OpenZeppelin in contracts/.cache; Ape only scans the first
	@# 500 files under contracts/, so left there they can hide the project's own sources. Compiles never need it.
	@rm -rf contracts/.cache
	@# Morpho Blue (solc 0.8.19, via-IR) is built from its npm sources outside Ape; the Forge suite
	@# CollateralMorphoInvariants deploys this cached build (ADR 0102).
	@$(ENV) python -c "from rat.venues.morpho import build_artifact; build_artifact()"

demo: compile ## run the end-to-end demo on a throw-away anvil chain
	@$(ENV) ape run demo --network $(NETWORK)

deploy: compile ## deploy the whole system: make deploy NETWORK=... ARGS="--account A --guardian G --settlement S"
	@$(ENV) ape run deploy --network $(NETWORK) $(ARGS)

api: compile ## the service API (REST, /v1/stream WebSocket, operator calls, Sumsub webhook) next to the daemon
	@$(ENV) rat-relayer api

specs: ## regenerate docs/api/openapi.yaml and asyncapi.yaml from the code
	@$(ENV) rat-relayer api-spec openapi > docs/api/openapi.yaml && rat-relayer api-spec asyncapi > docs/api/asyncapi.yaml

test: compile ## the whole suite: pytest (contracts, relayer, API, reserves, docs, infra), Forge invariants, static gates
	@# The quick gates first; pytest last, so its summary closes the output. The mutation sample runs the whole
	@# Forge suite first, in the unmutated copy its mutants start from (one forge build, not two: a copy at another
	@# path rebuilds everything), and stops if a test fails.
	@$(MAKE) --no-print-directory mutation-sample
	@$(MAKE) --no-print-directory static
	@# One pytest worker per core (pytest-xdist), each with its own anvil (ape-foundry's `host: auto` picks a free
	@# port); a module's tests stay on one worker because module fixtures deploy the stacks they share.
	@$(ENV) pytest -n $(PYTEST_WORKERS) --dist loadfile

static: compile ## Slither (every High/Medium triaged in docs/security/static-analysis-triage.md) + solhint (no errors)
	@$(ENV) python tools/static/slither_gate.py
	@$(ENV) solhint -c .solhint.json 'contracts/**/*.sol'

fuzz-deep: compile ## deep invariant campaign: 256 runs x depth 250 per invariant
	@$(ENV) RAT_SOLC_PROJECT_OUTPUTS_ONLY=1 FOUNDRY_PROFILE=deep forge test

mutation: compile ## every generated mutant vs Forge, then pytest for Forge survivors (hours here: ADR 0060) → bench/results/mutation.json
	@$(ENV) python tools/mutation/run.py --python --skip-done $(ARGS)

mutation-estimate: compile ## score estimate: N (default 12) mutants per contract drawn by SEED, 95 % Wilson intervals (resumable; ADR 0060 1.2.0)
	@$(ENV) python tools/mutation/run.py --random $${N:-12} --per-contract --seed "$${SEED:-2026-12-02}" --skip-done $(ARGS)

mutants: ## regenerate the mutant catalogue tools/mutation/mutants.json with slither-mutate's operators (≈ 1-3 min)
	@$(ENV) python tools/mutation/generate.py

mutation-sample: ## `make test`'s Forge step: the whole Forge suite (ci profile), then SAMPLE (default 4) mutants drawn by the commit hash must still be killed
	@$(ENV) python tools/mutation/run.py --sample $${SAMPLE:-4} --budget $${BUDGET:-180} --seed "$$(git rev-parse HEAD 2>/dev/null || echo local)"

docs: compile ## check the docs against ABIs, migrations and tests, then build the reviewer site (build/docs-site/)
	@$(ENV) pytest tests/docs -q
	@$(ENV) python tools/docs/build_site.py

bench: bench-gas bench-merkle bench-relayer bench-indexer bench-api-stream bench-venue bench-collateral bench-ccip bench-cogs bench-report ## every benchmark, then bench/results/REPORT.md

bench-gas: compile ## gas: OZ ERC-20 vs RAT transfer, every Minter operation → bench/results/gas.json
	@$(ENV) python bench/gas.py

bench-merkle: compile ## Merkle build/prove/verify at 100k and 1M lots vs OpenZeppelin's library (6-8 min) → bench/results/merkle.json
	@$(ENV) python bench/merkle.py

bench-relayer: compile ## relayer latency and throughput on anvil (about 3 minutes) → bench/results/relayer.json
	@$(ENV) python bench/relayer.py

bench-indexer: compile ## rat-indexer: 1M-event backfill into PostgreSQL, catch-up lag at 20 transfers/s → bench/results/indexer.json
	@$(ENV) python bench/indexer.py
bench-api-stream: ## API idle cost of 1,000 WebSocket subscribers, hostile frames, SIGTERM (about 2 minutes) → bench/results/api_stream.json
	@$(ENV) python bench/api_stream.py

bench-cogs: bench-gas ## USD per user transaction per chain and relayer cost at 10k tps → bench/results/cogs.*
	@$(ENV) python bench/cogs.py

bench-venue: compile ## Uniswap v4 on anvil: plain-pool init, LP mint/decrease, exact-input swap gas → bench/results/venue.json
	@$(ENV) python bench/venue.py

bench-collateral: compile ## Morpho Blue on anvil: RAT vs plain-ERC-20 collateral gas (pledge, borrow, repay, liquidate) and the oracle read → bench/results/collateral.json
	@$(ENV) python bench/collateral.py

bench-ccip: compile ## CCIP 1.6 lane on two anvils: RatCcipPool vs a plain burn/mint pool of the same shape, send, commit and execute gas → bench/results/ccip.json
	@$(ENV) python bench/ccip.py

bench-report: ## bench/results/REPORT.md: every figure, its target, pass/short
	@$(ENV) python bench/report.py

clean: ## remove build outputs (keeps .venv and node_modules)
	rm -rf .build contracts/.cache .pytest_cache
