"""When a mutant's build fails (tools/mutation/run.py): `invalid` (not counted) only when solc rejected the mutated
sources; a toolchain that failed under the run (node_modules replaced by `npm ci`, a missing compiler) is an `error`,
which `--skip-done` runs again, so no draw is dropped from the sample without evidence. The logs below are forge's
own output on this machine, trimmed."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "mutation"))

import run  # noqa: E402

REJECTED = """Compiling 1 files with Solc 0.8.28
Solc 0.8.28 finished in 542.40ms
Error: Compiler run failed:
Error (7576): Undeclared identifier.
 --> contracts/A.sol:2:65:
  |
2 | contract A { function f() external pure returns (uint) { return x; } }
  |                                                                 ^
"""

# Code generation's errors carry no location: a constructor that reverts before assigning an immutable.
UNASSIGNED_IMMUTABLE = """Compiling 36 files with Solc 0.8.28
Solc 0.8.28 finished in 4.75s
Error: Compiler run failed:
Warning (5740): Unreachable code.
   --> contracts/governance/AssetLister.sol:112:9:
    |
112 |         GOVERNANCE = governance;
    |         ^ (Relevant source part starts here and spans across multiple lines).

Error (1284): Some immutables were read from but never assigned, possibly because of optimization.
"""

IMPORT_GONE = """ERROR foundry_compilers_artifacts_solc::sources: error="/tmp/ft/node_modules/@openzeppelin/contracts/x.sol": \
No such file or directory (os error 2)
Unable to resolve imports:
      "@openzeppelin/contracts/x.sol" in "/tmp/ft/contracts/A.sol"
Solc 0.8.28 finished in 659.03ms
Error: Compiler run failed:
Error (6275): Source "node_modules/@openzeppelin/contracts/x.sol" not found: File not found: node_modules/x.sol
ParserError: Source "node_modules/@openzeppelin/contracts/x.sol" not found: File not found: node_modules/x.sol
 --> contracts/A.sol:2:1:
  |
2 | import "@openzeppelin/contracts/x.sol";
"""

COMPILER_GONE = """node:internal/modules/cjs/loader:1228
  throw err;
Error: Cannot find module '/work/main/node_modules/solc/soljson.js'
"""


def test_a_compiler_error_in_a_source_makes_the_mutant_invalid():
    assert run.build_failed(0, REJECTED) and run.mutant_rejected_by_compiler(REJECTED)


def test_an_import_that_vanished_under_the_run_is_not_the_mutants_fault():
    assert run.build_failed(0, IMPORT_GONE) and not run.mutant_rejected_by_compiler(IMPORT_GONE)


def test_a_compiler_that_cannot_start_is_not_the_mutants_fault():
    assert run.build_failed(1, COMPILER_GONE) and not run.mutant_rejected_by_compiler(COMPILER_GONE)


def test_a_code_generation_error_without_a_location_makes_the_mutant_invalid():
    assert run.build_failed(1, UNASSIGNED_IMMUTABLE) and run.mutant_rejected_by_compiler(UNASSIGNED_IMMUTABLE)
