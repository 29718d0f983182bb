"""The workflow engine: one skeleton for every governed process, and its step runner.

A process supplies a ``Plan`` (its steps, the pivot, the compensations) and an admission
(its rules, checked under the order's lock); the engine owns everything else, always in
this order: claim the idempotency key → resume the key's workflow, or (lock the order →
admit → create the workflow and bind the key in one transaction) → execute.

Hard rules of execution (ARCHITECTURE.md, "Writing: governed processes"):

- Steps run in order and are recorded as they finish; a replay runs only what is left.
  Every step is idempotent downstream (keys, look-ups by our marker before posting).
- **Before the pivot** (the first irreversible step) a failure compensates: the
  compensations of the steps already done run in reverse (each step then reads
  ``COMPENSATED``, later ones ``SKIPPED``) and the workflow ends ``COMPENSATED``.
- **At the pivot** one rule decides: a failure that proves nothing happened (the
  upstream refused the call: a 4xx, a 429 included, or the circuit was open so nothing
  was sent) compensates as above; a failure that leaves it unknown (a timeout, a 5xx, a
  connection lost mid-call) parks the workflow, and its retry first looks the write up
  by our marker, so it never happens twice.
- **After the pivot** only forward recovery: a failure a retry may fix parks the
  workflow (step ``PARKED``) with a per-workflow backoff; a failure a retry cannot fix
  (the vendor refused the call and would refuse it again), or a retry budget spent,
  sends it to ``NEEDS_ATTENTION`` for an operator (``resolveWorkflow``).
- A compensation that fails is retried the same way: the workflow parks with its
  failed step still ``FAILED``, and the retry goes on compensating.
- Any other exception (a bug) ends in ``NEEDS_ATTENTION`` too: nothing stays in limbo.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sources import (
    CircuitOpen,
    JournalUnavailable,
    SourceError,
    SourceThrottled,
    StepRecord,
    StepStatus,
    WorkflowKind,
    WorkflowRecord,
    WorkflowStatus,
)

from .base import USER_ERROR_CODES, Problem, Refused, Runtime, UserErrorCode
from .events import step_event, workflow_event
from .idempotency import claim_scope, idempotent

__all__ = [
    "Admitted",
    "Declined",
    "Plan",
    "Results",
    "Step",
    "audited",
    "backoff_s",
    "create_workflow",
    "execute",
    "failure_problem",
    "resume_workflow",
    "start",
]

log = logging.getLogger("order360.processes")

Results = dict[str, dict[str, Any]]
StepFn = Callable[[Runtime, WorkflowRecord, Results], Awaitable[dict[str, Any]]]
CompensateFn = Callable[[Runtime, WorkflowRecord, Results], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Step:
    """One step: its name (``system.action``), the system, what it does and how to undo it."""

    name: str
    system: str
    run: StepFn
    compensate: CompensateFn | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """The steps of one kind of workflow and the first step that cannot be undone."""

    kind: WorkflowKind
    prefix: str
    steps: tuple[Step, ...]
    pivot: str

    def __post_init__(self) -> None:
        names = [s.name for s in self.steps]
        if self.pivot not in names:
            raise ValueError(f"{self.kind}: pivot {self.pivot} is not a step")
        late = [s.name for s in self.steps[names.index(self.pivot) :] if s.compensate]
        if late:
            raise ValueError(f"{self.kind}: steps at or after the pivot cannot compensate: {late}")

    def names(self) -> list[tuple[str, str]]:
        """(name, system) of every step, for the journal."""
        return [(s.name, s.system) for s in self.steps]


@dataclass(frozen=True, slots=True)
class Admitted:
    """What a process's rules admitted: the workflow to create."""

    order_number: str
    order_id: str
    channel: str
    currency: str
    reason: str
    payload: dict[str, Any]
    amount: Decimal | None = None
    needs_approval: bool = False
    detail: str | None = None
    """For the audit entry of the request."""


Admission = Callable[[Any], Awaitable[Admitted]]
"""Checks the rules under the order's lock (given its connection); raises ``Refused``."""


class Declined(Exception):
    """A step found a rule broken (e.g. the ERP has no order to credit): a definite refusal."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class _Failure:
    """How a step failed, in the terms the engine's rules need."""

    text: str
    nothing_happened: bool
    retry_may_help: bool

    @classmethod
    def of(cls, error: SourceError | Declined) -> _Failure:
        if isinstance(error, Declined):
            return cls(f"{error.code}: {error.message}", True, False)
        return cls(
            f"{error.code} ({error.source}): {error.detail}",
            _nothing_happened(error),
            _retry_may_help(error),
        )


def _nothing_happened(error: SourceError) -> bool:
    """The upstream certainly did not act on the call (the rule at the pivot)."""
    return isinstance(error, SourceThrottled) or not error.transient


def _retry_may_help(error: SourceError) -> bool:
    """Another attempt later may succeed (the rule after the pivot)."""
    return error.transient or isinstance(error, CircuitOpen)


def backoff_s(retries: int, base_s: float, cap_s: float, rng: Callable[[], float]) -> float:
    """Delay before background retry number ``retries + 1``: exponential, equal jitter.

    Half the delay is fixed so the retry rate of a large backlog stays bounded; the
    other half is random so workflows parked together do not retry together.
    """
    ceiling = min(cap_s, base_s * 2.0**retries)
    return ceiling / 2 + rng() * ceiling / 2


def failure_problem(workflow: WorkflowRecord) -> Problem | None:
    """What an unfinished workflow tells its caller, as a user error (``None`` if done)."""
    status = workflow.status
    if status in (
        WorkflowStatus.COMPLETED,
        WorkflowStatus.PENDING_APPROVAL,
        WorkflowStatus.APPROVED,
        WorkflowStatus.PROCESSING,
        WorkflowStatus.REJECTED,  # a decision, not a failure: its status says it
        WorkflowStatus.RESOLVED_MANUALLY,
    ):
        return None
    reason = workflow.last_error or "no reason recorded"
    head = reason.split(" ", 1)[0].rstrip(":")
    code = cast(UserErrorCode, head) if head in USER_ERROR_CODES else "NOT_ELIGIBLE"
    what = {
        WorkflowStatus.COMPENSATED: "failed before anything irreversible and was undone",
        WorkflowStatus.FAILED: "failed before anything irreversible",
        WorkflowStatus.PARKED: "is parked and will be retried",
        WorkflowStatus.NEEDS_ATTENTION: "needs an operator",
        WorkflowStatus.ABANDONED: "was abandoned by an operator",
    }[status]
    return Problem(code, f"Workflow {workflow.id} {what}: {reason}")


async def start(
    rt: Runtime,
    plan: Plan,
    *,
    operation: str,
    key: str,
    payload: Any,
    order_number: str,
    admit: Admission,
    plans: Mapping[WorkflowKind, Plan] | None = None,
) -> str:
    """Run the skeleton for one request; returns the workflow id (new or resumed)."""

    async def run(resume: WorkflowRecord | None) -> str:
        if resume is not None:
            return await resume_workflow(rt, resume, plans or {plan.kind: plan})
        return await create_workflow(
            rt, plan, operation=operation, key=key, number=order_number, admit=admit
        )

    return await audited(rt, plan.kind, order_number, idempotent(rt, operation, key, payload, run))


async def audited(
    rt: Runtime, kind: WorkflowKind, order_number: str, request: Awaitable[str]
) -> str:
    """Await a request; a refusal, or an upstream failure before anything was written,
    leaves an audit entry of its own before it reaches the caller."""

    async def note(decision: str, detail: str) -> None:
        await rt.journal.audit(
            rt.audit(f"{kind}.requested", decision, detail=detail[:1000], order_number=order_number)
        )

    try:
        return await request
    except Refused as refused:
        await note(f"refused:{refused.problems[0].code}", str(refused))
        raise
    except SourceError as error:
        await note(f"failed:{error.code}", f"{error.source} failed before anything was written")
        raise


async def resume_workflow(
    rt: Runtime, workflow: WorkflowRecord, plans: Mapping[WorkflowKind, Plan]
) -> str:
    """Drive the workflow an idempotency key already started (after a crash)."""
    await execute(rt, plans[workflow.kind], workflow.id, from_statuses=(WorkflowStatus.APPROVED,))
    return workflow.id


async def create_workflow(
    rt: Runtime, plan: Plan, *, operation: str, key: str, number: str, admit: Admission
) -> str:
    """Check the rules under the order's lock, create the workflow (bound to the key) and
    run it unless it waits for approval; returns its id."""
    journal = rt.journal
    workflow_id = f"{plan.prefix}_{uuid.uuid4().hex[:20]}"
    async with journal.order_lock(number) as conn:
        admitted = await admit(conn)
        status = (
            WorkflowStatus.PENDING_APPROVAL if admitted.needs_approval else WorkflowStatus.APPROVED
        )
        now = time.time()
        record = WorkflowRecord(
            id=workflow_id,
            kind=plan.kind,
            status=status,
            order_number=admitted.order_number,
            order_id=admitted.order_id,
            channel=admitted.channel,
            amount=admitted.amount,
            currency=admitted.currency,
            reason=admitted.reason,
            requested_by=rt.principal.subject,
            requested_client=rt.principal.client_id,
            approved_by=None,
            payload={**admitted.payload, "idempotencyKey": key},
            outcome=None,
            created_at=now,
            updated_at=now,
        )
        await journal.insert_workflow(
            conn,
            record,
            plan.names(),
            rt.audit(
                f"{plan.kind}.requested",
                "pending_approval" if admitted.needs_approval else "accepted",
                detail=admitted.detail,
                workflow_id=workflow_id,
                order_number=record.order_number,
            ),
            [workflow_event(rt, record, "requested", status)],
        )
        # In the same transaction: the key and its workflow exist together or not at all.
        await journal.bind_claim(claim_scope(rt, operation), key, workflow_id, conn)
    if status is WorkflowStatus.APPROVED:
        await execute(rt, plan, workflow_id)
    return workflow_id


async def execute(
    rt: Runtime,
    plan: Plan,
    workflow_id: str,
    *,
    from_statuses: tuple[WorkflowStatus, ...] = (WorkflowStatus.APPROVED,),
    background: bool = False,
) -> WorkflowRecord:
    """Run what is left of the workflow; returns it afterwards.

    ``background`` marks an attempt of the retry runner: its parking counts toward the
    workflow's retry budget.
    """
    journal = rt.journal
    current = await journal.workflow(workflow_id)
    if current is None:
        raise Refused(Problem("NOT_FOUND", "No workflow matches.", ("id",)))
    started = workflow_event(rt, current, "started", WorkflowStatus.PROCESSING)
    if not await journal.lease(workflow_id, from_statuses, rt.settings.lease_s, started):
        latest = await journal.workflow(workflow_id)
        assert latest is not None
        return latest
    # Read again: what the lease took is what runs (another runner may have moved it
    # between the first read and the lease).
    workflow = await journal.workflow(workflow_id)
    assert workflow is not None
    recorded = await journal.steps_of(workflow_id)
    try:
        await _Run(rt, plan, workflow, recorded, background).go()
    except (Refused, JournalUnavailable):
        raise  # the journal is away: the lease runs out and the runner resumes it
    except Exception:  # a bug must not leave the workflow PROCESSING for ever
        log.exception("workflow %s failed unexpectedly", workflow_id)
        await journal.transition(
            workflow_id,
            WorkflowStatus.NEEDS_ATTENTION,
            rt.audit(
                f"{plan.kind}.needs_attention",
                "needs_attention",
                detail="internal error",
                workflow_id=workflow_id,
                order_number=workflow.order_number,
            ),
            [
                workflow_event(
                    rt,
                    workflow,
                    "needs_attention",
                    WorkflowStatus.NEEDS_ATTENTION,
                    error="INTERNAL: the workflow failed unexpectedly",
                )
            ],
            last_error="INTERNAL: the workflow failed unexpectedly",
        )
        rt.observer.workflow_moved(plan.kind, WorkflowStatus.NEEDS_ATTENTION, workflow.created_at)
    final = await journal.workflow(workflow_id)
    assert final is not None
    return final


class _Run:
    """One attempt at driving a workflow forward (or, after a failure, backward)."""

    def __init__(
        self,
        rt: Runtime,
        plan: Plan,
        workflow: WorkflowRecord,
        recorded: list[StepRecord],
        background: bool,
    ) -> None:
        self.rt = rt
        self.plan = plan
        self.workflow = workflow
        self.recorded = recorded
        self.statuses = {r.position: r.status for r in recorded}
        self.background = background
        self.results: Results = {
            r.name: r.result or {} for r in recorded if r.status is StepStatus.DONE
        }

    @property
    def pivot_done(self) -> bool:
        return self.plan.pivot in self.results

    def pairs(self) -> list[tuple[Step, StepRecord]]:
        """Each journalled step with its definition, in order.

        Matched by name: a workflow journalled under an older plan keeps its own steps
        (a step added to the plan since is not run for it).
        """
        by_name = {s.name: s for s in self.plan.steps}
        return [(by_name[r.name], r) for r in self.recorded if r.name in by_name]

    async def go(self) -> None:
        failed = [r for r in self.recorded if r.status is StepStatus.FAILED]
        if failed and not self.pivot_done:
            # A step before (or at) the pivot failed earlier: finish compensating.
            first = failed[0]
            await self._compensate(f"{first.last_error or 'failed'} at {first.name}")
            return
        for step, record in self.pairs():
            if record.status in (StepStatus.DONE, StepStatus.SKIPPED):
                continue
            try:
                result = await step.run(self.rt, self.workflow, self.results)
            except (SourceError, Declined) as error:
                await self._failed(step, record, _Failure.of(error))
                return
            self.results[step.name] = result
            await self._record(record, StepStatus.DONE, result=result)
        await self._complete()

    async def _failed(self, step: Step, record: StepRecord, failure: _Failure) -> None:
        text = failure.text
        reason = f"{text} at {step.name}"
        if not self.pivot_done and (step.name != self.plan.pivot or failure.nothing_happened):
            await self._record(record, StepStatus.FAILED, error=text)
            await self._compensate(reason)
            return
        if failure.retry_may_help:
            await self._record(record, StepStatus.PARKED, error=text)
            await self._park(reason)
            return
        await self._record(record, StepStatus.FAILED, error=text)
        await self._end(WorkflowStatus.NEEDS_ATTENTION, reason)

    async def _compensate(self, reason: str) -> None:
        wf = self.workflow
        # The pivot has not happened, so every step done so far came before it.
        for step, record in reversed(self.pairs()):
            if self.statuses[record.position] is not StepStatus.DONE:
                continue
            if step.compensate is not None:
                try:
                    await step.compensate(self.rt, wf, self.results)
                except (SourceError, Declined) as error:
                    failure = _Failure.of(error)
                    text = f"{failure.text} while compensating {step.name}"
                    if failure.retry_may_help:
                        await self._park(text)
                    else:
                        await self._end(WorkflowStatus.NEEDS_ATTENTION, text)
                    return
            await self._record(record, StepStatus.COMPENSATED, attempted=False)
        for record in self.recorded:
            if self.statuses[record.position] is StepStatus.PENDING:
                await self._record(record, StepStatus.SKIPPED, attempted=False)
        await self._end(WorkflowStatus.COMPENSATED, reason)

    async def _record(
        self,
        record: StepRecord,
        status: StepStatus,
        *,
        error: str | None = None,
        result: dict[str, Any] | None = None,
        attempted: bool = True,
    ) -> None:
        """Journal a step's new status (renewing the lease) and remember it."""
        await self.rt.journal.record_step(
            self.workflow.id,
            record.position,
            status,
            error=error,
            result=result,
            lease_s=self.rt.settings.lease_s,
            attempted=attempted,
            event=step_event(
                self.rt, self.workflow, record.name, record.system, status, error=error
            ),
        )
        self.statuses[record.position] = status

    async def _park(self, reason: str) -> None:
        rt = self.rt
        settings = rt.settings
        retries = self.workflow.retries + (1 if self.background else 0)
        if retries >= settings.max_retries:
            await self._end(
                WorkflowStatus.NEEDS_ATTENTION, f"{reason}; gave up after {retries} retries"
            )
            return
        delay = backoff_s(retries, settings.retry_base_s, settings.retry_cap_s, random.random)
        await self._end(
            WorkflowStatus.PARKED, reason, retry_at=time.time() + delay, count_retry=self.background
        )

    async def _end(
        self,
        status: WorkflowStatus,
        reason: str,
        *,
        retry_at: float | None = None,
        count_retry: bool = False,
    ) -> None:
        wf = self.workflow
        kind = self.plan.kind
        word = status.value.lower()
        await self.rt.journal.transition(
            wf.id,
            status,
            self.rt.audit(
                f"{kind}.{word}",
                word,
                detail=reason,
                workflow_id=wf.id,
                order_number=wf.order_number,
            ),
            [workflow_event(self.rt, wf, word, status, error=reason)],
            last_error=reason,
            retry_at=retry_at,
            count_retry=count_retry,
        )
        self.rt.observer.workflow_moved(kind, status, wf.created_at)
        if status is not WorkflowStatus.COMPENSATED:
            self.rt.invalidate(wf.order_number, wf.order_id)

    async def _complete(self) -> None:
        wf = self.workflow
        kind = self.plan.kind
        await self.rt.journal.transition(
            wf.id,
            WorkflowStatus.COMPLETED,
            self.rt.audit(
                f"{kind}.completed", "completed", workflow_id=wf.id, order_number=wf.order_number
            ),
            [workflow_event(self.rt, wf, "completed", WorkflowStatus.COMPLETED)],
            outcome=dict(self.results),
        )
        self.rt.observer.workflow_moved(kind, WorkflowStatus.COMPLETED, wf.created_at)
        self.rt.invalidate(wf.order_number, wf.order_id)
