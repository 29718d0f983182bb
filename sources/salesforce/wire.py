"""Salesforce REST records → canonical models.

Query results come as ``{"totalSize", "done", "records": [{"attributes": {...}, ...}]}``;
datetimes look like ``2026-06-03T13:12:44.000+0000``. Errors are a JSON *array* of
``{"message", "errorCode"}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ..errors import SourceBadResponse
from ..models import CrmCase, CrmContact

__all__ = ["case", "contact", "query_records", "read_salesforce_error", "sf_datetime"]


def _drift(detail: str) -> SourceBadResponse:
    return SourceBadResponse("crm", f"unexpected Salesforce payload: {detail}")


def sf_datetime(value: Any) -> datetime:
    """``2026-06-03T13:12:44.000+0000`` → aware UTC datetime."""
    if not isinstance(value, str):
        raise _drift(f"bad datetime {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _drift(f"bad datetime {value!r}") from exc
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def query_records(payload: Any) -> tuple[list[dict[str, Any]], str | None]:
    """The records of one query page and the next page's URL, if any."""
    if not isinstance(payload, dict) or not isinstance(payload.get("records"), list):
        raise _drift("query result without records")
    if not all(isinstance(record, dict) for record in payload["records"]):
        raise _drift("query record is not an object")
    next_url = None if payload.get("done", True) else payload.get("nextRecordsUrl")
    return payload["records"], next_url if isinstance(next_url, str) else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


CONTACT_ID_PREFIX = "sfdc:Contact:"
"""How a Salesforce contact's id begins in Order360's API."""


def contact(record: dict[str, Any]) -> CrmContact:
    """A ``Contact`` record → ``CrmContact``."""
    try:
        return CrmContact(
            id=str(record["Id"]),
            account_id=_str_or_none(record.get("AccountId")),
            first_name=_str_or_none(record.get("FirstName")),
            last_name=str(record["LastName"]),
            email=_str_or_none(record.get("Email")),
            phone=_str_or_none(record.get("Phone")),
            loyalty_tier=_str_or_none(record.get("Loyalty_Tier__c")),
            oms_customer_id=_str_or_none(record.get("Shopify_Customer_Id__c")),
            id_prefix=CONTACT_ID_PREFIX,
        )
    except KeyError as exc:
        raise _drift(f"Contact without {exc}") from exc


def case(record: dict[str, Any]) -> CrmCase:
    """A ``Case`` record → ``CrmCase``."""
    try:
        closed_date = record.get("ClosedDate")
        return CrmCase(
            id=str(record["Id"]),
            number=str(record["CaseNumber"]),
            subject=str(record.get("Subject") or ""),
            status=str(record["Status"]),
            closed=bool(record.get("IsClosed")),
            priority=str(record.get("Priority") or "Medium"),
            origin=_str_or_none(record.get("Origin")),
            opened_at=sf_datetime(record["CreatedDate"]),
            closed_at=sf_datetime(closed_date) if closed_date else None,
            contact_id=_str_or_none(record.get("ContactId")),
            order_number=_str_or_none(record.get("Order_Number__c")),
            oms_order_id=_str_or_none(record.get("Shopify_Order_Id__c")),
        )
    except KeyError as exc:
        raise _drift(f"Case without {exc}") from exc


def read_salesforce_error(body: bytes) -> str | None:
    """``errorCode: message`` of the first entry of a Salesforce error array, for the log."""
    try:
        first = json.loads(body)[0]
        return f"{first.get('errorCode')}: {first.get('message')}"
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
