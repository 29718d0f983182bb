"""Building SOQL safely: literals are escaped, never interpolated raw."""

from __future__ import annotations

__all__ = ["soql_literal"]


def soql_literal(value: str) -> str:
    """A SOQL string literal with backslashes and quotes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
