"""Simulated parcel carriers: the FedEx Track API and EasyPost trackers (UPS, USPS)."""
