"""Signs a reserve round with the custodian key (EIP-712 `Round`, as ReserveRegistry verifies it) and submits one
`publishRound` per asset. Everything that can be refused is checked before the first transaction is sent."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account
from web3 import Web3

from rat.attestations import RoundReport, round_digest, sign_round
from reserves import onchain
from reserves.errors import PublishError
from reserves.statement import Statement

MAX_SHARES = 2**128 - 1  # ReserveRegistry stores shares as uint128 and reverts SharesTooLarge above it


@dataclass(frozen=True)
class Published:
    report: RoundReport
    tx_hash: str
    block_number: int


def plan_round(w3: Web3, registry_address: str, statement: Statement, uri: str) -> list[RoundReport]:
    """The reports to publish, or PublishError: totals that differ from the leaves, a statement that is not newer
    than an asset's last round, an as-of in the chain's future, an asset without custodian."""
    if problems := statement.totals_problems() + statement.duplicate_problems():
        raise PublishError("the statement's totals do not match its leaves:\n  " + "\n  ".join(problems))
    if too_large := [a for a in statement.header.assets if int(a.held_units) > MAX_SHARES]:
        raise PublishError("per-asset totals above the registry's uint128 limit (it would revert SharesTooLarge): "
                           + ", ".join(f"{a.symbol} ({a.isin}) {a.held_units} units" for a in too_large))
    if not uri:
        raise PublishError("a statement URI is required")
    reg = onchain.registry(w3, registry_address)
    now = w3.eth.get_block("latest")["timestamp"]
    as_of = statement.header.as_of_unix
    if as_of > now:
        raise PublishError(f"the statement is as of {statement.header.as_of.isoformat()}, after the chain's clock")
    reports = []
    for asset in statement.header.assets:
        if reg.functions.custodianOf(asset.token).call() == "0x" + "00" * 20:
            raise PublishError(f"{asset.symbol} ({asset.token}) has no custodian in the registry")
        latest = reg.functions.latestRoundId(asset.token).call()
        if latest:
            previous = reg.functions.round(asset.token, latest).call()
            if as_of <= previous[1]:
                raise PublishError(
                    f"{asset.symbol}: the statement (as of {as_of}) is not newer than round {latest} "
                    f"(as of {previous[1]})"
                )
        reports.append(
            RoundReport(
                asset=asset.token,
                round_id=latest + 1,
                shares=int(asset.held_units),
                as_of=as_of,
                merkle_root=statement.tree.root,
                statement_uri=uri,
                statement_hash=statement.file_hash,
            )
        )
    return reports


def publish_round(
    w3: Web3,
    registry_address: str,
    statement: Statement,
    uri: str,
    custodian_key: str | bytes,
    publisher_key: str | bytes,
) -> list[Published]:
    """Publishes every asset's round, or none: each report is planned, signed and dry-run before the first
    transaction is sent, so a refusal for any asset leaves every asset's rounds as they were."""
    reports = plan_round(w3, registry_address, statement, uri)
    reg = onchain.registry(w3, registry_address)
    chain_id = w3.eth.chain_id
    custodian = Account.from_key(custodian_key).address
    publisher = Account.from_key(publisher_key)
    calls = []
    for report in reports:
        expected = reg.functions.custodianOf(report.asset).call()
        # a contract custodian (ERC-1271 wallet) is checked by the dry run below, as the registry will check it
        if expected != custodian and not w3.eth.get_code(expected):
            raise PublishError(f"the custodian key is {custodian}, the registry expects {expected} for {report.asset}")
        if reg.functions.roundDigest(report.as_tuple()).call() != round_digest(chain_id, reg.address, report):
            raise PublishError("the registry's EIP-712 digest differs from ours: wrong registry or chain")
        signature = sign_round(custodian_key, chain_id, reg.address, report)
        call = reg.functions.publishRound(report.as_tuple(), signature)
        try:
            call.call({"from": publisher.address})  # surfaces the revert reason before spending gas
        except Exception as exc:  # noqa: BLE001 - web3 raises several revert types
            raise PublishError(f"the registry would refuse round {report.round_id} of {report.asset}: {exc}") from None
        calls.append((report, call))
    results = []
    for report, call in calls:
        tx = call.build_transaction({
            "from": publisher.address,
            "nonce": w3.eth.get_transaction_count(publisher.address, "pending"),
            "chainId": chain_id,
        })
        signed = publisher.sign_transaction(tx)
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
        if receipt["status"] != 1:
            raise PublishError(f"publishRound for {report.asset} reverted in {tx_hash.hex()}")
        results.append(Published(report, "0x" + bytes(tx_hash).hex(), receipt["blockNumber"]))
    return results
