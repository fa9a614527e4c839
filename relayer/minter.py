"""The relayer's view of the Minter (contracts/interfaces/IMinter.sol): event decoding, the calls it reads and
the calldata it submits. Hand-encoded with eth_abi so the daemon needs neither Ape nor build artifacts."""

from __future__ import annotations


from eth_abi import decode, encode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address
from pydantic import BaseModel, ConfigDict

from rat.attestations import Fill
from relayer.rpc import Rpc
from rat.protocol import AssetStatus, RejectReason, RequestKind, RequestStatus  # noqa: F401 (re-exported)

FILL_TUPLE = "(bytes32,uint256,uint256,uint256,bytes32,bytes32,uint256)"
MINT_REQUESTED = "MintRequested(bytes32,address,address,address,uint256,uint256,uint256)"
BURN_REQUESTED = "BurnRequested(bytes32,address,address,address,uint256,uint256,uint256)"
TOPIC_MINT_REQUESTED = "0x" + keccak(text=MINT_REQUESTED).hex()
TOPIC_BURN_REQUESTED = "0x" + keccak(text=BURN_REQUESTED).hex()
REQUEST_TOPICS = [TOPIC_MINT_REQUESTED, TOPIC_BURN_REQUESTED]


class RequestEvent(BaseModel):
    """A MintRequested / BurnRequested log, with where it was seen."""

    model_config = ConfigDict(frozen=True)

    kind: RequestKind
    request_id: str
    account: str
    asset: str
    payment_token: str
    amount: int  # payment units (mint) or token units (burn)
    limit_price: int  # max (mint) or min (burn) payment units per share
    deadline: int
    block_number: int
    block_hash: str
    log_index: int
    tx_hash: str


class OnChainRequest(BaseModel):
    account: str
    deadline: int
    kind: RequestKind
    status: RequestStatus
    asset_id: int
    payment_token_id: int
    amount: int
    limit_price: int


def _topic_address(topic: str) -> str:
    return to_checksum_address("0x" + topic[-40:])


def decode_request_log(log: dict) -> RequestEvent | None:
    topics = log["topics"]
    if not topics or topics[0] not in REQUEST_TOPICS:
        return None
    payment_token, amount, limit_price, deadline = decode(
        ["address", "uint256", "uint256", "uint256"], bytes.fromhex(log["data"].removeprefix("0x"))
    )
    return RequestEvent(
        kind=RequestKind.MINT if topics[0] == TOPIC_MINT_REQUESTED else RequestKind.BURN,
        request_id=topics[1],
        account=_topic_address(topics[2]),
        asset=_topic_address(topics[3]),
        payment_token=to_checksum_address(payment_token),
        amount=amount,
        limit_price=limit_price,
        deadline=deadline,
        block_number=int(log["blockNumber"], 16),
        block_hash=log["blockHash"],
        log_index=int(log["logIndex"], 16),
        tx_hash=log["transactionHash"],
    )


def _call(signature: str, types: list[str], values: list) -> bytes:
    return function_signature_to_4byte_selector(signature) + encode(types, values)


def fulfill_calldata(kind: RequestKind, fill: Fill, signatures: list[bytes]) -> bytes:
    name = "fulfillMint" if kind == RequestKind.MINT else "fulfillBurn"
    return _call(f"{name}({FILL_TUPLE},bytes[])", [FILL_TUPLE, "bytes[]"], [fill.as_tuple(), signatures])


def reject_calldata(request_id: str, reason: RejectReason) -> bytes:
    return _call("reject(bytes32,uint8)", ["bytes32", "uint8"], [bytes.fromhex(request_id[2:]), int(reason)])


class MinterReader:
    """The reads the saga needs, at the latest block.

    Reads that every saga makes alike (asset status, fee rates and quotes, the multiplier, the chain's time) are
    cached for one block once the daemon tells the reader which block is the newest (`observe_block`); a new block
    empties the cache. Reads that decide exactly-once (a request's status) or the reserve guard (total supply) are
    never cached."""

    def __init__(self, rpc: Rpc, minter: str) -> None:
        self.rpc = rpc
        self.minter = to_checksum_address(minter)
        self._fee_vault: str | None = None
        self._records: str | None = None
        self._decimals: dict[str, int] = {}
        self._block: tuple[int, int] | None = None  # (number, timestamp) of the newest block observed
        self._per_block: dict[tuple, object] = {}

    @property
    def block(self) -> tuple[int, int] | None:
        """(number, timestamp) of the newest block observed, None before the first."""
        return self._block

    def observe_block(self, number: int, timestamp: int) -> None:
        """The newest block the daemon has seen; per-block cached reads are dropped when it changes."""
        if self._block is None or self._block[0] != number:
            self._per_block.clear()
        self._block = (number, timestamp)

    async def _cached(self, key: tuple, read):
        if self._block is None:
            return await read()
        if key not in self._per_block:
            self._per_block[key] = await read()
        return self._per_block[key]

    async def _read(self, to: str, signature: str, types: list[str], values: list, out: list[str]) -> tuple:
        return decode(out, await self.rpc.eth_call(to, _call(signature, types, values)))

    async def check_interface(self) -> None:
        """Raises ConfigError unless `minter` holds a contract answering the Minter's own views (FEE_VAULT() and
        attestorRole(address)): a wrong address must stop the daemon at start, not leave it "ready" reading
        nothing. Node failures propagate as RpcError."""
        from relayer.errors import ConfigError, RpcError, RpcUnavailable

        hint = "set `minter` to the Minter proxy address (deployments/<network>.json), then run `rat-relayer doctor`"
        code = await self.rpc.call("eth_getCode", self.minter, "latest")
        if code in (None, "0x", ""):
            raise ConfigError(f"no contract at minter {self.minter} on this network", hint=hint)
        try:
            await self._read(self.minter, "FEE_VAULT()", [], [], ["address"])
            await self._read(self.minter, "attestorRole(address)", ["address"], ["0x" + "00" * 20], ["uint8"])
        except RpcUnavailable:
            raise
        except (RpcError, DecodingError, ValueError) as exc:  # a revert, or an answer that does not decode
            raise ConfigError(f"the contract at minter {self.minter} is not a RAT Minter: it does not answer "
                              f"FEE_VAULT() and attestorRole(address) ({type(exc).__name__})", hint=hint) from None

    async def request(self, request_id: str) -> OnChainRequest:
        values = await self._read(
            self.minter, "getRequest(bytes32)", ["bytes32"], [bytes.fromhex(request_id[2:])],
            ["address", "uint40", "uint8", "uint8", "uint16", "uint8", "uint128", "uint128"],
        )
        account, deadline, kind, status, asset_id, payment_id, amount, limit_price = values
        return OnChainRequest(account=to_checksum_address(account), deadline=deadline, kind=RequestKind(kind),
                              status=RequestStatus(status), asset_id=asset_id, payment_token_id=payment_id,
                              amount=amount, limit_price=limit_price)

    async def asset_status(self, asset: str) -> AssetStatus:
        # AssetConfigView: (uint16 id, uint8 status, address, uint32, address, uint32, uint16, uint128, uint128)
        async def read() -> AssetStatus:
            values = await self._read(
                self.minter, "assetConfig(address)", ["address"], [asset],
                ["uint16", "uint8", "address", "uint32", "address", "uint32", "uint16", "uint128", "uint128"],
            )
            return AssetStatus(values[1])

        return await self._cached(("asset_status", asset), read)

    async def multiplier(self, token: str) -> int:
        """Shares per token of `token` (1e18 = one share per token). It moves with the block's timestamp (the
        management fee) and at a split's activation time, so it is cached for one block and no longer."""

        async def read() -> int:
            (value,) = await self._read(token, "multiplier()", [], [], ["uint256"])
            return value

        return await self._cached(("multiplier", token), read)

    async def is_frozen(self, account: str) -> bool:
        """Whether the compliance records freeze `account`: the Minter refuses to pay or refund a frozen investor
        (`InvestorFrozen`, decision 0084), so the saga holds instead of trading. Never cached (a freeze is urgent)."""
        if self._records is None:
            (records,) = await self._read(self.minter, "RECORDS()", [], [], ["address"])
            self._records = to_checksum_address(records)
        (frozen,) = await self._read(self._records, "isFrozen(address)", ["address"], [account], ["bool"])
        return bool(frozen)

    async def payment_decimals(self, token: str) -> int:
        if token not in self._decimals:
            (_, decimals, _) = await self._read(self.minter, "paymentToken(address)", ["address"], [token],
                                                ["uint8", "uint8", "bool"])
            self._decimals[token] = decimals
        return self._decimals[token]

    async def fee_vault(self) -> str:
        if self._fee_vault is None:
            (vault,) = await self._read(self.minter, "FEE_VAULT()", [], [], ["address"])
            self._fee_vault = to_checksum_address(vault)
        return self._fee_vault

    async def fee_quote(self, asset: str, kind: RequestKind, notional: int) -> int:
        """The FeeVault's fee for `notional` (a view of the vault's rates: cached for one block per argument set)."""
        async def read() -> int:
            (fee,) = await self._read(await self.fee_vault(), "quote(address,uint8,uint256)",
                                      ["address", "uint8", "uint256"], [asset, int(kind), notional], ["uint256"])
            return fee

        return await self._cached(("fee_quote", asset, int(kind), notional), read)

    async def fee_bps(self, asset: str, kind: RequestKind) -> int:
        async def read() -> tuple[int, int]:
            return await self._read(await self.fee_vault(), "fees(address)", ["address"], [asset],
                                    ["uint16", "uint16"])

        mint_bps, burn_bps = await self._cached(("fees", asset), read)
        return mint_bps if kind == RequestKind.MINT else burn_bps

    async def chain_time(self) -> int:
        """Timestamp of the latest block: the clock request and attestation deadlines are checked against."""
        if self._block is not None:
            return self._block[1]
        block = await self.rpc.block("latest")
        return int(block["timestamp"], 16)

    async def total_supply(self, token: str) -> int:
        (supply,) = await self._read(token, "totalSupply()", [], [], ["uint256"])
        return supply
