"""Proposes listing an equity (one governance action: CREATE2 proxy by ticker, registry, reserves, Minter, fees).

    ape run list_asset --network ethereum:local:foundry --account TEST::0 \\
        --symbol rAAPL --name "RAT Apple Inc." --isin US0378331005 --mic XNAS \\
        --custodian-signer 0x... --mint-cap 1000000 --mint-rate 100000 --fees 30:30

Prints the predicted token address and saves the proposal file; then `vote`, `queue`, `execute`. On a local chain
`--pass-locally` runs the whole vote with the proposer as the only voter (it must hold enough votes).
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option
from eth_utils import keccak

from rat.deploy import AssetTerms
from rat.governance import Listing, list_asset_action, pass_locally, propose
from rat.scripting import deployments_option, open_record, print_proposal, store_proposal

SHARE = 10**18


@click.command(cls=ConnectedProviderCommand, short_help="Propose listing an equity through governance")
@account_option()
@click.option("--symbol", required=True, help="Ticker, e.g. rAAPL (fixes the token address).")
@click.option("--name", "name_", required=True, help="ERC-20 name, e.g. 'RAT Apple Inc.'.")
@click.option("--isin", required=True, help="ISO 6166 ISIN (check digit validated on-chain).")
@click.option("--mic", default="XNAS", show_default=True, help="ISO 10383 MIC of the primary listing.")
@click.option("--custodian", default="Seychelles SPV custody account", show_default=True)
@click.option("--legal-terms-uri", default=None, help="Where the legal terms live (default ipfs://rat/legal/<symbol>.pdf).")
@click.option("--custodian-signer", required=True, help="Key that signs the asset's reserve rounds.")
@click.option("--min-tier", default=1, show_default=True, type=click.IntRange(1, 3))
@click.option("--max-holders", default=0, show_default=True, type=int, help="0 for no cap.")
@click.option("--mint-cap", required=True, type=int, help="Maximum supply reachable by mints, in shares.")
@click.option("--mint-rate", required=True, type=int, help="Shares mintable per rolling 24 h.")
@click.option("--fees", default="0:0", show_default=True, help="MINT_BPS:BURN_BPS (each at most 100).")
@click.option("--pass-locally", "run_locally", is_flag=True, help="Local chains: vote, queue, wait and execute right away.")
@deployments_option
def cli(account, symbol, name_, isin, mic, custodian, legal_terms_uri, custodian_signer, min_tier, max_holders,
        mint_cap, mint_rate, fees, run_locally: bool, deployments_dir: Path | None) -> None:
    record, path = open_record(deployments_dir)
    mint_bps, burn_bps = (int(x) for x in fees.split(":"))
    uri = legal_terms_uri or f"ipfs://rat/legal/{symbol}.pdf"
    listing = Listing(
        terms=AssetTerms(name=name_, symbol=symbol, isin=isin, mic=mic, custodian=custodian, legal_terms_uri=uri,
                         legal_terms_hash=keccak(text=uri)),
        custodian_signer=custodian_signer, min_tier=min_tier, max_holders=max_holders,
        mint_cap=mint_cap * SHARE, mint_rate_per_day=mint_rate * SHARE, mint_fee_bps=mint_bps, burn_fee_bps=burn_bps,
    )
    action = list_asset_action(record, listing)
    description = f"List {symbol} ({isin}, {mic})"
    if run_locally:
        proposal = pass_locally(record, account, [account], [action], description, path)
        print_proposal(proposal)
        click.echo(f"  executed: {symbol} at {record.assets[symbol].address}")
        return
    proposal = propose(record, account, [action], description)
    print_proposal(proposal, store_proposal(proposal, deployments_dir))
