"""`Idempotency-Key` on Shopify creates (`sandbox.web.idempotency`), refused Shopify's way.

Shopify's newer APIs dedupe mutations by an idempotency key; the sandbox honours
the header on REST creates too, so a client that lost an answer can safely
retry. The same key with another request is refused with 422.
"""

from __future__ import annotations

from sandbox.oms.errors import ShopifyError
from sandbox.web.idempotency import HEADER, IdempotencyKeys, KeyReused, fingerprint

__all__ = ["HEADER", "REUSED", "ShopifyKeys", "fingerprint"]

REUSED = "Idempotency key reused with different parameters"


class ShopifyKeys(IdempotencyKeys):
    """Idempotency keys whose reuse for another request is Shopify's 422."""

    def replay(self, scope: str, key: str, print_: str) -> object | None:
        try:
            return super().replay(scope, key, print_)
        except KeyReused as exc:
            raise ShopifyError(422, {"base": [REUSED]}) from exc
