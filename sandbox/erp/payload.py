"""Reading an OData v2 deep-insert body: JSON object, known properties, typed values.

SAP Gateway refuses properties its entity type does not have, so a typo in a
client's payload fails loudly here too instead of being silently dropped.
Decimals may come as strings (the verbose-JSON spelling) or as numbers.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.erp.entities import EntitySet
from sandbox.erp.errors import ODataError

Payload = dict[str, Any]
BAD_REQUEST = "/IWBEP/CM_MGW_RT/022"


def parse_body(raw: bytes) -> Payload:
    try:
        data = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ODataError(400, "The request body is not valid JSON", BAD_REQUEST) from None
    if isinstance(data, dict) and isinstance(data.get("d"), dict):
        data = data["d"]  # some clients wrap the entity as they receive it
    if not isinstance(data, dict):
        raise ODataError(400, "The request body must be a JSON object", BAD_REQUEST)
    return data


def check_properties(data: Payload, es: EntitySet) -> None:
    for name in data:
        if name != "__metadata" and name not in es.props and name not in es.navs:
            raise ODataError(400, f"Property {name} not found in type {es.type_name}")


def text(data: Payload, name: str, default: str = "") -> str:
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ODataError(400, f"Invalid value for property {name}: expected Edm.String")
    return value.strip()


def decimal(data: Payload, name: str) -> Decimal | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ODataError(400, f"Invalid value for property {name}: expected Edm.Decimal")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ODataError(400, f"Invalid value '{value}' for property {name}") from None
    if not number.is_finite():
        raise ODataError(400, f"Invalid value '{value}' for property {name}")
    return number


def quantity(data: Payload, name: str, default: int = 1) -> int:
    """A piece count: positive and whole (unit PC has no decimals)."""
    number = decimal(data, name)
    if number is None:
        return default
    if number <= 0 or number != number.to_integral_value():
        raise ODataError(400, f"Quantity {value_text(number)} is not a positive whole number")
    return int(number)


def value_text(number: Decimal) -> str:
    return format(number.normalize(), "f")


def items(data: Payload, nav: str, es: EntitySet) -> list[Payload]:
    """The inline items of a deep insert: `{"results": [...]}` (or a bare list)."""
    value = data.get(nav)
    if isinstance(value, dict):
        value = value.get("results")
    if not isinstance(value, list) or not value:
        raise ODataError(400, f"Deep insert needs at least one item in {nav}")
    for item in value:
        if not isinstance(item, dict):
            raise ODataError(400, f"Each item in {nav} must be a JSON object")
        check_properties(item, es)
    return value
