"""`rat-attestor doctor`: every check the service depends on, each with what is wrong and how to fix it."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

from relayer.checkup import ATTESTOR_ROLE_ON_MINTER, Checkup
from relayer.config_source import ConfigSource
from relayer.errors import RelayerError


async def diagnose(source: Path | ConfigSource, say: Callable[[str], None]) -> int:
    from attestor.chain import ChainView
    from attestor.config import AttestorConfig
    from attestor.evidence import vendor_for
    from attestor.ledger import Ledger
    from attestor.service import build_signer
    from attestor.tls import server_context
    from relayer.rpc import Rpc

    report = Checkup(say)
    ok, bad = report.ok, report.bad

    try:
        config = AttestorConfig.load(source)
        ok(f"config {source} ({config.role} attestor)")
    except RelayerError as exc:
        bad(str(exc), exc.hint)
        return report.problems

    signer = None
    try:
        signer = build_signer(config)
        ok(f"{config.role} key unlocked: {signer.address}")
    except RelayerError as exc:
        bad(str(exc), exc.hint)

    tls = config.tls
    missing = [str(p) for p in (tls.cert, tls.key, tls.client_ca) if not p.is_file()]
    if missing:
        bad(f"TLS files missing: {', '.join(missing)}",
            "issue a server certificate for this service and point tls.client_ca at the CA of the relayer's "
            "client certificate")
    else:
        try:
            server_context(tls.cert, tls.key, tls.client_ca)
            ok(f"TLS certificate {tls.cert}, clients from {tls.client_ca}: {', '.join(tls.allowed_clients)}")
        except (ssl.SSLError, OSError) as exc:
            bad(f"TLS files unusable: {exc}", "the key must match the certificate; all files PEM")

    try:
        ledger = Ledger(config.database)
        ok(f"database {config.database}: {ledger.check()} fills recorded")
        ledger.close()
    except Exception as exc:  # sqlite3 raises several types; all mean the same to an operator
        bad(f"database {config.database} unusable ({exc})", "check the path is writable and not corrupt")

    rpc = Rpc(config.rpc_url, timeout=5)
    chain = ChainView(rpc, config.minter, config.confirmations)
    try:
        chain_id = await rpc.chain_id()
        head = await rpc.block_number()
        if chain_id != config.chain_id:
            bad(f"node is chain {chain_id}, config says {config.chain_id}", "point rpc_url at the right network")
        else:
            ok(f"RPC {config.rpc_url}: chain {chain_id}, head {head}, confirmations {config.confirmations}")
            code = await rpc.call("eth_getCode", config.minter, "latest")
            if code in (None, "0x"):
                bad(f"no contract at minter {config.minter}", "set `minter` to the Minter proxy address")
            elif signer is not None:
                role = await chain.attestor_role(signer.address)
                if role != ATTESTOR_ROLE_ON_MINTER[config.role]:
                    bad(f"{signer.address} is not a {config.role} attestor on the Minter",
                        f"setAttestor({signer.address}, {config.role.upper()}) from the attestor manager")
                else:
                    ok(f"{signer.address} is the Minter's {config.role} attestor")
    except RelayerError as exc:
        bad(str(exc), exc.hint)
    finally:
        await rpc.aclose()

    symbol = next(iter(config.assets.values())).symbol
    try:
        vendor = vendor_for(config.role, config.vendor.adapter, config.vendor.options, symbol)
    except RelayerError as exc:
        bad(str(exc), exc.hint)
        return report.problems
    try:
        ok(f"vendor {config.vendor.adapter}: {await vendor.probe()}")
    except RelayerError as exc:
        bad(f"vendor {config.vendor.adapter}: {exc}", exc.hint)
    finally:
        await vendor.aclose()
    return report.problems
