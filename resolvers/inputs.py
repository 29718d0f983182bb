"""GraphQL inputs to process requests: parsed strictly, every part checked, nothing sent yet.

Shared by the mutations and ``refundPreview`` so both refuse the same input the same way.
"""

from __future__ import annotations

from .identifiers import InvalidIdentifier, native_line_id, order_number
from .processes import Problem, RefundAsk, Refused
from .types.process import MoneyInput, RefundLineInput
from .validation import MAX_LINES, Checker

__all__ = [
    "case_number",
    "key",
    "lines_of",
    "money_of",
    "number_of",
    "refund_ask",
    "refuse_unless_ok",
]


def refuse_unless_ok(check: Checker) -> None:
    """Refuse with every complaint as a ``BAD_USER_INPUT`` user error, if there are any."""
    if not check.ok:
        raise Refused(*(Problem("BAD_USER_INPUT", c.message, c.field) for c in check.complaints))


def number_of(check: Checker, raw: str, path: tuple[str, ...] = ("orderNumber",)) -> str:
    """The canonical order number (or a complaint and ``""``)."""
    try:
        return order_number(raw)
    except InvalidIdentifier as bad:
        check.complain(path, str(bad))
        return ""


def lines_of(check: Checker, lines: list[RefundLineInput] | None) -> tuple[tuple[str, int], ...]:
    """Native line ids and quantities, each checked."""
    if lines is None:
        return ()
    if len(lines) > MAX_LINES:
        check.complain(("lines",), f"At most {MAX_LINES} lines.")
        return ()
    parsed: list[tuple[str, int]] = []
    for index, line in enumerate(lines):
        where = ("lines", str(index))
        check.quantity(line.quantity, (*where, "quantity"))
        try:
            parsed.append((native_line_id(str(line.line_id)), line.quantity))
        except InvalidIdentifier as bad:
            check.complain((*where, "lineId"), str(bad))
    return tuple(parsed)


def money_of(check: Checker, money: MoneyInput | None) -> MoneyInput | None:
    """The amount asked for, checked."""
    if money is not None:
        check.currency(money.currency, ("amount",))
        check.amount(money.amount, money.currency.upper(), ("amount",))
    return money


def key(check: Checker, key: str) -> None:
    """An idempotency key: 1-255 characters of valid text."""
    check.text(key, "idempotencyKey", required=True)


def refund_ask(
    check: Checker, raw_number: str, lines: list[RefundLineInput] | None, amount: MoneyInput | None
) -> RefundAsk:
    """A refund (or preview) request from its input, every part checked."""
    number = number_of(check, raw_number)
    native = lines_of(check, lines)
    money = money_of(check, amount)
    return RefundAsk(number, native, money.model() if money and check.ok else None)


def case_number(check: Checker, raw: str) -> str:
    """A CRM case number: ASCII letters and digits, at most 40."""
    number = raw.strip()
    if not (0 < len(number) <= 40 and number.isascii() and number.isalnum()):
        check.complain(("caseNumber",), "caseNumber is a case number such as 00001027.")
    return number
