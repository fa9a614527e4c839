"""The slice of the ReserveRegistry and ERC-20 ABIs the reserve tools use, over plain web3 and an RPC URL.

Deliberately independent of Ape and of the project's build artefacts: a verifier needs nothing but this package,
an RPC endpoint and the registry address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address
from web3 import Web3
from web3.contract import Contract

from reserves.errors import ReservesError

_REPORT = {
    "name": "report",
    "type": "tuple",
    "components": [
        {"name": "asset", "type": "address"},
        {"name": "roundId", "type": "uint80"},
        {"name": "shares", "type": "uint256"},
        {"name": "asOf", "type": "uint64"},
        {"name": "merkleRoot", "type": "bytes32"},
        {"name": "statementURI", "type": "string"},
        {"name": "statementHash", "type": "bytes32"},
    ],
}
_STORED = {
    "name": "",
    "type": "tuple",
    "components": [
        {"name": "shares", "type": "uint128"},
        {"name": "asOf", "type": "uint64"},
        {"name": "publishedAt", "type": "uint64"},
        {"name": "merkleRoot", "type": "bytes32"},
        {"name": "statementHash", "type": "bytes32"},
    ],
}


def _view(name: str, inputs: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "function", "name": name, "stateMutability": "view", "inputs": inputs, "outputs": outputs}


REGISTRY_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "publishRound",
        "stateMutability": "nonpayable",
        "inputs": [_REPORT, {"name": "custodianSignature", "type": "bytes"}],
        "outputs": [],
    },
    _view("custodianOf", [{"name": "asset", "type": "address"}], [{"name": "", "type": "address"}]),
    _view("roundDigest", [_REPORT], [{"name": "", "type": "bytes32"}]),
    _view("round", [{"name": "asset", "type": "address"}, {"name": "roundId", "type": "uint80"}], [_STORED]),
    _view("latestRoundId", [{"name": "asset", "type": "address"}], [{"name": "", "type": "uint80"}]),
    {
        "type": "event",
        "name": "RoundPublished",
        "anonymous": False,
        "inputs": [
            {"name": "asset", "type": "address", "indexed": True},
            {"name": "roundId", "type": "uint80", "indexed": True},
            {"name": "shares", "type": "uint256", "indexed": False},
            {"name": "asOf", "type": "uint64", "indexed": False},
            {"name": "merkleRoot", "type": "bytes32", "indexed": False},
            {"name": "statementURI", "type": "string", "indexed": False},
            {"name": "statementHash", "type": "bytes32", "indexed": False},
            {"name": "custodian", "type": "address", "indexed": False},
        ],
    },
]
ERC1271_ABI: list[dict[str, Any]] = [
    _view("isValidSignature", [{"name": "hash", "type": "bytes32"}, {"name": "signature", "type": "bytes"}],
          [{"name": "", "type": "bytes4"}]),
]
ERC1271_MAGIC = bytes.fromhex("1626ba7e")
ERC20_ABI: list[dict[str, Any]] = [
    _view("totalSupply", [], [{"name": "", "type": "uint256"}]),
    _view("symbol", [], [{"name": "", "type": "string"}]),
    # RealAssetToken: shares per token (1e18 fixed point) after splits and the management fee, and the ISIN
    _view("multiplier", [], [{"name": "", "type": "uint256"}]),
    _view("isin", [], [{"name": "", "type": "string"}]),
]
MULTIPLIER_SCALE = 10**18  # ShareMultiplier.SCALE: one share per token


@dataclass(frozen=True)
class SupplyShares:
    """What a token's supply represents at one block: token units, the multiplier, and shares rounded up exactly as
    `RealAssetToken.supplyAfterMint(0)` rounds them for the Minter's reserve guard."""

    block_number: int
    supply: int
    multiplier: int

    @property
    def shares(self) -> int:
        return (self.supply * self.multiplier + MULTIPLIER_SCALE - 1) // MULTIPLIER_SCALE


def supply_shares(w3: Web3, token: str, block_number: int) -> SupplyShares:
    """Supply and multiplier of `token` read at `block_number` (the multiplier at that block's timestamp: a split
    takes effect by itself at its activation time, the fee accrues every second)."""
    contract = erc20(w3, token)
    supply = contract.functions.totalSupply().call(block_identifier=block_number)
    multiplier = contract.functions.multiplier().call(block_identifier=block_number)
    return SupplyShares(block_number, supply, multiplier)


@dataclass(frozen=True)
class PublishedRound:
    """A RoundPublished event with the block it is in and the calldata that produced it."""

    asset: str
    round_id: int
    shares: int
    as_of: int
    merkle_root: bytes
    statement_uri: str
    statement_hash: bytes
    custodian: str
    block_number: int
    tx_hash: bytes


def connect(rpc_url: str, timeout: float = 30.0) -> Web3:
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
    if not w3.is_connected(show_traceback=False):
        raise ReservesError(f"cannot reach the node at {rpc_url}")
    return w3


def registry(w3: Web3, address: str) -> Contract:
    checksum = to_checksum_address(address)
    if not w3.eth.get_code(checksum):
        raise ReservesError(f"no contract at {checksum}")
    return w3.eth.contract(address=checksum, abi=REGISTRY_ABI)


def erc20(w3: Web3, address: str) -> Contract:
    return w3.eth.contract(address=to_checksum_address(address), abi=ERC20_ABI)


def published_rounds(reg: Contract, asset: str, from_block: int = 0) -> list[PublishedRound]:
    """Every RoundPublished of `asset`, oldest first."""
    logs = reg.events.RoundPublished().get_logs(
        from_block=from_block, argument_filters={"asset": to_checksum_address(asset)}
    )
    return [
        PublishedRound(
            asset=log.args.asset,
            round_id=log.args.roundId,
            shares=log.args.shares,
            as_of=log.args.asOf,
            merkle_root=bytes(log.args.merkleRoot),
            statement_uri=log.args.statementURI,
            statement_hash=bytes(log.args.statementHash),
            custodian=log.args.custodian,
            block_number=log.blockNumber,
            tx_hash=bytes(log.transactionHash),
        )
        for log in sorted(logs, key=lambda entry: (entry.blockNumber, entry.logIndex))
    ]


def publish_calldata(reg: Contract, tx_input: bytes) -> tuple[dict[str, Any], bytes] | None:
    """(report, signature) decoded from a publishRound transaction's input, or None for any other call."""
    try:
        fn, args = reg.decode_function_input(tx_input)
    except ValueError:
        return None
    if fn.fn_name != "publishRound":
        return None
    return dict(args["report"]), bytes(args["custodianSignature"])


def erc1271_accepts(w3: Web3, wallet: str, digest: bytes, signature: bytes, block: int) -> bool:
    contract = w3.eth.contract(address=to_checksum_address(wallet), abi=ERC1271_ABI)
    try:
        return bytes(contract.functions.isValidSignature(digest, signature).call(block_identifier=block)) == (
            ERC1271_MAGIC)
    except Exception:  # noqa: BLE001 - a reverting wallet rejects
        return False
