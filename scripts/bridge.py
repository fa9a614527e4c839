"""Cross-chain RAT through Chainlink CCIP (ADR 0106): deploy an asset's burn/mint pool on the connected chain,
configure a lane with matched rate limits, send, relay, status. Each chain has its own `--deployments` directory
(`<network>-bridge.json`); run the command against the chain it acts on.

    ape run bridge local-asset rAAPL --account TEST::0 --kyc 0xAlice --kyc 0xBob --mint 0xAlice:100  # anvil only
    ape run bridge deploy rAAPL --selector 16015286601757825753 --account TEST::0
    ape run bridge configure-lane rAAPL --remote-selector 3478487238524512106 --remote-record ../b/local-bridge.json \\
        --outbound 950:9.5 --inbound 1000:10 --remote-outbound 950:9.5 --remote-inbound 1000:10 --account TEST::0
    ape run bridge send rAAPL --dest 3478487238524512106 --to 0xBob --amount 10 --account alice
    ape run bridge relay rAAPL --source-host http://127.0.0.1:8545 --source-record ../a/local-bridge.json --account relayer
    ape run bridge status rAAPL

With `deploy --full-lane` (and `--fund ADDRESS` for each sender of fee tokens), the chain gets Chainlink's CCIP 1.6
lane instead of the ramp harness (rat/bridge/ccip_stack.py: Router, OnRamp, FeeQuoter, NonceManager,
TokenAdminRegistry, RMNRemote, a fee token); `configure-lane --transmitter 0xRelayer` then deploys the OffRamp from
the remote OnRamp with the local DON's OCR3 configs, `send` goes through `Router.ccipSend`, and `relay` (run by the
transmitter) commits a Merkle root signed by the local committee and executes through the OffRamp.

`configure-lane`, `send` and `relay` take `--dry-run` (print the calls, send nothing); `local-asset` and `deploy` act
on local chains only. `configure-lane` refuses limits that are not a matched pair (this chain's outbound at most 95 % of the remote
inbound, and the reverse) before sending anything. On a local chain, `deploy` uses Chainlink's Router from the npm
package's bytecode and the ramp harness, or with `--full-lane` the full CCIP 1.6 lane.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import click
from ape import chain, networks, project
from ape.cli import ConnectedProviderCommand, account_option
from ape.contracts import ContractInstance
from ape.exceptions import ContractLogicError
from eth_utils import to_checksum_address

from rat.bridge.ccip import (
    LOCAL_CHAIN_IDS,
    LanePairLimits,
    encode_address,
    RateLimit,
    configure_lane,
    deploy_pool,
    deploy_router,
    register_pool,
    rmn_of,
    set_ramps,
)
from rat.bridge import ccip_stack
from rat.bridge.chains import Chain
from rat.bridge.records import BridgeEntry, BridgeFile, CcipLaneContracts
from rat.bridge.relay import refusal_reason, relay, sent_messages
from rat.scripting import deployments_option, dry_run_option, network_name, token_units

UNIT = 10**18
DON_LABEL = "ape-run-bridge"  # the local committee's signer keys (local chains only)
FEE_TOKEN_SUPPLY = 1_000_000 * UNIT
FEE_TOKEN_GRANT = 1_000 * UNIT  # fee tokens each --fund address receives


class _Endpoint(NamedTuple):
    """One chain's ramp and pool, for the relay (a dataclass does not survive Ape's script loader)."""

    chain: Chain
    ramp: ContractInstance
    pool: ContractInstance

    @property
    def selector(self) -> int:
        return self.chain.selector


def _entry(bridge: BridgeFile, symbol: str, deployed: bool = True) -> BridgeEntry:
    entry = bridge.assets.get(symbol)
    if entry is None:
        raise click.ClickException(f"no bridge entry for {symbol}: run `ape run bridge local-asset` or add the "
                                   "asset's token and registry")
    if deployed and entry.pool is None:
        raise click.ClickException(f"{symbol} has no pool on this chain: run `ape run bridge deploy {symbol}`")
    return entry


def _units(amount: str) -> int:
    return token_units(amount, 18, zero_ok=True)


def _limit(text: str) -> RateLimit:
    """CAPACITY:RATE in tokens (and tokens per second), or `off`."""
    if text == "off":
        return RateLimit(enabled=False, capacity=0, rate=0)
    capacity, _, rate = text.partition(":")
    try:
        return RateLimit(capacity=_units(capacity), rate=_units(rate))
    except ValueError as error:
        raise click.BadParameter(f"{text!r}: {error}") from None


def _full_lane(entry: BridgeEntry, chain_handle: Chain) -> ccip_stack.ChainStack:
    """The entry's full CCIP lane as a ChainStack (the entry must come from `deploy --full-lane`)."""
    assert entry.ccip is not None and entry.router is not None and entry.pool is not None
    return ccip_stack.attach_chain_stack(chain_handle, entry.token, entry.pool, entry.ccip.addresses(entry.router),
                                         entry.ccip.off_ramps)


def _require_local() -> None:
    if networks.provider.chain_id not in LOCAL_CHAIN_IDS:
        raise click.ClickException("only on a local chain: production assets are listed through governance")


def _refused(action, pool: ContractInstance):  # type: ignore[no-untyped-def]
    try:
        return action()
    except ContractLogicError as error:
        raise click.ClickException(f"refused: {refusal_reason(error, pool)}") from None


@click.group()
def cli() -> None:
    """Cross-chain RAT through Chainlink CCIP: pools, lanes, sends, the relay, status."""


@cli.command(cls=ConnectedProviderCommand, name="local-asset")
@click.argument("symbol")
@account_option()
@click.option("--kyc", "kyc", multiple=True, help="Address to approve (tier 2, BR) on this chain; repeatable.")
@click.option("--mint", "mints", multiple=True, help="ADDRESS:AMOUNT to mint on this chain; repeatable.")
@deployments_option
def local_asset(symbol: str, account, kyc: tuple[str, ...], mints: tuple[str, ...],
                deployments_dir: Path | None) -> None:
    """Local chains only: a compliance stack and SYMBOL listed, for trying the bridge (ACCOUNT holds every role)."""
    from rat.deploy import AssetTerms, approve_investor, deploy_compliance_stack, list_equity, role

    _require_local()
    bridge = BridgeFile.load(deployments_dir)
    stack = deploy_compliance_stack(account)
    for name in ("KYC_OPERATOR_ROLE", "ASSET_POLICY_ROLE"):
        stack.registry.grantRole(role(name), account, sender=account)
    token = list_equity(account, stack, AssetTerms.example(symbol=symbol), account)
    token.grantRole(role("MINTER_ROLE"), account, sender=account)
    for address in kyc:
        approve_investor(stack, account, address, tier=2, country="BR", now=chain.pending_timestamp)
    for item in mints:
        address, _, amount = item.partition(":")
        token.mint(address, _units(amount), sender=account)
    bridge.assets[symbol] = BridgeEntry(token=token.address, registry=stack.registry.address)
    bridge.save(deployments_dir)
    click.echo(f"{symbol} {token.address}, registry {stack.registry.address} on chain {networks.provider.chain_id}")


@cli.command(cls=ConnectedProviderCommand)
@click.argument("symbol")
@click.option("--selector", type=int, required=True, help="This chain's CCIP chain selector.")
@click.option("--full-lane", is_flag=True, help="Chainlink's full CCIP 1.6 lane instead of the ramp harness.")
@click.option("--fund", "funded", multiple=True, help="Address given fee tokens (--full-lane); repeatable.")
@account_option()
@deployments_option
def deploy(symbol: str, selector: int, full_lane: bool, funded: tuple[str, ...], account,
           deployments_dir: Path | None) -> None:
    """Deploys SYMBOL's RatCcipPool (MINTER_ROLE, PROTOCOL holder) with Chainlink's Router and the ramp harness
    (local chains), or with --full-lane Chainlink's CCIP 1.6 contracts and a fee token, the pool registered in the
    TokenAdminRegistry. ACCOUNT must hold the token's admin role and the registry's ASSET_POLICY_ROLE."""
    _require_local()
    if funded and not full_lane:
        raise click.UsageError("--fund needs --full-lane (the ramp harness takes no fee)")
    bridge = BridgeFile.load(deployments_dir)
    entry = _entry(bridge, symbol, deployed=False)
    token = project.RealAssetToken.at(entry.token)
    registry = project.ComplianceRegistry.at(entry.registry)
    if full_lane:
        fee_token = account.deploy(project.PlainERC20, account, FEE_TOKEN_SUPPLY)
        for address in funded:
            fee_token.transfer(address, FEE_TOKEN_GRANT, sender=account)
        side = ccip_stack.deploy_chain_stack(
            Chain("this", selector), account, account, fee_token,
            pool_factory=lambda router, rmn: (token, deploy_pool(account, token, registry, router, rmn.address,
                                                                 account)))
        contracts = CcipLaneContracts(
            rmn=side.rmn.address, token_admin_registry=side.token_admin_registry.address,
            registry_module=side.registry_module.address, nonce_manager=side.nonce_manager.address,
            fee_quoter=side.fee_quoter.address, fee_token=fee_token.address, on_ramp=side.on_ramp.address)
        bridge.assets[symbol] = entry.model_copy(update={"selector": selector, "router": side.router.address,
                                                         "pool": side.pool.address, "ramp": None, "ccip": contracts})
        bridge.save(deployments_dir)
        click.echo(f"{symbol} pool {side.pool.address}, router {side.router.address}, on-ramp "
                   f"{side.on_ramp.address}, fee token {fee_token.address}, selector {selector} (full CCIP lane)")
        return
    router = deploy_router(account)
    pool = deploy_pool(account, token, registry, router, rmn_of(router).address, account)
    ramp = account.deploy(project.CcipRampHarness)
    register_pool(ramp, router, token, pool, account)  # the pool's own sends (returnQuarantined) via ccipSend
    bridge.assets[symbol] = entry.model_copy(update={"selector": selector, "router": router.address,
                                                     "pool": pool.address, "ramp": ramp.address})
    bridge.save(deployments_dir)
    click.echo(f"{symbol} pool {pool.address}, router {router.address}, ramp {ramp.address}, selector {selector}")


@cli.command(cls=ConnectedProviderCommand, name="configure-lane")
@click.argument("symbol")
@click.option("--remote-selector", type=int, required=True, help="The remote chain's CCIP selector.")
@click.option("--remote-record", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="The remote chain's <network>-bridge.json.")
@click.option("--min-tier", type=int, default=1, show_default=True, help="KYC tier a recipient needs on the remote.")
@click.option("--outbound", required=True, help="This pool's outbound CAPACITY:RATE (tokens, tokens/s) or off.")
@click.option("--inbound", required=True, help="This pool's inbound CAPACITY:RATE or off.")
@click.option("--remote-outbound", required=True, help="The remote pool's outbound CAPACITY:RATE (checked).")
@click.option("--remote-inbound", required=True, help="The remote pool's inbound CAPACITY:RATE (checked).")
@click.option("--transmitter", default=None,
              help="Full lane: the local DON's transmitter, the account that runs `relay` here (default ACCOUNT).")
@account_option()
@deployments_option
@dry_run_option
def configure_lane_command(symbol: str, remote_selector: int, remote_record: Path, min_tier: int, outbound: str,
                           inbound: str, remote_outbound: str, remote_inbound: str, transmitter: str | None, account,
                           deployments_dir: Path | None, dry_run: bool) -> None:
    """Sets this chain's lane to the remote chain: ramps on the Router (full lane: the OnRamp's destination and an
    OffRamp from the remote OnRamp), the remote pool and token, the limits. Refused before any transaction unless
    the four limits are a matched pair (run it on both chains)."""
    bridge = BridgeFile.load(deployments_dir)
    entry = _entry(bridge, symbol)
    remote = _entry(BridgeFile.read(remote_record), symbol)
    try:
        limits = LanePairLimits(a_outbound=_limit(outbound), a_inbound=_limit(inbound),
                                b_outbound=_limit(remote_outbound), b_inbound=_limit(remote_inbound))
    except ValueError as error:
        raise click.ClickException(f"not a matched pair: {error}") from None
    if (entry.ccip is None) != (remote.ccip is None):
        raise click.ClickException("one chain has the full CCIP lane and the other the ramp harness: deploy both "
                                   "the same way")
    router, pool = project.RatCcipPool.at(entry.pool).ROUTER(), project.RatCcipPool.at(entry.pool)
    if entry.ccip is not None and remote.ccip is not None:
        lane = pool.setLane.encode_input(remote_selector, (
            encode_address(remote.pool), encode_address(remote.token), min_tier, limits.a_outbound.as_tuple(),
            limits.a_inbound.as_tuple()))
        if dry_run:
            click.echo(f"  [dry-run] open the OnRamp to {remote_selector} and an OffRamp from {remote.ccip.on_ramp}")
            click.echo(f"  [dry-run] {pool.address}.setLane: data=0x{bytes(lane).hex()}")
            return
        side = _full_lane(entry, Chain("this", entry.selector or 0))
        ccip_stack.open_outbound(side, remote_selector, account)
        off_ramp = ccip_stack.open_inbound(side, remote_selector, remote.ccip.on_ramp, account,
                                           transmitter or account.address, ccip_stack.ocr_keys(DON_LABEL))
        entry = entry.model_copy(update={"ccip": entry.ccip.model_copy(update={
            "off_ramps": {**entry.ccip.off_ramps, remote_selector: off_ramp.address},
            "transmitter": transmitter or account.address})})
        bridge.assets[symbol] = entry
        bridge.save(deployments_dir)
        _refused(lambda: configure_lane(pool, remote_selector, remote.pool, remote.token, min_tier,
                                        limits.a_outbound, limits.a_inbound, account), pool)
        click.echo(f"{symbol} lane to {remote_selector}: remote pool {remote.pool}, min tier {min_tier}, "
                   f"outbound {outbound}, inbound {inbound}, off-ramp {off_ramp.address} (full CCIP lane)")
        return
    if dry_run:
        router_instance = chain.contracts.instance_at(router, contract_type=_router_type())
        ramps = router_instance.applyRampUpdates.encode_input([(remote_selector, entry.ramp)], [],
                                                               [(remote_selector, entry.ramp)])
        lane = pool.setLane.encode_input(remote_selector, (
            encode_address(remote.pool), encode_address(remote.token), min_tier, limits.a_outbound.as_tuple(),
            limits.a_inbound.as_tuple()))
        click.echo(f"  [dry-run] {router}.applyRampUpdates: data=0x{bytes(ramps).hex()}")
        click.echo(f"  [dry-run] {pool.address}.setLane: data=0x{bytes(lane).hex()}")
        return
    set_ramps(chain.contracts.instance_at(router, contract_type=_router_type()), account, remote_selector,
              entry.ramp, entry.ramp)
    _refused(lambda: configure_lane(pool, remote_selector, remote.pool, remote.token, min_tier, limits.a_outbound,
                                    limits.a_inbound, account), pool)
    click.echo(f"{symbol} lane to {remote_selector}: remote pool {remote.pool}, min tier {min_tier}, "
               f"outbound {outbound}, inbound {inbound}")


def _router_type():  # type: ignore[no-untyped-def]
    from rat.bridge.ccip import _router_container

    return _router_container().contract_type


@cli.command(cls=ConnectedProviderCommand)
@click.argument("symbol")
@click.option("--dest", "dest_selector", type=int, required=True, help="Destination chain selector.")
@click.option("--to", "recipient", required=True, help="Recipient on the destination chain.")
@click.option("--amount", required=True, help="Tokens to send.")
@account_option()
@deployments_option
@dry_run_option
def send(symbol: str, dest_selector: int, recipient: str, amount: str, account,
         deployments_dir: Path | None, dry_run: bool) -> None:
    """Sends SYMBOL to RECIPIENT on the destination: checked on this chain (both parties, outbound limit), then
    burned; the relay mints it there."""
    entry = _entry(BridgeFile.load(deployments_dir), symbol)
    units = _units(amount)
    if entry.ccip is not None:
        _send_full_lane(entry, symbol, dest_selector, recipient, amount, units, account, dry_run)
        return
    pool, ramp, token = (project.RatCcipPool.at(entry.pool), project.CcipRampHarness.at(entry.ramp),
                         project.RealAssetToken.at(entry.token))
    if dry_run:
        click.echo(f"  [dry-run] {token.address}.approve: data=0x{bytes(token.approve.encode_input(ramp, units)).hex()}")
        data = ramp.send.encode_input(pool, dest_selector, recipient, units)
        click.echo(f"  [dry-run] {ramp.address}.send: data=0x{bytes(data).hex()}")
        return
    if token.allowance(account, ramp) < units:
        token.approve(ramp, units, sender=account)
    receipt = _refused(lambda: ramp.send(pool, dest_selector, recipient, units, sender=account), pool)
    [message] = ramp.MessageSent.from_receipt(receipt)
    click.echo(f"burned {amount} {symbol}: message {message.sequenceNumber} to {dest_selector} "
               f"(tx {receipt.txn_hash})")


def _send_full_lane(entry: BridgeEntry, symbol: str, dest_selector: int, recipient: str, amount: str, units: int,
                    account, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    source = _full_lane(entry, Chain("this", entry.selector or 0))
    message = (encode_address(recipient), b"", [(source.token.address, units)], source.fee_token.address,
               ccip_stack.extra_args())
    if dry_run:
        data = source.router.ccipSend.encode_input(dest_selector, message)
        click.echo(f"  [dry-run] {source.router.address}.ccipSend: data=0x{bytes(data).hex()}")
        return
    quoted = int(source.router.getFee(dest_selector, message))
    if source.token.allowance(account, source.router) < units:
        source.token.approve(source.router, units, sender=account)
    if source.fee_token.allowance(account, source.router) < quoted:
        source.fee_token.approve(source.router, quoted, sender=account)
    receipt = _refused(lambda: source.router.ccipSend(dest_selector, message, sender=account), source.pool)
    [sent] = [m for m in ccip_stack.sent_messages(source, dest_selector, receipt.block_number)
              if m.source_tx.lower() == str(receipt.txn_hash).lower()]
    click.echo(f"burned {amount} {symbol}: message {sent.sequence_number} to {dest_selector}, fee "
               f"{quoted / UNIT:g} (tx {receipt.txn_hash})")


def _relay_full_lane(entry: BridgeEntry, remote: BridgeEntry, symbol: str, source_host: str, account,
                     dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    if entry.ccip is None or remote.ccip is None or entry.selector is None or remote.selector is None:
        raise click.ClickException("both chains need `ape run bridge deploy --full-lane` first")
    if remote.selector not in entry.ccip.off_ramps:
        raise click.ClickException(f"no OffRamp from {remote.selector} here: run `configure-lane` first")
    dest = _full_lane(entry, Chain("dest", entry.selector))
    source = _full_lane(remote, Chain("source", remote.selector, source_host))
    if dry_run:
        for m in ccip_stack.sent_messages(source, dest.selector):
            state = ccip_stack.execution_state(dest, m)
            click.echo(f"  [dry-run] message {m.sequence_number}: {m.token_amounts[0][4] / UNIT:g} {symbol} -> "
                       f"{m.receiver}: {state}")
        return
    don = ccip_stack.LocalDon(ccip_stack.ocr_keys(DON_LABEL), account, ocr_sequence=ccip_stack.head(dest))
    for delivery in don.run(source, dest):
        m = delivery.message
        sender = "0x" + m.sender[-20:].hex()
        click.echo(f"message {m.sequence_number}: {m.token_amounts[0][4] / UNIT:g} {symbol} "
                   f"{to_checksum_address(sender)} -> {m.receiver}: {delivery.status} {delivery.detail}".rstrip())


@cli.command(cls=ConnectedProviderCommand, name="relay")
@click.argument("symbol")
@click.option("--source-host", required=True, help="RPC URL of the source chain.")
@click.option("--source-record", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="The source chain's <network>-bridge.json.")
@account_option()
@deployments_option
@dry_run_option
def relay_command(symbol: str, source_host: str, source_record: Path, account,
                  deployments_dir: Path | None, dry_run: bool) -> None:
    """Executes on this chain every SYMBOL message the source chain sent here and that has not run yet."""
    entry = _entry(BridgeFile.load(deployments_dir), symbol)
    remote = _entry(BridgeFile.read(source_record), symbol)
    if entry.ccip is not None or remote.ccip is not None:
        _relay_full_lane(entry, remote, symbol, source_host, account, dry_run)
        return
    if entry.selector is None or remote.selector is None:
        raise click.ClickException("both chains need `ape run bridge deploy --selector` first")
    dest = _Endpoint(Chain("dest", entry.selector), project.CcipRampHarness.at(entry.ramp),
                     project.RatCcipPool.at(entry.pool))
    source_chain = Chain("source", remote.selector, source_host)
    with source_chain.active():
        source = _Endpoint(source_chain, project.CcipRampHarness.at(remote.ramp), project.RatCcipPool.at(remote.pool))
    if dry_run:
        for m in sent_messages(source, dest.selector):
            state = "executed" if dest.ramp.executed(m.source_selector, m.sequence_number) else "to execute"
            click.echo(f"  [dry-run] message {m.sequence_number}: {m.amount / UNIT:g} {symbol} -> {m.recipient}: {state}")
        return
    for delivery in relay(source, dest, account):
        m = delivery.message
        click.echo(f"message {m.sequence_number}: {m.amount / UNIT:g} {symbol} {m.sender} -> {m.recipient}: "
                   f"{delivery.status} {delivery.detail}".rstrip())


@cli.command(cls=ConnectedProviderCommand)
@click.argument("symbol")
@deployments_option
def status(symbol: str, deployments_dir: Path | None) -> None:
    """SYMBOL's supply on this chain, each lane's remote pool, minimum tier, buckets and messages sent."""
    entry = _entry(BridgeFile.load(deployments_dir), symbol)
    pool, token = project.RatCcipPool.at(entry.pool), project.RealAssetToken.at(entry.token)
    if entry.ccip is not None:
        on_ramp = ccip_stack.container("OnRamp").at(entry.ccip.on_ramp)

        def messages_sent(selector: int) -> int:
            return int(on_ramp.getExpectedNextSequenceNumber(selector)) - 1
    else:
        ramp = project.CcipRampHarness.at(entry.ramp)

        def messages_sent(selector: int) -> int:
            return int(ramp.lastSequenceNumber(selector))
    path = "full CCIP lane" if entry.ccip is not None else "ramp harness"
    click.echo(f"{symbol} on chain {networks.provider.chain_id} (selector {entry.selector}, {path}): supply "
               f"{token.totalSupply() / UNIT:g}, pool {pool.address}")
    for selector in pool.lanes():
        remote_pool, _, min_tier = pool.laneConfig(selector)
        out_available, out_capacity, _ = pool.rateLimit(selector, True)
        in_available, in_capacity, _ = pool.rateLimit(selector, False)
        click.echo(f"  lane {selector}: remote pool 0x{bytes(remote_pool)[-20:].hex()}, min tier {min_tier}, "
                   f"outbound {out_available / UNIT:g}/{out_capacity / UNIT:g}, inbound "
                   f"{in_available / UNIT:g}/{in_capacity / UNIT:g}, messages sent {messages_sent(selector)}")
