"""A saga that cannot progress is not left "active" for ever: it goes `stuck` with the reason, visible in
`rat-relayer status`, and waits for an operator to retry or reject it (CLI or API)."""

from __future__ import annotations

import anyio
import pytest
import yaml
from click.testing import CliRunner
from e2e import drive_until, finished, saga_of, started
from simproc import set_fault

from rat.minting import RequestStatus, request_mint
from relayer.cli import main

pytestmark = pytest.mark.anyio

USDC = 10**6


@pytest.fixture
def mint_request(deployment, alice, token, chain):
    ms, usdc = deployment

    def make() -> bytes:
        return request_mint(ms, alice, token, usdc, 1_000 * USDC, 200 * USDC, chain.pending_timestamp + 3600)

    return make


def stuck(daemon, rid):
    return finished(daemon, rid, status="stuck")


async def test_a_broker_that_no_longer_knows_the_orders_leaves_the_saga_stuck_with_its_reason(
        relayer_config, mint_request, fresh_sims):
    set_fault(fresh_sims[0], mode="error", status=404)  # every broker call: "not found", as after a wiped restart
    rid = mint_request()
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, stuck(daemon, rid))
        saga = saga_of(daemon, rid)
        assert "stuck at" in saga.last_error and "alpaca" in saga.last_error and "saga retry" in saga.last_error
        attempts = saga.attempts
        for _ in range(10):  # nobody works on a stuck saga
            await daemon.step()
        assert saga_of(daemon, rid).status == "stuck" and saga_of(daemon, rid).attempts == attempts
    finally:
        await daemon.stop()


async def test_status_names_stuck_sagas_and_the_operator_action(relayer_config, mint_request, fresh_sims):
    set_fault(fresh_sims[0], mode="error", status=404)
    rid = mint_request()
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, stuck(daemon, rid))
    finally:
        await daemon.stop()
    # `status` runs its own event loop (asyncio.run): invoked from a thread, as from a shell.
    result = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(main, ["status", "--config",
                                                                             str(relayer_config)]))
    assert result.exit_code == 0, result.output
    assert "stuck 1" in result.output and "STUCK" in result.output and "saga retry" in result.output


async def test_an_operator_retry_from_the_cli_resumes_a_stuck_saga_once_the_cause_is_fixed(
        relayer_config, mint_request, fresh_sims):
    set_fault(fresh_sims[0], mode="error", status=404)
    rid = mint_request()
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, stuck(daemon, rid))
        set_fault(fresh_sims[0], mode="none")
        result = CliRunner().invoke(main, ["saga", "retry", "0x" + rid.hex(), "--config", str(relayer_config),
                                           "--note", "broker restored"])
        assert result.exit_code == 0, result.output
        await drive_until(daemon, finished(daemon, rid))
        steps = [s for s, _, _ in daemon.store.steps("0x" + rid.hex())]
        assert "operator_retry" in steps and steps.count("order_placed") == 1
    finally:
        await daemon.stop()


async def test_an_operator_reject_from_the_cli_refunds_a_stuck_request(relayer_config, mint_request, fresh_sims,
                                                                      deployment):
    ms, _ = deployment
    set_fault(fresh_sims[0], mode="error", status=404)
    rid = mint_request()
    daemon = await started(relayer_config)
    try:
        await drive_until(daemon, stuck(daemon, rid))
        result = CliRunner().invoke(main, ["saga", "reject", "0x" + rid.hex(), "--config", str(relayer_config),
                                           "--reason", "BROKER_REJECTED", "--note", "broker lost the order"])
        assert result.exit_code == 0, result.output
        await drive_until(daemon, finished(daemon, rid, status="rejected"))
        assert ms.minter.getRequest(rid).status == RequestStatus.REJECTED
    finally:
        await daemon.stop()


def test_a_cli_retry_of_an_unknown_request_is_a_readable_error(relayer_config):
    result = CliRunner().invoke(main, ["saga", "retry", "0x" + "ab" * 32, "--config", str(relayer_config),
                                       "--note", "x"])
    assert result.exit_code == 1 and "no saga for request" in result.output and "Traceback" not in result.output


def test_stuck_thresholds_are_config(relayer_config):
    from relayer.config import RelayerConfig

    config = yaml.safe_load(relayer_config.read_text())
    config["saga"]["stuck_after_attempts"] = 7
    relayer_config.write_text(yaml.safe_dump(config))
    assert RelayerConfig.load(relayer_config).saga.stuck_after_attempts == 7
