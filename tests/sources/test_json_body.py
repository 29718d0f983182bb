"""Upstream JSON: orjson where floats are exact, the Decimal parser everywhere else."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sources import SourceBadResponse
from sources.json_body import decode_json


@settings(max_examples=400, derandomize=True)
@given(
    digits=st.integers(min_value=0, max_value=10**22),
    scale=st.integers(min_value=0, max_value=12),
    negative=st.booleans(),
)
def test_every_number_literal_reads_back_exactly_through_str(digits, scale, negative):
    literal = str(
        Decimal(digits).scaleb(-scale).copy_negate() if negative else Decimal(digits).scaleb(-scale)
    )
    literal = format(Decimal(literal), "f")
    decoded = decode_json("oms", b'{"amount": ' + literal.encode() + b"}")
    assert Decimal(str(decoded["amount"])) == Decimal(literal)


def test_short_money_takes_the_fast_path_and_long_literals_the_exact_one():
    short = decode_json("oms", b'{"total_tax": 195.66}')
    assert type(short["total_tax"]) is float  # orjson: exact through str() at 15 digits
    long = decode_json("oms", b'{"total_tax": 1234567890123.4567}')
    assert long["total_tax"] == Decimal("1234567890123.4567")


def test_a_long_digit_run_in_a_string_keeps_the_fast_path():
    body = b'{"tracking_code": "9400100000000000000000", "rate": 7.5}'
    decoded = decode_json("carrier", body)
    assert decoded == {"tracking_code": "9400100000000000000000", "rate": 7.5}
    assert type(decoded["rate"]) is float


@pytest.mark.parametrize(
    "body",
    [
        b"[1234567890123.4567]",
        b'{"a": [1, 0.12345678901234567]}',
        b'{"a":\n\t-12345678901234567.5}',
        b"12345678901234567.25",
        b'{"a": 1e+1234567890123456}',
    ],
)
def test_long_literals_after_any_delimiter_take_the_exact_path(body):
    decoded = decode_json("oms", body)
    found = decoded if isinstance(decoded, Decimal) else None
    if isinstance(decoded, dict):
        value = decoded["a"]
        found = value[-1] if isinstance(value, list) else value
    elif isinstance(decoded, list):
        found = decoded[0]
    assert type(found) is Decimal


def test_integers_beyond_64_bits_are_read_exactly():
    assert decode_json("oms", b'{"id": 36893488147419103232}') == {"id": 2**65}


@pytest.mark.parametrize("body", [b"", b"{", b"<html>", b'{"a": NaN', b"[" * 5000])
def test_malformed_bodies_are_the_sources_bad_response(body):
    with pytest.raises(SourceBadResponse) as caught:
        decode_json("crm", body)
    assert caught.value.source == "crm"
