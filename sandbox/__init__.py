"""Order360's sandbox: simulated ERP, OMS, CRM and carriers plus a dev token issuer.

It speaks the real vendors' wire formats over generated, seeded data, so a
newcomer can run everything with one command and tests can inject faults.
It imports nothing from `gateway`, `resolvers` or `sources`.
"""

from sandbox.app import create_sandbox_app, create_standalone_app
from sandbox.config import SandboxConfig, SandboxCredentials
from sandbox.idp.keys import generate_signing_key, load_or_create_signing_key
from sandbox.idp.tokens import issue_token

__all__ = [
    "SandboxConfig",
    "SandboxCredentials",
    "create_sandbox_app",
    "create_standalone_app",
    "generate_signing_key",
    "issue_token",
    "load_or_create_signing_key",
]
