"""The sandbox's generated world: vendor-neutral facts every simulated system renders."""

from sandbox.world.generate import generate_world
from sandbox.world.model import (
    Address,
    Customer,
    Order,
    OrderLine,
    Product,
    Refund,
    RefundLine,
    Shipment,
    TrackingEvent,
)
from sandbox.world.records import (
    Account,
    AfterSalesItem,
    BillingDocument,
    BillingItem,
    Case,
    CaseComment,
    CreditMemoRequest,
    CustomerReturn,
    SalesOrder,
)
from sandbox.world.world import World
from sandbox.world.writer import WorldWriter

__all__ = [
    "Account",
    "Address",
    "AfterSalesItem",
    "BillingDocument",
    "BillingItem",
    "Case",
    "CaseComment",
    "CreditMemoRequest",
    "Customer",
    "CustomerReturn",
    "Order",
    "OrderLine",
    "Product",
    "Refund",
    "RefundLine",
    "SalesOrder",
    "Shipment",
    "TrackingEvent",
    "World",
    "WorldWriter",
    "generate_world",
]
