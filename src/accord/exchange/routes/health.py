"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: store, log, trust
list). Unsigned requests are answered here only: a load balancer has no node key."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from accord.exchange import readiness
from accord.exchange.deps import NodeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready; the failing checks say why."}})
def readyz(node: NodeDep) -> JSONResponse:
    """The store and the audit log answer, and a usable trust list holds this node."""
    checks = readiness.checks(node.ws, node.gate, datetime.now(UTC))
    ready = all(c["ok"] for c in checks)
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )
