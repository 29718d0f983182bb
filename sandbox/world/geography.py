"""Places the sandbox world happens in: customer cities, carrier hubs, taxes, time zones.

Offsets follow the two daylight-saving regimes that matter for the data (US and
EU rules, switching at the UTC instants of the US Eastern / EU changes), so that
Shopify's "-04:00" in June and "-05:00" in January both occur without needing
the tz database at run time.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal

UTC = datetime.UTC


@dataclass(frozen=True, slots=True)
class Place:
    """A city as carriers and address forms spell it."""

    city: str
    province_code: str | None
    province: str | None
    zip: str
    country_code: str
    country: str
    std_offset_h: int
    dst: str  # "us" or "eu": which daylight-saving rule applies


def _us(city: str, code: str, name: str, zip_: str, offset: int) -> Place:
    return Place(city, code, name, zip_, "US", "United States", offset, "us")


def _eu(city: str, zip_: str, cc: str, country: str, offset: int = 1) -> Place:
    return Place(city, None, None, zip_, cc, country, offset, "eu")


US_CITIES: tuple[Place, ...] = (
    _us("New York", "NY", "New York", "10001", -5),
    _us("Louisville", "KY", "Kentucky", "40202", -5),
    _us("Austin", "TX", "Texas", "78701", -6),
    _us("Seattle", "WA", "Washington", "98101", -8),
    _us("Denver", "CO", "Colorado", "80202", -7),
    _us("Chicago", "IL", "Illinois", "60601", -6),
    _us("Boston", "MA", "Massachusetts", "02108", -5),
    _us("Portland", "OR", "Oregon", "97201", -8),
    _us("Atlanta", "GA", "Georgia", "30303", -5),
    _us("Minneapolis", "MN", "Minnesota", "55401", -6),
    _us("Charleston", "SC", "South Carolina", "29401", -5),
    _us("San Diego", "CA", "California", "92101", -8),
    _us("Salt Lake City", "UT", "Utah", "84101", -7),
    _us("Nashville", "TN", "Tennessee", "37201", -6),
)
EU_CITIES: tuple[Place, ...] = (
    _eu("Berlin", "10115", "DE", "Germany"),
    _eu("Munich", "80331", "DE", "Germany"),
    _eu("Hamburg", "20095", "DE", "Germany"),
    _eu("Cologne", "50667", "DE", "Germany"),
    _eu("Paris", "75001", "FR", "France"),
    _eu("Lyon", "69001", "FR", "France"),
    _eu("Vienna", "1010", "AT", "Austria"),
    _eu("Graz", "8010", "AT", "Austria"),
)
GB_CITIES: tuple[Place, ...] = (
    Place("London", None, None, "EC1A 1BB", "GB", "United Kingdom", 0, "eu"),
    Place("Manchester", None, None, "M1 1AE", "GB", "United Kingdom", 0, "eu"),
    Place("Bristol", None, None, "BS1 4DJ", "GB", "United Kingdom", 0, "eu"),
)
CITIES: dict[str, tuple[Place, ...]] = {"US": US_CITIES, "EU": EU_CITIES, "GB": GB_CITIES}

# Where parcels start and which hubs they pass, per region.
ORIGINS: dict[str, Place] = {
    "US": _us("Houston", "TX", "Texas", "77063", -6),
    "EU": _eu("Venlo", "5928", "NL", "Netherlands"),
    "GB": Place("Northampton", None, None, "NN4 7PB", "GB", "United Kingdom", 0, "eu"),
}
HUBS: dict[str, tuple[Place, ...]] = {
    "US": (
        _us("Memphis", "TN", "Tennessee", "38118", -6),
        _us("Louisville", "KY", "Kentucky", "40209", -5),
        _us("Indianapolis", "IN", "Indiana", "46241", -5),
        _us("Dallas", "TX", "Texas", "75260", -6),
        _us("Oakland", "CA", "California", "94621", -8),
        _us("Newark", "NJ", "New Jersey", "07114", -5),
    ),
    "EU": (
        _eu("Cologne", "51147", "DE", "Germany"),
        _eu("Liege", "4460", "BE", "Belgium"),
        _eu("Roissy", "95700", "FR", "France"),
        _eu("Leipzig", "04435", "DE", "Germany"),
    ),
    "GB": (
        Place("Castle Donington", None, None, "DE74 2SA", "GB", "United Kingdom", 0, "eu"),
        Place("Stansted", None, None, "CM24 1RB", "GB", "United Kingdom", 0, "eu"),
    ),
}

CURRENCY: dict[str, str] = {"US": "USD", "EU": "EUR", "GB": "GBP"}
TAX: dict[str, tuple[str, Decimal]] = {
    "US": ("State Tax", Decimal("0.08")),
    "DE": ("DE MwSt", Decimal("0.19")),
    "FR": ("FR TVA", Decimal("0.20")),
    "AT": ("AT USt", Decimal("0.20")),
    "GB": ("GB VAT", Decimal("0.20")),
}
PHONE_PREFIX: dict[str, str] = {"US": "+1", "DE": "+49", "FR": "+33", "AT": "+43", "GB": "+44"}
STREETS: dict[str, tuple[str, ...]] = {
    "US": ("Chestnut Street", "Maple Avenue", "Oak Lane", "Pine Road", "Elm Street", "Cedar Court"),
    "DE": ("Hauptstrasse", "Gartenweg", "Lindenallee", "Bahnhofstrasse"),
    "FR": ("Rue de la Paix", "Avenue Victor Hugo", "Rue des Lilas", "Boulevard Voltaire"),
    "AT": ("Ringstrasse", "Mariahilfer Strasse", "Lindengasse"),
    "GB": ("High Street", "Station Road", "Church Lane", "Victoria Road"),
}


def _nth_sunday(year: int, month: int, n: int) -> datetime.date:
    first = datetime.date(year, month, 1)
    first_sunday = first + datetime.timedelta(days=(6 - first.weekday()) % 7)
    return first_sunday + datetime.timedelta(weeks=n - 1)


def _last_sunday(year: int, month: int) -> datetime.date:
    nxt = datetime.date(year + month // 12, month % 12 + 1, 1)
    last = nxt - datetime.timedelta(days=1)
    return last - datetime.timedelta(days=(last.weekday() + 1) % 7)


@functools.cache
def _dst_window(rule: str, year: int) -> tuple[datetime.datetime, datetime.datetime]:
    if rule == "us":
        start = datetime.datetime.combine(_nth_sunday(year, 3, 2), datetime.time(7), UTC)
        end = datetime.datetime.combine(_nth_sunday(year, 11, 1), datetime.time(6), UTC)
    else:
        start = datetime.datetime.combine(_last_sunday(year, 3), datetime.time(1), UTC)
        end = datetime.datetime.combine(_last_sunday(year, 10), datetime.time(1), UTC)
    return start, end


def _is_dst(rule: str, at: datetime.datetime) -> bool:
    start, end = _dst_window(rule, at.year)
    return start <= at < end


def utc_offset(place: Place, at: datetime.datetime) -> datetime.timedelta:
    """The local offset at `place` at the UTC instant `at`."""
    hours = place.std_offset_h + (1 if _is_dst(place.dst, at) else 0)
    return datetime.timedelta(hours=hours)


STORE_PLACE: dict[str, Place] = {
    # The Shopify shop of each region keeps time in its head-office zone.
    "US": _us("New York", "NY", "New York", "10001", -5),
    "EU": _eu("Berlin", "10115", "DE", "Germany"),
    "GB": GB_CITIES[0],
}
