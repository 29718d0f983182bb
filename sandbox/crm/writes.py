"""Salesforce sObject writes: create Case and CaseComment, upsert Case by external id.

`Order360_Request_Id__c` is modelled as a unique external id: a second insert
with the same value is DUPLICATE_VALUE, and `PATCH .../Case/Order360_Request_Id__c/{v}`
is Salesforce's idempotent create (201 created, or 200 updated). Every method
is synchronous, so the "does it exist?" check and the insert cannot interleave
with another request.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.crm.errors import SalesforceError
from sandbox.crm.sobject_input import bad_request, fields, require
from sandbox.crm.store import INTEGRATION_USER, CrmStore
from sandbox.world import Case, CaseComment, Customer, WorldWriter

EXTERNAL_ID = "Order360_Request_Id__c"
_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
Result = tuple[int, dict[str, Any]]


def _ok(record_id: str, created: bool | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": record_id, "success": True, "errors": []}
    if created is not None:
        body["created"] = created
    return body


class CrmWrites:
    def __init__(self, writer: WorldWriter, store: CrmStore) -> None:
        self._writer = writer
        self._store = store
        self._contacts = {c.contact_id[:15]: c for c in writer.world.customers}

    def create(self, obj: str, data: dict[str, Any]) -> Result:
        if obj == "Case":
            values = fields("Case", data)
            require(values, "Subject")
            request_id = values.get(EXTERNAL_ID)
            if request_id:
                self._refuse_duplicate(request_id)
            return 201, _ok(self._insert_case(values).id)
        if obj == "CaseComment":
            return 201, _ok(self._insert_comment(fields("CaseComment", data)).id)
        raise SalesforceError(
            405, "METHOD_NOT_ALLOWED", "HTTP Method 'POST' not allowed. Allowed are HEAD,GET"
        )

    def upsert(self, obj: str, field: str, value: str, data: dict[str, Any]) -> Result:
        if obj != "Case" or field.lower() != EXTERNAL_ID.lower():
            message = f"Provided external ID field does not exist or is not accessible: {field}"
            raise SalesforceError(404, "NOT_FOUND", message)
        values = fields("Case", data)
        given = values.pop(EXTERNAL_ID, None)
        if given is not None and given != value:
            message = f"{EXTERNAL_ID} in the body ({given}) differs from the URL ({value})"
            raise bad_request("INVALID_FIELD", message, [EXTERNAL_ID])
        existing = self._writer.world.case_by_request_id.get(value)
        if existing is None:
            require(values, "Subject")
            values[EXTERNAL_ID] = value
            return 201, _ok(self._insert_case(values).id, created=True)
        self._update_case(existing, values)
        return 200, _ok(existing.id, created=False)

    def _refuse_duplicate(self, request_id: str) -> None:
        other = self._writer.world.case_by_request_id.get(request_id)
        if other is not None:
            message = (
                f"duplicate value found: {EXTERNAL_ID} duplicates value on record with id: "
                f"{other.id}"
            )
            raise bad_request("DUPLICATE_VALUE", message, [])

    def _contact(self, values: dict[str, Any]) -> Customer | None:
        contact_id = values.get("ContactId")
        if not contact_id:
            return None
        if not _ID.match(contact_id):
            message = f"Contact ID: id value of incorrect type: {contact_id}"
            raise bad_request("MALFORMED_ID", message, ["ContactId"])
        customer = self._contacts.get(contact_id[:15])
        if customer is None:
            raise bad_request("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
        return customer

    def _insert_case(self, values: dict[str, Any]) -> Case:
        writer = self._writer
        now = writer.now()
        case_id, number = writer.next_case_ids()
        status = values.get("Status") or "New"
        case = Case(
            id=case_id,
            number=number,
            subject=values["Subject"],
            description=values.get("Description") or "",
            status=status,
            escalated=status == "Escalated",
            priority=values.get("Priority") or "Medium",
            origin=values.get("Origin") or "",
            case_type=values.get("Type") or "",
            reason=values.get("Reason") or "",
            customer=self._contact(values),
            order=writer.order_named(
                values.get("Order_Number__c"), values.get("Shopify_Order_Id__c")
            ),
            created_at=now,
            closed_at=now if status == "Closed" else None,
            owner_id=INTEGRATION_USER,
            tracking_number=values.get("Tracking_Number__c"),
            written=True,
            order_number=values.get("Order_Number__c"),
            shopify_order_id=values.get("Shopify_Order_Id__c"),
            request_id=values.get(EXTERNAL_ID),
        )
        writer.add_case(case)
        return case

    def _update_case(self, case: Case, values: dict[str, Any]) -> None:
        if "Subject" in values:
            require(values, "Subject")
            case.subject = values["Subject"]
        customer = self._contact(values) if "ContactId" in values else case.customer
        for name, attr in (("Description", "description"), ("Priority", "priority")):
            if name in values:
                setattr(case, attr, values[name] or "")
        for name, attr in (("Origin", "origin"), ("Type", "case_type"), ("Reason", "reason")):
            if name in values:
                setattr(case, attr, values[name] or "")
        if "Tracking_Number__c" in values:
            case.tracking_number = values["Tracking_Number__c"]
        if "Order_Number__c" in values:
            case.order_number = values["Order_Number__c"]
        if "Shopify_Order_Id__c" in values:
            case.shopify_order_id = values["Shopify_Order_Id__c"]
        now = self._writer.now()
        if values.get("Status"):
            was_closed = case.is_closed
            case.status = values["Status"]
            case.escalated = case.escalated or case.status == "Escalated"
            if case.is_closed and not was_closed:
                case.closed_at = now
            elif not case.is_closed:
                case.closed_at = None
        case.written = True
        case.modified_at = now
        order = self._writer.order_named(case.order_number, case.shopify_order_id)
        self._writer.move_case(case, customer, order)
        self._writer.case_changed(case)

    def _insert_comment(self, values: dict[str, Any]) -> CaseComment:
        require(values, "ParentId", "CommentBody")
        record = self._store.get("Case", values["ParentId"])
        case = self._writer.world.case_by_id.get(record["Id"]) if record else None
        if case is None:
            message = f"invalid cross reference id: {values['ParentId']}"
            raise bad_request("INVALID_CROSS_REFERENCE_KEY", message, ["ParentId"])
        writer = self._writer
        comment = CaseComment(
            id=writer.next_comment_id(),
            case=case,
            body=values["CommentBody"],
            created_at=writer.now(),
            published=bool(values.get("IsPublished")),
            author_id=INTEGRATION_USER,
        )
        writer.add_comment(comment)
        return comment
