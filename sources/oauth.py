"""authlib's OAuth2 client for httpx, imported without its httpx2 nag.

authlib 1.9 prefers the ``httpx2`` fork and warns once on import when it falls back
to ``httpx``, which our stack uses and authlib still supports. The warning is
silenced for this import only; authlib's own filter is installed first so that ours
takes precedence over it, and both vanish when the block ends.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    import authlib.deprecate  # noqa: F401 - installs authlib's "always" filter first

    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client

__all__ = ["AsyncOAuth2Client", "OAuthError"]
