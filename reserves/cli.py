"""`rat-reserves`: build, prove, publish and independently verify RAT's proof-of-reserve rounds."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from eth_utils import is_address

from reserves.errors import ReservesError

EXIT_INPUT = 2  # bad input or a refused operation; verify has its own codes (reserves.audit.Failure)


def _fail(exc: Exception) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(EXIT_INPUT)


def _key_from_env(var: str, what: str) -> str:
    value = os.environ.get(var)
    if not value:
        raise click.UsageError(f"set {var} to the {what}'s private key (0x-prefixed hex)")
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Proof of reserve for RAT equities.

    \b
    A round commits every custody lot (one per fulfilled mint, less what burns consumed) in an
    OpenZeppelin StandardMerkleTree, after reconciling the lots with the custodian's statement:
      rat-reserves build --ledger lots.csv --custodian custodian.csv --assets assets.json --out round/
      rat-reserves publish round/statement.json --rpc-url URL --registry 0x.. --uri https://...
      rat-reserves prove round/statement.json --request-id 0x.. > proof.json
      rat-reserves verify-proof proof.json --rpc-url URL --registry 0x..
      rat-reserves verify round/statement.json --rpc-url URL --registry 0x..
    Cash dividends (Merkle claims): rat-reserves dividend --help.
    Input formats: docs/reserves/input-schema.md. Method for verifiers: docs/reserves/methodology.md.
    """


@main.command()
@click.option("--ledger", type=click.Path(path_type=Path), required=True, help="Lot ledger (.csv, .json, .jsonl).")
@click.option("--custodian", type=click.Path(path_type=Path), required=True,
              help="Custodian's account-level statement (.csv, .json, .jsonl).")
@click.option("--assets", type=click.Path(path_type=Path), required=True, help="ISIN -> token table.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Directory for statement.json (public) and round-secret.json (private).")
@click.option("--round-secret", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Reuse the secret of an earlier build (round-secret.json) to rebuild it identically.")
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="Hashing threads (default: CPUs).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def build(ledger: Path, custodian: Path, assets: Path, out: Path, round_secret: Path | None, threads: int | None,
          as_json: bool) -> None:
    """Validate, reconcile and commit a round.

    Refuses (exit 2, naming file, line and field; nothing written) any malformed row, duplicate lot or
    request id, bad ISIN, unknown asset, mixed as-of dates, empty or truncated file, non-UTF-8 text,
    burn larger than its lots, and any ISIN/account whose lots do not sum to the custodian's quantity.
    """
    from reserves.custody import read_assets, read_custodian_statement
    from reserves.fields import format_units
    from reserves.ledger import read_ledger
    from reserves.reconcile import reconcile
    from reserves.statement import write_round

    try:
        table = read_assets(assets)
        statement = read_custodian_statement(custodian, table)
        size = ledger.stat().st_size if ledger.exists() else 0
        show = size > 5_000_000 and sys.stderr.isatty()
        if show:  # rows are ~200 bytes: the bar estimates the row count from the file size
            with click.progressbar(length=max(size // 200, 1), label="reading lots", file=sys.stderr) as bar:
                entries = read_ledger(ledger, table, progress=bar.update)
        else:
            entries = read_ledger(ledger, table)
        rec = reconcile(ledger, entries, statement)
        secret = None
        if round_secret is not None:
            secret = bytes.fromhex(json.loads(round_secret.read_text())["roundSecret"][2:])
        log = (lambda phase: click.echo(f"{phase}...", err=True)) if show else None
        statement_path, secret_path, tree = write_round(out, rec, table, statement.as_of, ledger, custodian, secret,
                                                        threads, log)
    except ReservesError as exc:
        _fail(exc)
        return
    summary = {
        "statement": str(statement_path),
        "roundSecret": str(secret_path),
        "root": tree.root_hex,
        "asOf": statement.as_of.isoformat(),
        "lotsInTree": len(rec.lots),
        "lotsConsumed": len(rec.consumed),
        "burns": len(rec.burns),
        "deferred": rec.deferred,
        "totals": {table[i].symbol: format_units(u) for i, u in sorted(rec.totals.items())},
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"root       {tree.root_hex}")
    click.echo(f"as of      {summary['asOf']}")
    click.echo(f"lots       {len(rec.lots)} in the tree, {len(rec.consumed)} consumed by {len(rec.burns)} burns, "
               f"{rec.deferred} settling after the as-of day")
    for symbol, shares in summary["totals"].items():
        click.echo(f"  {symbol:<10} {shares} shares")
    click.echo(f"public     {statement_path}")
    click.echo(f"PRIVATE    {secret_path} (custody accounts and salts; never publish)")


@main.command()
@click.argument("statement", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--request-id", help="The mint request whose lot to prove (0x + 64 hex).")
@click.option("--all", "all_", type=click.Path(path_type=Path, dir_okay=False),
              help="Write every proof to this JSON Lines file instead ({i, treeIndex, leaf, proof} per lot).")
def prove(statement: Path, request_id: str | None, all_: Path | None) -> None:
    """Inclusion proof of one lot, checkable with OpenZeppelin's library or MerkleProof.verify."""
    from reserves.fields import bytes32
    from reserves.proofs import prove as make_proof
    from reserves.statement import load_statement

    if (request_id is None) == (all_ is None):
        raise click.UsageError("give exactly one of --request-id or --all")
    try:
        loaded = load_statement(statement)
        if all_ is not None:
            with all_.open("wb") as f:
                written = loaded.tree.write_proofs(f)
            click.echo(f"{len(loaded.tree)} proofs, {written} bytes -> {all_}", err=True)
            return
        try:
            rid = bytes32(request_id or "")
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--request-id") from None
        proof = make_proof(loaded, loaded.find_request(rid))
    except ReservesError as exc:
        _fail(exc)
        return
    click.echo(proof.model_dump_json(by_alias=True, indent=2))


@main.command("verify-proof")
@click.argument("proof_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--rpc-url", help="Also check the token and the root against the registry's rounds of the token.")
@click.option("--registry", help="ReserveRegistry address (with --rpc-url).")
def verify_proof(proof_file: Path, rpc_url: str | None, registry: str | None) -> None:
    """Check an inclusion proof. The leaf is recomputed from the value with the project's fixed lot encoding; the
    file's leafEncoding, leafFields and leaf must agree with it. With --rpc-url the token's isin() must be the lot's
    ISIN and a round of that token must carry the proof's root and statement hash.

    \b
    Exit codes: 0 the proof holds; 1 it does not lead to its root; 2 bad arguments; 3 unreadable proof file;
    4 leafEncoding, leafFields or leaf disagree with the encoding or the value; 5 the token is not the lot's
    asset; 6 no round of the token carries the root; 11 node unreachable.
    """
    from reserves import onchain
    from reserves.proofs import ProofOutcome, check_proof, load_proof

    if (rpc_url is None) != (registry is None):
        raise click.UsageError("--rpc-url and --registry go together")
    if registry is not None and not is_address(registry):
        raise click.BadParameter(f"not an address: {registry!r}", param_hint="--registry")
    try:
        proof = load_proof(proof_file)
    except ReservesError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(int(ProofOutcome.UNREADABLE))
    try:
        w3 = onchain.connect(rpc_url) if rpc_url else None
        outcome, lines = check_proof(proof, w3, registry)
    except ReservesError as exc:
        outcome, lines = ProofOutcome.RPC, [f"error: {exc}"]
    except Exception as exc:  # noqa: BLE001 - web3 raises transport, RPC and decoding errors of many types
        outcome, lines = ProofOutcome.RPC, [f"error: the node did not answer: {type(exc).__name__}: {exc}"]
    for line in lines:
        click.echo(line)
    sys.exit(int(outcome))


@main.command("ledger")
@click.option("--rpc-url", required=True, envvar="RAT_RPC_URL", show_envvar=True)
@click.option("--minter", required=True, help="Minter address whose MintFulfilled/BurnFulfilled events are read.")
@click.option("--custody-account", required=True, help="The custodian's account reference the shares sit in.")
@click.option("--from-block", type=click.IntRange(0), default=0, show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="Ledger CSV to write.")
def ledger(rpc_url: str, minter: str, custody_account: str, from_block: int, out: Path) -> None:
    """Write the lot ledger from the chain: one row per fulfilled mint (a lot) or burn, in block order.

    The result is the `--ledger` input of `build`.
    """
    from reserves import onchain
    from reserves.chain_ledger import ledger_from_chain, write_ledger_csv

    try:
        rows = ledger_from_chain(onchain.connect(rpc_url), minter, custody_account, from_block)
    except ReservesError as exc:
        _fail(exc)
        return
    write_ledger_csv(rows, out)
    click.echo(f"{len(rows)} rows ({sum(r.kind == 'mint' for r in rows)} mints) written to {out}")


@main.command()
@click.argument("statement", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--rpc-url", required=True, envvar="RAT_RPC_URL", show_envvar=True)
@click.option("--registry", required=True, help="ReserveRegistry address.")
@click.option("--uri", required=True, help="Where statement.json is published (recorded on-chain).")
@click.option("--custodian-key-env", default="RAT_CUSTODIAN_KEY", show_default=True,
              help="Environment variable holding the custodian's signing key.")
@click.option("--publisher-key-env", default="RAT_PUBLISHER_KEY", show_default=True,
              help="Environment variable holding the key of an account with PUBLISHER_ROLE.")
def publish(statement: Path, rpc_url: str, registry: str, uri: str, custodian_key_env: str,
            publisher_key_env: str) -> None:
    """Sign the round with the custodian key (EIP-712) and publish each asset's total, root, URI and hash.

    Refuses, before sending anything, a tree that fails validation, totals that differ from the leaves, a
    statement not newer than an asset's last round, and a key the registry does not list as custodian.
    """
    from reserves import onchain
    from reserves.publish import publish_round
    from reserves.statement import load_statement

    custodian_key = _key_from_env(custodian_key_env, "custodian")
    publisher_key = _key_from_env(publisher_key_env, "publisher")
    try:
        loaded = load_statement(statement)
        results = publish_round(onchain.connect(rpc_url), registry, loaded, uri, custodian_key, publisher_key)
    except ReservesError as exc:
        _fail(exc)
        return
    for p in results:
        click.echo(f"{p.report.asset} round {p.report.round_id}: {p.report.shares} units, root "
                   f"0x{p.report.merkle_root.hex()} (tx {p.tx_hash}, block {p.block_number})")


@main.command()
@click.argument("statement", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--rpc-url", required=True, envvar="RAT_RPC_URL", show_envvar=True)
@click.option("--registry", required=True, help="ReserveRegistry address.")
@click.option("--max-age", default="36h", show_default=True,
              help="Oldest acceptable as-of, relative to the chain's latest block (s, m, h or d suffix).")
@click.option("--chain", "chains", multiple=True, metavar="NAME=RPC_URL",
              help="Another chain the assets live on (CCIP burn/mint copies); repeatable. Its supply is added.")
@click.option("--remote-token", "remote_tokens", multiple=True, metavar="NAME:HOME_TOKEN=TOKEN",
              help="The asset HOME_TOKEN's address on chain NAME; repeatable, one per asset and chain.")
@click.option("--chain-max-age", default="5m", show_default=True,
              help="Oldest acceptable latest block of every --chain, relative to the home chain's latest block.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
def verify(statement: Path, rpc_url: str, registry: str, max_age: str, chains: tuple[str, ...],
           remote_tokens: tuple[str, ...], chain_max_age: str, as_json: bool) -> None:
    """Independently audit a published round.

    \b
    Exit codes: 0 every check holds; 3 unreadable statement (missing, empty, not JSON, truncated, not a
    statement); 4 tampered tree (leaf, node, tree index or value count); 5 totals differ (from the leaves or
    the chain, or a lot in two leaves); 6 no on-chain round carries this file's hash; 7 root differs;
    8 custodian signature invalid; 9 custody below the shares the supply represents (totalSupply ×
    multiplier, rounded up as the Minter's reserve guard; with --chain, Σ over every chain); 10 stale or
    superseded (or another chain's node lags beyond --chain-max-age); 11 node unreachable.

    \b
    Across chains (ADR 0106), e.g. rAAPL also on chain-b:
      rat-reserves verify statement.json --rpc-url A --registry 0x.. \\
        --chain chain-b=http://127.0.0.1:8546 --remote-token chain-b:0xHOME_rAAPL=0xB_rAAPL
    """
    from reserves.audit import audit

    seconds = _duration(max_age)
    remotes = _remotes(chains, remote_tokens)
    report = audit(rpc_url, registry, statement, seconds, remotes=remotes, chain_max_age=_duration(chain_max_age))
    click.echo(json.dumps(report.as_json(), indent=2) if as_json else report.render())
    sys.exit(int(report.outcome))


def _remotes(chains: tuple[str, ...], remote_tokens: tuple[str, ...]) -> dict:
    from eth_utils import is_address, to_checksum_address

    from rat.bridge.supply import ChainToken

    urls: dict[str, str] = {}
    for item in chains:
        name, sep, url = item.partition("=")
        if not sep or not name or not url:
            raise click.BadParameter(f"{item!r} is not NAME=RPC_URL", param_hint="--chain")
        urls[name] = url
    out: dict[str, list] = {}
    for item in remote_tokens:
        head, sep, token = item.partition("=")
        name, colon, home = head.partition(":")
        if not (sep and colon and is_address(home) and is_address(token)):
            raise click.BadParameter(f"{item!r} is not NAME:HOME_TOKEN=TOKEN", param_hint="--remote-token")
        if name not in urls:
            raise click.BadParameter(f"chain {name!r} has no --chain {name}=RPC_URL", param_hint="--remote-token")
        out.setdefault(to_checksum_address(home), []).append(ChainToken(name=name, rpc_url=urls[name], token=token))
    unused = set(urls) - {c.name for tokens in out.values() for c in tokens}
    if unused:
        raise click.BadParameter(f"chain(s) {sorted(unused)} have no --remote-token", param_hint="--chain")
    return out


@main.group()
def dividend() -> None:
    """Cash dividends: build a distribution from the chain, and check a published one.

    \b
    The snapshot comes from the chain alone: holders from the token's Transfer events up to the record
    block, balances and the share multiplier read at that block (the node must keep historical state):
      rat-reserves dividend build --rpc-url URL --asset 0x.. --record-block N --per-share 0.24 --out d.json
      rat-reserves dividend verify --rpc-url URL --distributor 0x.. --id 1 --file d.json
    Method: docs/reserves/dividends.md.
    """


@dividend.command("build")
@click.option("--rpc-url", "--rpc", "rpc_url", required=True, envvar="RAT_RPC_URL", show_envvar=True)
@click.option("--asset", required=True, help="The RAT equity token.")
@click.option("--record-block", type=click.IntRange(0), required=True, help="Holders at the end of this block.")
@click.option("--per-share", required=True, help="Payout per whole share, in payout-token units (e.g. 0.24).")
@click.option("--decimals", type=click.IntRange(0, 36), default=6, show_default=True,
              help="Decimals of the payout token (USDC: 6).")
@click.option("--distributor", help="The DividendDistributor (excluded from the holders).")
@click.option("--exclude", multiple=True,
              help="Another address to leave out (repeatable; named in the file). The asset's registered venues "
                   "are always left out.")
@click.option("--from-block", type=click.IntRange(0), default=0, show_default=True,
              help="First block to read Transfer events from (the token's deployment block is enough).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Distribution file: terms, totals, the StandardMerkleTree dump and every holder's proof.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def dividend_build(rpc_url: str, asset: str, record_block: int, per_share: str, decimals: int,
                   distributor: str | None, exclude: tuple[str, ...], from_block: int, out: Path,
                   as_json: bool) -> None:
    """Snapshot the holders at the record block and write the Merkle distribution.

    Exit 2 (nothing written) on a bad address or amount, an unreachable node, a record block in the
    future, a node without historical state, or a snapshot in which nobody is owed anything.
    """
    from pydantic import ValidationError

    from reserves import dividends as dv

    try:
        amount = dv.payout_units(per_share, decimals)
        try:
            request = dv.SnapshotRequest(asset=asset, record_block=record_block, from_block=from_block,
                                         excluded=dv.excluded_addresses(exclude, distributor))
        except (ValidationError, ValueError) as exc:
            raise dv.DividendError(f"bad address: {exc}") from None
        dist = dv.build_distribution(dv.take_snapshot(dv.connect(rpc_url), request), amount)
        dv.write_file(dist, out)
    except ReservesError as exc:
        _fail(exc)
        return
    figures = dv.summary(dist)
    if as_json:
        click.echo(json.dumps({**figures, "file": str(out)}, indent=2))
        return
    click.echo(f"root        {dist.root}")
    click.echo(f"record      block {dist.record_block}, multiplier {dist.multiplier}")
    click.echo(f"holders     {dist.holder_count} ({len(dist.claims)} owed something)")
    click.echo(f"fund        {dist.total_gross} units (leaves {dist.claimable_gross}, dust at most {dist.dust_bound})")
    click.echo(f"written     {out}")


@dividend.command("verify")
@click.option("--rpc-url", "--rpc", "rpc_url", required=True, envvar="RAT_RPC_URL", show_envvar=True)
@click.option("--distributor", required=True, help="The DividendDistributor address.")
@click.option("--id", "distribution_id", type=click.IntRange(1), required=True, help="Distribution id.")
@click.option("--file", "file_", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The published distribution file.")
@click.option("--from-block", type=click.IntRange(0), default=0, show_default=True,
              help="First block to read Transfer events from when rebuilding (default: genesis).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
def dividend_verify(rpc_url: str, distributor: str, distribution_id: int, file_: Path, from_block: int,
                    as_json: bool) -> None:
    """Rebuild a distribution from the chain and check it against the contract and the file.

    \b
    Exit codes: 0 every check holds; 3 unreadable file; 4 file inconsistent or different from the
    chain; 5 funding does not match the leaves; 6 no such distribution or different terms; 7 the
    on-chain root is not the rebuilt root; 11 node unreachable. Bad arguments exit 2.
    """
    from reserves import dividends as dv

    try:
        w3 = dv.connect(rpc_url)
        report = dv.verify_distribution(w3, distributor, distribution_id, file_, from_block)
    except dv.ChainReadError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(int(dv.Failure.RPC))
    except ValueError as exc:  # a malformed --distributor
        raise click.BadParameter(str(exc), param_hint="--distributor") from None
    click.echo(json.dumps(report.as_json(), indent=2) if as_json else report.render())
    sys.exit(int(report.outcome))


def _duration(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        if text[-1] in units:
            return int(text[:-1]) * units[text[-1]]
        return int(text)
    except (ValueError, IndexError):
        raise click.BadParameter(f"not a duration: {text!r}", param_hint="--max-age") from None


if __name__ == "__main__":
    main()
