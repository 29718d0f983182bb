"""Key chunking by count and by encoded URL length."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from sources.batching import chunk_keys, unique


def term(key: str) -> str:
    return f"K eq '{key}'"


def cost(key: str, separator_bytes: int = 0) -> int:
    return len(quote(term(key), safe="")) + separator_bytes


def test_unique_keeps_first_seen_order():
    assert unique(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_no_keys_no_chunks():
    assert list(chunk_keys([], term, max_keys=10, max_bytes=100)) == []


def test_max_keys_bounds_each_chunk():
    keys = [f"k{i:03d}" for i in range(25)]
    chunks = list(chunk_keys(keys, term, max_keys=10, max_bytes=10_000))
    assert [len(c) for c in chunks] == [10, 10, 5]
    assert [k for c in chunks for k in c] == keys


def test_max_bytes_bounds_each_chunk():
    keys = [f"k{i:03d}" for i in range(25)]
    per_key = cost("k000", separator_bytes=4)
    chunks = list(chunk_keys(keys, term, max_keys=100, max_bytes=per_key * 4, separator_bytes=4))
    assert [len(c) for c in chunks] == [4, 4, 4, 4, 4, 4, 1]
    for chunk in chunks:
        assert sum(cost(k, 4) for k in chunk) <= per_key * 4


def test_both_limits_apply_whichever_binds_first():
    keys = ["a", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "c", "d", "e"]
    budget = cost("a") * 3
    chunks = list(chunk_keys(keys, term, max_keys=3, max_bytes=budget))
    assert chunks == [["a"], ["bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"], ["c", "d", "e"]]
    for chunk in chunks:
        assert len(chunk) <= 3
        assert len(chunk) == 1 or sum(cost(k) for k in chunk) <= budget


def test_bytes_are_counted_url_encoded():
    # '#' and "'" are three bytes each once encoded: the budget must see that.
    plain = list(chunk_keys(["aaa", "bbb"], lambda k: k, max_keys=10, max_bytes=6))
    encoded = list(chunk_keys(["#a#", "#b#"], lambda k: k, max_keys=10, max_bytes=6))
    assert plain == [["aaa", "bbb"]]
    assert encoded == [["#a#"], ["#b#"]]


def test_an_oversized_key_still_travels_alone():
    chunks = list(chunk_keys(["x" * 50, "y"], term, max_keys=10, max_bytes=10))
    assert chunks == [["x" * 50], ["y"]]


def test_duplicates_are_sent_once():
    keys = ["#1001", "#1002", "#1001", "#1003", "#1002"]
    chunks = list(chunk_keys(keys, term, max_keys=2, max_bytes=10_000))
    assert chunks == [["#1001", "#1002"], ["#1003"]]


@pytest.mark.parametrize("max_keys", [1, 2, 7, 40])
def test_every_key_lands_in_exactly_one_chunk(max_keys):
    keys = [f"O'Brien-{i}" for i in range(53)]
    chunks = list(chunk_keys(keys, term, max_keys=max_keys, max_bytes=300, separator_bytes=8))
    flat = [k for c in chunks for k in c]
    assert flat == keys
    assert all(1 <= len(c) <= max_keys for c in chunks)
    assert all(sum(cost(k, 8) for k in c) <= 300 for c in chunks)
