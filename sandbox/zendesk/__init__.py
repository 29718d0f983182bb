"""Zendesk Support API v2 over the generated world (tickets, users, comments)."""
