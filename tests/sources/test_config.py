"""Configuration value objects: secrets stay out of reprs, defaults match the vendors."""

from __future__ import annotations

from sources.config import CarrierConfig, CrmConfig, ErpConfig, OmsConfig, Secret


def test_secret_hides_itself():
    secret = Secret("hunter2")
    assert secret.reveal() == "hunter2"
    assert "hunter2" not in repr(secret)
    assert "hunter2" not in str(secret)
    assert "hunter2" not in repr(ErpConfig(base_url="https://erp.test", user="u", password=secret))
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert Secret("a") != "a"
    assert len({Secret("a"), Secret("a")}) == 1


def test_default_batch_limits_follow_the_vendor_caps():
    erp = ErpConfig(base_url="https://erp.test", user="u", password=Secret("p"))
    oms = OmsConfig(base_url="https://shop.test", access_token=Secret("t"))
    crm = CrmConfig(base_url="https://crm.test", client_id="c", client_secret=Secret("s"))
    carrier = CarrierConfig(
        fedex_url="https://fedex.test",
        fedex_client_id="c",
        fedex_client_secret=Secret("s"),
        easypost_url="https://easypost.test",
        easypost_api_key=Secret("k"),
    )
    assert erp.policy.batch_limit == 50  # URL budget is the real bound (no documented cap)
    assert oms.policy.batch_limit == 250
    assert crm.policy.batch_limit == 100
    assert carrier.policy.batch_limit == 30
    assert oms.api_version == "2024-01"
    assert crm.api_version == "v60.0"
