"""Simulated Shopify Admin REST API (2024-01): orders, customers, transactions."""
