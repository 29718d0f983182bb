"""Timestamp spellings of the simulated vendors, from one aware UTC datetime.

Each vendor writes time its own way (Shopify: shop-local offset; Salesforce:
millis and "+0000"; SAP: "/Date(ms)/"; EasyPost: "Z"; FedEx: scan-local offset),
and clients must parse all of them, so the sandbox reproduces each exactly.
"""

from __future__ import annotations

import datetime
import re

from sandbox.world.geography import STORE_PLACE, Place, utc_offset

UTC = datetime.UTC


def _offset_text(offset: datetime.timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def local_iso(at: datetime.datetime, place: Place) -> str:
    """ISO 8601 in the local time of `place`, with its offset (FedEx scans)."""
    offset = utc_offset(place, at)
    local = (at + offset).replace(tzinfo=None)
    return f"{local:%Y-%m-%dT%H:%M:%S}{_offset_text(offset)}"


def shopify_time(at: datetime.datetime, region: str) -> str:
    """Shopify's "2026-06-01T09:04:18-04:00": shop-local time with offset."""
    return local_iso(at, STORE_PLACE[region])


def iso_z(at: datetime.datetime) -> str:
    """EasyPost's "2026-06-01T21:59:07Z"."""
    return f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z"


def sf_datetime(at: datetime.datetime) -> str:
    """Salesforce's "2026-06-03T13:12:44.000+0000"."""
    utc = at.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}+0000"


def epoch_ms(at: datetime.datetime) -> int:
    return int(at.timestamp() * 1000)


def sap_datetime(at: datetime.datetime) -> str:
    """OData v2 Edm.DateTime: "/Date(<ms since epoch, UTC>)/"."""
    return f"/Date({epoch_ms(at)})/"


def sap_datetimeoffset(at: datetime.datetime) -> str:
    """OData v2 Edm.DateTimeOffset: "/Date(<ms>+0000)/"."""
    return f"/Date({epoch_ms(at)}+0000)/"


def midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), UTC)


def parse_iso(text: str) -> datetime.datetime:
    """Parse an ISO 8601 timestamp; a missing offset means UTC. Raises ValueError."""
    # A "+" in a query string often arrives decoded as a space: "...T09:00:00 02:00".
    text = re.sub(r"(T[\d:.]+) (\d{2}:?\d{2})$", r"\1+\2", text.strip())
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def local_midnight(day: datetime.date, place: Place) -> str:
    """ "2026-06-05T00:00:00-05:00": a date as FedEx spells estimated delivery."""
    offset = utc_offset(place, midnight(day))
    return f"{day.isoformat()}T00:00:00{_offset_text(offset)}"
