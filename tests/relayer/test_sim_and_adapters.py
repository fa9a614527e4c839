"""The simulated vendors behave like the real ones, and the adapters read them correctly."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from relayer.adapters import OrderRequest, OrderStatus, SettlementRequest, load_adapter
from relayer.adapters.alpaca import AlpacaBrokerage
from relayer.adapters.base import Direction, Side
from relayer.adapters.custodian import HttpCustodian
from relayer.errors import AdapterError, ConfigError, OrderRejected
from relayer.market_hours import ExchangeCalendar

from simproc import set_fault, sim_service, sim_state

pytestmark = pytest.mark.anyio

REQ = "0x" + "ab" * 32


@pytest.fixture(autouse=True)
def alpaca_credentials(monkeypatch):
    monkeypatch.setenv("APCA_API_KEY_ID", "test-key-id")
    monkeypatch.setenv("APCA_API_SECRET_KEY", "test-secret")


@pytest.fixture(scope="module")
def broker_url():
    with sim_service("broker", "--price", "AAPL=190", "--fill-chunks", "3", "--fill-interval", "0.2") as url:
        yield url


@pytest.fixture(scope="module")
def custodian_url():
    with sim_service("custodian", "--position", "AAPL=10") as url:
        yield url


def order(client_order_id: str = REQ, qty: str = "2", limit: str = "200", side: Side = Side.BUY,
          symbol: str = "AAPL") -> OrderRequest:
    return OrderRequest(client_order_id=client_order_id, symbol=symbol, side=side, qty=Decimal(qty),
                        limit_price=Decimal(limit), trace_id="trace-1")


async def test_placing_the_same_client_order_id_twice_returns_the_first_order(broker_url):
    broker = AlpacaBrokerage(base_url=broker_url)
    first = await broker.place_order(order("0x01"))
    second = await broker.place_order(order("0x01", qty="99"))
    assert second.broker_order_id == first.broker_order_id and second.qty == Decimal(2)
    assert sim_state(broker_url)["orders"] >= 1
    await broker.aclose()


async def test_partial_fills_accumulate_until_the_order_is_filled(broker_url):
    import anyio

    broker = AlpacaBrokerage(base_url=broker_url)
    placed = await broker.place_order(order("0x02", qty="3"))
    assert placed.status is OrderStatus.OPEN and placed.filled_qty == Decimal(1)
    await anyio.sleep(0.5)
    done = await broker.get_order("0x02", "trace-1")
    assert done.status is OrderStatus.FILLED and done.filled_qty == Decimal(3)
    assert done.filled_avg_price == Decimal(190)
    await broker.aclose()


async def test_an_unknown_symbol_is_a_rejected_order_with_its_reason(broker_url):
    broker = AlpacaBrokerage(base_url=broker_url)
    state = await broker.place_order(order("0x03", symbol="NOPE"))
    assert state.status is OrderStatus.REJECTED and "not tradable" in state.reason
    await broker.aclose()


async def test_a_limit_the_market_does_not_reach_leaves_the_order_unfilled(broker_url):
    broker = AlpacaBrokerage(base_url=broker_url)
    state = await broker.place_order(order("0x04", limit="100"))
    assert state.status is OrderStatus.OPEN and state.filled_qty == 0
    await broker.aclose()


async def test_broker_5xx_is_a_retryable_adapter_error(broker_url):
    broker = AlpacaBrokerage(base_url=broker_url)
    set_fault(broker_url, mode="error", status=503, count=1)
    with pytest.raises(AdapterError) as info:
        await broker.place_order(order("0x05"))
    assert info.value.retryable
    assert (await broker.place_order(order("0x05"))).client_order_id == "0x05"
    await broker.aclose()


async def test_a_broker_that_hangs_times_out_as_a_retryable_error(broker_url):
    broker = AlpacaBrokerage(base_url=broker_url, timeout=0.3)
    set_fault(broker_url, mode="timeout", count=1)
    with pytest.raises(AdapterError, match="timed out") as info:
        await broker.get_order("0x01", "t")
    assert info.value.retryable
    await broker.aclose()


async def test_missing_alpaca_credentials_name_the_environment_variables(monkeypatch):
    monkeypatch.delenv("APCA_API_SECRET_KEY")
    with pytest.raises(ConfigError, match="APCA_API_SECRET_KEY"):
        AlpacaBrokerage(base_url="http://127.0.0.1:1")


async def test_a_custody_instruction_is_idempotent_on_the_request_id(custodian_url):
    custodian = HttpCustodian(custodian_url)
    request = SettlementRequest(request_id="0xc1", symbol="AAPL", direction=Direction.RECEIVE,
                                quantity=Decimal("1.5"), broker_order_id="o-1", trace_id="t")
    first = await custodian.settle(request)
    again = await custodian.settle(request.model_copy(update={"quantity": Decimal(7)}))
    assert first.status == "settled" and first.lot_id and again.settlement_id == first.settlement_id
    assert again.settled_quantity == Decimal("1.5")
    assert await custodian.position("AAPL", "t") == Decimal("11.5")
    await custodian.aclose()


async def test_a_short_custodian_settles_less_than_instructed(custodian_url):
    custodian = HttpCustodian(custodian_url)
    set_fault(custodian_url, mode="short", quantity="0.5", count=1)
    settled = await custodian.settle(SettlementRequest(request_id="0xc2", symbol="AAPL",
                                                       direction=Direction.RECEIVE, quantity=Decimal(2),
                                                       broker_order_id="o-2", trace_id="t"))
    assert settled.settled_quantity == Decimal("1.5")
    await custodian.aclose()


async def test_delivering_more_than_the_account_holds_is_refused(custodian_url):
    custodian = HttpCustodian(custodian_url)
    with pytest.raises(AdapterError, match="insufficient") as info:
        await custodian.settle(SettlementRequest(request_id="0xc3", symbol="AAPL", direction=Direction.DELIVER,
                                                 quantity=Decimal(10_000), broker_order_id="o-3", trace_id="t"))
    assert not info.value.retryable
    await custodian.aclose()


def test_adapters_are_chosen_by_name_and_unknown_names_list_the_choices():
    assert isinstance(load_adapter("custody", "sim-custodian", {"base_url": "http://x"}), HttpCustodian)
    with pytest.raises(ConfigError) as info:
        load_adapter("custody", "nope", {})
    assert "sim-custodian" in info.value.explain()


def test_the_nyse_calendar_knows_weekends_holidays_and_half_days():
    nyse = ExchangeCalendar("XNYS")
    assert not nyse.is_open(datetime(2026, 11, 26, 16, tzinfo=timezone.utc))  # Thanksgiving
    assert nyse.is_open(datetime(2026, 11, 27, 17, 30, tzinfo=timezone.utc))  # Black Friday, before 13:00 ET
    assert not nyse.is_open(datetime(2026, 11, 27, 18, 30, tzinfo=timezone.utc))  # after the early close
    assert nyse.next_open(datetime(2026, 11, 28, tzinfo=timezone.utc)) == datetime(2026, 11, 30, 14, 30,
                                                                                   tzinfo=timezone.utc)


def test_a_minute_before_the_loaded_window_is_answered_by_the_reloaded_calendar():
    # The calendar is loaded from a week before now; a month back lies outside it whatever today's date.
    nyse = ExchangeCalendar("XNYS")
    month_ago = datetime.now(timezone.utc) - timedelta(days=30)
    sunday = month_ago - timedelta(days=(month_ago.weekday() + 1) % 7)
    assert not nyse.is_open(sunday.replace(hour=16, minute=0))
    assert nyse.next_open(sunday.replace(hour=16, minute=0)) > sunday
    assert nyse.next_open(sunday.replace(hour=16, minute=0)).weekday() < 5


def test_an_unknown_calendar_is_a_config_error():
    with pytest.raises(ConfigError, match="XXXX"):
        ExchangeCalendar("XXXX")


async def test_the_sim_custodian_books_each_settlement_into_the_position_once_it_comes_due():
    import anyio
    from aiohttp.test_utils import TestClient, TestServer

    from relayer.sim.custodian import CustodianConfig, SimCustodian

    sim = SimCustodian(CustodianConfig(positions={"AAPL": Decimal(10)}, settle_delay=0.3))
    async with TestClient(TestServer(sim.app())) as client:
        for key, quantity in (("0xd1", "1"), ("0xd2", "2")):
            response = await client.post("/v1/settlements", headers={"Idempotency-Key": key},
                                         json={"symbol": "AAPL", "direction": "receive", "quantity": quantity})
            assert (await response.json())["status"] == "pending"

        async def position() -> str:
            return (await (await client.get("/v1/positions/AAPL")).json())["quantity"]

        assert await position() == "10"
        await anyio.sleep(0.35)
        assert (await (await client.get("/v1/settlements/0xd1")).json())["status"] == "settled"  # booked here
        assert await position() == "13"  # 0xd1 not booked a second time
        assert await position() == "13"
