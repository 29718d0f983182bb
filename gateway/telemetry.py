"""Logging set-up: the only place that configures logging. Every line carries the request id."""

from __future__ import annotations

import logging

from .middleware import current_request_id

__all__ = ["configure_logging"]


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


def configure_logging(level: str = "INFO") -> None:
    """Plain-text logs on stderr with the request id of the request being served."""
    handler = logging.StreamHandler()
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger("order360")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
