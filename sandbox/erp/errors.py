"""SAP Gateway's error envelope (vendor-wire-formats §1.11) and the ERP fault dialect."""

from __future__ import annotations

import datetime
import uuid

from starlette.requests import Request
from starlette.responses import Response

from sandbox.web.guard import plain_seconds
from sandbox.web.replies import json_reply

_COMPONENTS = {
    "API_SALES_ORDER_SRV": "SD-SLS-API",
    "API_BILLING_DOCUMENT_SRV": "SD-BIL-API",
    "API_MATERIAL_STOCK_SRV": "MM-IM-API",
    "API_CREDIT_MEMO_REQUEST_SRV": "SD-SLS-API",
    "API_CUSTOMER_RETURN_SRV": "SD-SLS-API",
}
_RESOLUTION = {
    "SAP_Transaction": (
        'For backend administrators: use ADT feed reader "SAP Gateway Error Log" or run '
        "transaction /IWFND/ERROR_LOG on SAP Gateway hub system and search for entries with "
        "the timestamp above for more details"
    ),
    "SAP_Note": "See SAP Note 1797736 for error analysis (https://service.sap.com/sap/support/notes/1797736)",
}
_STATUS_CODES = {
    400: "/IWBEP/CM_MGW_RT/022",
    404: "/IWBEP/CM_MGW_RT/020",
    405: "/IWBEP/CM_MGW_RT/021",
    429: "/IWFND/CM_BEC/076",
    500: "/IWBEP/CM_MGW_RT/000",
    502: "/IWFND/CM_BEC/026",
    503: "/IWFND/CM_BEC/026",
    504: "/IWFND/CM_BEC/026",
}
_STATUS_TEXT = {
    429: "Too many requests: the communication user exceeded its request quota",
    500: "Internal server error in the backend system",
    502: "HTTP request failed with status code 502: Bad Gateway",
    503: "Service unavailable: the backend system is not reachable",
    504: "Timeout while waiting for the backend system",
}


class ODataError(Exception):
    """An error answered with SAP's OData error body."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _STATUS_CODES.get(status, "/IWBEP/CM_MGW_RT/000")


def error_body(service: str, code: str, message: str) -> dict[str, object]:
    now = datetime.datetime.now(datetime.UTC)
    return {
        "error": {
            "code": code,
            "message": {"lang": "en", "value": message},
            "innererror": {
                "application": {
                    "component_id": _COMPONENTS.get(service, "OPU-GW-COR"),
                    "service_namespace": "/SAP/",
                    "service_id": service,
                    "service_version": "0001",
                },
                "transactionid": uuid.uuid4().hex.upper(),
                "timestamp": f"{now:%Y%m%d%H%M%S}.{now.microsecond:06d}0",
                "Error_Resolution": _RESOLUTION,
                "errordetails": [
                    {
                        "code": code,
                        "message": message,
                        "propertyref": "",
                        "severity": "error",
                        "target": "",
                    }
                ],
            },
        }
    }


def _service(request: Request) -> str:
    return str(request.path_params.get("service", ""))


def error_reply(request: Request, error: ODataError) -> Response:
    return json_reply(error_body(_service(request), error.code, error.message), error.status)


class ErpDialect:
    def error(self, request: Request, status: int) -> Response:
        message = _STATUS_TEXT.get(status, f"Request failed with HTTP status {status}")
        return error_reply(request, ODataError(status, message))

    def throttled(self, request: Request) -> Response:
        return self.error(request, 429)

    def retry_after(self, seconds: float) -> str:
        return plain_seconds(seconds)
