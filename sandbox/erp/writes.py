"""ERP writes: `POST` deep inserts into the creatable entity sets, answered like SAP.

Success is 201 with the created entity (items inline) in `d` and its URI in
`Location`. The body is read before this runs; from validation to insert
nothing awaits, so concurrent posts of one external reference cannot both pass
the duplicate check.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from sandbox.erp.after_sales import create_credit_memo_request, create_customer_return
from sandbox.erp.encode import Encoder, service_root
from sandbox.erp.entities import EntitySet
from sandbox.erp.errors import ODataError
from sandbox.erp.payload import Payload, parse_body
from sandbox.erp.query import Options
from sandbox.erp.store import ErpStore
from sandbox.web.replies import json_reply
from sandbox.world import WorldWriter

NOT_ALLOWED = "/IWBEP/CM_MGW_RT/021"
Creator = Callable[[WorldWriter, Payload], str]
_CREATORS: dict[str, Creator] = {
    "A_CreditMemoRequest": create_credit_memo_request,
    "A_CustomerReturn": create_customer_return,
}


def not_allowed(method: str, resource: str) -> ODataError:
    return ODataError(405, f"Method {method} is not allowed for resource {resource}", NOT_ALLOWED)


class ErpWrites:
    def __init__(self, store: ErpStore, writer: WorldWriter) -> None:
        self._store = store
        self._writer = writer

    def create(self, request: Request, es: EntitySet, raw: bytes) -> Response:
        creator = _CREATORS.get(es.name)
        if creator is None:
            raise not_allowed(request.method, es.name)
        number = creator(self._writer, parse_body(raw))
        row = self._store.get(es, (number,))
        if row is None:  # the writer's listener keeps built sets current; never expected
            raise ODataError(500, f"Created {es.name} {number} cannot be read back")
        encoder = Encoder(self._store, service_root(request))
        entity = encoder.entity(es, row, Options(expand=list(es.navs)))
        return json_reply({"d": entity}, 201, {"Location": entity["__metadata"]["uri"]})
