"""Carrier sources: FedEx Track and EasyPost trackers behind one hub."""

from .base import Carrier
from .easypost import EasyPostCarrier
from .fedex import FedExCarrier
from .hub import CarrierHub, TrackingRef

__all__ = ["Carrier", "CarrierHub", "EasyPostCarrier", "FedExCarrier", "TrackingRef"]
