"""`rat-relayer doctor`: every check the daemon depends on, each with what is wrong and how to fix it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, keccak

from relayer.checkup import ATTESTOR_ROLE_ON_MINTER, Checkup
from relayer.config_source import ConfigSource
from relayer.errors import ConfigError, RelayerError


async def diagnose(source: Path | ConfigSource, say: Callable[[str], None]) -> int:
    from relayer.adapters.base import load_adapter
    from relayer.config import RelayerConfig
    from relayer.daemon import build_attestor_clients, build_signer
    from relayer.minter import AssetStatus, MinterReader
    from relayer.rpc import Rpc

    report = Checkup(say)
    ok, bad = report.ok, report.bad

    try:
        config = RelayerConfig.load(source)
        ok(f"config {source}")
    except RelayerError as exc:
        bad(str(exc), exc.hint)
        return report.problems

    try:
        store = config.open_store(migrate_schema=False)
        current, latest = store.schema_version()
        store.close()
        if current > latest:
            bad(f"database schema v{current} is newer than this relayer (v{latest})", "upgrade the relayer")
        elif current < latest:
            ok(f"database {store.dialect} reachable; schema v{current} migrates to v{latest} on the first run")
        else:
            ok(f"database {store.dialect} schema v{current}")
    except RelayerError as exc:
        bad(str(exc), exc.hint)

    rpc = Rpc(config.rpc_url, timeout=5)
    reader = MinterReader(rpc, config.minter)
    chain_ok = False
    try:
        chain_id = await rpc.chain_id()
        head = await rpc.block_number()
        if config.chain_id is not None and chain_id != config.chain_id:
            bad(f"node is chain {chain_id}, config says {config.chain_id}", "point rpc_url at the right network")
        else:
            ok(f"RPC {config.rpc_url}: chain {chain_id}, head {head}")
        try:
            await reader.check_interface()
            ok(f"Minter at {config.minter}")
            chain_ok = True
        except ConfigError as exc:
            bad(str(exc), exc.hint)  # once: the role and asset checks below need a Minter and are skipped
    except RelayerError as exc:
        bad(str(exc), exc.hint)

    async def has_role(role: str, account: str) -> bool:
        data = function_signature_to_4byte_selector("hasRole(bytes32,address)") + encode(
            ["bytes32", "address"], [keccak(text=role), account])
        return decode(["bool"], await rpc.eth_call(config.minter, data))[0]

    try:
        signer = build_signer(config.signers.sender, "sender")
        ok(f"sender key unlocked: {signer.address}")
        if chain_ok:
            balance = int(await rpc.call("eth_getBalance", signer.address, "latest"), 16)
            if balance == 0:
                bad(f"sender {signer.address} has no gas money", "fund the sender address")
            for role in ("SUBMITTER_ROLE", "REJECTER_ROLE"):
                if not await has_role(role, signer.address):
                    bad(f"sender lacks {role} on the Minter", f"grant {role} to {signer.address}")
    except RelayerError as exc:
        bad(str(exc), exc.hint)

    try:
        attestors = build_attestor_clients(config)
    except RelayerError as exc:
        bad(str(exc), exc.hint)
        attestors = {}
    for label, client in attestors.items():
        try:
            health = await client.health()
            address = health.get("signer", "")
            if client.address and address != client.address:
                bad(f"{label} attestor at {client.url} signs as {address}, config says {client.address}",
                    "point attestors.{label}.url at the right service or fix its address")
            else:
                ok(f"{label} attestor {client.url} reachable over mutual TLS, signer {address}")
            if chain_ok and address:
                data = function_signature_to_4byte_selector("attestorRole(address)") + encode(["address"], [address])
                role = decode(["uint8"], await rpc.eth_call(config.minter, data))[0]
                if role != ATTESTOR_ROLE_ON_MINTER[label]:
                    bad(f"{label} attestor {address} is not a {label} attestor on the Minter",
                        f"setAttestor({address}, {label.upper()}) from the attestor manager")
        except RelayerError as exc:
            bad(str(exc), exc.hint)
        except Exception as exc:  # TLS or transport: name it, the fix is the same
            bad(f"{label} attestor at {client.url} unreachable ({exc.__class__.__name__}: {exc})",
                "start it (rat-attestor run) and check the URL and the TLS files on both sides")
        finally:
            await client.aclose()

    if chain_ok:
        for address, asset in config.assets.items():
            try:
                status = await reader.asset_status(address)
                if status == AssetStatus.UNLISTED:
                    bad(f"asset {asset.symbol} ({address}) is not listed on the Minter", "list it or remove it")
                else:
                    ok(f"asset {asset.symbol} {status.name}")
            except RelayerError as exc:
                bad(str(exc), exc.hint)

    for kind in ("brokerage", "custody"):
        adapter_config = getattr(config, kind)
        try:
            adapter = load_adapter(kind, adapter_config.adapter, adapter_config.options)
        except RelayerError as exc:
            bad(str(exc), exc.hint)
            continue
        try:
            if kind == "custody":
                symbol = next(iter(config.assets.values())).symbol
                held = await adapter.position(symbol, "doctor")
                ok(f"custody adapter {adapter_config.adapter}: {symbol} position {held}")
            elif hasattr(adapter, "clock"):
                clock = await adapter.clock("doctor")
                ok(f"brokerage adapter {adapter_config.adapter}: market {'open' if clock.get('is_open') else 'closed'}")
            else:
                ok(f"brokerage adapter {adapter_config.adapter} loaded")
        except RelayerError as exc:
            bad(f"{kind} adapter {adapter_config.adapter}: {exc}", exc.hint)
        finally:
            await adapter.aclose()
    if chain_ok and config.collateral is not None:
        await _collateral_checks(config, rpc, ok, bad)
    await rpc.aclose()
    if config.kyc is not None:
        await _kyc_checks(config, ok, bad)
    if config.api.auth is not None:
        await _auth_checks(config, ok, bad)
    if config.events.nats_url:
        await _bus_checks(config, ok, bad)
    return report.problems


async def _collateral_checks(config, rpc, ok, bad) -> None:
    """The collateral keeper's markets with the oracle each prices its collateral with (the one
    GET /v1/assets/{asset}/oracle shows; two markets pricing one asset with different oracles fail), and its
    liquidator: unlockable, not the sender, eligible for the collateral (the token's compliance decides), the gateway
    approved for max_repay (decision 0102 "Keeper")."""
    from relayer.collateral_keeper import check_collateral
    from relayer.collateral_oracles import AmbiguousOracle, map_oracles
    from relayer.daemon import build_signer

    c = config.collateral
    liquidator = None
    if c.liquidation.enabled and c.liquidation.signer is not None:
        try:
            liquidator = build_signer(c.liquidation.signer, "liquidator").address
            ok(f"collateral liquidator key unlocked: {liquidator}")
        except RelayerError as exc:
            bad(str(exc), exc.hint)
    try:
        problems, found = await check_collateral(rpc, c, liquidator)
    except RelayerError as exc:
        bad(f"collateral keeper: {exc}", exc.hint)
        return
    for problem in problems:
        bad(problem, "fix the collateral section of the config "
                     "(docs/architecture/observability.md, 'Collateral keeper')")
    oracles = map_oracles(found)  # what GET /v1/assets/{asset}/oracle shows (relayer/collateral_oracles.py)
    for conflict in oracles.conflicts.values():
        bad(conflict, AmbiguousOracle.hint)
    for market_id, params in found.items():
        if params.collateral_token in oracles.oracles:
            ok(f"collateral market {market_id}: {params.collateral_token} priced by oracle {params.oracle}")
    if not problems and not oracles.conflicts:
        ok(f"collateral keeper: {len(found)} market(s), liquidation "
           f"{'by ' + liquidator if liquidator else 'off (alerts only)'}")


async def _kyc_checks(config, ok, bad) -> None:
    import os

    from relayer.daemon import build_signer

    assert config.kyc is not None
    try:
        signer = build_signer(config.kyc.signer, "kyc")
        ok(f"kyc key unlocked: {signer.address}")
    except RelayerError as exc:
        bad(str(exc), exc.hint)
    if os.environ.get(config.kyc.webhook_secret_env):
        ok(f"Sumsub webhook secret set in {config.kyc.webhook_secret_env}")
    else:
        bad(f"the Sumsub webhook secret variable {config.kyc.webhook_secret_env} is not set: every webhook "
            "delivery would be refused with 401",
            f"export {config.kyc.webhook_secret_env} with the secret from the Sumsub webhook settings")
    if config.kyc.chains:
        await _kyc_drift_check(config, ok, bad)


async def _kyc_drift_check(config, ok, bad) -> None:
    """Compares every KYC'd wallet's record on the home registry and on each fan-out chain's (ADR 0106)."""
    from relayer.kyc.fanout import ledger_wallets, registry_drift
    from relayer.rpc import Rpc

    assert config.kyc is not None
    registries = {"home": (Rpc(config.rpc_url), config.kyc.registry)}
    registries.update({c.name: (Rpc(c.rpc_url), c.registry) for c in config.kyc.chains})
    store = config.open_store(migrate_schema=False)
    try:
        wallets = ledger_wallets(store)
        drift = await registry_drift(registries, wallets)
    except RelayerError as exc:
        bad(f"KYC drift check could not read every chain's registry: {exc}", exc.hint)
        return
    finally:
        store.close()
        for rpc, _ in registries.values():
            await rpc.aclose()
    if drift:
        first = drift[0]
        bad(f"KYC records differ between chains for {len(drift)} wallet(s), e.g. {first.wallet}: "
            + ", ".join(f"{name} tier {r.tier} expiry {r.expiry} frozen {r.frozen}"
                        for name, r in first.records.items()),
            "let the KYC fan-out reconcile (rat-relayer api runs it every kyc.drift_interval); a freeze that differs "
            "is the sanctions officer's to apply on the other chain")
    else:
        ok(f"KYC records identical on {len(registries)} chains for {len(wallets)} wallet(s)")


async def _auth_checks(config, ok, bad) -> None:
    from relayer.api.auth import JwksSource

    auth = config.api.auth
    source = JwksSource(auth.jwks_file, auth.jwks_url)
    where = auth.jwks_file or auth.jwks_url
    try:
        keys = await source.keys()
        ok(f"operator JWKS {where}: {len(keys.keys)} key(s)")
    except RelayerError as exc:
        bad(str(exc), exc.hint)
    except Exception as exc:  # noqa: BLE001  (httpx errors of a JWKS URL)
        bad(f"operator JWKS {where} cannot be fetched: {exc}", "check api.auth.jwks_url and the network path to it")


def _trust(config) -> str:  # type: ignore[no-untyped-def]
    ca = config.events.nats_tls_ca
    return f"the bus CA {ca}" if ca is not None else "the system trust store"


async def _bus_checks(config, ok, bad) -> None:
    import asyncio
    import ssl

    from relayer.events.publisher import SUBJECT_TOKEN, subject_for

    url = config.events.nats_url
    stream = config.events.stream or f"RAT_{SUBJECT_TOKEN.sub('_', config.network).upper()}"
    wanted = subject_for(config.network, ">")
    from relayer.errors import ConfigError
    from relayer.events.bus_tls import bus_tls_context
    from relayer.events.publisher import connect_bus

    try:
        tls = bus_tls_context(url, config.events.nats_tls_ca)
    except ConfigError as exc:
        bad(str(exc), exc.hint)
        return
    try:
        from nats.js.errors import NotFoundError

        async def _silent(_: Exception) -> None:
            pass

        nc = await asyncio.wait_for(connect_bus(url, config.events.nats_token, tls, 2, _silent), 5)
    except Exception as exc:  # noqa: BLE001  (any connection failure: the bus is down or unreachable)
        if isinstance(exc, ssl.SSLCertVerificationError):
            bad(f"NATS at {url} presents a certificate {_trust(config)} does not verify ({exc.verify_message}): "
                "events stay in the outbox unpublished",
                "set events.nats_tls_ca to the bus CA (the `ca` of the stack's nats-client-tls secret)")
        elif "Authorization Violation" in str(exc):
            given = (f"the token in ${config.events.nats_token_env}" if config.events.nats_token_env
                     else "no token (events.nats_token_env is unset)")
            bad(f"NATS at {url} refuses {given}: events stay in the outbox unpublished",
                "set events.nats_token_env to the variable holding the servers' --auth token (RAT_NATS_TOKEN in "
                "the cloud tasks)")
        else:
            bad(f"NATS at {url} does not answer ({type(exc).__name__}): events stay in the outbox unpublished",
                "start NATS with JetStream, or unset events.nats_url")
        return
    if tls is not None:
        ok(f"NATS at {url}: TLS, the server's certificate and name verified against {_trust(config)}")
    try:
        js = nc.jetstream()
        try:
            info = await js.stream_info(stream)
            if wanted not in (info.config.subjects or []):
                bad(f"JetStream stream {stream} exists but captures {info.config.subjects}, not {wanted}",
                    "set events.stream to a name of this relayer's own, or remove the other stream")
            else:
                ok(f"JetStream stream {stream} captures {wanted}")
        except NotFoundError:
            try:
                other = await js.find_stream_name_by_subject(wanted)
            except NotFoundError:
                other = None
            if other:
                bad(f"JetStream stream {other} already captures {wanted}: stream {stream} cannot be created",
                    f"set events.stream: {other}, or remove the other stream")
            else:
                ok(f"JetStream reachable; stream {stream} is created on the first publish")
    except Exception as exc:  # noqa: BLE001  (JetStream disabled or not answering)
        bad(f"NATS at {url} has no working JetStream ({type(exc).__name__}: {exc})",
            "start nats-server with -js (JetStream enabled)")
    finally:
        await nc.close()
