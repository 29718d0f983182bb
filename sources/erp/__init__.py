"""ERP source: SAP S/4HANA OData v2."""

from .client import ErpClient

__all__ = ["ErpClient"]
