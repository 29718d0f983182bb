"""Fixtures for the federation subgraph: POST to ``/subgraph`` with a chosen token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import ALL_READ


@pytest.fixture(scope="session")
def subgraph(gateway: httpx.AsyncClient, token: Callable[..., str]) -> Callable[..., Any]:
    """POST a query to the subgraph; returns the decoded JSON body (asserting HTTP 200)."""

    async def run(
        query: str, variables: dict[str, Any] | None = None, *, scope: str = ALL_READ, **kw: Any
    ) -> dict[str, Any]:
        response = await gateway.post(
            "/subgraph",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token(scope, **kw)}"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run
