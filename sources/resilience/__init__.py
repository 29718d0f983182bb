"""Resilience primitives the call discipline composes: breaker, retries, budget."""

from .breaker import BreakerPolicy, BreakerState, CircuitBreaker
from .retry import RetryBudget, RetryPolicy, backoff_s

__all__ = [
    "BreakerPolicy",
    "BreakerState",
    "CircuitBreaker",
    "RetryBudget",
    "RetryPolicy",
    "backoff_s",
]
