"""``/api/v1/agreements``: agreements proposed, signed and acted on between nodes.

Each route takes the signed body the gate read and hands it to ``negotiation`` or
``propagation``, which decide what the calling party may do; the answer is a
:class:`~accord.exchange.models.Receipt` (where the agreement stands here now).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from accord.agreements import Agreement
from accord.exchange import negotiation, propagation
from accord.exchange.deps import CallerDep, NodeDep, signed_body
from accord.exchange.models import Act, Receipt
from accord.exchange.problems import Refusal
from accord.exchange.routes import REFUSALS, body_schema
from accord.store import is_name

router = APIRouter(prefix="/agreements", tags=["agreements"], responses=REFUSALS)


def _body(model: type[BaseModel], description: str) -> dict[str, Any]:
    """The body's schema in the document (the route reads the signed bytes itself)."""
    found = body_schema(model)
    found["requestBody"]["description"] = description
    return found


def _checked(agreement_id: str, caller: CallerDep) -> str:
    if not is_name(agreement_id):
        raise Refusal(
            "invalid-identifier",
            "the agreement id in the path is not an agreement id "
            "(lower-case letters, digits, '.', '_', '-')",
            requester=caller.org,
        )
    return agreement_id


@router.post(
    "",
    response_model=Receipt,
    openapi_extra=_body(
        Agreement, "The agreement (docs/agreements.md), signed by the calling party."
    ),
)
async def propose(request: Request, caller: CallerDep, node: NodeDep) -> Receipt:
    """A party proposes an agreement it signed: it waits in this node's inbox."""
    body = signed_body(request)
    return await run_in_threadpool(negotiation.receive, node.ws, caller, body)


@router.post(
    "/{agreement_id}/signatures",
    response_model=Receipt,
    openapi_extra=_body(Agreement, "The agreement with every signature the calling node holds."),
)
async def signatures(
    agreement_id: str, request: Request, caller: CallerDep, node: NodeDep
) -> Receipt:
    """A party's node sends the signatures it holds; this node keeps the new ones."""
    checked = _checked(agreement_id, caller)
    body = signed_body(request)
    return await run_in_threadpool(negotiation.receive, node.ws, caller, body, checked)


@router.post(
    "/{agreement_id}/status",
    response_model=Receipt,
    openapi_extra=_body(
        Act, "A party's signed act: suspend, revoke or decline (docs/exchange.md)."
    ),
)
async def status(agreement_id: str, request: Request, caller: CallerDep, node: NodeDep) -> Receipt:
    """A party suspended, revoked or declined the agreement: applied here at once."""
    checked = _checked(agreement_id, caller)
    body = signed_body(request)
    return await run_in_threadpool(propagation.receive_act, node.ws, caller, checked, body)
