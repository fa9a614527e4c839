"""Adapters to the regulated world, behind stable interfaces, chosen by config through entry points."""

from relayer.adapters.base import (
    BrokerageAdapter,
    CustodyAdapter,
    OrderRequest,
    OrderState,
    OrderStatus,
    PriceOracleAdapter,
    Settlement,
    SettlementRequest,
    load_adapter,
)

__all__ = [
    "BrokerageAdapter",
    "CustodyAdapter",
    "OrderRequest",
    "OrderState",
    "OrderStatus",
    "PriceOracleAdapter",
    "Settlement",
    "SettlementRequest",
    "load_adapter",
]
