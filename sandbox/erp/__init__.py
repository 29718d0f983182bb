"""Simulated SAP S/4HANA Cloud: OData v2 sales orders, billing documents and stock."""
