"""``/api/v1/shares``: an extract of a dataset under an agreement, streamed as signed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from accord.exchange import idempotency, sharing
from accord.exchange.deps import CallerDep, NodeDep
from accord.exchange.models import ShareRequest
from accord.exchange.routes import REFUSALS, body_schema, invalid

router = APIRouter(prefix="/shares", tags=["shares"], responses=REFUSALS)

_CONTENT = {media: {"schema": {"type": "string", "format": "binary"}}
            for media in sharing.MEDIA_TYPES.values()}  # fmt: skip


@router.post(
    "",
    response_class=StreamingResponse,
    responses={200: {"content": _CONTENT, "description": "The extract, signed over its digest"}},
    openapi_extra=body_schema(ShareRequest),
)
async def share(request: Request, caller: CallerDep, node: NodeDep) -> StreamingResponse:
    """An extract of one dataset under an agreement: decided, opt-outs withheld,
    minimised and pseudonymised, each person recorded; Arrow IPC or CSV by ``Accept``."""
    fmt = sharing.negotiate(request.headers.get("accept"))
    key = idempotency.check_key(request.headers.get(idempotency.HEADER))
    try:
        asked = ShareRequest.model_validate_json(request.state.body)
    except ValidationError as exc:
        raise invalid(exc, caller.org) from None
    extract = await run_in_threadpool(
        sharing.serve_share, node.ws, caller, asked, fmt, key, node.node_id
    )
    return StreamingResponse(
        _chunks(extract.path),
        media_type=extract.media_type,
        headers={"Content-Digest": extract.digest, "Content-Length": str(extract.bytes)},
        background=None if extract.keep else BackgroundTask(extract.path.unlink, missing_ok=True),
    )


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 16):
            yield chunk
