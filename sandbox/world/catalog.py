"""The product catalogue (~60 variants of an outdoor-gear shop) and ERP stock levels."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from sandbox.world.ids import IdSequence
from sandbox.world.model import Product

# (code, title, variants, USD price, grams)
_FAMILIES: tuple[tuple[str, str, tuple[str, ...], str, int], ...] = (
    ("TS", "Trail Runner Shoe", ("40", "41", "42", "43", "44", "45"), "129.00", 620),
    ("HB", "Alpine Hiking Boot", ("41", "42", "43", "44"), "189.00", 1200),
    ("RJ", "Stormline Rain Jacket", ("S", "M", "L", "XL"), "149.00", 410),
    ("FL", "Grid Fleece", ("S", "M", "L", "XL"), "79.00", 380),
    ("BP", "Summit Backpack", ("22L", "32L", "45L"), "119.00", 1100),
    ("MS", "Merino Hiking Socks", ("S", "M", "L"), "19.90", 90),
    ("TP", "Carbon Trekking Poles", ("Pair",), "99.00", 480),
    ("HL", "Trail Headlamp", ("300 lm", "500 lm"), "39.90", 120),
    ("BT", "Insulated Bottle", ("0.5L", "0.75L", "1L"), "29.90", 350),
    ("TN", "Ultralight Tent", ("1P", "2P", "3P"), "349.00", 1400),
    ("SB", "Down Sleeping Bag", ("Regular", "Long"), "279.00", 900),
    ("CS", "Camp Stove", ("Standard",), "59.90", 300),
    ("GL", "Softshell Gloves", ("S", "M", "L", "XL"), "34.90", 110),
    ("CP", "Trail Cap", ("One size",), "24.90", 80),
    ("SH", "Sun Hoodie", ("S", "M", "L", "XL"), "59.00", 220),
    ("PT", "Hiking Pants", ("S", "M", "L", "XL"), "89.00", 400),
    ("BL", "Merino Base Layer", ("S", "M", "L", "XL"), "69.00", 200),
    ("DJ", "Down Jacket", ("S", "M", "L", "XL"), "229.00", 450),
    ("FA", "First Aid Kit", ("Day", "Trek"), "34.90", 260),
    ("MT", "Sleeping Mat", ("Regular", "Wide"), "129.00", 520),
)
_FX = {"USD": Decimal("1"), "EUR": Decimal("0.95"), "GBP": Decimal("0.80")}
_CENT = Decimal("0.01")


def _local_price(usd: Decimal, currency: str) -> Decimal:
    if currency == "USD":
        return usd
    # Shops price in round numbers ending in .90, not in converted cents.
    whole = (usd * _FX[currency]).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return (whole - Decimal("0.10")).quantize(_CENT)


def build_catalog(rng: random.Random) -> list[Product]:
    product_ids = IdSequence(rng, 8_100_000_000, 4_099)
    variant_ids = IdSequence(rng, 44_000_000_000, 211)
    products: list[Product] = []
    for code, title, variants, usd_text, grams in _FAMILIES:
        product_id = product_ids.next()
        family_weight = rng.uniform(0.4, 2.5)
        for offset, variant in enumerate(variants):
            usd = Decimal(usd_text)
            if code == "BP":  # bigger packs cost more
                usd += Decimal(20 * offset)
            prices = {currency: _local_price(usd, currency) for currency in _FX}
            products.append(
                Product(
                    sku=f"{code}{10 + offset}",
                    title=title,
                    variant_title=variant,
                    product_id=product_id,
                    variant_id=variant_ids.next(),
                    prices=prices,
                    grams=grams,
                    popularity=family_weight * rng.uniform(0.5, 1.5),
                )
            )
    return products


def build_stock(rng: random.Random, products: list[Product]) -> dict[str, int]:
    """Unrestricted stock per material; about 15 % are out of stock (and so backordered)."""
    out_of_stock = set(rng.sample(range(len(products)), round(len(products) * 0.15)))
    return {
        product.sku: 0 if index in out_of_stock else rng.randint(3, 240)
        for index, product in enumerate(products)
    }
