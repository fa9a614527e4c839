"""What the attestor reads from its own node: the request at its confirmation depth, the asset and payment token
behind it, the token's multiplier and the chain's time. Nothing here comes from the relayer."""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from rat.protocol import RequestKind, RequestStatus
from relayer.rpc import Rpc


def _call(signature: str, types: list[str], values: list) -> bytes:
    return function_signature_to_4byte_selector(signature) + encode(types, values)


@dataclass(frozen=True)
class ConfirmedRequest:
    request_id: str
    account: str
    asset: str
    payment_token: str
    kind: RequestKind
    deadline: int
    amount: int
    limit_price: int


@dataclass(frozen=True)
class Head:
    number: int
    timestamp: int


class ChainView:
    def __init__(self, rpc: Rpc, minter: str, confirmations: int) -> None:
        self.rpc = rpc
        self.minter = to_checksum_address(minter)
        self.confirmations = confirmations

    async def _read(self, to: str, signature: str, types: list[str], values: list, out: list[str],
                    block: int | str = "latest") -> tuple:
        tag = hex(block) if isinstance(block, int) else block
        return decode(out, await self.rpc.eth_call(to, _call(signature, types, values), tag))

    async def head(self) -> Head:
        block = await self.rpc.block("latest")
        return Head(int(block["number"], 16), int(block["timestamp"], 16))

    async def request_status(self, request_id: str, block: int | str) -> tuple[RequestStatus, tuple]:
        values = await self._read(
            self.minter, "getRequest(bytes32)", ["bytes32"], [bytes.fromhex(request_id[2:])],
            ["address", "uint40", "uint8", "uint8", "uint16", "uint8", "uint128", "uint128"], block,
        )
        return RequestStatus(values[3]), values

    async def request(self, request_id: str, confirmed_at: int) -> tuple[RequestStatus, RequestStatus,
                                                                         ConfirmedRequest | None]:
        """The request's status at `confirmed_at` and at the head, and its terms as of `confirmed_at`."""
        confirmed, values = await self.request_status(request_id, confirmed_at)
        latest, _ = await self.request_status(request_id, "latest")
        if confirmed == RequestStatus.NONE:
            return confirmed, latest, None
        account, deadline, kind, _, asset_id, payment_id, amount, limit_price = values
        (asset,) = await self._read(self.minter, "assetById(uint16)", ["uint16"], [asset_id], ["address"],
                                    confirmed_at)
        (payment,) = await self._read(self.minter, "paymentTokenById(uint8)", ["uint8"], [payment_id], ["address"],
                                      confirmed_at)
        return confirmed, latest, ConfirmedRequest(
            request_id=request_id, account=to_checksum_address(account), asset=to_checksum_address(asset),
            payment_token=to_checksum_address(payment), kind=RequestKind(kind), deadline=deadline, amount=amount,
            limit_price=limit_price)

    async def multiplier(self, token: str) -> int:
        (value,) = await self._read(token, "multiplier()", [], [], ["uint256"])
        return value

    async def payment_decimals(self, token: str) -> int:
        (_, decimals, _) = await self._read(self.minter, "paymentToken(address)", ["address"], [token],
                                            ["uint8", "uint8", "bool"])
        return decimals

    async def attestor_role(self, address: str) -> int:
        (role,) = await self._read(self.minter, "attestorRole(address)", ["address"], [address], ["uint8"])
        return role
