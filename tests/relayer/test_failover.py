"""Two daemons as separate processes on one PostgreSQL: SIGKILL of the leader in the middle of the work loses no
request and doubles none; the standby takes the work lease once it expires and finishes what the leader started.
(Skipped, with the reason, when no PostgreSQL answers; each run uses a throw-away schema.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import yaml
from simproc import sim_state

from rat.minting import RequestStatus, request_mint
from relayer.daemon import WORK_LEASE
from relayer.store import Store

USDC = 10**6


def spawn(config_path, log_path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "RAT_RELAYER_CRASH_AT"}
    return subprocess.Popen([sys.executable, "-m", "relayer.cli", "run", "--config", str(config_path)], env=env,
                            stdout=subprocess.DEVNULL, stderr=open(log_path, "w"))  # noqa: SIM115


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def leader_pid(store: Store) -> int | None:
    """The pid in the lease holder's instance id (`<host>-<pid>-<random>`), while the lease is live."""
    held = store.lease_owner(WORK_LEASE)
    if held is None or held[1] < time.time():
        return None
    return int(held[0].rsplit("-", 2)[-2])


@pytest.mark.postgres
def test_killing_the_leader_mid_saga_loses_and_doubles_nothing(
        relayer_config, pg_url, deployment, alice, token, chain, fresh_sims, tmp_path):
    config = yaml.safe_load(relayer_config.read_text())
    config.update(database_url=pg_url, lease_ttl=2.0)
    relayer_config.write_text(yaml.safe_dump(config))
    ms, usdc = deployment
    before = token.balanceOf(alice)
    store = Store.open(pg_url)
    daemons = [spawn(relayer_config, tmp_path / f"daemon-{i}.log") for i in range(2)]
    try:
        leader = wait_until(lambda: leader_pid(store), 60, "a leader")
        rids = ["0x" + request_mint(ms, alice, token, usdc, 1_000 * USDC, 200 * USDC,
                                    chain.pending_timestamp + 3600).hex() for _ in range(3)]
        # Kill the leader once it has started the work but before it finished all of it.
        wait_until(lambda: any(store.get_saga(r) for r in rids), 60, "the leader to take in a request")
        os.kill(leader, signal.SIGKILL)
        killed = time.time()
        [victim] = [d for d in daemons if d.pid == leader]
        victim.wait(timeout=10)
        unfinished = [r for r in rids if (s := store.get_saga(r)) is None or s.status != "done"]
        assert unfinished, "the leader finished everything before it was killed; the test proves nothing"
        survivor = wait_until(lambda: (pid := leader_pid(store)) not in (None, leader) and pid, 30,
                              "the standby to take the lease")
        assert survivor in {d.pid for d in daemons if d.pid != leader}
        wait_until(lambda: all(store.get_saga(r) and store.get_saga(r).status == "done" for r in rids), 90,
                   "every request fulfilled by the survivor")
        assert min(store.get_saga(r).payload["done_at"] for r in unfinished) > killed
    finally:
        for d in daemons:
            if d.poll() is None:
                d.send_signal(signal.SIGTERM)
                d.wait(timeout=30)
    broker, custodian = fresh_sims
    assert sim_state(broker)["orders"] == 3 and sim_state(custodian)["settlements"] == 3
    assert sorted(lot.request_id for lot in store.lots()) == sorted(rids)
    for r in rids:
        assert ms.minter.getRequest(r).status == RequestStatus.FULFILLED
        assert len([i for i in store.intents_for_request(r) if i.status == "mined" and i.purpose == "fulfil"]) == 1
    assert token.balanceOf(alice) == before + sum(int(store.get_saga(r).payload["shares"]) for r in rids)
    store.close()
