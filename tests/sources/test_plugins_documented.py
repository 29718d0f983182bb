"""Every vendor in the plug-in table is documented where a user looks for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sources import PLUGINS, ROLE_SETTINGS, Plugin

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda p: p.name)
def test_the_readme_names_the_vendor_and_every_setting_it_reads(plugin: Plugin) -> None:
    assert f"`{plugin.name}`" in README
    assert f"`ORDER360_{ROLE_SETTINGS[plugin.role]}`" in README
    for setting in plugin.settings:
        assert f"ORDER360_{setting.name}" in README, setting.name


@pytest.mark.parametrize("plugin", [p for p in PLUGINS if p.name in ("dynamics", "zendesk")])
def test_added_vendors_have_design_notes(plugin: Plugin) -> None:
    assert (ROOT / "docs" / "vendors" / f"{plugin.name}.md").is_file()
