"""Microsoft Dynamics 365 Finance & Operations as the ``erp`` role (OData v4 data entities)."""

from .plugin import DYNAMICS, DynamicsErp

__all__ = ["DYNAMICS", "DynamicsErp"]
