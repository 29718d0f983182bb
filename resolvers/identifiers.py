"""Identifiers: every public id and order number is built and parsed here, and only here.

Order numbers are what customers and agents type (``#1001``, ``1001``, `` # 1001 ``): they
are normalised to one form (``#1001``) before anything uses them, so a lock, a cache key
and an upstream look-up of the same order always agree. Global ids (``shopify:Order:42``)
wrap the upstream's native key; parsing is strict (ASCII digits only: ``"²".isdigit()``
is true in Python, and such an id must never reach an upstream) and bounded in length, so
a malformed id is the caller's ``BAD_USER_INPUT``, never an upstream error.
"""

from __future__ import annotations

__all__ = [
    "CUSTOMER_PREFIX",
    "LINE_PREFIX",
    "MAX_NUMBER_LENGTH",
    "ORDER_PREFIX",
    "InvalidIdentifier",
    "customer_id",
    "is_workflow_id",
    "line_id",
    "native_line_id",
    "native_order_id",
    "order_id",
    "order_number",
]

ORDER_PREFIX = "shopify:Order:"
CUSTOMER_PREFIX = "shopify:Customer:"
LINE_PREFIX = "shopify:LineItem:"
MAX_NUMBER_LENGTH = 32
"""Longer than any order name an OMS issues; a bound before the value reaches a URL."""
MAX_NATIVE_DIGITS = 20
"""Shopify ids are unsigned 64-bit integers: at most 20 digits."""
_ASCII_DIGITS = frozenset("0123456789")
_NUMBER_CHARS = _ASCII_DIGITS | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_")


class InvalidIdentifier(ValueError):
    """The value cannot name anything of the kind asked for."""


def order_number(raw: str) -> str:
    """The canonical form of an order number: ``#`` and the name, no spaces.

    ``"1001"``, ``"#1001"``, ``" 1001"`` and ``"# 1001"`` are all ``"#1001"``.
    """
    name = raw.strip().removeprefix("#").strip()
    if not 0 < len(name) <= MAX_NUMBER_LENGTH or not set(name) <= _NUMBER_CHARS:
        raise InvalidIdentifier(
            f"orderNumber is not an order number (letters, digits and dashes, "
            f"at most {MAX_NUMBER_LENGTH})."
        )
    return f"#{name}"


def _native(raw: str, prefix: str, what: str) -> str:
    native = raw.strip().removeprefix(prefix)
    if not 0 < len(native) <= MAX_NATIVE_DIGITS or not set(native) <= _ASCII_DIGITS:
        raise InvalidIdentifier(f"{raw[:40]!r} is not {what} ({prefix}<digits>).")
    return native


def native_order_id(raw: str) -> str:
    """The OMS key of ``shopify:Order:<digits>`` (or of bare digits)."""
    return _native(raw, ORDER_PREFIX, "an order id")


def native_line_id(raw: str) -> str:
    """The OMS key of ``shopify:LineItem:<digits>`` (or of bare digits)."""
    return _native(raw, LINE_PREFIX, "an order line id")


def order_id(native: str) -> str:
    """The global id of an OMS order."""
    return f"{ORDER_PREFIX}{native}"


def customer_id(native: str) -> str:
    """The global id of an order system's customer."""
    return f"{CUSTOMER_PREFIX}{native}"


def line_id(native: str) -> str:
    """The global id of an OMS order line."""
    return f"{LINE_PREFIX}{native}"


def is_workflow_id(value: str) -> bool:
    """Could name a workflow (``rr_…``): short printable ASCII. Anything else is answered
    as a missing workflow without a look-up, so it never reaches the journal."""
    return 0 < len(value) <= 64 and value.isascii() and value.isprintable()
