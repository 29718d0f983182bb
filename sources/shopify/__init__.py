"""Shopify as the order system: Admin REST API with an access token."""

from .client import OmsClient
from .plugin import SHOPIFY, ShopifyOrderSystem

__all__ = ["SHOPIFY", "OmsClient", "ShopifyOrderSystem"]
