"""Salesforce records built from the world, typed per the schema, with lookup indexes."""

from __future__ import annotations

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
    return {
        "Id": c.id,
        "IsDeleted": False,
        "CaseNumber": c.number,
        "ContactId": c.customer.contact_id,
        "AccountId": c.customer.account_id,
        "ParentId": None,
        "SuppliedName": c.customer.name if c.origin == "Web" else None,
        "SuppliedEmail": c.customer.email if c.origin == "Web" else None,
        "SuppliedPhone": None,
        "Type": c.case_type,
        "Status": c.status,
        "Reason": c.reason,
        "Origin": c.origin,
        "Subject": c.subject,
        "Priority": c.priority,
        "Description": c.description,
        "IsClosed": c.is_closed,
        "ClosedDate": c.closed_at,
        "IsEscalated": c.escalated,
        "OwnerId": c.owner_id,
        "CreatedDate": c.created_at,
        "LastModifiedDate": c.last_modified,
        "SystemModstamp": c.last_modified,
        "Order_Number__c": c.order.name if c.order is not None else None,
        # Shopify-Salesforce connectors store the Shopify order id next to its name.
        "Shopify_Order_Id__c": str(c.order.shopify_id) if c.order is not None else None,
        "Tracking_Number__c": c.tracking_number,
    }


def _comment(c: CaseComment) -> Record:
    return {
        "Id": c.id,
        "ParentId": c.case.id,
        "IsPublished": c.published,
        "CommentBody": c.body,
        "CreatedById": c.case.owner_id,
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
