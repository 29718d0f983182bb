"""Errors resolvers raise on purpose, each with a stable code from CONTRACT.md.

Source failures are not wrapped here: a ``sources.SourceError`` travels up as it is,
and the gateway's error formatter turns it into ``SOURCE_*`` with ``extensions.source``.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "BadUserInput",
    "CaseNotFound",
    "CodedError",
    "CustomerNotFound",
    "Forbidden",
    "OrderNotFound",
    "RefundRequestNotFound",
]

ErrorCode = Literal["BAD_USER_INPUT", "FORBIDDEN", "NOT_FOUND"]


class CodedError(Exception):
    """An expected failure whose message is safe to show to the client."""

    code: ErrorCode = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadUserInput(CodedError):
    """The arguments cannot be served as given."""

    code: ErrorCode = "BAD_USER_INPUT"


class Forbidden(CodedError):
    """The caller lacks the scope this field needs."""

    code: ErrorCode = "FORBIDDEN"


class OrderNotFound(CodedError):
    """No such order, or one the caller's tenancy hides (the two look the same)."""

    code: ErrorCode = "NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("No order matches.")


class CustomerNotFound(CodedError):
    """No customer matches (or the caller is a partner, who reaches customers only through
    its orders)."""

    code: ErrorCode = "NOT_FOUND"


class CaseNotFound(CodedError):
    """No case matches (or the caller's tenancy hides its order)."""

    code: ErrorCode = "NOT_FOUND"


class RefundRequestNotFound(CodedError):
    """No refund request matches (or the caller's tenancy hides it)."""

    code: ErrorCode = "NOT_FOUND"
