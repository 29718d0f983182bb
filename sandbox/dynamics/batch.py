"""`POST /data/$batch`: `multipart/mixed` in, `multipart/mixed` out.

A changeset holds one document: the header POST (`Content-ID: 1`) and its lines,
POSTed to `$1/<Lines>`. It is applied as one transaction: all of it is written, or
the changeset answers a single error response and nothing is. Requests outside a
changeset are not supported by this emulation and answer 501 each.
"""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.dynamics.errors import DynamicsError, error_body
from sandbox.dynamics.query import encode
from sandbox.world import WorldWriter

CRLF = "\r\n"
Creator = Callable[[WorldWriter, dict[str, Any], list[dict[str, Any]]], str]


@dataclass(frozen=True, slots=True)
class Document:
    """A creatable document: its header set, the navigation to its lines, its creator."""

    header_set: str
    lines_nav: str
    key: str
    create: Creator


@dataclass(frozen=True, slots=True)
class Part:
    method: str
    target: str
    content_id: str
    body: dict[str, Any]


def _parse_part(part: email.message.Message) -> Part:
    payload = part.get_payload(decode=True)
    raw = payload.decode("utf-8") if isinstance(payload, bytes) else ""
    head, _, body = raw.replace(CRLF, "\n").partition("\n\n")
    request_line = head.split("\n", 1)[0].split()
    if len(request_line) != 3:
        raise DynamicsError(400, "The batch request contains a malformed request line.")
    method, target, _version = request_line
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError as exc:
        raise DynamicsError(400, "The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise DynamicsError(400, "The request body must be a JSON object.")
    return Part(method, target, str(part.get("Content-ID", "")), data)


def _changesets(raw: bytes, content_type: str) -> list[list[Part] | None]:
    """Each changeset's requests; None for a request outside any changeset."""
    if not content_type.lower().startswith("multipart/mixed"):
        raise DynamicsError(400, "A $batch request must be multipart/mixed.")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(head + raw)
    if not message.is_multipart():
        raise DynamicsError(400, "The $batch request has no parts.")
    found: list[list[Part] | None] = []
    for part in message.get_payload():
        assert isinstance(part, email.message.Message)
        if part.is_multipart():
            found.append([_parse_part(inner) for inner in part.get_payload()])  # type: ignore[arg-type]
        else:
            found.append(None)
    return found


def _http(status: int, reason: str, body: object, content_id: str = "") -> list[str]:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id:
        lines.append(f"Content-ID: {content_id}")
    text = json.dumps(body, separators=(",", ":")) if body is not None else ""
    return [
        *lines,
        "",
        f"HTTP/1.1 {status} {reason}",
        "Content-Type: application/json; odata.metadata=minimal",
        "OData-Version: 4.0",
        "",
        text,
    ]


class BatchProcessor:
    """Applies changesets to the world through the documents it knows."""

    def __init__(
        self,
        writer: WorldWriter,
        documents: list[Document],
        read: Callable[[str, str, str], dict[str, Any] | None],
    ) -> None:
        self._writer = writer
        self._documents = {d.header_set: d for d in documents}
        self._read = read  # (entity set, key property, value) -> the created row

    def _apply(self, parts: list[Part]) -> list[list[str]]:
        header, *lines = parts
        name = header.target.rsplit("/", 1)[-1]
        document = self._documents.get(name)
        if header.method != "POST" or document is None:
            raise DynamicsError(400, f"POST to '{header.target}' is not supported in a changeset.")
        expected = f"${header.content_id}/{document.lines_nav}"
        for line in lines:
            if line.method != "POST" or line.target != expected:
                raise DynamicsError(
                    400, f"Expected POST {expected}, found {line.method} {line.target}."
                )
        number = document.create(self._writer, header.body, [line.body for line in lines])
        created = self._read(name, document.key, number) or {}
        answers = [_http(201, "Created", encode(created, None), header.content_id)]
        answers += [_http(201, "Created", line.body, line.content_id) for line in lines]
        return answers

    def process(self, raw: bytes, content_type: str) -> tuple[bytes, str]:
        """(body, Content-Type) answering a `$batch` request."""
        batch = f"batchresponse_{uuid.uuid4()}"
        out: list[str] = []
        for changeset in _changesets(raw, content_type):
            out.append(f"--{batch}")
            if changeset is None:
                message = "Requests outside a changeset are not supported."
                out += _http(501, "Not Implemented", error_body("", message, message))
                continue
            inner = f"changesetresponse_{uuid.uuid4()}"
            out += [f"Content-Type: multipart/mixed; boundary={inner}", ""]
            try:
                answers = self._apply(changeset) if changeset else []
            except DynamicsError as error:
                body = error_body(error.code, "An error has occurred.", error.message)
                answers = [_http(error.status, "Bad Request", body)]
            for answer in answers:
                out += [f"--{inner}", *answer]
            out.append(f"--{inner}--")
        out += [f"--{batch}--", ""]
        return CRLF.join(out).encode("utf-8"), f"multipart/mixed; boundary={batch}"
