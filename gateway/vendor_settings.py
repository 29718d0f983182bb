"""Which vendor plays each role, and the settings its plug-in declares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sources import (
    DEFAULT_VENDORS,
    ROLE_SETTINGS,
    SOURCE_NAMES,
    Plugin,
    Role,
    Secret,
    VendorSettings,
    plugin_for,
)

from .setting_reader import PREFIX, Reader, SettingsError

__all__ = ["SANDBOX_PLACEHOLDER", "VendorChoice", "read_vendors"]

SANDBOX_PLACEHOLDER = "{sandbox}"
"""Stands for the sandbox's root URL in a plug-in's sandbox values (a token endpoint)."""


@dataclass(frozen=True, slots=True)
class VendorChoice:
    """The vendor chosen for one role and the settings it declared, as read."""

    plugin: Plugin
    values: Mapping[str, str]
    secrets: Mapping[str, Secret]

    def at(self, base_url: str, sandbox_root: str = "") -> tuple[Plugin, VendorSettings]:
        """The vendor and its settings with its API at ``base_url``."""

        def placed(value: str) -> str:
            return value.replace(SANDBOX_PLACEHOLDER, sandbox_root)

        values = {name: placed(value) for name, value in self.values.items()}
        secrets = {name: Secret(placed(secret.reveal())) for name, secret in self.secrets.items()}
        return self.plugin, VendorSettings(base_url, values, secrets)


def read_vendors(read: Reader, *, sandbox: bool, production: bool) -> dict[Role, VendorChoice]:
    """The vendor of each role and the settings it declares: the sandbox's values against
    the sandbox; in development, those where unset; in production, every setting without
    a vendor default must be set (a sandbox credential never reaches a real system)."""
    chosen: dict[Role, VendorChoice] = {}
    for role in SOURCE_NAMES:
        name = read.required(ROLE_SETTINGS[role], DEFAULT_VENDORS[role])
        try:
            plugin = plugin_for(role, name.strip().lower())
        except KeyError as exc:
            raise SettingsError(
                f"{PREFIX}{ROLE_SETTINGS[role]}: {exc.args[0]}, got {name!r}"
            ) from None
        values: dict[str, str] = {}
        secrets: dict[str, Secret] = {}
        for setting in plugin.settings:
            # Against the sandbox its own values; otherwise the vendor's default, and the
            # sandbox's value where the vendor has none (as for every credential so far).
            if sandbox and setting.sandbox:
                fallback = setting.sandbox
            else:
                fallback = setting.default if setting.default is not None else setting.sandbox
            if production and setting.default is None and read.text(setting.name) is None:
                raise SettingsError(f"{PREFIX}{setting.name}: required in production")
            raw = read.text(setting.name, fallback) or ""
            if SANDBOX_PLACEHOLDER in raw and not sandbox:
                raise SettingsError(f"{PREFIX}{setting.name}: required with upstream URLs set")
            if setting.name.endswith("_URL") and raw and SANDBOX_PLACEHOLDER not in raw:
                raw = read.url(setting.name, raw) or ""
            if setting.secret:
                secrets[setting.name] = Secret(raw)
            else:
                values[setting.name] = raw
        chosen[role] = VendorChoice(plugin, values, secrets)
    return chosen
