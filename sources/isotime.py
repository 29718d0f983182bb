"""ISO 8601 timestamps with an offset, as Shopify, FedEx and EasyPost send them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .errors import SourceBadResponse, SourceName

__all__ = ["iso_timestamp"]


def iso_timestamp(value: Any, source: SourceName) -> datetime:
    """An ISO 8601 timestamp with offset → aware UTC datetime, or ``source``'s drift error."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    raise SourceBadResponse(source, f"bad timestamp {value!r}")
