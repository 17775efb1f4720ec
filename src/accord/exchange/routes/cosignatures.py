"""``/api/v1/audit/checkpoints/{size}/cosignatures``: a witness's cosignature of one of
this node's signed checkpoints (``cosigning.accept``: the ``witness`` role, the caller's
trust-list key, exactly the note this node signed for that size and root)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool

from accord.exchange import cosigning
from accord.exchange.deps import CallerDep, NodeDep, signed_body
from accord.exchange.models import Cosignature, CosignatureReceipt
from accord.exchange.routes import REFUSALS, body_schema
from accord.exchange.routes.audit import MAX_SIZE

router = APIRouter(prefix="/audit/checkpoints", tags=["audit"], responses=REFUSALS)


@router.post(
    "/{size}/cosignatures",
    response_model=CosignatureReceipt,
    openapi_extra=body_schema(Cosignature),
)
async def cosign(
    size: Annotated[int, Path(ge=1, le=MAX_SIZE, description="The checkpoint's tree size.")],
    request: Request,
    caller: CallerDep,
    node: NodeDep,
) -> CosignatureReceipt:
    """A witness (``witness`` role) cosigned this node's checkpoint of ``size`` entries:
    kept beside it once its trust-list key verifies it, recorded as ``checkpoint.cosigned``.
    The same witness cosigning again keeps the first."""
    body = signed_body(request)
    return await run_in_threadpool(cosigning.accept, node.ws, caller, size, body)
