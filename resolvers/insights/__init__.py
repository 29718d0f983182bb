"""Cross-system views of one order computed from canonical models: timeline, discrepancies."""

from .discrepancies import Finding, find_discrepancies
from .timeline import Happening, OrderFacts, build_timeline

__all__ = ["Finding", "Happening", "OrderFacts", "build_timeline", "find_discrepancies"]
