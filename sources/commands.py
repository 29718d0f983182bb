"""What the governed processes ask the systems to do, in no vendor's vocabulary.

The write-side counterpart of ``sources.models``: each role's writes (``sources.roles``)
take these, and each vendor's package maps them to its own documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .models import Money

__all__ = ["CaseDraft", "CreditLine", "CreditNote", "ReturnLine", "ReturnRequest"]


@dataclass(frozen=True, slots=True)
class CaseDraft:
    """A service case to open about an order, in no service desk's vocabulary.

    ``priority`` is ``High``, ``Medium`` or ``Low``; ``contact_id`` is the service desk's
    own id of the customer when known.
    """

    subject: str
    description: str
    priority: str
    order_number: str
    oms_order_id: str
    contact_id: str | None = None


@dataclass(frozen=True, slots=True)
class CreditLine:
    """One line of a credit: the material (SKU), how many, and the net amount credited."""

    material: str
    quantity: Decimal
    net_amount: Money


@dataclass(frozen=True, slots=True)
class CreditNote:
    """Money given back, for the ERP's books (a credit memo request in SAP, a credit note
    in Dynamics 365).

    ``reference`` is ours (the workflow id): the ERP finds an earlier post by it, so a
    retried step never credits twice. ``reason`` is one of the refund reasons
    (``DAMAGED``, ``WRONG_ITEM``, ``NOT_DELIVERED``, ``LATE``, ``GOODWILL``,
    ``CUSTOMER_CHANGED_MIND``, ``OTHER``); ``sales_order`` is the ERP's own number of the
    order credited.
    """

    reference: str
    oms_refund_id: str
    order_number: str
    sales_order: str
    reason: str
    lines: tuple[CreditLine, ...]


@dataclass(frozen=True, slots=True)
class ReturnLine:
    """One line of goods coming back: the material (SKU) and how many."""

    material: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ReturnRequest:
    """Goods the customer sends back (a customer return in SAP, a return order in
    Dynamics 365); ``reference`` and ``reason`` as for ``CreditNote``."""

    reference: str
    order_number: str
    reason: str
    lines: tuple[ReturnLine, ...]
