"""Gateway settings for a choice of vendors on the bundled sandbox (shared by tests)."""

from __future__ import annotations

from typing import Any

from sources import ROLE_SETTINGS, URL_SETTINGS, plugin_for

COMBINATIONS = {"sap-salesforce": {"erp": "sap", "crm": "salesforce"}}
COMBINATIONS["dynamics-zendesk"] = {"erp": "dynamics", "crm": "zendesk"}
"""The vendor combinations every integration test of a role runs against."""


def vendor_env(sandbox_root: str, **chosen: str) -> dict[str, str]:
    """``ORDER360_*`` settings choosing these vendors (``erp="dynamics"``) on the sandbox
    served at ``sandbox_root`` (its URLs and its well-known credentials)."""
    environ: dict[str, str] = {}
    for role, name in chosen.items():
        plugin = plugin_for(role, name)  # type: ignore[arg-type]
        key: Any = role
        environ[f"ORDER360_{ROLE_SETTINGS[key]}"] = name
        environ[f"ORDER360_{URL_SETTINGS[key]}"] = f"{sandbox_root}/{plugin.sandbox_path}"
        for setting in plugin.settings:
            if setting.sandbox:
                environ[f"ORDER360_{setting.name}"] = setting.sandbox.replace(
                    "{sandbox}", sandbox_root
                )
    return environ
