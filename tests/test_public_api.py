"""Each package's public surface is explicit, complete and sorted (as httpx pins its own)."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["sources", "resolvers", "sandbox"])
def test_all_is_unique_and_resolvable(package: str) -> None:
    # Ordering is ruff's job (RUF022); this pins that every exported name exists.
    module = importlib.import_module(package)
    names = module.__all__
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(module, name), f"{package}.{name}"
