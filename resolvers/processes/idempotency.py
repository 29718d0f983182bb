"""Run an operation at most once per (principal, operation, key), Stripe-style.

The key is claimed atomically in the journal with the input's fingerprint. Same key
and input: the first result (no new upstream call). Other input: refused. Still
running: wait briefly for it, then say so. A crashed run's lease expires and the next
request resumes the workflow it had started. Refusals store nothing, so a client may
fix its input and retry with the same key.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sources import ClaimKind, SourceError

from .base import Problem, Refused, Runtime

__all__ = ["MAX_KEY_LENGTH", "fingerprint", "idempotent"]

MAX_KEY_LENGTH = 255


def fingerprint(payload: Any) -> str:
    """sha256 of the canonical JSON of the input."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def idempotent(
    rt: Runtime,
    operation: str,
    key: str,
    payload: Any,
    run: Callable[[str | None], Awaitable[str]],
) -> str:
    """The workflow id of the operation, running ``run(resume_id)`` only when the key is new.

    ``run`` returns the id of the workflow it created (or resumed).
    """
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise Refused(
            Problem("BAD_USER_INPUT", "idempotencyKey must be 1-255 printable characters.")
        )
    principal = rt.principal
    scope = f"{principal.client_id}|{principal.subject}|{operation}"
    digest = fingerprint(payload)
    waited = 0.0
    while True:
        claim = await rt.journal.claim(scope, key, digest, rt.settings.lease_s)
        if claim.kind is ClaimKind.REUSED:
            raise Refused(
                Problem(
                    "IDEMPOTENCY_KEY_REUSED",
                    "This idempotency key was used with different input.",
                    ("idempotencyKey",),
                )
            )
        if claim.kind is ClaimKind.REPLAY and claim.workflow_id:
            await rt.journal.audit(
                rt.audit(f"{operation}.replayed", "replayed", workflow_id=claim.workflow_id)
            )
            return claim.workflow_id
        if claim.kind is ClaimKind.IN_USE:
            if waited >= rt.settings.in_use_wait_s:
                raise Refused(
                    Problem(
                        "IDEMPOTENCY_KEY_IN_USE",
                        "A request with this idempotency key is still running.",
                        ("idempotencyKey",),
                    )
                )
            await asyncio.sleep(0.05)
            waited += 0.05
            continue
        break
    resume = claim.workflow_id if claim.kind is ClaimKind.RESUME else None
    try:
        workflow_id = await run(resume)
    except (Refused, SourceError):
        # Refused, or an upstream failed before the workflow existed (e.g. the OMS was
        # down during eligibility): nothing was done, so the key is free for a retry.
        # A claim already bound to a workflow is kept, so the retry resumes it.
        await rt.journal.release_claim(scope, key)
        raise
    await rt.journal.finish_claim(scope, key, workflow_id, json.dumps({"workflow": workflow_id}))
    return workflow_id


async def bind(rt: Runtime, operation: str, key: str, workflow_id: str) -> None:
    """Tie the claimed key to its workflow as soon as the workflow exists."""
    principal = rt.principal
    scope = f"{principal.client_id}|{principal.subject}|{operation}"
    await rt.journal.bind_claim(scope, key, workflow_id)
