"""Run an operation at most once per (principal, operation, key), Stripe-style.

The key is claimed atomically in the journal with the input's fingerprint. Same key
and input: the first result (no new upstream call). Other input: refused. Still
running: wait briefly for it, then say so. Refusals store nothing, so a client may fix
its input and retry with the same key.

One lease decides, never two that can disagree: the key's own lease matters only until
its workflow exists (the key is bound to it in the transaction that creates it); from
then on the *workflow* says where things stand. A key is marked done only once its
workflow rests (completed, compensated, parked, waiting for approval, needing an
operator); a key whose workflow is still running with a live lease is in use; one whose
workflow's runner died (expired lease) is resumed by the next request with that key,
and by the background runner in any case, so no key is ever done while its work is not.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sources import ClaimKind, SourceError, WorkflowRecord

from .base import Problem, Refused, Runtime

__all__ = ["claim_scope", "fingerprint", "idempotent"]

_POLL_S = 0.05


def fingerprint(payload: Any) -> str:
    """sha256 of the canonical JSON of the input."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim_scope(rt: Runtime, operation: str) -> str:
    """Keys are per client, subject and operation (two agents may pick the same key)."""
    principal = rt.principal
    return f"{principal.client_id}|{principal.subject}|{operation}"


def _in_use() -> Refused:
    return Refused(
        Problem(
            "IDEMPOTENCY_KEY_IN_USE",
            "A request with this idempotency key is still running.",
            ("idempotencyKey",),
        )
    )


async def idempotent(
    rt: Runtime,
    operation: str,
    key: str,
    payload: Any,
    run: Callable[[WorkflowRecord | None], Awaitable[str]],
) -> str:
    """The workflow id of the operation, running ``run(resume)`` only when the key is new.

    ``run`` gets the key's workflow to resume (or ``None`` to start one) and returns the
    id of the workflow it created or resumed.
    """
    scope = claim_scope(rt, operation)
    digest = fingerprint(payload)
    journal = rt.journal
    waited = 0.0
    while True:
        claim = await journal.claim(scope, key, digest, rt.settings.lease_s)
        if claim.kind is ClaimKind.REUSED:
            raise Refused(
                Problem(
                    "IDEMPOTENCY_KEY_REUSED",
                    "This idempotency key was used with different input.",
                    ("idempotencyKey",),
                )
            )
        if claim.kind is ClaimKind.REPLAY and claim.workflow_id:
            await journal.audit(
                rt.audit(f"{operation}.replayed", "replayed", workflow_id=claim.workflow_id)
            )
            return claim.workflow_id
        workflow = await journal.workflow(claim.workflow_id) if claim.workflow_id else None
        if workflow is not None and workflow.status.resting:
            # Its work reached a resting state but the key was not marked (a crash in
            # between): mark it now and answer as a replay.
            await journal.finish_claim(
                scope, key, workflow.id, json.dumps({"workflow": workflow.id})
            )
            return workflow.id
        if claim.kind is ClaimKind.IN_USE:
            if waited >= rt.settings.in_use_wait_s:
                raise _in_use()
            await asyncio.sleep(_POLL_S)
            waited += _POLL_S
            continue
        break
    try:
        workflow_id = await run(workflow)
    except (Refused, SourceError):
        # Refused, or an upstream failed before the workflow existed (e.g. the OMS was
        # down during eligibility): nothing was done, so the key is free for a retry.
        # A claim already bound to a workflow is kept, so the retry resumes it.
        await journal.release_claim(scope, key)
        raise
    final = await journal.workflow(workflow_id)
    if final is None or not final.status.resting:
        # Another runner holds the workflow (a replay, the background runner): the key
        # stays in flight and answers "in use" until that runner lets go.
        raise _in_use()
    await journal.finish_claim(scope, key, workflow_id, json.dumps({"workflow": workflow_id}))
    return workflow_id
