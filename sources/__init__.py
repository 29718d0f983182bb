"""Upstream clients, canonical models and source errors.

The only names other packages import from ``sources``; see ``tests/test_public_api.py``.
"""

from .cache import CachedRead, CachePolicy, MemoryReadCache, ReadCache, Served
from .call import CallContext
from .carriers import TrackingRef
from .config import (
    CarrierConfig,
    CrmConfig,
    ErpConfig,
    OmsConfig,
    Secret,
    SourcePolicy,
    SourcesConfig,
)
from .errors import (
    NotFound,
    SourceBadResponse,
    SourceError,
    SourceErrorCode,
    SourceName,
    SourceThrottled,
    SourceTimeout,
    SourceUnavailable,
)
from .health import HealthSnapshot
from .models import (
    CrmCase,
    CrmContact,
    ErpBillingDocument,
    ErpSalesOrder,
    ErpSalesOrderItem,
    FinancialStatus,
    FulfillmentStatus,
    Money,
    OmsCustomer,
    OmsFulfillment,
    OmsLine,
    OmsOrder,
    OmsRefund,
    OmsRefundLine,
    OrderStatus,
    ShipmentStatus,
    StockLevel,
    Tracking,
    TrackingEvent,
)
from .oms import InvalidCursor, OrderCursor, OrderListQuery, OrderPage
from .registry import SOURCE_NAMES, SourceHealthReport, Sources, open_sources

__all__ = [
    "SOURCE_NAMES",
    "CachePolicy",
    "CachedRead",
    "CallContext",
    "CarrierConfig",
    "CrmCase",
    "CrmConfig",
    "CrmContact",
    "ErpBillingDocument",
    "ErpConfig",
    "ErpSalesOrder",
    "ErpSalesOrderItem",
    "FinancialStatus",
    "FulfillmentStatus",
    "HealthSnapshot",
    "InvalidCursor",
    "MemoryReadCache",
    "Money",
    "NotFound",
    "OmsConfig",
    "OmsCustomer",
    "OmsFulfillment",
    "OmsLine",
    "OmsOrder",
    "OmsRefund",
    "OmsRefundLine",
    "OrderCursor",
    "OrderListQuery",
    "OrderPage",
    "OrderStatus",
    "ReadCache",
    "Secret",
    "Served",
    "ShipmentStatus",
    "SourceBadResponse",
    "SourceError",
    "SourceErrorCode",
    "SourceHealthReport",
    "SourceName",
    "SourcePolicy",
    "SourceThrottled",
    "SourceTimeout",
    "SourceUnavailable",
    "Sources",
    "SourcesConfig",
    "StockLevel",
    "Tracking",
    "TrackingEvent",
    "TrackingRef",
    "open_sources",
]
