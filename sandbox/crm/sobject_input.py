"""Reading sObject create/upsert bodies the way Salesforce checks them.

Field names are matched case-insensitively, as the REST API does. An unknown
field is INVALID_FIELD; a known field the integration user may not write
(CaseNumber, CreatedDate, ...) is INVALID_FIELD_FOR_INSERT_UPDATE; a value of
the wrong JSON type is JSON_PARSER_ERROR.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.crm.errors import SalesforceError
from sandbox.crm.schema import FIELD_NAMES, OBJECTS

WRITABLE: dict[str, tuple[str, ...]] = {
    "Case": (
        "Subject",
        "Description",
        "Priority",
        "Origin",
        "Status",
        "Type",
        "Reason",
        "ContactId",
        "Order_Number__c",
        "Shopify_Order_Id__c",
        "Tracking_Number__c",
        "Order360_Request_Id__c",
    ),
    "CaseComment": ("ParentId", "CommentBody", "IsPublished"),
}
MAX_LENGTH = {
    "Subject": 255,
    "Order_Number__c": 255,
    "Shopify_Order_Id__c": 255,
    "Tracking_Number__c": 255,
    "Order360_Request_Id__c": 255,
    "CommentBody": 4000,
    "Description": 32_000,
}
_JSON_TYPES = {bool: "VALUE_TRUE", int: "VALUE_NUMBER_INT", float: "VALUE_NUMBER_FLOAT"}


def bad_request(code: str, message: str, fields: list[str] | None = None) -> SalesforceError:
    return SalesforceError(400, code, message, fields)


def parse_body(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad_request("JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None
    if not isinstance(data, dict):
        raise bad_request(
            "JSON_PARSER_ERROR",
            "Cannot deserialize instance of sObject from a JSON value that is not an object",
        )
    return data


def fields(obj: str, data: dict[str, Any]) -> dict[str, Any]:
    """The body's fields under their API names, each checked for writability and type."""
    out: dict[str, Any] = {}
    for given, value in data.items():
        if given == "attributes":
            continue
        name = FIELD_NAMES[obj].get(given.lower())
        if name is None:
            raise bad_request("INVALID_FIELD", f"No such column '{given}' on sobject of type {obj}")
        if name not in WRITABLE[obj]:
            message = (
                f"Unable to create/update fields: {name}. Please check the security settings "
                "of this field and verify that it is read/write for your profile or "
                "permission set."
            )
            raise bad_request("INVALID_FIELD_FOR_INSERT_UPDATE", message, [name])
        out[name] = _typed(obj, name, value)
    return out


def _typed(obj: str, name: str, value: Any) -> Any:
    if value is None:
        return None
    if OBJECTS[obj][name] == "bool":
        if not isinstance(value, bool):
            raise _wrong_type("boolean", value)
        return value
    if not isinstance(value, str):
        raise _wrong_type("String", value)
    limit = MAX_LENGTH.get(name)
    if limit is not None and len(value) > limit:
        message = f"{name}: data value too large: {value[:40]}... (max length={limit})"
        raise bad_request("STRING_TOO_LONG", message, [name])
    return value


def _wrong_type(expected: str, value: Any) -> SalesforceError:
    token = _JSON_TYPES.get(type(value), "START_OBJECT")
    if value is False:
        token = "VALUE_FALSE"
    message = (
        f"Cannot deserialize instance of {expected} from {token} value {json.dumps(value)} "
        "or request may be missing a required field"
    )
    return bad_request("JSON_PARSER_ERROR", message)


def require(values: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if not (values.get(n) or "").strip()]
    if missing:
        message = f"Required fields are missing: [{', '.join(missing)}]"
        raise bad_request("REQUIRED_FIELD_MISSING", message, missing)
