"""The one exception a journal operation raises when the store cannot be relied on.

``JournalUnavailable`` means: the journal did not answer within its bound (connect,
pool wait, statement or the whole operation), refused the connection, dropped it, or
its schema is not migrated yet. Nothing above the journal sees a driver or SQLAlchemy
exception for these; a constraint violation or a programming error is not one of them
and travels up as it is (it is a bug, not an outage).

The journal is consulted before any upstream write (the idempotency claim comes first),
so a process that meets ``JournalUnavailable`` has moved nothing unless a journal write
failed after a step ran; the steps are idempotent downstream, so a retry with the same
idempotency key finishes the work instead of repeating it.
"""

from __future__ import annotations

import sqlalchemy.exc as sa_exc

__all__ = ["RETRY_AFTER_S", "JournalUnavailable", "is_unavailability"]

# What a client is told to wait before retrying: long enough for a pool to reconnect,
# short enough that a blip costs little.
RETRY_AFTER_S = 2.0

# PostgreSQL SQLSTATE classes that say the server cannot serve right now:
# 08 connection exception, 53 insufficient resources (too many connections),
# 57P operator intervention (shutdown, starting up), 57014 query cancelled (timeout).
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P", "57014")


class JournalUnavailable(Exception):
    """The journal could not be reached or did not answer in time; nothing was decided."""

    source = "journal"
    code = "SOURCE_UNAVAILABLE"

    def __init__(self, detail: str, *, retry_after_s: float = RETRY_AFTER_S) -> None:
        super().__init__(f"journal: {detail}")
        self.detail = detail
        self.retry_after_s = retry_after_s


def _sqlstate(error: BaseException | None) -> str:
    # SQLAlchemy's asyncpg adapter keeps the driver's error as the cause of ``orig``.
    for candidate in (error, getattr(error, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str):
            return state
    return ""


def is_unavailability(error: BaseException) -> bool:
    """Whether ``error`` says the store is unreachable, slow or refusing service."""
    if isinstance(error, JournalUnavailable):
        return True
    # TimeoutError: asyncpg's connect and command timeouts; OSError: refused, reset.
    if isinstance(error, TimeoutError | OSError):
        return True
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True  # the pool had no connection to give within pool_timeout
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error, sa_exc.IntegrityError | sa_exc.ProgrammingError):
            return False
        # SQLite says "database is locked" (busy timeout), "unable to open" or "disk I/O"
        # as OperationalError; asyncpg's lost connections arrive as InterfaceError.
        if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
            return True
        return _sqlstate(error.orig).startswith(_UNAVAILABLE_SQLSTATES)
    return False
