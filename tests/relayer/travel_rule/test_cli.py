"""`rat-relayer travel-rule`: the listener served from the relayer's own config (mutual TLS, the store, Sumsub's
credentials from the environment), and `decode`, each failing with a readable message and exit status 1."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
import yaml
from click.testing import CliRunner

from attestor.tls import LocalCA
from relayer.cli import main
from relayer.config import EXAMPLE, RelayerConfig
from relayer.errors import ConfigError
from relayer.travel_rule import address as travel_address
from relayer.attestor_client import client_context
from relayer.travel_rule.wiring import serve_listener

TOKEN = "0x00000000000000000000000000000000000000A1"
SUMSUB_ENV = {"RAT_SUMSUB_APP_TOKEN": "sbx:token", "RAT_SUMSUB_SECRET_KEY": "secret"}


@pytest.fixture
def pki(tmp_path):
    ca = LocalCA(tmp_path / "ca", "TRP counterparties CA")
    return ca, ca.issue("vasp-a", server=True, client=True, hosts=("127.0.0.1", "localhost"))


def config(tmp_path, pki) -> RelayerConfig:
    ca, issued = pki
    raw = yaml.safe_load(EXAMPLE)
    raw["database_url"] = f"sqlite:///{tmp_path / 'relayer.db'}"
    raw["travel_rule"] = {
        "legal_name": "Agora Exchange S.A.", "lei": "5493001KJTIIGC8Y1R12", "country": "AR",
        "public_url": "https://trp.vasp-a.test", "registry": "0x" + "22" * 20, "assets": {TOKEN: {"dti": "4H95J0R2X"}},
        "tls_cert": str(issued.cert), "tls_key": str(issued.key), "tls_ca": str(ca.cert),
        "host": "127.0.0.1", "port": 0}
    return RelayerConfig.model_validate(raw)


def test_decode_prints_the_inquiry_url_inside_a_travel_address():
    url = "https://trp.vasp-b.test/trp/inquiries/0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359?t=i"

    result = CliRunner().invoke(main, ["travel-rule", "decode", travel_address.encode(url)])

    assert (result.exit_code, result.output.strip()) == (0, url)


def test_decode_of_something_else_is_a_readable_error_and_exit_status_1():
    result = CliRunner().invoke(main, ["travel-rule", "decode", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"])

    assert result.exit_code == 1
    assert "error: not a Travel Address: a Travel Address starts with 'ta'" in result.output


def test_the_config_refuses_an_lei_whose_check_digits_are_wrong(tmp_path, pki):
    raw = config(tmp_path, pki).model_dump(mode="json")
    raw["travel_rule"]["lei"] = "5493001KJTIIGC8Y1R13"

    with pytest.raises(ValueError, match="fails the ISO 17442 check digits"):
        RelayerConfig.model_validate(raw)


def test_serve_refuses_to_start_without_the_sumsub_credentials(tmp_path, pki, monkeypatch):
    for name in SUMSUB_ENV:
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(ConfigError, match="RAT_SUMSUB_APP_TOKEN"):
        asyncio.run(serve_listener(config(tmp_path, pki), asyncio.Event()))


def test_serve_answers_a_counterparty_over_mutual_tls_from_the_relayers_config(tmp_path, pki, monkeypatch, capsys):
    for name, value in SUMSUB_ENV.items():
        monkeypatch.setenv(name, value)
    ca, issued = pki
    settings = config(tmp_path, pki)

    async def exchange() -> httpx.Response:
        stop = asyncio.Event()
        task = asyncio.create_task(serve_listener(settings, stop))
        while "listening on" not in (printed := capsys.readouterr().out):
            assert not task.done(), "the listener did not start"
            await asyncio.sleep(0.02)
        url = printed.split("listening on ", 1)[1].split()[0]
        async with httpx.AsyncClient(verify=client_context(issued.cert, issued.key, ca.cert)) as client:
            answer = await client.post(f"{url}/trp/inquiries/0x" + "12" * 20, content=b"{}", headers={
                "api-version": "3.1.0", "request-identifier": str(uuid.uuid4()), "content-type": "application/json"})
        stop.set()
        await task
        return answer

    answer = asyncio.run(exchange())

    assert answer.status_code == 422  # reached the handlers: TLS, headers and body checks passed in order
    assert answer.headers["api-version"] == "3.1.0"


def test_the_service_api_serves_the_travel_rule_calls_when_the_config_has_the_section(tmp_path, pki, monkeypatch):
    from relayer.api.server import build_context
    from relayer.rpc import Rpc

    for name, value in SUMSUB_ENV.items():
        monkeypatch.setenv(name, value)
    settings = config(tmp_path, pki)
    store = settings.open_store()

    ctx = build_context(settings, store, Rpc(settings.rpc_url))

    assert ctx.travel_rule is not None
    asyncio.run(ctx.travel_rule.aclose())
    store.close()
