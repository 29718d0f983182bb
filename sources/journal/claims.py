"""Idempotency keys: claimed with one INSERT, leased while running, kept 48 h when done."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .records import Claim, ClaimKind
from .schema import idempotency

__all__ = ["RETENTION_S", "Claims"]

# Completed keys are kept at least this long (Stripe keeps 24 h; we keep 48 h).
RETENTION_S = 48 * 3600


class Claims:
    """The idempotency half of the journal."""

    _engine: AsyncEngine

    # --- idempotency --------------------------------------------------------------------

    async def claim(self, scope: str, key: str, fingerprint: str, lease_s: float) -> Claim:
        """Claim ``key`` for ``scope`` atomically, or say what already holds it."""
        now = time.time()
        async with self._engine.begin() as conn:
            try:
                await conn.execute(
                    idempotency.insert().values(
                        scope=scope,
                        idem_key=key,
                        fingerprint=fingerprint,
                        status="in_flight",
                        lease_until=now + lease_s,
                        created_at=now,
                    )
                )
                return Claim(ClaimKind.NEW)
            except IntegrityError:
                pass
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.select(idempotency).where(
                        idempotency.c.scope == scope, idempotency.c.idem_key == key
                    )
                )
            ).one()
            if row.fingerprint != fingerprint:
                return Claim(ClaimKind.REUSED)
            if row.status == "done":
                return Claim(ClaimKind.REPLAY, row.workflow_id, row.response)
            if row.lease_until > now:
                return Claim(ClaimKind.IN_USE, row.workflow_id)
            # Compare-and-set on the old lease: of two takers, exactly one wins.
            taken = await conn.execute(
                idempotency.update()
                .where(
                    idempotency.c.scope == scope,
                    idempotency.c.idem_key == key,
                    idempotency.c.lease_until == row.lease_until,
                )
                .values(lease_until=now + lease_s)
            )
            if taken.rowcount == 1:
                return Claim(ClaimKind.RESUME, row.workflow_id)
            return Claim(ClaimKind.IN_USE, row.workflow_id)

    async def bind_claim(
        self, scope: str, key: str, workflow_id: str, conn: AsyncConnection | None = None
    ) -> None:
        """Remember which workflow the claimed key started (for resume after a crash).

        Given ``conn``, in the transaction that creates the workflow: a key and its
        workflow then exist together or not at all.
        """
        statement = (
            idempotency.update()
            .where(idempotency.c.scope == scope, idempotency.c.idem_key == key)
            .values(workflow_id=workflow_id)
        )
        if conn is not None:
            await conn.execute(statement)
            return
        async with self._engine.begin() as own:
            await own.execute(statement)

    async def finish_claim(
        self, scope: str, key: str, workflow_id: str | None, response: str
    ) -> None:
        """Store the first result under the key; replays return it."""
        async with self._engine.begin() as conn:
            await conn.execute(
                idempotency.update()
                .where(idempotency.c.scope == scope, idempotency.c.idem_key == key)
                .values(status="done", workflow_id=workflow_id, response=response)
            )

    async def release_claim(self, scope: str, key: str) -> None:
        """Forget a claim whose request stopped before creating its workflow (safe to retry)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                idempotency.delete().where(
                    idempotency.c.scope == scope,
                    idempotency.c.idem_key == key,
                    idempotency.c.status == "in_flight",
                    # Once a workflow exists the key must lead back to it, never be reused.
                    idempotency.c.workflow_id.is_(None),
                )
            )

    async def purge_keys(self, older_than_s: float = RETENTION_S) -> int:
        """Drop completed keys past retention; returns how many."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                idempotency.delete().where(
                    idempotency.c.status == "done",
                    idempotency.c.created_at < time.time() - older_than_s,
                )
            )
        return int(result.rowcount)
