"""`Idempotency-Key` on creates: a replay returns the first result, never a second.

A key is remembered with a fingerprint of the request (the target and the JSON
body): the same key with another request is refused (`KeyReused`, which each
vendor answers in its own shape). Only successful creates are remembered, so a
request refused for bad input can be corrected and resent under the same key.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

HEADER = "idempotency-key"


class KeyReused(ValueError):
    """The key was first used for a different request."""


def fingerprint(target: str, body: Any) -> str:
    """A stable digest of a request: key order and whitespace do not matter."""
    return f"{target} {json.dumps(body, sort_keys=True, separators=(',', ':'))}"


class IdempotencyKeys:
    """(scope, key) -> (fingerprint, created object); oldest forgotten past `capacity`."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[tuple[str, str], tuple[str, object]] = OrderedDict()

    def replay(self, scope: str, key: str, print_: str) -> object | None:
        """The object a key already created, None if the key is new; `KeyReused` on a
        mismatch."""
        entry = self._seen.get((scope, key))
        if entry is None:
            return None
        if entry[0] != print_:
            raise KeyReused(key)
        return entry[1]

    def remember(self, scope: str, key: str, print_: str, created: object) -> None:
        self._seen[(scope, key)] = (print_, created)
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
