"""Every canonical business event type, declared once: its name and what it means.

A type is ``com.order360.<entity>.<transition>``. The workflow entities are the kinds of
governed process (``refund``, ``replacement``, ``case``, ``case_comment``); each records
the transitions below, and ``workflow.step_<status>`` records one step of any of them.
``docs/events.md`` documents each type with its data (``tests/sources/test_events.py``
fails when one is missing there), and the NATS subject of a type is the type without
its ``com.`` prefix (``order360.refund.completed``).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["EVENT_TYPES", "TYPE_PREFIX", "event_type", "subject_of"]

TYPE_PREFIX = "com.order360."

# What each workflow transition means; the engine records it with the workflow's new
# status in the same transaction.
_WORKFLOW_TRANSITIONS: Mapping[str, str] = {
    "requested": "was admitted by its rules (APPROVED, or PENDING_APPROVAL for a second person)",
    "approved": "was released by a second person (status APPROVED)",
    "rejected": "was refused by a supervisor; nothing was written upstream (REJECTED)",
    "started": "was taken by a runner: first run, background retry or takeover (PROCESSING)",
    "completed": "finished every step (COMPLETED)",
    "parked": "waits for a background retry that may succeed (PARKED)",
    "compensated": "failed before its pivot; what it did was undone (COMPENSATED)",
    "needs_attention": "cannot go on without an operator (NEEDS_ATTENTION)",
    "resolved_manually": "was finished by hand by an operator (RESOLVED_MANUALLY)",
    "abandoned": "was given up by an operator (ABANDONED)",
}
# Only refunds wait for approval; every kind may do everything else.
_TRANSITIONS_OF: Mapping[str, tuple[str, ...]] = {
    "refund": tuple(_WORKFLOW_TRANSITIONS),
    **{
        kind: tuple(t for t in _WORKFLOW_TRANSITIONS if t not in ("approved", "rejected"))
        for kind in ("replacement", "case", "case_comment")
    },
}
_WHAT: Mapping[str, str] = {
    "refund": "A refund request",
    "replacement": "A replacement order",
    "case": "A service case opened by an agent",
    "case_comment": "A comment added to a service case",
}
_STEP_STATUSES: Mapping[str, str] = {
    "done": "A workflow step succeeded (status DONE)",
    "failed": "A workflow step failed and will not be retried as is (status FAILED)",
    "parked": "A workflow step failed in a way a later retry may fix (status PARKED)",
    "compensated": "A workflow step's effect was undone (status COMPENSATED)",
    "skipped": "A workflow step will not run: the workflow was compensated (SKIPPED)",
}

EVENT_TYPES: Mapping[str, str] = {
    **{
        f"{TYPE_PREFIX}{kind}.{transition}": f"{_WHAT[kind]} {_WORKFLOW_TRANSITIONS[transition]}."
        for kind, transitions in _TRANSITIONS_OF.items()
        for transition in transitions
    },
    **{
        f"{TYPE_PREFIX}workflow.step_{status}": f"{meaning}."
        for status, meaning in _STEP_STATUSES.items()
    },
}
"""Every type an event may have → a one-line description."""


def event_type(entity: str, transition: str) -> str:
    """The declared type of ``entity``'s ``transition``; ``ValueError`` if undeclared.

    >>> event_type("refund", "completed")
    'com.order360.refund.completed'
    """
    name = f"{TYPE_PREFIX}{entity}.{transition}"
    if name not in EVENT_TYPES:
        raise ValueError(f"undeclared event type {name} (sources/events/types.py)")
    return name


def subject_of(event_type: str, prefix: str = "order360") -> str:
    """The broker subject of a type: ``order360.refund.completed`` (``prefix`` first)."""
    return f"{prefix}.{event_type.removeprefix(TYPE_PREFIX)}"
