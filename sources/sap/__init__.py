"""SAP S/4HANA Cloud as the ERP: OData v2 A2X APIs, Basic auth, CSRF-guarded writes."""

from .client import ErpClient
from .plugin import SAP, SapErp

__all__ = ["SAP", "ErpClient", "SapErp"]
