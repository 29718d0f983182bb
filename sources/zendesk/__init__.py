"""Zendesk Support as the service desk: tickets and users over the Support API v2."""

from .plugin import ZENDESK, ZendeskServiceDesk

__all__ = ["ZENDESK", "ZendeskServiceDesk"]
