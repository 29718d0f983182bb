"""Input checks that run before anything reaches an upstream, a URL, a body or the journal.

Limits follow the strictest of the supported vendors where a field ends up in their
records (a case's subject 255, description 32,000 and comment 4,000 characters:
Salesforce's, below Zendesk's), so an input accepted here fits whichever vendor plays
the role; our own cap applies to every other free-text field. Every string must be valid
Unicode (a lone UTF-16 surrogate cannot be encoded as UTF-8, so it would fail later in
a URL, a JSON body or a database driver) and free of control characters other than
tab and line breaks. Amounts must be finite, positive and no finer than the currency's
minor unit. Each failure names its input field, so the client can point at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "LIMITS",
    "MAX_AMOUNT",
    "MAX_LINES",
    "MAX_QUANTITY",
    "Checker",
    "Complaint",
    "minor_units",
]

LIMITS = {
    "subject": 255,  # service desks: Salesforce Case.Subject (the strictest)
    "description": 32_000,  # Salesforce Case.Description
    "body": 4_000,  # Salesforce CaseComment.CommentBody
    "note": 1_000,  # our cap: a refund note ends up in Shopify and the audit log
    "reason": 1_000,  # rejection reasons and operator notes, kept in the audit log
    "priority": 16,
    "idempotencyKey": 255,  # Stripe's cap
}
MAX_LINES = 250
"""Shopify's cap on line items per order."""
MAX_QUANTITY = 100_000
MAX_AMOUNT = Decimal("1000000000")
_MINOR_UNITS = {"BHD": 3, "JOD": 3, "KWD": 3, "OMR": 3, "TND": 3, "JPY": 0, "KRW": 0, "ISK": 0}
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def minor_units(currency: str) -> int:
    """Decimal places of the currency (ISO 4217), 2 unless known otherwise."""
    return _MINOR_UNITS.get(currency, 2)


@dataclass(frozen=True, slots=True)
class Complaint:
    """One input that cannot be accepted, and where it is."""

    field: tuple[str, ...]
    message: str


@dataclass
class Checker:
    """Collects complaints about one input object; ``ok`` when there are none."""

    prefix: tuple[str, ...] = ()
    complaints: list[Complaint] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing to complain about."""
        return not self.complaints

    def complain(self, path: Sequence[str], message: str) -> None:
        """Record a complaint about the field at ``path``."""
        self.complaints.append(Complaint((*self.prefix, *path), message))

    def text(
        self,
        value: str | None,
        name: str,
        *,
        path: Sequence[str] | None = None,
        required: bool = False,
        limit: int | None = None,
    ) -> None:
        """A free-text field: valid Unicode, no stray control characters, within its cap."""
        where = tuple(path) if path is not None else (name,)
        if value is None:
            if required:
                self.complain(where, f"{name} is required.")
            return
        cap = limit if limit is not None else LIMITS[name]
        if len(value) > cap:
            self.complain(where, f"{name} is longer than {cap} characters.")
        elif not is_valid_text(value):
            self.complain(where, f"{name} contains characters that are not valid text.")
        elif required and not value.strip():
            self.complain(where, f"{name} must not be empty.")

    def quantity(self, value: int, path: Sequence[str]) -> None:
        """A count of units: 1 to ``MAX_QUANTITY``."""
        if not 0 < value <= MAX_QUANTITY:
            self.complain(path, f"quantity must be between 1 and {MAX_QUANTITY}.")

    def amount(self, value: Decimal, currency: str, path: Sequence[str]) -> None:
        """Money asked for: finite, positive, bounded, in the currency's minor unit."""
        if not value.is_finite():
            self.complain((*path, "amount"), "amount must be a finite number.")
            return
        if not Decimal("0") < value <= MAX_AMOUNT:
            self.complain((*path, "amount"), f"amount must be above 0 and at most {MAX_AMOUNT}.")
            return
        places = minor_units(currency)
        if value != value.quantize(Decimal(1).scaleb(-places)):
            self.complain((*path, "amount"), f"{currency} amounts have {places} decimal places.")

    def currency(self, value: str, path: Sequence[str]) -> None:
        """An ISO 4217 code: three ASCII letters."""
        if not (len(value) == 3 and value.isascii() and value.isalpha()):
            self.complain((*path, "currency"), "currency is an ISO 4217 code such as EUR.")


def is_valid_text(value: str) -> bool:
    """Encodable as UTF-8 (no lone surrogates) and without control characters but whitespace."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return all(ch >= " " or ch in _ALLOWED_CONTROLS for ch in value) and "\x7f" not in value
