"""Health of the upstreams: per order (``sections``) and overall (``sources``)."""

from __future__ import annotations

import strawberry

from sources import SourceError, SourceTimeout

__all__ = ["SectionStatus", "SourceHealth", "section_state"]


@strawberry.type(
    description="Per upstream: was its part of this order fresh, stale, or unavailable."
)
class SectionStatus:
    """One system's part of an order."""

    source: str = strawberry.field(description="erp, oms, crm or carrier.")
    state: str = strawberry.field(description="OK, STALE, UNAVAILABLE or TIMED_OUT.")
    age_seconds: float | None = strawberry.field(
        default=None, description="Age of the data served, for STALE."
    )
    retry_after_seconds: float | None = strawberry.field(
        default=None, description="When the system asked us to come back, if it did."
    )


def section_state(
    source: str, error: SourceError | None, stale_age: float | None = None
) -> SectionStatus:
    """The section status a source error, or stale data, or neither, stands for."""
    if error is None and stale_age is not None:
        return SectionStatus(source=source, state="STALE", age_seconds=round(stale_age, 3))
    if error is None:
        return SectionStatus(source=source, state="OK")
    if isinstance(error, SourceTimeout):
        return SectionStatus(source=source, state="TIMED_OUT")
    retry = error.retry_after
    return SectionStatus(source=source, state="UNAVAILABLE", retry_after_seconds=retry)


@strawberry.type(description="Health of one upstream as the gateway sees it.")
class SourceHealth:
    """Circuit state, latency and error share over the recent window."""

    name: str = strawberry.field(description="erp, oms, crm or carrier.")
    state: str = strawberry.field(description="Circuit breaker state: CLOSED, OPEN or HALF_OPEN.")
    latency_p50_ms: float | None = strawberry.field(
        description="Median call latency in milliseconds over the recent window."
    )
    error_rate: float | None = strawberry.field(
        description="Share of failed calls (0..1) over the recent window."
    )
