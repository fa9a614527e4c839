"""Restart anywhere: `rat-indexer follow` killed with SIGKILL at random points, then restarted, ends with exactly
the mirror a clean uninterrupted run produces (no lost and no doubled rows)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from mirrorkit import contents

from indexer.store import MirrorStore

ROOT = Path(__file__).resolve().parents[2]


def _follow(protocol, url: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "indexer", "follow", "--once", "--rpc-url", protocol.rpc_url, "--db", url,
            "--confirmations", "0", "--batch-blocks", "2", "--start-block", str(protocol.start_block)]
    for contract in protocol.cli_contracts():
        args += ["--contract", contract]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _cursor(protocol, url: str) -> int:
    store = MirrorStore(url)
    try:
        cursor = store.cursor(protocol.chain_id)
    finally:
        store.close()
    return -1 if cursor is None else cursor[0]


def test_a_follower_killed_at_random_points_ends_with_the_clean_runs_mirror(chain, protocol, mirror_url, tmp_path):
    clean_run = _follow(protocol, f"sqlite:///{tmp_path / 'clean.sqlite'}")
    assert clean_run.wait(timeout=300) == 0
    head = chain.blocks.head.number
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    # Kill points: after the cursor passes a random block, plus a random few milliseconds (inside the next batch's
    # reads or its transaction). Each restart resumes from whatever the last one committed.
    targets = sorted(rng.sample(range(protocol.start_block, head), 5))
    kills = 0
    for target in targets:
        process = _follow(protocol, mirror_url)
        while process.poll() is None and _cursor(protocol, mirror_url) < target:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.05))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
    final = _follow(protocol, mirror_url)
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()
    assert kills >= 3, f"only {kills} kills landed before the end (seed {seed}); the test proved too little"
    crashed = MirrorStore(mirror_url)
    clean = MirrorStore(f"sqlite:///{tmp_path / 'clean.sqlite'}")
    assert contents(crashed) == contents(clean), f"seed {seed}"
    crashed.close()
    clean.close()
