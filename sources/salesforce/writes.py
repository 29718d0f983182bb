"""CRM writes: cases (upsert by our external id) and case comments, Salesforce REST.

Case creation is idempotent by Salesforce's own mechanism, upsert on an external-id
field (``Order360_Request_Id__c``). CaseComment has no external id, so a comment
carries a marker and is looked up before it is posted again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..call import CallContext
from ..config import CrmConfig
from ..errors import SourceBadResponse
from ..http import Upstream
from .soql import soql_literal
from .wire import query_records

__all__ = ["CrmWrites"]


class CrmWrites:
    """The CRM operations the governed processes execute."""

    def __init__(self, upstream: Upstream, config: CrmConfig) -> None:
        self._upstream = upstream
        self._base = f"/services/data/{config.api_version}"

    async def upsert_case(
        self, external_id: str, fields: Mapping[str, Any], call: CallContext
    ) -> tuple[str, bool]:
        """Create or update the case keyed by our id; returns (Salesforce id, created)."""
        answer = await self._upstream.request(
            "PATCH",
            f"{self._base}/sobjects/Case/Order360_Request_Id__c/{external_id}",
            call,
            json_body=dict(fields),
            safe=True,  # an upsert by external id is idempotent
        )
        payload = answer.payload
        if not isinstance(payload, dict) or not payload.get("id"):
            raise SourceBadResponse("crm", "unexpected upsert answer")
        return str(payload["id"]), bool(payload.get("created"))

    async def comment_with_marker(self, case_id: str, marker: str, call: CallContext) -> str | None:
        """An earlier comment on the case that carries ``marker``, if any."""
        soql = f"SELECT Id, CommentBody FROM CaseComment WHERE ParentId = {soql_literal(case_id)}"
        payload = await self._upstream.get_json(f"{self._base}/query", call, params={"q": soql})
        records, _ = query_records(payload)
        for record in records:
            if marker in str(record.get("CommentBody") or ""):
                return str(record["Id"])
        return None

    async def add_comment(
        self, case_id: str, body: str, call: CallContext, *, public: bool = False
    ) -> str:
        """Post a comment on the case; returns its id."""
        payload = await self._upstream.post_json(
            f"{self._base}/sobjects/CaseComment",
            call,
            body={"ParentId": case_id, "CommentBody": body, "IsPublished": public},
        )
        if not isinstance(payload, dict) or not payload.get("id"):
            raise SourceBadResponse("crm", "unexpected comment answer")
        return str(payload["id"])

    async def case_id_by_number(self, number: str, call: CallContext) -> str | None:
        """The Salesforce id of a case number."""
        soql = f"SELECT Id FROM Case WHERE CaseNumber = {soql_literal(number)}"
        payload = await self._upstream.get_json(f"{self._base}/query", call, params={"q": soql})
        records, _ = query_records(payload)
        return str(records[0]["Id"]) if records else None
