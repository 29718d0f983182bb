"""Fault settings per system (`PUT /sandbox/faults/{system}`) and the dice that apply them.

The dice use their own `random.Random`, never the data RNG, so injecting faults
cannot change the generated world and a given seed replays the same faults.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import Any

from sandbox.web.stats import SYSTEMS


class FaultError(ValueError):
    """A fault setting is unknown or out of range; the message names it."""


@dataclass(frozen=True, slots=True)
class FaultSettings:
    latency_ms: int = 0
    jitter_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 503
    rate_limit_rate: float = 0.0
    retry_after_s: float | str = 1
    timeout_rate: float = 0.0
    malformed_rate: float = 0.0
    only: str | None = None
    """``"read"`` or ``"write"``: the faults hit only that kind of request (None: all)."""

    def as_dict(self) -> dict[str, Any]:
        settings = dataclasses.asdict(self)
        if self.only is None:  # the contract's shape, unless the extension is in use
            del settings["only"]
        return settings

    def applies_to(self, kind: str) -> bool:
        """Whether these faults hit a request of ``kind`` (``read`` or ``write``)."""
        return self.only is None or self.only == kind


@dataclass(frozen=True, slots=True)
class Roll:
    """What the dice decided for one request."""

    delay_s: float
    timeout: bool
    error: bool
    rate_limited: bool
    malformed: bool


_RATES = ("error_rate", "rate_limit_rate", "timeout_rate", "malformed_rate")
_MILLIS = ("latency_ms", "jitter_ms")


def _number(name: str, value: object) -> float:
    # bool is an int subclass; `true` is never a sensible latency or rate.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultError(f"{name} must be a number")
    return float(value)


def _validate(name: str, value: object) -> object:
    if name in _RATES:
        rate = _number(name, value)
        if not 0.0 <= rate <= 1.0:
            raise FaultError(f"{name} must be between 0 and 1")
        return rate
    if name in _MILLIS:
        millis = _number(name, value)
        if millis != int(millis) or not 0 <= millis <= 600_000:
            raise FaultError(f"{name} must be a whole number of milliseconds, 0..600000")
        return int(millis)
    if name == "error_status":
        status = _number(name, value)
        if status != int(status) or not 400 <= status <= 599:
            raise FaultError("error_status must be an HTTP error status, 400..599")
        return int(status)
    if name == "only":
        if value not in (None, "read", "write"):
            raise FaultError('only must be "read", "write" or null')
        return value
    if name == "retry_after_s":
        if value == "http-date":
            return value
        seconds = _number(name, value)
        if not 0 <= seconds <= 86_400:
            raise FaultError('retry_after_s must be 0..86400 seconds or "http-date"')
        return int(seconds) if seconds == int(seconds) else seconds
    raise FaultError(f"unknown fault setting {name!r}")


class Faults:
    """Current fault settings of every system, plus the dice."""

    def __init__(self, latency_ms: int, seed: int) -> None:
        self._default = FaultSettings(latency_ms=latency_ms)
        self._settings = dict.fromkeys(SYSTEMS, self._default)
        self._rng = random.Random(f"faults:{seed}")

    def get(self, system: str) -> FaultSettings:
        return self._settings[system]

    def update(self, system: str, changes: object) -> FaultSettings:
        """Merge validated `changes` (a JSON object) into `system`'s settings."""
        if system not in self._settings:
            raise KeyError(system)
        if not isinstance(changes, dict):
            raise FaultError("the body must be a JSON object of fault settings")
        clean: dict[str, Any] = {
            str(name): _validate(str(name), value) for name, value in changes.items()
        }
        merged = dataclasses.replace(self._settings[system], **clean)
        self._settings[system] = merged
        return merged

    def clear(self) -> None:
        """Back to the configured defaults (the config's base latency, no faults)."""
        self._settings = dict.fromkeys(SYSTEMS, self._default)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        return {system: settings.as_dict() for system, settings in self._settings.items()}

    def roll(self, settings: FaultSettings) -> Roll:
        rng = self._rng
        delay = settings.latency_ms + (
            rng.uniform(0, settings.jitter_ms) if settings.jitter_ms else 0
        )

        def hit(rate: float) -> bool:
            return rate > 0 and rng.random() < rate

        return Roll(
            delay_s=delay / 1000,
            timeout=hit(settings.timeout_rate),
            error=hit(settings.error_rate),
            rate_limited=hit(settings.rate_limit_rate),
            malformed=hit(settings.malformed_rate),
        )
