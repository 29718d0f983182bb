"""CRM source: Salesforce REST + SOQL."""

from .client import CrmClient

__all__ = ["CrmClient"]
