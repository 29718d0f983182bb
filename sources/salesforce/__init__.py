"""Salesforce as the service desk: REST API, SOQL reads, upserts by external id."""

from .client import CrmClient
from .plugin import SALESFORCE, SalesforceServiceDesk

__all__ = ["SALESFORCE", "CrmClient", "SalesforceServiceDesk"]
