"""Customers: names, contact data, addresses, regions, loyalty tiers and households."""

from __future__ import annotations

import datetime
import random
import unicodedata

from sandbox.world.geography import CITIES, CURRENCY, PHONE_PREFIX, STREETS, TAX
from sandbox.world.ids import IdSequence
from sandbox.world.model import Address, Customer

_FIRST = (
    "Bob", "Alice", "Maria", "James", "Sofia", "Liam", "Emma", "Noah", "Olivia", "Lucas",
    "Mia", "Ethan", "Hannah", "Felix", "Chloe", "Mateo", "Lena", "Oscar", "Julia", "Hugo",
    "Amelia", "Jonas", "Camille", "Leon", "Grace", "Arthur", "Clara", "Theo", "Ava", "Elias",
    "Zoe", "Samuel", "Ines", "David", "Nora", "Louis", "Ruby", "Max", "Lea", "Henry",
)  # fmt: skip
_LAST = (
    "Norman", "Schmidt", "Dubois", "Smith", "Garcia", "Müller", "Martin", "Johnson", "Weber",
    "Bernard", "Brown", "Fischer", "Moreau", "Taylor", "Wagner", "Laurent", "Wilson", "Becker",
    "Lefèvre", "Davis", "Hoffmann", "Roux", "Clark", "Schulz", "Fournier", "Lewis", "Koch",
    "Girard", "Walker", "Bauer", "Bonnet", "Hall", "Richter", "Lambert", "Young", "Wolf",
)  # fmt: skip
_DOMAINS = ("example.com", "example.org", "example.net")
_TIERS = (None, "Bronze", "Silver", "Gold", "Platinum")
_TIER_WEIGHTS = (40, 25, 18, 12, 5)
_REGIONS = ("US", "EU", "GB")
_REGION_WEIGHTS = (60, 30, 10)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _phone(rng: random.Random, country: str) -> str:
    prefix = PHONE_PREFIX[country]
    if country == "US":
        # 555-01xx numbers are reserved for fiction.
        area = rng.choice(("212", "502", "512", "206", "303"))
        return f"{prefix}{area}55501{rng.randint(0, 99):02d}"
    return f"{prefix}{rng.randint(20, 89)}{rng.randint(1000000, 9999999)}"


def build_customers(
    rng: random.Random, count: int, now: datetime.datetime
) -> tuple[list[Customer], list[list[Customer]]]:
    """Create `count` customers and group about 8 % of them into shared households."""
    ids = IdSequence(rng, 6_200_000_000, 6_133)
    used_emails: dict[str, int] = {}
    customers: list[Customer] = []
    for index in range(count):
        region = rng.choices(_REGIONS, _REGION_WEIGHTS)[0]
        place = rng.choice(CITIES[region])
        country = place.country_code
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        local = f"{_ascii(first)}.{_ascii(last)}"
        seen = used_emails.get(local, 0)
        used_emails[local] = seen + 1
        email = f"{local}{seen + 1 if seen else ''}@{rng.choice(_DOMAINS)}"
        street = rng.choice(STREETS[country])
        number = rng.randint(1, 180)
        address1 = f"{number} {street}" if country in ("US", "GB", "FR") else f"{street} {number}"
        tax_title, tax_rate = TAX[country]
        customers.append(
            Customer(
                index=index,
                shopify_id=ids.next(),
                sap_number=str(17_100_001 + index),
                first_name=first,
                last_name=last,
                email=email,
                phone=_phone(rng, country),
                mobile=_phone(rng, country),
                address=Address(address1, place),
                region=region,
                currency=CURRENCY[region],
                tax_title=tax_title,
                tax_rate=tax_rate,
                loyalty_tier=rng.choices(_TIERS, _TIER_WEIGHTS)[0],
                created_at=now
                - datetime.timedelta(seconds=rng.randint(200 * 86_400, 1_100 * 86_400)),
            )
        )
    return customers, _households(rng, customers)


def _households(rng: random.Random, customers: list[Customer]) -> list[list[Customer]]:
    """Join ~8 % of customers to another's household: same surname and address."""
    households: list[list[Customer]] = []
    taken: set[int] = set()
    heads = rng.sample(range(len(customers)), max(1, len(customers) // 20))
    for head_index in heads:
        head = customers[head_index]
        if head_index in taken:
            continue
        members = [head]
        taken.add(head_index)
        neighbours = [c.index for c in customers if c.region == head.region]
        for _ in range(rng.choice((1, 1, 2))):
            other_index = rng.choice(neighbours)
            other = customers[other_index]
            if other_index in taken:
                continue
            taken.add(other_index)
            other.last_name = head.last_name
            other.address = head.address
            other.tax_title, other.tax_rate = head.tax_title, head.tax_rate
            members.append(other)
        if len(members) > 1:
            households.append(members)
        else:
            taken.discard(head_index)
    return households
