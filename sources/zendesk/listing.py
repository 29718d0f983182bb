"""Zendesk list endpoints: every object of a list, following ``next_page``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..call import CallContext
from ..errors import SourceBadResponse
from ..http import Upstream
from . import wire

__all__ = ["read_list"]


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


async def read_list(
    upstream: Upstream,
    account_url: str,
    path: str,
    collection: str,
    call: CallContext,
    params: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The objects under ``collection`` on every page, first page from ``path``.

    ``next_page`` is an absolute URL; it is followed only on the account's host
    (``account_url``), so its credentials never go wherever a payload points them.
    """
    payload = await upstream.get_json(path, call, params=params)
    rows, next_url = wire.list_page(payload, collection)
    while next_url:
        if _origin(next_url) != _origin(account_url):
            raise SourceBadResponse("crm", "next_page points away from the account")
        payload = await upstream.get_json(next_url, call)
        more, next_url = wire.list_page(payload, collection)
        rows.extend(more)
    return rows
