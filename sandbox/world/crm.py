"""Salesforce side of the world: accounts (people or households), contacts, cases, comments.

About 15 % of orders get one or two cases, more often when something went wrong
(exceptions, refunds, cancellations); some customers have cases about no order.
"""

from __future__ import annotations

import datetime
import random

from sandbox.world.ids import sf_id
from sandbox.world.model import Customer, Order
from sandbox.world.records import Account, Case, CaseComment

_H = datetime.timedelta(hours=1)
_D = datetime.timedelta(days=1)
_AGENTS = tuple(sf_id("005", n) for n in range(1, 6))
# state -> chance that an order of that state has cases
_CASE_CHANCE = {
    "open": 0.10,
    "partially_fulfilled": 0.22,
    "in_transit": 0.14,
    "delivered": 0.09,
    "cancelled": 0.25,
    "partially_refunded": 0.45,
    "refunded": 0.50,
    "returned": 0.45,
}
# topic -> (subject, type, reason, priority)
_TOPICS = {
    "where": ("Where is my order?", "Question", "Delivery", "Medium"),
    "delay": ("Parcel delayed", "Problem", "Delivery", "High"),
    "damaged": ("Item arrived damaged", "Problem", "Product Quality", "High"),
    "size": ("Wrong size received", "Problem", "Product Quality", "Medium"),
    "return": ("Return request", "Question", "Return", "Medium"),
    "refund": ("Refund status", "Question", "Billing", "Medium"),
    "cancel": ("Cancellation request", "Question", "Order", "Low"),
    "address": ("Change shipping address", "Question", "Order", "Low"),
    "loyalty": ("Loyalty points question", "Question", "Loyalty", "Low"),
    "account": ("Update account email", "Question", "Account", "Low"),
}
_STATE_TOPICS = {
    "open": ("address", "where", "cancel"),
    "partially_fulfilled": ("where", "delay"),
    "in_transit": ("where", "delay"),
    "delivered": ("damaged", "size", "return"),
    "cancelled": ("cancel", "refund"),
    "partially_refunded": ("damaged", "refund"),
    "refunded": ("refund", "delay"),
    "returned": ("return", "refund", "size"),
}
_COMMENTS = (
    "Customer called back, shared order details.",
    "Checked carrier tracking, parcel is moving.",
    "Asked warehouse for status.",
    "Sent return label by email.",
    "Refund confirmed to customer.",
    "Escalated to logistics team.",
)


def build_accounts(customers: list[Customer], households: list[list[Customer]]) -> list[Account]:
    """One Account per household and per remaining customer; set contact and account ids."""
    in_household = {id(member): group for group in households for member in group}
    accounts: list[Account] = []
    for customer in customers:
        customer.contact_id = sf_id("003", customer.index + 1)
        group = in_household.get(id(customer))
        if group is not None and group[0] is not customer:
            continue  # joined to the head's household account
        members = group if group is not None else [customer]
        name = f"{customer.last_name} Household" if len(members) > 1 else customer.name
        created = min(m.created_at for m in members)
        account = Account(sf_id("001", len(accounts) + 1), name, members, created)
        accounts.append(account)
        for member in members:
            member.account_id = account.id
    return accounts


def _status(rng: random.Random, age: datetime.timedelta) -> str:
    if age > 14 * _D:
        return "Closed" if rng.random() < 0.9 else rng.choice(("Working", "Escalated"))
    return rng.choices(("New", "Working", "Escalated", "Closed"), (20, 35, 15, 30))[0]


def _case(
    rng: random.Random,
    customer: Customer,
    order: Order | None,
    topic: str,
    created: datetime.datetime,
    now: datetime.datetime,
) -> Case:
    subject, case_type, reason, priority = _TOPICS[topic]
    status = _status(rng, now - created)
    closed_at = None
    if status == "Closed":
        limit = min((now - created).total_seconds() / 3600, 240)
        closed_at = (created + _H * rng.uniform(min(2, limit / 2), limit)).replace(microsecond=0)
    about = f" about order {order.name}" if order is not None else ""
    tracking = None
    if order is not None and order.shipments and topic in ("where", "delay"):
        tracking = order.shipments[-1].tracking_number
    return Case(
        id="",
        number="",
        subject=subject,
        description=f"{customer.name} contacted us{about}: {subject.lower()}.",
        status=status,
        escalated=status == "Escalated" or (status == "Closed" and rng.random() < 0.1),
        priority=priority if rng.random() < 0.8 else rng.choice(("High", "Medium", "Low")),
        origin=rng.choices(("Email", "Phone", "Web"), (45, 30, 25))[0],
        case_type=case_type,
        reason=reason,
        customer=customer,
        order=order,
        created_at=created.replace(microsecond=0),
        closed_at=closed_at,
        owner_id=rng.choice(_AGENTS),
        tracking_number=tracking,
    )


def build_cases(
    rng: random.Random, customers: list[Customer], orders: list[Order], now: datetime.datetime
) -> tuple[list[Case], list[CaseComment]]:
    cases: list[Case] = []
    for order in orders:
        if rng.random() >= _CASE_CHANCE[order.state]:
            continue
        for _ in range(2 if rng.random() < 0.25 else 1):
            created = order.updated_at or order.created_at
            created = created + _H * rng.uniform(1, 72)
            if created >= now:
                created = order.created_at + (now - order.created_at) * rng.uniform(0.3, 0.9)
            topic = rng.choice(_STATE_TOPICS[order.state])
            case = _case(rng, order.customer, order, topic, created, now)
            cases.append(case)
    for customer in rng.sample(customers, max(1, len(customers) // 8)):
        created = now - _D * rng.uniform(0.2, 170)
        case = _case(rng, customer, None, rng.choice(("loyalty", "account")), created, now)
        cases.append(case)
    # Case numbers are an auto-number: they follow creation order.
    # Every generated case has a customer; only cases written through the API may not.
    cases.sort(key=lambda c: (c.created_at, c.customer.index if c.customer else -1))
    comments: list[CaseComment] = []
    for n, case in enumerate(cases):
        case.id = sf_id("500", n + 1)
        case.number = f"{1001 + n:08d}"
        if case.customer is not None:
            case.customer.cases.append(case)
        if case.order is not None:
            case.order.cases.append(case)
        if rng.random() < 0.55:
            end = case.closed_at or now
            for _ in range(rng.randint(1, 3)):
                at = case.created_at + (end - case.created_at) * rng.uniform(0.05, 0.95)
                comment = CaseComment(
                    sf_id("00a", len(comments) + 1),
                    case,
                    rng.choice(_COMMENTS),
                    at.replace(microsecond=0),
                    rng.random() < 0.3,
                )
                case.comments.append(comment)
                comments.append(comment)
            case.comments.sort(key=lambda c: c.created_at)
    return cases, comments
