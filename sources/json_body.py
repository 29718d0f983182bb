"""Decoding upstream JSON bodies: fast where that is exact, exact everywhere.

orjson parses several times faster than the standard library, but it reads numbers with
a fraction as binary floats. Every money mapper turns a JSON number into a ``Decimal``
through ``str()``, and a float prints back to the literal it was parsed from whenever
that literal has at most 15 significant digits. So a body goes through orjson unless a
number literal in it may have 16 or more digits: a JSON number only ever follows ``:``,
``[`` or ``,`` (and whitespace), so a run of 16 digits there (maybe with a decimal point
inside) sends the body, as does anything orjson refuses (integers beyond 64 bits,
nesting past 1024), to the standard parser with ``parse_float=Decimal``. Digit runs
inside strings (USPS tracking numbers, 22 digits) do not count; the rare string that
holds ``,`` or ``:`` before 16 digits only costs the slower path, never precision.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import orjson

from .errors import SourceBadResponse, SourceName

__all__ = ["decode_json"]

_LONG_NUMBER = re.compile(rb"(?:^|[:\[,])[ \t\n\r]*-?\d(?:\.?\d){15}")


def decode_json(source: SourceName, content: bytes) -> Any:
    """The body's JSON value; a malformed body is ``source``'s ``SourceBadResponse``."""
    if not _LONG_NUMBER.search(content):
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            pass  # the standard parser decides, and words the error
    try:
        return json.loads(content, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        raise SourceBadResponse(source, "response body is not valid JSON") from exc
