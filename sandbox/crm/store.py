"""Salesforce records built from the world, typed per the schema, with lookup indexes.

Cases and comments written through the API reach the store through the
`WorldWriter` (`on_change`), which inserts or re-renders their records and keeps
the indexes in step, so SOQL reads see them at once.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from typing import Any

from sandbox.crm.schema import INDEXED, OBJECTS, transform
from sandbox.world import Account, Case, CaseComment, Customer, World
from sandbox.world.ids import sf_id

Record = dict[str, Any]
INTEGRATION_USER = sf_id("005", 999)


def _contact(c: Customer) -> Record:
    place = c.address.place
    updated = max([c.created_at, *(case.created_at for case in c.cases)])
    return {
        "Id": c.contact_id,
        "IsDeleted": False,
        "AccountId": c.account_id,
        "LastName": c.last_name,
        "FirstName": c.first_name,
        "Salutation": None,
        "Name": c.name,
        "MailingStreet": c.address.address1,
        "MailingCity": place.city,
        "MailingState": place.province_code,
        "MailingPostalCode": place.zip,
        "MailingCountry": place.country,
        "Phone": c.phone,
        "MobilePhone": c.mobile,
        "Email": c.email,
        "OwnerId": INTEGRATION_USER,
        "CreatedDate": c.created_at,
        "LastModifiedDate": updated,
        "SystemModstamp": updated,
        "Shopify_Customer_Id__c": str(c.shopify_id),
        "Loyalty_Tier__c": c.loyalty_tier,
        "SAP_Customer__c": c.sap_number,
    }


def _account(a: Account) -> Record:
    head = a.members[0]
    place = head.address.place
    return {
        "Id": a.id,
        "IsDeleted": False,
        "Name": a.name,
        "Type": "Household" if a.is_household else "Customer - Direct",
        "AccountNumber": head.sap_number,
        "BillingStreet": head.address.address1,
        "BillingCity": place.city,
        "BillingState": place.province_code,
        "BillingPostalCode": place.zip,
        "BillingCountry": place.country,
        "Phone": head.phone,
        "OwnerId": INTEGRATION_USER,
        "CreatedDate": a.created_at,
        "LastModifiedDate": a.created_at,
        "SystemModstamp": a.created_at,
        "SAP_Customer__c": head.sap_number,
    }


def _case(c: Case) -> Record:
    customer = c.customer
    order_number, shopify_id = c.order_keys
    web = customer is not None and c.origin == "Web" and not c.written
    return {
        "Id": c.id,
        "IsDeleted": False,
        "CaseNumber": c.number,
        "ContactId": customer.contact_id if customer is not None else None,
        "AccountId": customer.account_id if customer is not None else None,
        "ParentId": None,
        "SuppliedName": customer.name if web and customer is not None else None,
        "SuppliedEmail": customer.email if web and customer is not None else None,
        "SuppliedPhone": None,
        "Type": c.case_type or None,
        "Status": c.status,
        "Reason": c.reason or None,
        "Origin": c.origin or None,
        "Subject": c.subject,
        "Priority": c.priority or None,
        "Description": c.description or None,
        "IsClosed": c.is_closed,
        "ClosedDate": c.closed_at,
        "IsEscalated": c.escalated,
        "OwnerId": c.owner_id,
        "CreatedDate": c.created_at,
        "LastModifiedDate": c.last_modified,
        "SystemModstamp": c.last_modified,
        "Order_Number__c": order_number,
        "Shopify_Order_Id__c": shopify_id,
        "Tracking_Number__c": c.tracking_number,
        "Order360_Request_Id__c": c.request_id,
    }


def _comment(c: CaseComment) -> Record:
    return {
        "Id": c.id,
        "ParentId": c.case.id,
        "IsPublished": c.published,
        "CommentBody": c.body,
        "CreatedById": c.author_id or c.case.owner_id,
        "CreatedDate": c.created_at,
        "SystemModstamp": c.created_at,
        "LastModifiedDate": c.created_at,
        "IsDeleted": False,
    }


class CrmStore:
    """Records per sObject, in Id order, with indexes keyed by normalised value."""

    def __init__(self, world: World) -> None:
        self.records: dict[str, list[Record]] = {
            "Contact": [_contact(c) for c in world.customers],
            "Account": [_account(a) for a in world.accounts],
            "Case": [_case(c) for c in world.cases],
            "CaseComment": [_comment(c) for c in world.comments],
        }
        self._index: dict[str, dict[str, dict[Any, list[Record]]]] = {}
        for obj, records in self.records.items():
            records.sort(key=lambda r: r["Id"])
            per_field: dict[str, dict[Any, list[Record]]] = {}
            for name in INDEXED[obj]:
                norm = transform(OBJECTS[obj][name])
                groups: dict[Any, list[Record]] = defaultdict(list)
                for record in records:
                    groups[norm(record[name])].append(record)
                per_field[name] = dict(groups)
            self._index[obj] = per_field

    def indexed(self, obj: str) -> tuple[str, ...]:
        return INDEXED[obj]

    def lookup(self, obj: str, field: str, values: list[Any]) -> list[Record]:
        """Records whose `field` (normalised) is in `values`, once each, in Id order."""
        index = self._index[obj][field]
        seen: dict[int, Record] = {}
        for value in values:
            for record in index.get(value, ()):
                seen[id(record)] = record
        return sorted(seen.values(), key=lambda r: r["Id"])

    def get(self, obj: str, record_id: str) -> Record | None:
        found = self._index[obj]["Id"].get(record_id[:15], [])
        return found[0] if found and len(record_id) in (15, 18) else None

    def on_change(self, kind: str, subject: object) -> None:
        """`WorldWriter` listener: (re-)render written cases and comments and what they touch."""
        if kind == "case" and isinstance(subject, Case):
            self._put("Case", _case(subject))
            self._touch_contact(subject)
        elif kind == "comment" and isinstance(subject, CaseComment):
            self._put("CaseComment", _comment(subject))
            self._put("Case", _case(subject.case))  # its LastModifiedDate moved

    def _touch_contact(self, case: Case) -> None:
        # A contact's LastModifiedDate follows its newest case (see `_contact`).
        if case.customer is not None and self.get("Contact", case.customer.contact_id):
            self._put("Contact", _contact(case.customer))

    def _put(self, obj: str, record: Record) -> None:
        """Insert `record`, or replace the one with its Id in place, re-indexing it."""
        indexes = self._index[obj]
        kinds = OBJECTS[obj]
        current = self.get(obj, record["Id"])
        if current is not None:
            for name, groups in indexes.items():
                key = transform(kinds[name])(current[name])
                groups[key] = [r for r in groups.get(key, []) if r is not current]
            current.clear()
            current.update(record)  # in place: the record keeps its slot in Id order
            record = current
        else:
            bisect.insort(self.records[obj], record, key=lambda r: r["Id"])
        for name, groups in indexes.items():
            groups.setdefault(transform(kinds[name])(record[name]), []).append(record)
