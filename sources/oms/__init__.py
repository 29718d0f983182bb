"""OMS source: Shopify Admin REST."""

from .client import OmsClient
from .paging import InvalidCursor, OrderCursor, OrderListQuery, OrderPage

__all__ = ["InvalidCursor", "OmsClient", "OrderCursor", "OrderListQuery", "OrderPage"]
