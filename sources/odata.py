"""OData literals, shared by the ERPs that speak OData (SAP v2, Dynamics 365 v4)."""

from __future__ import annotations

__all__ = ["odata_literal"]


def odata_literal(value: str) -> str:
    """An OData string literal: single quotes, with embedded quotes doubled (v2 and v4)."""
    return "'" + value.replace("'", "''") + "'"
