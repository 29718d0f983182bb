"""Identifiers: one canonical order number, strict global ids (resolvers/identifiers.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolvers.identifiers import (
    MAX_NUMBER_LENGTH,
    InvalidIdentifier,
    line_id,
    native_line_id,
    native_order_id,
    order_id,
    order_number,
)

NAMES = st.text(
    alphabet=st.sampled_from("0123456789ABCDEFabcdef-_"), min_size=1, max_size=MAX_NUMBER_LENGTH
)
SPACE = st.text(alphabet=" \t", max_size=3)


@pytest.mark.parametrize("raw", ["1001", "#1001", " 1001", "# 1001", " #1001 ", "#\t1001"])
def test_every_spelling_of_an_order_number_is_one(raw: str) -> None:
    assert order_number(raw) == "#1001"


@given(name=NAMES, before=SPACE, middle=SPACE, after=SPACE, hashed=st.booleans())
def test_normalising_is_idempotent_and_ignores_spacing(
    name: str, before: str, middle: str, after: str, hashed: bool
) -> None:
    raw = f"{before}{'#' if hashed else ''}{middle}{name}{after}"
    canonical = order_number(raw)
    assert canonical == f"#{name}"
    assert order_number(canonical) == canonical


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "#",
        "   ",
        "10 01",
        "#1001;DROP",
        "1" * (MAX_NUMBER_LENGTH + 1),
        "\ud800",
        "\u0661\u0660\u0660\u0661",
    ],
)
def test_what_is_not_an_order_number(raw: str) -> None:
    with pytest.raises(InvalidIdentifier):
        order_number(raw)


@given(native=st.integers(min_value=1, max_value=2**64 - 1).map(str))
def test_global_ids_round_trip(native: str) -> None:
    assert native_order_id(order_id(native)) == native
    assert native_line_id(line_id(native)) == native
    assert native_order_id(native) == native  # bare digits are accepted too


@pytest.mark.parametrize(
    "raw",
    [
        "shopify:Order:²",
        "shopify:Order:\u0661\u0662",
        "shopify:Order:12a",
        "shopify:Order:",
        "shopify:Order:-1",
        "shopify:Order:" + "9" * 21,
        "shopify:LineItem:7",
        "\ud800",
    ],
)
def test_order_ids_are_ascii_digits_only(raw: str) -> None:
    with pytest.raises(InvalidIdentifier):
        native_order_id(raw)


@given(raw=st.text(max_size=30))
def test_a_parsed_id_is_always_safe_to_send(raw: str) -> None:
    try:
        native = native_line_id(raw)
    except InvalidIdentifier:
        return
    assert native.isascii()
    assert native.isdigit()
    assert len(native) <= 20
