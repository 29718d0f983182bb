"""The envelope of every business event: CloudEvents 1.0, structured JSON mode.

An event is built once, when the outbox row that carries it is written, so its ``id``
(a UUID) and ``time`` stay the same however often the relay publishes it: consumers and
the broker's duplicate window recognise a re-publish by the id.

Use::

    event = CloudEvent.new(
        "com.order360.refund.completed",
        subject="shopify:Order:1001",
        data={"workflowId": "rr_…", "status": "COMPLETED"},
        correlation_id="req-42",
    )
    body = event.to_json()
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["SOURCE", "SPEC_VERSION", "CloudEvent", "rfc3339"]

SPEC_VERSION = "1.0"
SOURCE = "urn:order360:gateway"
"""Where our events come from: the gateway's process engine (one URN for every replica,
so consumers do not depend on which replica relayed an event)."""


def rfc3339(at: float) -> str:
    """A Unix time as RFC 3339 in UTC, to the millisecond: ``2026-06-01T09:30:00.125Z``."""
    stamp = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudEvent:
    """One business event: the CloudEvents attributes we use, and our canonical data."""

    id: str
    type: str
    time: str
    data: Mapping[str, Any] = field(default_factory=dict)
    subject: str | None = None
    """The order the event is about (``shopify:Order:…``); events are ordered per subject."""
    correlation_id: str = ""
    """The ``X-Request-ID`` of the request that caused it (the ``correlationid`` extension)."""
    source: str = SOURCE

    @classmethod
    def new(
        cls,
        type: str,
        *,
        subject: str | None,
        data: Mapping[str, Any],
        correlation_id: str,
        at: float | None = None,
    ) -> CloudEvent:
        """A new event with a fresh id, stamped now (or at ``at``)."""
        return cls(
            id=str(uuid.uuid4()),
            type=type,
            time=rfc3339(time.time() if at is None else at),
            subject=subject,
            data=dict(data),
            correlation_id=correlation_id,
        )

    def to_dict(self) -> dict[str, Any]:
        """The structured-mode JSON object (attributes and ``data`` side by side)."""
        body: dict[str, Any] = {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
        }
        if self.subject:
            body["subject"] = self.subject
        body["time"] = self.time
        body["datacontenttype"] = "application/json"
        if self.correlation_id:
            body["correlationid"] = self.correlation_id
        body["data"] = dict(self.data)
        return body

    def to_json(self) -> str:
        """``to_dict()`` as JSON text (amounts are strings already, so nothing is lost)."""
        return json.dumps(self.to_dict(), separators=(",", ":"), default=str)

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> CloudEvent:
        """An event back from its JSON object (as the outbox stores it)."""
        return cls(
            id=str(body["id"]),
            type=str(body["type"]),
            time=str(body["time"]),
            data=dict(body.get("data") or {}),
            subject=body.get("subject"),
            correlation_id=str(body.get("correlationid") or ""),
            source=str(body.get("source") or SOURCE),
        )
