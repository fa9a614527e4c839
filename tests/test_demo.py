"""`make demo` end to end: the README's first command must run on anvil from start to finish, every section in it.

The demo raises on any outcome it does not expect (a refused step that went through, a balance that moved), so
exit code 0 with every section printed is the evidence; the sections named here are the ones a reader is promised
in scripts/demo.py's docstring."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = (
    "Deploy the compliance registry",
    "Alice tries to send 1 rAAPL to an address without KYC",
    "the secure-mint guard refuses supply beyond attested reserves",
    "Uniswap v4 (unmodified npm artifacts)",
    "An address without KYC tries every route into the pool",
    "Morpho Blue (built from the unmodified npm sources)",
    "An address without KYC tries to liquidate Alice",
    "Cross-chain rAAPL (Chainlink CCIP)",
    "chain A refused before any burn",
    "the daemon is SIGKILLed right after signing the attestations",
    "no second order, no second signature",
    "rat-reserves verify",
    "The issuer announces a 2-for-1 split",
    "A cash dividend of 0.26 USDC per share",
    "rat-indexer mirrors the first stack into SQL",
    "Demo complete",
)


@pytest.fixture(scope="module")
def demo_output() -> str:
    ape = Path(sys.executable).with_name("ape")
    done = subprocess.run([str(ape), "run", "demo", "--network", "ethereum:local:foundry"], cwd=ROOT,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("section", SECTIONS)
def test_demo_runs_every_section(demo_output: str, section: str) -> None:
    assert section in demo_output


@pytest.mark.slow
def test_demo_prints_no_traceback(demo_output: str) -> None:
    assert "Traceback" not in demo_output
