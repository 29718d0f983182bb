"""The sObjects the sandbox serves, with field types, in describe order.

Types: id (compared by 15-character prefix, as Salesforce accepts both id
forms), text (compared case-insensitively, as SOQL does), bool, datetime, date.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _fields(spec: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in spec.split():
        name, _, kind = item.partition(":")
        out[name] = kind or "text"
    return out


OBJECTS: dict[str, dict[str, str]] = {
    "Case": _fields(
        "Id:id IsDeleted:bool CaseNumber ContactId:id AccountId:id ParentId:id SuppliedName "
        "SuppliedEmail SuppliedPhone Type Status Reason Origin Subject Priority Description "
        "IsClosed:bool ClosedDate:datetime IsEscalated:bool OwnerId:id CreatedDate:datetime "
        "LastModifiedDate:datetime SystemModstamp:datetime Order_Number__c Tracking_Number__c "
        "Shopify_Order_Id__c Order360_Request_Id__c"
    ),
    "Contact": _fields(
        "Id:id IsDeleted:bool AccountId:id LastName FirstName Salutation Name MailingStreet "
        "MailingCity MailingState MailingPostalCode MailingCountry Phone MobilePhone Email "
        "OwnerId:id CreatedDate:datetime LastModifiedDate:datetime SystemModstamp:datetime "
        "Shopify_Customer_Id__c Loyalty_Tier__c SAP_Customer__c"
    ),
    "Account": _fields(
        "Id:id IsDeleted:bool Name Type AccountNumber BillingStreet BillingCity BillingState "
        "BillingPostalCode BillingCountry Phone OwnerId:id CreatedDate:datetime "
        "LastModifiedDate:datetime SystemModstamp:datetime SAP_Customer__c"
    ),
    "CaseComment": _fields(
        "Id:id ParentId:id IsPublished:bool CommentBody CreatedById:id CreatedDate:datetime "
        "SystemModstamp:datetime LastModifiedDate:datetime IsDeleted:bool"
    ),
}
# Fields indexed for `=` / `IN` lookups; everything else is a scan of a few hundred rows.
INDEXED: dict[str, tuple[str, ...]] = {
    "Case": (
        "Id",
        "Order_Number__c",
        "Shopify_Order_Id__c",
        "ContactId",
        "AccountId",
        "CaseNumber",
        "Order360_Request_Id__c",
    ),
    "Contact": ("Id", "Email", "Shopify_Customer_Id__c", "AccountId", "SAP_Customer__c"),
    "Account": ("Id", "SAP_Customer__c"),
    "CaseComment": ("Id", "ParentId"),
}
# Case-insensitive name -> API name, since SOQL accepts `select id from case`.
OBJECT_NAMES = {name.lower(): name for name in OBJECTS}
FIELD_NAMES = {obj: {f.lower(): f for f in fields} for obj, fields in OBJECTS.items()}


def _text(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _id(value: Any) -> Any:
    return value[:15] if isinstance(value, str) else value


def _same(value: Any) -> Any:
    return value


def transform(kind: str) -> Callable[[Any], Any]:
    """How values of a field type are normalised before comparing or indexing."""
    return {"text": _text, "id": _id}.get(kind, _same)
