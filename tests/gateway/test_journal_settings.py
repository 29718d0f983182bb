"""ORDER360_JOURNAL_TIMEOUT_MS: the journal's bound, never past the request deadline."""

from __future__ import annotations

import pytest

from gateway.settings import SettingsError, load_settings


def test_journal_timeout_defaults_inside_the_request_deadline() -> None:
    assert load_settings({}, env_file=None).journal_timeout_ms == 2000
    shorter = {"ORDER360_REQUEST_DEADLINE_MS": "900"}
    assert load_settings(shorter, env_file=None).journal_timeout_ms == 900
    given = {"ORDER360_JOURNAL_TIMEOUT_MS": "750"}
    assert load_settings(given, env_file=None).journal_timeout_ms == 750


@pytest.mark.parametrize("value", ["0", "soon", "2501"])
def test_bad_journal_timeouts_name_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="ORDER360_JOURNAL_TIMEOUT_MS"):
        load_settings({"ORDER360_JOURNAL_TIMEOUT_MS": value}, env_file=None)
