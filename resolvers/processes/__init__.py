"""Governed processes: refunds, replacements and service cases, run through the journal."""

from .base import Problem, ProcessSettings, Refused, Runtime, runtime_of
from .eligibility import RefundAsk, assess
from .refund import REFUND, approve_refund, reject_refund, request_refund
from .replacement import REPLACEMENT, request_replacement
from .replay import replay_workflow
from .service_case import add_case_comment, open_case

__all__ = [
    "REFUND",
    "REPLACEMENT",
    "Problem",
    "ProcessSettings",
    "RefundAsk",
    "Refused",
    "Runtime",
    "add_case_comment",
    "approve_refund",
    "assess",
    "open_case",
    "reject_refund",
    "replay_workflow",
    "request_refund",
    "request_replacement",
    "runtime_of",
]
