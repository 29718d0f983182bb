"""Governed processes: refunds, replacements and service cases, run through the journal."""

from .base import Problem, ProcessSettings, Refused, Runtime, runtime_of
from .eligibility import RefundAsk, assess
from .engine import backoff_s, failure_problem
from .operations import PLANS, drive, replay_workflow, resolve_workflow, visible_workflow
from .refund import REFUND, approve_refund, reject_refund, request_refund
from .replacement import REPLACEMENT, request_replacement
from .service_case import PRIORITIES, add_case_comment, open_case

__all__ = [
    "PLANS",
    "PRIORITIES",
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
    "backoff_s",
    "drive",
    "failure_problem",
    "open_case",
    "reject_refund",
    "replay_workflow",
    "request_refund",
    "request_replacement",
    "resolve_workflow",
    "runtime_of",
    "visible_workflow",
]
