"""The collateral keeper: watches RAT-collateral Morpho Blue markets for positions no liquidator takes
(decision 0102 "Keeper").

Each pass, per watched market, it reads Morpho's market totals and every known borrower's position, and the market
oracle's state, and computes health exactly as Morpho's `_isHealthy` would inside a liquidation through the
RatMorphoGateway: interest accrued to the head's time (the IRM's `borrowRateView`, Morpho's third-order Taylor
compounding), debt = borrow shares converted to assets rounded up with Morpho's virtual shares (1e6) and virtual
assets (1), max borrow = collateral x price / 1e36 x LLTV / 1e18 rounded down, and the price the oracle gives in
its LIQUIDATION context: the price while OPEN, the last close WITHOUT haircut while CLOSED (so a market that merely
closed makes no position unhealthy), the most favourable price the last accepted data allows while STALE or
SPLIT_WINDOW.

A position unhealthy for longer than `grace_seconds` of chain time with no liquidation by anyone since it became
unhealthy (Morpho's Liquidate events restart the window) counts in `relayer_collateral_overdue_positions`, which
the `CollateralPositionOverdue` alert watches. When configured, the keeper then liquidates it itself through the
gateway with an account the token's compliance accepts as the recipient of the seized RAT, paying at most
`max_repay`. The window start and the keeper's liquidation in flight are durable (store migration 6): a restart
neither restarts the window nor sends a second liquidation while the first is unmined.

Borrowers are found from Morpho's Borrow events (only a borrower can be unhealthy), scanned from `from_block`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

from relayer.config import CollateralKeeperConfig
from relayer.errors import ConfigError, RelayerError, RpcError
from relayer.observability import Metrics
from relayer.rpc import Rpc
from relayer.sender import TxSender
from relayer.store import Store

log = logging.getLogger("relayer.collateral")

# Morpho Blue's constants (ConstantsLib, SharesMathLib).
WAD = 10**18
ORACLE_PRICE_SCALE = 10**36
VIRTUAL_SHARES = 10**6
VIRTUAL_ASSETS = 1
MAX_LIQUIDATION_INCENTIVE_FACTOR = 115 * 10**16
LIQUIDATION_CURSOR = 3 * 10**17

# RatEquityOracle.State, in declaration order.
ORACLE_STATES = ("OPEN", "CLOSED", "STALE", "SPLIT_WINDOW")
TRANSFER_OK = 0  # IComplianceRegistry.TransferStatus.OK
MARKET_PARAMS = "(address,address,address,address,uint256)"
MARKET = "(uint128,uint128,uint128,uint128,uint128,uint128)"
BORROW_TOPIC = "0x" + keccak(text="Borrow(bytes32,address,address,address,uint256,uint256)").hex()
LIQUIDATE_TOPIC = "0x" + keccak(
    text="Liquidate(bytes32,address,address,uint256,uint256,uint256,uint256,uint256)").hex()
LOG_SPAN = 5_000  # blocks per eth_getLogs call
PURPOSE = "collateral-liquidation"


def _data(signature: str, types: list[str], values: list) -> bytes:
    return function_signature_to_4byte_selector(signature) + encode(types, values)


# ---------------------------------------------------------------------------------------------- Morpho's math


def mul_div_down(x: int, y: int, d: int) -> int:
    return x * y // d


def mul_div_up(x: int, y: int, d: int) -> int:
    return (x * y + (d - 1)) // d


def w_taylor_compounded(x: int, n: int) -> int:
    """MathLib.wTaylorCompounded: e^(x n) - 1 to the third order, WAD."""
    first = x * n
    second = mul_div_down(first, first, 2 * WAD)
    third = mul_div_down(second, first, 3 * WAD)
    return first + second + third


def to_assets_up(shares: int, total_assets: int, total_shares: int) -> int:
    return mul_div_up(shares, total_assets + VIRTUAL_ASSETS, total_shares + VIRTUAL_SHARES)


def to_shares_down(assets: int, total_assets: int, total_shares: int) -> int:
    return mul_div_down(assets, total_shares + VIRTUAL_SHARES, total_assets + VIRTUAL_ASSETS)


def accrued_borrow_assets(total_borrow_assets: int, borrow_rate: int, elapsed: int) -> int:
    """Morpho's `_accrueInterest` on the borrow side: totalBorrowAssets after `elapsed` seconds at `borrow_rate`."""
    if elapsed <= 0:
        return total_borrow_assets
    return total_borrow_assets + mul_div_down(total_borrow_assets, w_taylor_compounded(borrow_rate, elapsed), WAD)


def is_healthy(collateral: int, borrow_shares: int, price: int, lltv: int, total_borrow_assets: int,
               total_borrow_shares: int) -> bool:
    """Morpho's `_isHealthy(marketParams, id, borrower, collateralPrice)`."""
    if borrow_shares == 0:
        return True
    borrowed = to_assets_up(borrow_shares, total_borrow_assets, total_borrow_shares)
    max_borrow = mul_div_down(mul_div_down(collateral, price, ORACLE_PRICE_SCALE), lltv, WAD)
    return max_borrow >= borrowed


def liquidation_incentive_factor(lltv: int) -> int:
    return min(MAX_LIQUIDATION_INCENTIVE_FACTOR, mul_div_down(WAD, WAD, WAD - mul_div_down(LIQUIDATION_CURSOR,
                                                                                          WAD - lltv, WAD)))


def liquidation_size(collateral: int, borrow_shares: int, price: int, lltv: int, total_borrow_assets: int,
                     total_borrow_shares: int, max_repay: int) -> tuple[int, int]:
    """(seizedAssets, repaidShares) for one liquidation paying at most `max_repay`: repay the whole debt, or the
    shares `max_repay` buys; when the collateral that would seize exceeds the position's (bad debt), seize all the
    collateral instead. Exactly one of the two is non-zero (Morpho's rule)."""
    shares = borrow_shares
    if to_assets_up(shares, total_borrow_assets, total_borrow_shares) > max_repay:
        shares = to_shares_down(max_repay, total_borrow_assets, total_borrow_shares)
    repaid = to_assets_up(shares, total_borrow_assets, total_borrow_shares)
    seized = mul_div_down(mul_div_down(repaid, liquidation_incentive_factor(lltv), WAD), ORACLE_PRICE_SCALE, price)
    if seized > collateral:
        return collateral, 0
    return 0, shares


# ---------------------------------------------------------------------------------------------- the keeper


@dataclass(frozen=True)
class Params:
    loan_token: str
    collateral_token: str
    oracle: str
    irm: str
    lltv: int

    def as_tuple(self) -> tuple[str, str, str, str, int]:
        return (self.loan_token, self.collateral_token, self.oracle, self.irm, self.lltv)


@dataclass(frozen=True)
class PositionView:
    borrower: str
    collateral: int
    borrow_shares: int
    healthy: bool


@dataclass(frozen=True)
class MarketView:
    """One pass's reading of a market: oracle state, the liquidation-context price (None when the oracle can give
    none), accrued totals and the positions of known borrowers."""

    state: str
    price: int | None
    total_borrow_assets: int
    total_borrow_shares: int
    positions: list[PositionView]


@dataclass
class _Watched:
    market_id: str
    params: Params | None = None
    scanned_to: int = -1
    borrowers: dict[str, None] = field(default_factory=dict)
    liquidations: dict[str, int] = field(default_factory=dict)  # borrower -> chain time of the newest Liquidate


class CollateralKeeper:
    def __init__(self, rpc: Rpc, store: Store, config: CollateralKeeperConfig, metrics: Metrics,
                 liquidator: TxSender | None = None) -> None:
        if config.liquidation.enabled and liquidator is None:
            raise ConfigError("collateral.liquidation.enabled without a liquidator sender")
        self.rpc = rpc
        self.store = store
        self.config = config
        self.metrics = metrics
        self.liquidator = liquidator if config.liquidation.enabled else None
        self.morpho = to_checksum_address(config.morpho)
        self.gateway = to_checksum_address(config.gateway)
        self._markets = {m.lower(): _Watched(m.lower(), scanned_to=config.from_block - 1) for m in config.markets}

    async def market_params(self, market_id: str) -> Params:
        return await market_params(self.rpc, self.morpho, market_id)

    async def check(self) -> list[str]:
        """What the daemon needs before its first pass (the same checks as `rat-relayer doctor`)."""
        problems, params = await check_collateral(
            self.rpc, self.config, self.liquidator.address if self.liquidator is not None else None)
        for market_id, found in params.items():
            self._markets[market_id].params = found
        return problems

    # -- one pass --------------------------------------------------------------------------------------------

    async def tick(self, head: int, now: int) -> None:
        """One pass over the watched markets at the head block `head` whose timestamp is `now`."""
        for watched in self._markets.values():
            try:
                await self._pass(watched, head, now)
            except RelayerError as exc:
                log.warning("collateral keeper retry", extra={"market": watched.market_id, "error": str(exc)})

    async def _pass(self, watched: _Watched, head: int, now: int) -> None:
        if watched.params is None:
            watched.params = await self.market_params(watched.market_id)
        await self._discover(watched, head)
        rows = self.store.collateral_positions(watched.market_id)
        for borrower in rows:
            watched.borrowers.setdefault(borrower, None)
        view = await self.read(watched, now)
        for state in ORACLE_STATES:
            self.metrics.collateral_oracle_state.labels(watched.market_id, state).set(1 if state == view.state else 0)
        if view.price is None:
            log.warning("collateral oracle gives no liquidation price",
                        extra={"market": watched.market_id, "state": view.state})
            return
        unhealthy = overdue = 0
        for position in view.positions:
            row = rows.get(position.borrower)
            since = row.unhealthy_since if row else None
            nonce = row.liquidation_nonce if row else None
            nonce = await self._settle(watched, position.borrower, nonce)
            if position.healthy:
                since = None
            else:
                unhealthy += 1
                liquidated_at = watched.liquidations.get(position.borrower, 0)
                if since is None or liquidated_at > since:
                    since = max(now if since is None else since, liquidated_at)
            is_overdue = since is not None and now - since >= self.config.grace_seconds
            if is_overdue:
                overdue += 1
                if not (row and row.alerted):
                    log.error("collateral position unhealthy past the grace window",
                              extra={"market": watched.market_id, "borrower": position.borrower,
                                     "unhealthy_since": since, "oracle_state": view.state})
                if self.liquidator is not None and nonce is None:
                    nonce = await self._liquidate(watched, position, view)
            if row is None and since is None and nonce is None:
                continue
            if row is None or (since, is_overdue, nonce) != (row.unhealthy_since, row.alerted, row.liquidation_nonce):
                self.store.save_collateral_position(watched.market_id, position.borrower, since, is_overdue, nonce)
        self.metrics.collateral_unhealthy.labels(watched.market_id).set(unhealthy)
        self.metrics.collateral_overdue.labels(watched.market_id).set(overdue)

    async def read(self, watched: _Watched, now: int) -> MarketView:
        """The market as a liquidation would see it at chain time `now`."""
        params = watched.params
        assert params is not None
        market_id = bytes.fromhex(watched.market_id[2:])
        market = decode([MARKET], await self.rpc.eth_call(self.morpho, _data("market(bytes32)", ["bytes32"],
                                                                             [market_id])))[0]
        total_borrow_assets, total_borrow_shares, last_update = market[2], market[3], market[4]
        if int(params.irm, 16) != 0 and now > last_update:
            (rate,) = decode(["uint256"], await self.rpc.eth_call(params.irm, _data(
                f"borrowRateView({MARKET_PARAMS},{MARKET})", [MARKET_PARAMS, MARKET], [params.as_tuple(), market])))
            total_borrow_assets = accrued_borrow_assets(total_borrow_assets, rate, now - last_update)
        state, price = await self._liquidation_price(params)
        positions = []
        for borrower in watched.borrowers:
            _, shares, collateral = decode(["uint256", "uint128", "uint128"], await self.rpc.eth_call(
                self.morpho, _data("position(bytes32,address)", ["bytes32", "address"], [market_id, borrower])))
            healthy = price is None or is_healthy(collateral, shares, price, params.lltv, total_borrow_assets,
                                                  total_borrow_shares)
            positions.append(PositionView(borrower, collateral, shares, healthy))
        return MarketView(state, price, total_borrow_assets, total_borrow_shares, positions)

    async def _liquidation_price(self, params: Params) -> tuple[str, int | None]:
        """The oracle's state and the price `price()` returns in the gateway's LIQUIDATION context."""
        raw = await self.rpc.eth_call(params.oracle, _data("quote()", [], []))
        state, _reason, price, _haircut, _at = decode(["uint8", "uint8", "uint256", "uint256", "uint256"], raw)
        name = ORACLE_STATES[state]
        if name in ("OPEN", "CLOSED"):
            return name, price  # CLOSED: the last close without haircut - closing alone liquidates no one
        try:
            (favourable,) = decode(["uint256"], await self.rpc.eth_call(params.oracle,
                                                                         _data("favourablePrice()", [], [])))
        except RpcError:
            return name, None  # no accepted price at all: nobody can liquidate
        return name, favourable

    async def _discover(self, watched: _Watched, head: int) -> None:
        topic_id = watched.market_id
        while watched.scanned_to < head:
            start = watched.scanned_to + 1
            stop = min(head, start + LOG_SPAN - 1)
            for entry in await self.rpc.logs(self.morpho, start, stop, [[BORROW_TOPIC, LIQUIDATE_TOPIC], topic_id]):
                topics = entry["topics"]
                if topics[0] == BORROW_TOPIC:
                    watched.borrowers.setdefault(to_checksum_address("0x" + topics[2][-40:]), None)
                else:
                    borrower = to_checksum_address("0x" + topics[3][-40:])
                    block = await self.rpc.block(int(entry["blockNumber"], 16))
                    if block is not None:
                        at = int(block["timestamp"], 16)
                        watched.liquidations[borrower] = max(watched.liquidations.get(borrower, 0), at)
            watched.scanned_to = stop

    # -- the keeper's own liquidation ------------------------------------------------------------------------

    @staticmethod
    def request_id(market_id: str, borrower: str) -> str:
        return "0x" + keccak(bytes.fromhex(market_id[2:]) + bytes.fromhex(borrower[2:])).hex()

    async def _settle(self, watched: _Watched, borrower: str, nonce: int | None) -> int | None:
        """The nonce of the keeper's liquidation of `borrower` still unmined, else None. Also finds an intent the
        sender recorded just before a crash, before its nonce reached our row."""
        if self.liquidator is None:
            return nonce
        if nonce is None:
            intents = self.store.intents_for_request(self.request_id(watched.market_id, borrower))
            pending = [i for i in intents
                       if i.sender == self.liquidator.address and i.status in ("signed", "broadcast")]
            if not pending:
                return None
            nonce = pending[-1].nonce
        receipt = await self.liquidator.tend(nonce)
        if receipt is None:
            return nonce
        outcome = "mined" if receipt.status == 1 else "reverted"
        self.metrics.collateral_liquidations.labels(watched.market_id, outcome).inc()
        log.info("collateral liquidation settled", extra={"market": watched.market_id, "borrower": borrower,
                                                          "tx_hash": receipt.tx_hash, "outcome": outcome})
        return None

    async def _liquidate(self, watched: _Watched, position: PositionView, view: MarketView) -> int | None:
        params = watched.params
        assert params is not None and self.liquidator is not None and view.price is not None
        max_repay = self.config.liquidation.max_repay
        seized, shares = liquidation_size(position.collateral, position.borrow_shares, view.price, params.lltv,
                                          view.total_borrow_assets, view.total_borrow_shares, max_repay)
        if seized == 0 and shares == 0:
            return None
        data = _data(f"liquidate({MARKET_PARAMS},address,uint256,uint256,uint256)",
                     [MARKET_PARAMS, "address", "uint256", "uint256", "uint256"],
                     [params.as_tuple(), position.borrower, seized, shares, max_repay])
        try:
            intent = await self.liquidator.submit(self.gateway, data, purpose=PURPOSE,
                                                  request_id=self.request_id(watched.market_id, position.borrower))
        except RpcError as exc:  # estimation failed: nothing was signed or recorded
            self.metrics.collateral_liquidations.labels(watched.market_id, "refused").inc()
            log.warning("collateral liquidation refused by the chain",
                        extra={"market": watched.market_id, "borrower": position.borrower, "error": str(exc)})
            return None
        self.metrics.collateral_liquidations.labels(watched.market_id, "submitted").inc()
        log.info("collateral liquidation submitted",
                 extra={"market": watched.market_id, "borrower": position.borrower, "tx_hash": intent.tx_hash,
                        "nonce": intent.nonce})
        return intent.nonce


# ---------------------------------------------------------------------------------------------- checks


async def market_params(rpc: Rpc, morpho: str, market_id: str) -> Params:
    """Morpho's `idToMarketParams`; a ConfigError when `market_id` is no market of that Morpho."""
    raw = await rpc.eth_call(morpho, _data("idToMarketParams(bytes32)", ["bytes32"], [bytes.fromhex(market_id[2:])]))
    loan, collateral, oracle, irm, lltv = decode(["address", "address", "address", "address", "uint256"], raw)
    if int(loan, 16) == 0:
        raise ConfigError(f"collateral.markets: {market_id} is not a market of Morpho {morpho}",
                          hint="list ids of markets created on that Morpho instance")
    return Params(to_checksum_address(loan), to_checksum_address(collateral), to_checksum_address(oracle),
                  to_checksum_address(irm), lltv)


async def ineligibility(rpc: Rpc, gateway: str, params: Params, account: str) -> str | None:
    """Why `account` could not receive the seized collateral from the gateway, or None when it can: the collateral
    token's own ComplianceRegistry answers (`canTransfer(asset, gateway, account, 0)`: amount 0 asks the rules -
    KYC, tier, expiry, freeze, jurisdiction, the gateway's venue status - without the gateway's balance, which is
    zero between liquidations)."""
    try:
        (registry,) = decode(["address"], await rpc.eth_call(params.collateral_token, _data("REGISTRY()", [], [])))
    except RpcError:
        return (f"collateral {params.collateral_token} is not a RAT (no REGISTRY()): the keeper only liquidates RAT "
                "collateral, whose compliance says who may receive it")
    (status,) = decode(["uint8"], await rpc.eth_call(registry, _data(
        "canTransfer(address,address,address,uint256)", ["address", "address", "address", "uint256"],
        [params.collateral_token, gateway, account, 0])))
    if status != TRANSFER_OK:
        return (f"collateral.liquidation.signer {account} is not eligible to receive {params.collateral_token} "
                f"(compliance TransferStatus {status}): KYC the account for the asset, or disable liquidation")
    return None


async def check_collateral(rpc: Rpc, config: CollateralKeeperConfig,
                           liquidator: str | None) -> tuple[list[str], dict[str, Params]]:
    """Each watched market exists and prices through a RatEquityOracle whose gateway is `config.gateway`; the
    liquidator account, when liquidation is enabled, is eligible for every market's collateral and has approved the
    gateway for `max_repay` of the loan token. Returns the problems (sentences) and the markets' parameters."""
    problems: list[str] = []
    found: dict[str, Params] = {}
    gateway = to_checksum_address(config.gateway)
    for market_id in (m.lower() for m in config.markets):
        try:
            params = await market_params(rpc, to_checksum_address(config.morpho), market_id)
            (oracle_gateway,) = decode(["address"], await rpc.eth_call(params.oracle, _data("gateway()", [], [])))
        except (ConfigError, RpcError) as exc:
            problems.append(str(exc) if isinstance(exc, ConfigError) else
                            f"market {market_id}: its oracle is not a RatEquityOracle ({exc})")
            continue
        found[market_id] = params
        if to_checksum_address(oracle_gateway) != gateway:
            problems.append(f"market {market_id}: its oracle's gateway is {to_checksum_address(oracle_gateway)}, "
                            f"collateral.gateway says {gateway}")
        if not config.liquidation.enabled or liquidator is None:
            continue
        reason = await ineligibility(rpc, gateway, params, liquidator)
        if reason:
            problems.append(reason)
        (allowance,) = decode(["uint256"], await rpc.eth_call(params.loan_token, _data(
            "allowance(address,address)", ["address", "address"], [liquidator, gateway])))
        if allowance < config.liquidation.max_repay:
            problems.append(f"liquidator {liquidator} allows the gateway {allowance} of {params.loan_token}, less "
                            f"than max_repay {config.liquidation.max_repay}: approve the gateway")
    return problems, found
