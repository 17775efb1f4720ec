"""``/api/v1/audit``: the node's signed checkpoint, its proofs, and one person's uses.

Checkpoint and proofs answer members with the ``witness`` role; a person's uses answer
members with the ``citizen-view`` role and are recorded (``transparency``). The
checkpoint is JSON, or with ``Accept: text/plain`` the C2SP signed note alone, as
transparency-log tooling reads it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from accord.exchange import transparency
from accord.exchange.deps import CallerDep, NodeDep
from accord.exchange.models import (
    ConsistencyProof,
    InclusionProof,
    MemberRole,
    PersonUses,
    SignedCheckpoint,
)
from accord.exchange.routes import REFUSALS
from accord.exchange.transparency import MAX_ROLE

router = APIRouter(prefix="/audit", tags=["audit"], responses=REFUSALS)

MAX_SIZE = 2**53 - 1
Size = Annotated[int | None, Query(ge=1, le=MAX_SIZE, description="A tree size (default: "
                                   "the newest checkpoint's).")]  # fmt: skip
NOTE = "text/plain; charset=utf-8"


@router.get(
    "/checkpoint",
    response_model=SignedCheckpoint,
    responses={200: {"content": {"text/plain": {}}}},
)
async def checkpoint(request: Request, caller: CallerDep, node: NodeDep) -> Response:
    """The newest signed checkpoint (``witness`` role): JSON, or the note as text/plain."""
    transparency.require(caller, MemberRole.WITNESS, "the audit log's checkpoint")
    if "text/plain" in request.headers.get("accept", ""):
        note = await run_in_threadpool(transparency.latest_note, node.ws)
        return PlainTextResponse(note, media_type=NOTE)
    found = await run_in_threadpool(transparency.checkpoint, node.ws)
    return Response(found.model_dump_json(), media_type="application/json")


@router.get("/proofs/inclusion", response_model=InclusionProof)
async def inclusion(
    caller: CallerDep,
    node: NodeDep,
    index: Annotated[int, Query(ge=0, le=MAX_SIZE, description="The entry.")],
    size: Size = None,
) -> InclusionProof:
    """Entry ``index`` is in the tree of ``size`` entries (``witness`` role)."""
    transparency.require(caller, MemberRole.WITNESS, "an inclusion proof")
    return await run_in_threadpool(transparency.inclusion, node.ws, index, size)


@router.get("/proofs/consistency", response_model=ConsistencyProof)
async def consistency(
    caller: CallerDep,
    node: NodeDep,
    first: Annotated[int, Query(ge=1, le=MAX_SIZE, description="The earlier tree size.")],
    second: Size = None,
) -> ConsistencyProof:
    """The tree of ``second`` entries extends that of ``first`` (``witness`` role)."""
    transparency.require(caller, MemberRole.WITNESS, "a consistency proof")
    return await run_in_threadpool(transparency.consistency, node.ws, first, second)


# One line of printable ASCII, not blank: what ``audit.staff_act`` accepts, said in the
# document so that a client (and Schemathesis) knows it before asking.
_LINE = r"^[ -~]*[!-~][ -~]*$"


@router.get("/persons/{person:path}/uses", response_model=PersonUses)
async def person_uses(
    person: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="The person key.")],
    caller: CallerDep,
    node: NodeDep,
    role: Annotated[str, Query(max_length=MAX_ROLE, pattern=_LINE, description="The acting "
                                "user's role (never a name).")],
    reason: Annotated[str, Query(max_length=1000, pattern=_LINE, description="Why (the "
                                  "person reads it).")],
) -> PersonUses:  # fmt: skip
    """One person's uses on this node, by its person key (``citizen-view`` role); the
    lookup is recorded as ``person.viewed``."""
    transparency.require(caller, MemberRole.CITIZEN_VIEW, "a person's uses")
    return await run_in_threadpool(
        lambda: transparency.person_uses(
            node.ws, caller, node.node_id, person, role=role, reason=reason
        )
    )
