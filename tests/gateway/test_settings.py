"""Settings come from ORDER360_* variables, once, with one clear line per bad value."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from gateway.settings import SANDBOX_ISSUER, SettingsError, load_settings
from sources import DEFAULT_VENDORS, plugin_for


def test_defaults_mean_sandbox_mode() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.sandbox_mode
    assert settings.env == "development"
    assert settings.request_deadline_ms == 2500
    assert settings.refund_approval_threshold == Decimal("100.00")
    assert settings.auth.issuer == SANDBOX_ISSUER
    assert settings.auth.audience == "order360"


def test_with_sandbox_at_fills_every_upstream() -> None:
    settings = load_settings({}, env_file=None).with_sandbox_at("http://127.0.0.1:8000")
    assert settings.mount_sandbox
    assert settings.sources is not None
    erp, erp_settings = settings.sources.vendors["erp"]
    assert (erp.name, erp_settings.base_url) == ("sap", "http://127.0.0.1:8000/sandbox/erp")
    _, carrier_settings = settings.sources.vendors["carrier"]
    assert carrier_settings.base_url == "http://127.0.0.1:8000/sandbox/carrier"
    assert settings.auth.jwks_url == "http://127.0.0.1:8000/sandbox/idp/.well-known/jwks.json"


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"ORDER360_ENV": "staging"}, "ORDER360_ENV"),
        ({"ORDER360_REQUEST_DEADLINE_MS": "soon"}, "ORDER360_REQUEST_DEADLINE_MS"),
        ({"ORDER360_REQUEST_DEADLINE_MS": "0"}, "ORDER360_REQUEST_DEADLINE_MS"),
        ({"ORDER360_REFUND_APPROVAL_THRESHOLD": "-5"}, "ORDER360_REFUND_APPROVAL_THRESHOLD"),
        ({"ORDER360_ERP_URL": "ftp://erp"}, "ORDER360_ERP_URL"),
        ({"ORDER360_ERP_URL": "http://erp.example"}, "ORDER360_OMS_URL"),
        ({"ORDER360_ENV": "production"}, "ORDER360_ERP_URL"),
        ({"ORDER360_ERP": "oracle"}, "ORDER360_ERP"),
        ({"ORDER360_SERVICE_DESK": "freshdesk"}, "ORDER360_SERVICE_DESK"),
    ],
)
def test_bad_settings_name_the_variable(environ: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ, env_file=None)
    assert names in str(caught.value)
    assert "\n" not in str(caught.value)


def test_production_refuses_the_implicit_sandbox_issuer() -> None:
    environ = {
        f"ORDER360_{name}_URL": f"https://{name.lower()}.example"
        for name in ("ERP", "OMS", "CRM", "CARRIER")
    }
    environ |= {"ORDER360_ENV": "production", "ORDER360_JWKS_URL": "https://idp.example/jwks"}
    with pytest.raises(SettingsError, match="ORDER360_OMS_ACCESS_TOKEN: required in production"):
        load_settings(environ, env_file=None)
    for role, vendor in DEFAULT_VENDORS.items():
        for setting in plugin_for(role, vendor).settings:
            environ.setdefault(f"ORDER360_{setting.name}", "set-by-the-deployment")
    environ["ORDER360_FEDEX_URL"] = environ["ORDER360_EASYPOST_URL"] = "https://c.example"
    with pytest.raises(SettingsError, match="ORDER360_ISSUER"):
        load_settings(environ, env_file=None)
    settings = load_settings(environ | {"ORDER360_ISSUER": "https://idp.example"}, env_file=None)
    assert not settings.graphiql
    assert not settings.sandbox_mode


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("ORDER360_REQUEST_DEADLINE_MS=900\nORDER360_SANDBOX_SEED=7\n")
    settings = load_settings({"ORDER360_SANDBOX_SEED": "8"}, env_file=env_file)
    assert settings.request_deadline_ms == 900
    assert settings.sandbox.seed == 8


def test_each_role_takes_the_vendor_chosen_with_the_sandbox_values() -> None:
    environ = {"ORDER360_ERP": "dynamics", "ORDER360_SERVICE_DESK": "Zendesk"}
    settings = load_settings(environ, env_file=None).with_sandbox_at("http://127.0.0.1:8000")
    assert settings.sources is not None
    vendors = settings.sources.vendors
    assert {role: plugin.name for role, (plugin, _) in vendors.items()} == {
        "oms": "shopify",
        "erp": "dynamics",
        "crm": "zendesk",
        "carrier": "fedex-easypost",
    }
    _, erp = vendors["erp"]
    assert erp.base_url == "http://127.0.0.1:8000/sandbox/dynamics"
    # The token endpoint is the sandbox's, not Microsoft's: the sandbox runs offline.
    assert erp.value("DYNAMICS_TOKEN_URL").startswith("http://127.0.0.1:8000/sandbox/dynamics/")
    _, crm = vendors["crm"]
    assert crm.base_url == "http://127.0.0.1:8000/sandbox/zendesk"
    assert crm.value("ZENDESK_OMS_ORDER_ID_FIELD_ID")


def test_a_sandbox_only_value_must_be_set_with_upstream_urls() -> None:
    environ = {
        f"ORDER360_{name}_URL": f"https://{name.lower()}.example"
        for name in ("ERP", "OMS", "CRM", "CARRIER")
    } | {"ORDER360_JWKS_URL": "https://idp.example/jwks", "ORDER360_ERP": "dynamics"}
    settings = load_settings(environ, env_file=None)
    assert settings.sources is not None
    _, erp = settings.sources.vendors["erp"]
    assert erp.value("DYNAMICS_TOKEN_URL") == ""  # derived from the tenant: Entra ID


def test_secrets_do_not_show_in_repr() -> None:
    settings = load_settings({}, env_file=None).with_sandbox_at("http://127.0.0.1:1")
    assert "sandbox-erp-password" not in repr(settings.sources)


def test_events_go_to_nats_only_when_its_url_is_set() -> None:
    assert load_settings({}, env_file=None).events.nats_url is None
    events = load_settings(
        {
            "ORDER360_NATS_URL": "nats://127.0.0.1:4222",
            "ORDER360_NATS_STREAM": "T_1",
            "ORDER360_NATS_SUBJECT_PREFIX": "t1.events",
        },
        env_file=None,
    ).events
    assert (events.nats_url, events.stream, events.subject_prefix) == (
        "nats://127.0.0.1:4222",
        "T_1",
        "t1.events",
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ORDER360_NATS_URL", "http://127.0.0.1:4222"),
        ("ORDER360_NATS_STREAM", "ORDER360.EVENTS"),
        ("ORDER360_NATS_SUBJECT_PREFIX", "order360.>"),
        ("ORDER360_NATS_SUBJECT_PREFIX", "a..b"),
    ],
)
def test_bad_nats_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value}, env_file=None)
