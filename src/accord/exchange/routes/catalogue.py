"""``/api/v1/catalogue``: the datasets the caller's active agreements let it ask for."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool

from accord.exchange import service
from accord.exchange.deps import CallerDep, NodeDep
from accord.exchange.models import Catalogue, Offer
from accord.exchange.problems import Refusal
from accord.exchange.routes import REFUSALS
from accord.store import NAME_PATTERN

router = APIRouter(prefix="/catalogue", tags=["catalogue"], responses=REFUSALS)


@router.get("", response_model=Catalogue)
async def catalogue(caller: CallerDep, node: NodeDep) -> Catalogue:
    """The datasets this node offers the caller, as DCAT with the agreement's terms."""
    return await run_in_threadpool(service.catalogue_for, node.ws, caller, node.node_id)


DatasetName = Annotated[
    str,
    Path(
        pattern=NAME_PATTERN,
        description="A dataset name (lower-case letters, digits, '.', '_', '-').",
    ),
]


@router.get("/{dataset:path}", response_model=list[Offer])
async def offered(dataset: DatasetName, caller: CallerDep, node: NodeDep) -> list[Offer]:
    """One dataset's offers to the caller (one per agreement that covers it)."""
    found = await run_in_threadpool(service.catalogue_for, node.ws, caller, node.node_id)
    chosen = [o for o in found.datasets if o.dataset == dataset]
    if not chosen:
        raise Refusal(
            "not-found",
            f"no agreement lets {caller.node_id} ask this node for {dataset!r}",
            requester=caller.org,
        )
    return chosen
