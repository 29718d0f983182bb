"""Constants and helpers shared by the sandbox tests (not a test module)."""

from __future__ import annotations

import datetime

import httpx
from starlette.applications import Starlette

ANCHOR = datetime.date(2026, 6, 1)
SB = "/sandbox"
OMS = f"{SB}/oms/admin/api/2024-01"
SALES = f"{SB}/erp/sap/opu/odata/sap/API_SALES_ORDER_SRV"
BILLING = f"{SB}/erp/sap/opu/odata/sap/API_BILLING_DOCUMENT_SRV"
STOCK = f"{SB}/erp/sap/opu/odata/sap/API_MATERIAL_STOCK_SRV"
CREDIT_MEMOS = f"{SB}/erp/sap/opu/odata/sap/API_CREDIT_MEMO_REQUEST_SRV"
RETURNS = f"{SB}/erp/sap/opu/odata/sap/API_CUSTOMER_RETURN_SRV"
SOQL = f"{SB}/crm/services/data/v60.0/query"
SOBJECTS = f"{SB}/crm/services/data/v60.0/sobjects"
SHOPIFY = {"X-Shopify-Access-Token": "shpat_sandbox_order360"}
ERP_AUTH = ("ORDER360_COMM", "sandbox-erp-password")
EASYPOST_AUTH = ("EZTK_sandbox_order360", "")


def make_client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox")


async def erp_csrf(client: httpx.AsyncClient, service: str = CREDIT_MEMOS) -> dict[str, str]:
    """SAP's handshake: the token header to send; the session cookie stays in `client`."""
    response = await client.get(f"{service}/", auth=ERP_AUTH, headers={"x-csrf-token": "Fetch"})
    assert response.status_code == 200, response.text
    return {"x-csrf-token": response.headers["x-csrf-token"]}


async def crm_token(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.post(
        f"{SB}/crm/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "order360-sandbox",
            "client_secret": "sandbox-crm-secret",
        },
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def fedex_token(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.post(
        f"{SB}/carrier/fedex/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "order360-fedex",
            "client_secret": "sandbox-fedex-secret",
        },
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def assert_odata_error(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "innererror"}
    assert error["message"]["lang"] == "en"
    inner = error["innererror"]
    assert {"application", "transactionid", "timestamp", "Error_Resolution", "errordetails"} <= set(
        inner
    )
    assert inner["errordetails"][0]["severity"] == "error"
    return error  # type: ignore[no-any-return]
