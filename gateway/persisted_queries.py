"""Persisted queries: Apollo's automatic protocol, plus an allow-list for partner tokens.

A request names a document by hash in ``extensions.persistedQuery``
(``{"version": 1, "sha256Hash": "<hex>"}``), over GET or POST:

| request                        | apq mode (default)        | allowlist mode, partner token |
|--------------------------------|---------------------------|-------------------------------|
| hash, no query, hash known     | run the stored document   | run it if allow-listed        |
| hash, no query, hash unknown   | PERSISTED_QUERY_NOT_FOUND | PERSISTED_QUERY_NOT_FOUND     |
| hash + query, sha256 matches   | run, then store (LRU)     | run if allow-listed, else 403 |
| hash + query, sha256 differs   | BAD_USER_INPUT 400        | BAD_USER_INPUT 400            |
| query only                     | run                       | run if allow-listed, else 403 |

``PERSISTED_QUERY_NOT_FOUND`` answers 200 with the message ``PersistedQueryNotFound``
because Apollo's clients look for exactly that message to resend with the full query.
Allow-list refusals are ``FORBIDDEN`` (403): the client is not permitted to run free-form
operations, which a retry will not change. Agents (no ``partner_id``) are never
restricted; the allow-listed documents are also resolvable by hash for them.

The store is shared by every tenant: it holds query texts, never data, and a hash only
resolves to the text that produced it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cachetools import LRUCache

from .edge_settings import PersistedQuerySettings

if TYPE_CHECKING:
    # Annotation only: settings.py imports this module, and needs no GraphQL at run time.
    from resolvers import Principal

__all__ = ["PersistedQueries", "Refusal", "Resolution", "parse_allowlist", "sha256_hex"]

NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


def sha256_hex(document: str) -> str:
    """The APQ hash of a document: lower-case hex sha256 of its UTF-8 bytes."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def parse_allowlist(text: str) -> dict[str, str]:
    """A JSON object ``{sha256: document}``; raises ``ValueError`` naming the bad entry."""
    try:
        data: Any = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError("must be a JSON object mapping sha256 hashes to documents")
    allowlist: dict[str, str] = {}
    for key, document in data.items():
        if not isinstance(document, str) or not _HEX64.match(key):
            raise ValueError(f"entry {key[:16]!r}: expected a sha256 hex key and a document")
        if sha256_hex(document) != key.lower():
            raise ValueError(f"entry {key[:16]!r}: the hash does not match its document")
        allowlist[key.lower()] = document
    return allowlist


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the request will not run: a contract code, a safe message and the HTTP status."""

    code: str
    message: str
    status: int


@dataclass(frozen=True, slots=True)
class Resolution:
    """The document to run (``None``: the request carried none), or a refusal."""

    query: str | None = None
    register: str | None = None
    """A hash to store ``query`` under once it has passed validation."""
    refusal: Refusal | None = None


def _bad_input(message: str) -> Resolution:
    return Resolution(refusal=Refusal("BAD_USER_INPUT", message, 400))


class PersistedQueries:
    """Resolves ``extensions.persistedQuery`` against the allow-list and a bounded LRU."""

    def __init__(self, settings: PersistedQuerySettings) -> None:
        self._allowlist_only = settings.mode == "allowlist"
        self._allowlist = dict(settings.allowlist)
        # LRUCache is not thread-safe; the gateway runs on one event loop and never
        # awaits between a lookup and a store, so no lock is needed.
        self._stored: LRUCache[str, str] = LRUCache(maxsize=settings.cache_size)

    def restricted(self, principal: Principal) -> bool:
        """Partner tokens may run only allow-listed documents in allowlist mode."""
        return self._allowlist_only and principal.partner_id is not None

    def resolve(
        self, query: str | None, extensions: Mapping[str, Any] | None, principal: Principal
    ) -> Resolution:
        """The document this request runs, following the table in the module docstring."""
        restricted = self.restricted(principal)
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if restricted and query is not None and sha256_hex(query) not in self._allowlist:
                return _forbidden()
            return Resolution(query=query)
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            return _bad_input("Unsupported persisted query: use version 1.")
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or not _HEX64.match(digest):
            return _bad_input("persistedQuery.sha256Hash must be a sha256 hex digest.")
        digest = digest.lower()
        if query is None:
            document = self._allowlist.get(digest)
            if document is None and not restricted:
                document = self._stored.get(digest)
            if document is None:
                return Resolution(
                    refusal=Refusal("PERSISTED_QUERY_NOT_FOUND", NOT_FOUND_MESSAGE, 200)
                )
            return Resolution(query=document)
        if sha256_hex(query) != digest:
            return _bad_input("provided sha does not match query")
        if digest in self._allowlist:
            return Resolution(query=query)
        if restricted:
            return _forbidden()
        return Resolution(query=query, register=digest)

    def store(self, digest: str, query: str) -> None:
        """Remember a document that passed validation, evicting the least recently used."""
        self._stored[digest] = query


def _forbidden() -> Resolution:
    return Resolution(
        refusal=Refusal("FORBIDDEN", "This client may only run registered operations.", 403)
    )
