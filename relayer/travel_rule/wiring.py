"""Builds the Travel Rule service from the relayer's config, and serves its TRP listener."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping

import uvicorn
from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector

from rat.errors import TransferStatus
from relayer.config import RelayerConfig
from relayer.config_source import required_env
from relayer.errors import ConfigError
from relayer.kyc.applicants import SumsubApplicants
from relayer.rpc import Rpc
from relayer.store import Store
from relayer.travel_rule.listener import create_trp_app, server_tls
from relayer.travel_rule.service import Precheck, TravelRuleService
from relayer.travel_rule.trp import TrpClient

log = logging.getLogger("relayer.travel_rule")
_CAN_TRANSFER = function_signature_to_4byte_selector("canTransfer(address,address,address,uint256)")


def registry_precheck(rpc: Rpc, registry: str) -> Precheck:
    """`ComplianceRegistry.canTransfer` as the chain would answer it now."""

    async def precheck(asset: str, sender: str, recipient: str, amount: int) -> TransferStatus:
        data = _CAN_TRANSFER + encode(["address", "address", "address", "uint256"], [asset, sender, recipient, amount])
        (status,) = decode(["uint8"], await rpc.eth_call(registry, data))
        return TransferStatus(status)

    return precheck


def build_service(config: RelayerConfig, store: Store, rpc: Rpc,
                  environ: Mapping[str, str] | None = None) -> TravelRuleService:
    """The service of `config.travel_rule` (which must be set); the Sumsub credentials come from the environment."""
    section = config.travel_rule
    if section is None:
        raise ConfigError("travel_rule is not configured")
    environ = os.environ if environ is None else environ
    try:
        identities = SumsubApplicants(required_env(environ, section.sumsub_app_token_env, "travel_rule"),
                                      required_env(environ, section.sumsub_secret_key_env, "travel_rule"),
                                      base_url=section.sumsub_url, timeout=section.timeout)
        trp = TrpClient.with_mutual_tls(section.tls_cert, section.tls_key, section.tls_ca, section.timeout)
    except (ValueError, OSError) as exc:
        raise ConfigError(f"travel_rule: {exc}") from exc
    return TravelRuleService(store, section, trp, identities, registry_precheck(rpc, section.registry))


async def serve_listener(config: RelayerConfig, stop: asyncio.Event) -> None:
    """The TRP listener on travel_rule.host:port with mutual TLS, until `stop` is set."""
    section = config.travel_rule
    if section is None:
        raise ConfigError("travel_rule is not configured")
    store = config.open_store()
    rpc = Rpc(config.rpc_url)
    service = build_service(config, store, rpc)
    server = uvicorn.Server(uvicorn.Config(create_trp_app(service), host=section.host, port=section.port,
                                           log_config=None, access_log=False, lifespan="off", **server_tls(section)))
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.05)
    if server.started:
        port = server.servers[0].sockets[0].getsockname()[1]
        print(f"listening on https://{section.host}:{port} (TRP {section.public_url})", flush=True)
    try:
        await asyncio.wait([task, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
        await service.aclose()
        await rpc.aclose()
        store.close()
