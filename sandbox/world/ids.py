"""Identifier schemes of the simulated vendors, generated without collisions.

Shopify ids are large, increasing integers; Salesforce ids are 18-character
case-safe ids with the real checksum suffix, so clients that convert between the
15- and 18-character forms can be tested against the sandbox.
"""

from __future__ import annotations

import random
import uuid

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


class IdSequence:
    """Increasing integers `base + n * step + jitter`: unique, sortable, not guessable by +1."""

    def __init__(self, rng: random.Random, base: int, step: int) -> None:
        self._rng = rng
        self._base = base
        self._step = step
        self._n = 0

    def next(self) -> int:
        # random() is several times cheaper than randrange(), and this runs ~12,000 times.
        value = self._base + self._n * self._step + int(self._rng.random() * self._step)
        self._n += 1
        return value


def _base62(n: int, width: int) -> str:
    digits = []
    while n:
        n, rem = divmod(n, 62)
        digits.append(_BASE62[rem])
    return "".join(reversed(digits)).rjust(width, "0")


def sf_suffix(id15: str) -> str:
    """Salesforce's case-safe suffix: one char per 5-char chunk, encoding its capitals."""
    out = []
    for start in (0, 5, 10):
        bits = 0
        for pos, char in enumerate(id15[start : start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << pos
        out.append(_SUFFIX[bits])
    return "".join(out)


def sf_id(prefix: str, n: int) -> str:
    """An 18-character Salesforce id such as "500Hs00000Ab3XYIAF" (prefix = key prefix)."""
    body = f"{prefix}Hs0000{_base62(n * 7919 + 1_000_003, 6)}"
    return body + sf_suffix(body)


def hex_id(rng: random.Random) -> str:
    """32 lowercase hex digits drawn from `rng` (EasyPost tracker ids and the like)."""
    return uuid.UUID(int=rng.getrandbits(128)).hex


class ShopifyIds:
    """One id sequence per Shopify resource, each in its own numeric range."""

    def __init__(self, rng: random.Random) -> None:
        self.orders = IdSequence(rng, 5_800_000_000, 7_919)
        self.lines = IdSequence(rng, 13_100_000_000, 97)
        self.fulfillments = IdSequence(rng, 4_700_000_000, 61)
        self.refunds = IdSequence(rng, 9_100_000_000, 53)
        self.refund_lines = IdSequence(rng, 5_300_000_000, 41)
        self.transactions = IdSequence(rng, 7_300_000_000, 37)
