"""Split key lists into upstream requests that respect count and URL-length limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from urllib.parse import quote

__all__ = ["chunk_keys", "encoded_length", "unique"]


def unique(keys: Sequence[str]) -> list[str]:
    """Keys in first-seen order without repeats."""
    return list(dict.fromkeys(keys))


def encoded_length(term: str) -> int:
    """Bytes of ``term`` once percent-encoded in a URL.

    A lone UTF-16 surrogate has no UTF-8 form; ``surrogatepass`` sizes it as the three
    bytes it would take, so that measuring never raises. Such a key cannot be sent:
    ``sources.outgoing`` refuses it as ``BadRequestInput`` when its URL is encoded,
    before any network I/O, naming the source.
    """
    return len(quote(term, safe="", errors="surrogatepass"))


def chunk_keys(
    keys: Sequence[str],
    render: Callable[[str], str],
    *,
    max_keys: int,
    max_bytes: int,
    separator_bytes: int = 0,
) -> Iterator[list[str]]:
    """Yield groups of keys whose rendered, URL-encoded terms fit ``max_bytes``.

    ``render`` turns one key into its term in the query (an OData ``eq`` clause, a
    SOQL literal); the sum of their encoded lengths plus separators stays under the
    budget, and no group holds more than ``max_keys``.
    """
    group: list[str] = []
    used = 0
    for key in unique(keys):
        cost = encoded_length(render(key)) + separator_bytes
        if group and (len(group) >= max_keys or used + cost > max_bytes):
            yield group
            group, used = [], 0
        group.append(key)
        used += cost
    if group:
        yield group
