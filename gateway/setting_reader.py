"""Reading ``ORDER360_*`` values: typed, bounded, and every failure names its variable."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["PREFIX", "Reader", "SettingsError", "read_env_file"]

PREFIX = "ORDER360_"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a ``.env`` file (none if it is absent)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


class Reader:
    """Typed reads of ``ORDER360_<name>`` from a mapping of variables."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self._values.get(PREFIX + name)
        return default if value is None or value == "" else value

    def required(self, name: str, default: str) -> str:
        return self.text(name, default) or default

    def url(self, name: str, default: str | None = None) -> str | None:
        value = self.text(name, default)
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise SettingsError(f"{PREFIX}{name}: not an http(s) URL: {value!r}")
        return value

    def integer(self, name: str, default: int, minimum: int = 0) -> int:
        value = self.text(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise SettingsError(f"{PREFIX}{name}: not a whole number: {value!r}") from None
        if number < minimum:
            raise SettingsError(f"{PREFIX}{name}: must be at least {minimum}, got {number}")
        return number

    def number(self, name: str, default: float) -> float:
        value = self.text(name)
        if value is None:
            return default
        try:
            parsed = float(value)
        except ValueError:
            raise SettingsError(f"{PREFIX}{name}: not a number: {value!r}") from None
        if parsed < 0:
            raise SettingsError(f"{PREFIX}{name}: must not be negative, got {value!r}")
        return parsed

    def decimal(self, name: str, default: str) -> Decimal:
        value = self.text(name, default) or default
        try:
            parsed = Decimal(value)
        except InvalidOperation:
            raise SettingsError(f"{PREFIX}{name}: not a decimal amount: {value!r}") from None
        if not parsed.is_finite() or parsed < 0:
            raise SettingsError(f"{PREFIX}{name}: must be a non-negative amount, got {value!r}")
        return parsed
