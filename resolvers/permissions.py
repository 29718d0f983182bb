"""Field permissions: small classes that ask the gateway's policy, never decide themselves."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from .context import Info

__all__ = ["HasAnyScope", "HasScope", "requires", "requires_any_silently"]


class HasScope(BasePermission):
    """The caller's token must grant ``scope``; otherwise the field is null with FORBIDDEN."""

    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 - strawberry reads a class attribute

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self.message = f"This field needs the {scope} scope."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Ask the policy whether the principal holds the scope."""
        context = info.context
        return context.policy.allows(context.principal, self.scope)


def requires(*scopes: str) -> list[FieldExtension]:
    """Field extensions that demand every scope in ``scopes``."""
    return [PermissionExtension(permissions=[HasScope(s) for s in scopes], use_directives=False)]


class HasAnyScope(BasePermission):
    """The caller's token must grant at least one of ``scopes``."""

    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 - strawberry reads a class attribute

    def __init__(self, *scopes: str) -> None:
        self.scopes = scopes
        self.message = f"This field needs one of the scopes {', '.join(scopes)}."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Ask the policy for each scope in turn."""
        context = info.context
        return any(context.policy.allows(context.principal, s) for s in self.scopes)


def requires_any_silently(*scopes: str) -> list[FieldExtension]:
    """Demand one of ``scopes``; without it a list field is simply empty."""
    return [
        PermissionExtension(
            permissions=[HasAnyScope(*scopes)], use_directives=False, fail_silently=True
        )
    ]
