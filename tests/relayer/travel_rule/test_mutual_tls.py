"""TRP 3 is mutual TLS: the listener (served by uvicorn with `listener.server_tls`) answers only clients whose
certificate chains to `travel_rule.tls_ca`, and the client (`TrpClient.with_mutual_tls`) talks only to servers that
do. Real sockets, real handshakes, certificates from a throw-away CA."""

from __future__ import annotations

import asyncio
import ssl
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from trp_vasps import BEA, inquiry_body

from attestor.tls import LocalCA
from relayer.travel_rule.listener import create_trp_app, server_tls
from relayer.travel_rule.trp import CounterpartyUnavailable, Inquiry, TrpClient, decode_json

pytestmark = pytest.mark.anyio
HOSTS = ("127.0.0.1", "localhost")


@pytest.fixture
def pki(tmp_path):
    ca = LocalCA(tmp_path / "ca", "TRP counterparties CA")
    return {"ca": ca, "b": ca.issue("vasp-b", server=True, client=True, hosts=HOSTS),
            "a": ca.issue("vasp-a", server=True, client=True, hosts=HOSTS),
            "rogue_ca": LocalCA(tmp_path / "rogue", "someone else's CA")}


@pytest.fixture
async def listener(vasp_b, pki) -> AsyncIterator[str]:
    """VASP B's TRP listener on a free port, its certificate from the shared CA; yields its base URL."""
    vasp_b.investor(BEA)
    config = vasp_b.config.model_copy(update={"tls_cert": pki["b"].cert, "tls_key": pki["b"].key,
                                              "tls_ca": pki["ca"].cert})
    server = uvicorn.Server(uvicorn.Config(create_trp_app(vasp_b.service), host="127.0.0.1", port=0,
                                           log_config=None, access_log=False, lifespan="off", **server_tls(config)))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the listener did not start"
        await asyncio.sleep(0.02)
    yield f"https://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    await task


def inquiry() -> Inquiry:
    return Inquiry.model_validate(decode_json(inquiry_body().encode()))


async def test_a_counterparty_with_a_certificate_from_the_trusted_ca_gets_its_answer(listener, pki, vasp_b):
    client = TrpClient.with_mutual_tls(pki["a"].cert, pki["a"].key, pki["ca"].cert, timeout=5)

    resolution = await client.inquire(f"{listener}/trp/inquiries/{BEA}?t=i", str(uuid.uuid4()), inquiry())
    await client.aclose()

    assert resolution is not None and resolution.approved is not None
    assert len(vasp_b.rows()) == 1


async def test_a_client_certificate_from_another_ca_is_refused_in_the_handshake(listener, pki, vasp_b):
    rogue = pki["rogue_ca"].issue("rogue-vasp", client=True)
    client = TrpClient.with_mutual_tls(rogue.cert, rogue.key, pki["ca"].cert, timeout=5)

    with pytest.raises(CounterpartyUnavailable):
        await client.inquire(f"{listener}/trp/inquiries/{BEA}?t=i", str(uuid.uuid4()), inquiry())
    await client.aclose()

    assert vasp_b.rows() == []


async def test_a_client_without_a_certificate_is_refused_in_the_handshake(listener, pki, vasp_b):
    context = ssl.create_default_context(cafile=str(pki["ca"].cert))
    client = TrpClient(httpx.AsyncClient(verify=context, timeout=5))

    with pytest.raises(CounterpartyUnavailable):
        await client.inquire(f"{listener}/trp/inquiries/{BEA}?t=i", str(uuid.uuid4()), inquiry())
    await client.aclose()

    assert vasp_b.rows() == []


async def test_the_client_refuses_a_server_whose_certificate_is_not_from_the_trusted_ca(listener, pki, vasp_b):
    other = pki["rogue_ca"]
    client = TrpClient.with_mutual_tls(pki["a"].cert, pki["a"].key, other.cert, timeout=5)

    with pytest.raises(CounterpartyUnavailable):
        await client.inquire(f"{listener}/trp/inquiries/{BEA}?t=i", str(uuid.uuid4()), inquiry())
    await client.aclose()

    assert vasp_b.rows() == []
