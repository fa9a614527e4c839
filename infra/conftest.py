"""Makes the Pulumi program's package importable as `rat_infra` whether pytest starts in infra/ or at the
repository root (where the rest of the suite lives), without installing it."""

import sys
from pathlib import Path

INFRA_DIR = str(Path(__file__).resolve().parent)
if INFRA_DIR not in sys.path:
    sys.path.insert(0, INFRA_DIR)
