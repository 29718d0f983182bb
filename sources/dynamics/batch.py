"""OData v4 ``$batch`` over ``multipart/mixed``: one changeset out, its answers back.

F&O runs the requests of one changeset in one transaction: a credit note's header
and lines are written together or not at all. A later request names an entity
created earlier in the changeset by its ``Content-ID`` (``$1/…``). The answer is a
``multipart/mixed`` body whose changeset part holds one ``application/http``
response per request, or a single error response when the changeset failed.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..errors import SourceBadResponse

__all__ = ["BatchRequest", "BatchResponse", "encode_changeset", "parse_batch_response"]

CRLF = "\r\n"


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """One write inside the changeset: method, URL relative to ``/data/``, JSON body."""

    method: str
    url: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BatchResponse:
    """One answer inside the batch: status, ``Content-ID`` (if echoed) and JSON body."""

    status: int
    content_id: str | None
    body: bytes

    def json(self) -> Any:
        """The decoded body (``None`` when empty or not JSON)."""
        try:
            return json.loads(self.body) if self.body.strip() else None
        except ValueError:
            return None


def _number(value: object) -> float:
    # Amounts and quantities are Decimals; JSON has one number type. A float prints
    # back exactly for up to 15 significant digits, which every amount here has.
    if isinstance(value, Decimal):
        number = float(value)
        if Decimal(repr(number)) != value:
            raise ValueError(f"{value} has no exact JSON number")
        return number
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode_changeset(
    requests: Sequence[BatchRequest], *, base: str, boundary: str | None = None
) -> tuple[bytes, str]:
    """(body, Content-Type) of a batch holding ``requests`` as one changeset.

    ``base`` is the service root path (``/data``) the request lines are written under.
    """
    batch = boundary or f"batch_{uuid.uuid4()}"
    changeset = f"changeset_{uuid.uuid4()}"
    lines = [
        f"--{batch}",
        f"Content-Type: multipart/mixed; boundary={changeset}",
        "",
    ]
    for content_id, request in enumerate(requests, start=1):
        body = json.dumps(request.body, ensure_ascii=False, separators=(",", ":"), default=_number)
        target = request.url if request.url.startswith("$") else f"{base}/{request.url}"
        lines += [
            f"--{changeset}",
            "Content-Type: application/http",
            "Content-Transfer-Encoding: binary",
            f"Content-ID: {content_id}",
            "",
            f"{request.method} {target} HTTP/1.1",
            "Content-Type: application/json; odata.metadata=minimal",
            "Accept: application/json",
            "Prefer: return=representation",
            "",
            body,
        ]
    lines += [f"--{changeset}--", f"--{batch}--", ""]
    return CRLF.join(lines).encode("utf-8"), f"multipart/mixed; boundary={batch}"


def _http_response(part: email.message.Message) -> BatchResponse:
    payload = part.get_payload(decode=True)
    raw = payload if isinstance(payload, bytes) else b""
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    status_line, *_ = head.split(b"\n")
    try:
        status = int(status_line.split()[1])
    except (IndexError, ValueError) as exc:
        raise SourceBadResponse(
            "erp", f"bad status line in $batch answer: {status_line!r}"
        ) from exc
    content_id = part.get("Content-ID")
    return BatchResponse(status, str(content_id) if content_id else None, body.strip())


def parse_batch_response(content: bytes, content_type: str) -> list[BatchResponse]:
    """The inner responses of a ``$batch`` answer, in order (changesets flattened)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(head + content)
    if not message.is_multipart():
        raise SourceBadResponse("erp", "$batch answer is not multipart")
    responses: list[BatchResponse] = []
    for part in message.walk():
        if part.get_content_type() == "application/http":
            responses.append(_http_response(part))
    if not responses:
        raise SourceBadResponse("erp", "$batch answer holds no response")
    return responses
