"""`doctor` catches each bad configuration once, with a fix that is true; a wrong Minter address stops the daemon
before its cursor moves, and the block cursor belongs to one Minter."""

from __future__ import annotations

import json
import uuid

import pytest
import yaml
from click.testing import CliRunner
from e2e import started

from relayer.cli import main
from relayer.errors import ConfigError
from relayer.watcher import cursor_key

pytestmark = pytest.mark.anyio


def edit(path, change) -> None:
    config = yaml.safe_load(path.read_text())
    change(config)
    path.write_text(yaml.safe_dump(config))


def doctor(path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["doctor", "--config", str(path)])
    return result.exit_code, result.output


def kyc_section(relayer_config, passphrase_env: str = "RAT_TEST_SENDER_PASS") -> dict:
    keystore = yaml.safe_load(relayer_config.read_text())["signers"]["sender"]["path"]
    return {"registry": "0x" + "11" * 20, "levels": {"rat-retail-br": {"tier": 1, "jurisdiction": "BR"}},
            "webhook_secret_env": "RAT_TEST_DOCTOR_WEBHOOK_SECRET",
            "signer": {"type": "keystore", "path": keystore, "passphrase_env": passphrase_env}}


def test_doctor_says_once_that_a_token_address_is_not_a_minter(relayer_config, token):
    edit(relayer_config, lambda c: c.update(minter=token.address))
    code, output = doctor(relayer_config)
    assert code == 1 and output.count("is not a RAT Minter") == 1
    assert "execution reverted" not in output and "fix: set `minter`" in output


async def test_the_daemon_refuses_to_start_on_a_contract_that_is_not_a_minter(relayer_config, token, chain):
    edit(relayer_config, lambda c: c.update(minter=token.address))
    with pytest.raises(ConfigError, match="not a RAT Minter"):
        await started(relayer_config)


async def test_the_block_cursor_of_the_right_minter_does_not_move_while_another_address_is_configured(
        relayer_config, deployment, token):
    from relayer.store import Store

    ms, _ = deployment
    url = yaml.safe_load(relayer_config.read_text())["database_url"]
    store = Store.open(url)
    store.set_cursor(cursor_key("anvil", ms.minter.address), 5)
    store.close()
    edit(relayer_config, lambda c: c.update(minter=token.address))
    with pytest.raises(ConfigError):
        await started(relayer_config)
    edit(relayer_config, lambda c: c.update(minter=ms.minter.address))
    daemon = await started(relayer_config)
    try:
        assert daemon.watcher.key == cursor_key("anvil", ms.minter.address)
        assert daemon.store.cursor(cursor_key("anvil", token.address)) is None
        assert daemon.store.cursor(daemon.watcher.key) >= 5
    finally:
        await daemon.stop()


def test_cursor_keys_differ_per_minter_and_ignore_address_case():
    a, b = "0x" + "ab" * 20, "0x" + "cd" * 20
    assert cursor_key("anvil", a) != cursor_key("anvil", b)
    assert cursor_key("anvil", a.upper().replace("0X", "0x")) == cursor_key("anvil", a)


def test_doctor_fails_on_a_wrong_kyc_passphrase(relayer_config, monkeypatch):
    monkeypatch.setenv("RAT_TEST_DOCTOR_WEBHOOK_SECRET", "s")
    monkeypatch.setenv("RAT_TEST_WRONG_PASS", "not-the-passphrase")
    edit(relayer_config, lambda c: c.update(kyc=kyc_section(relayer_config, "RAT_TEST_WRONG_PASS")))
    code, output = doctor(relayer_config)
    assert code == 1 and "FAIL" in output and "kyc" in output.split("FAIL", 1)[1].split("\n")[0].lower()
    assert "not-the-passphrase" not in output


def test_doctor_fails_on_an_unset_webhook_secret(relayer_config, monkeypatch):
    monkeypatch.delenv("RAT_TEST_DOCTOR_WEBHOOK_SECRET", raising=False)
    edit(relayer_config, lambda c: c.update(kyc=kyc_section(relayer_config)))
    code, output = doctor(relayer_config)
    assert code == 1 and "RAT_TEST_DOCTOR_WEBHOOK_SECRET is not set" in output


def test_doctor_fails_on_a_missing_jwks_file(relayer_config, tmp_path):
    edit(relayer_config, lambda c: c.update(api={"auth": {"issuer": "https://a.invalid/", "audience": "rat",
                                                          "jwks_file": str(tmp_path / "missing-jwks.json")}}))
    code, output = doctor(relayer_config)
    assert code == 1 and "missing-jwks.json is not readable" in output


def test_doctor_passes_a_readable_jwks_file(relayer_config, tmp_path):
    from joserfc.jwk import ECKey, KeySet

    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(KeySet([ECKey.generate_key("P-256", private=True)]).as_dict(private=False)))
    edit(relayer_config, lambda c: c.update(api={"auth": {"issuer": "https://a.invalid/", "audience": "rat",
                                                          "jwks_file": str(path)}}))
    code, output = doctor(relayer_config)
    assert code == 0 and "operator JWKS" in output


def test_doctor_fails_when_the_configured_nats_does_not_answer(relayer_config):
    edit(relayer_config, lambda c: c.update(events={"nats_url": "nats://127.0.0.1:1"}))
    code, output = doctor(relayer_config)
    assert code == 1 and "NATS at nats://127.0.0.1:1 does not answer" in output


@pytest.mark.nats
def test_doctor_fails_when_another_stream_already_captures_the_subjects(relayer_config):
    import asyncio

    nats = pytest.importorskip("nats")
    from nats.js.api import StreamConfig

    network = "doc" + uuid.uuid4().hex[:8]
    other = "OTHER_" + network.upper()

    async def with_stream(add: bool) -> None:
        nc = await nats.connect("nats://127.0.0.1:4222", connect_timeout=1, max_reconnect_attempts=0,
                                allow_reconnect=False)
        try:
            js = nc.jetstream()
            if add:
                await js.add_stream(StreamConfig(name=other, subjects=[f"rat.{network}.>"]))
            else:
                await js.delete_stream(other)
        finally:
            await nc.close()

    try:
        asyncio.run(with_stream(True))
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"no NATS JetStream at 127.0.0.1:4222: {type(exc).__name__}")
    try:
        edit(relayer_config, lambda c: c.update(network=network, events={"nats_url": "nats://127.0.0.1:4222"}))
        code, output = doctor(relayer_config)
        assert code == 1 and f"{other} already captures rat.{network}.>" in output
    finally:
        asyncio.run(with_stream(False))


def test_doctor_fix_text_for_an_unreachable_node_is_true_for_run(relayer_config):
    edit(relayer_config, lambda c: c.update(rpc_url="http://127.0.0.1:1"))
    code, output = doctor(relayer_config)
    assert code == 1 and "stop at start until the node answers" in output
