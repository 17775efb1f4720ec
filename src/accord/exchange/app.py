"""The node's HTTP API: an app factory assembling one router per resource.

:func:`create_app` builds the FastAPI app for one workspace: the routers (health, the
API under ``/api/v1/``), the problem documents every refusal and error becomes, the
middleware that signs every response (``sign_responses``), and a background task that
fetches the trust list every ``trust_list_refresh`` seconds and prunes stale nonces.
:func:`app_from_environment` is the factory uvicorn's worker processes call (the
workspace is in ``ACCORD_WORKSPACE``). :func:`with_pages` puts another app (the
portal's web pages, which the exchange does not import: ``accord serve`` names it)
beside the API, for every path outside it, sharing the API's workspace and lifespan.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from accord import __version__
from accord.exchange import balance, idempotency, trust
from accord.exchange import gate as gates
from accord.exchange.deps import Node
from accord.exchange.errors import TrustListError
from accord.exchange.problems import MEDIA_TYPE, Refusal, printable
from accord.exchange.routes import (
    agreements,
    audit,
    catalogue,
    cosignatures,
    health,
    lookups,
    shares,
)
from accord.exchange.sign_responses import SignResponses
from accord.store import POOL_CONNECTIONS, StoreError, Workspace, open_workspace

log = logging.getLogger("accord.exchange")
API = "/api/v1"
THREADS = POOL_CONNECTIONS // 2
"""Requests a worker runs in threads at once: each may hold two of the store's
connections at a time (a transaction's, and a read's), so no more than half the pool."""


def create_app(root: Path) -> FastAPI:
    """The API of the node whose workspace is at ``root``."""
    ws = open_workspace(root)
    shared = os.environ.get(balance.ENVIRONMENT)
    board = balance.Board(Path(shared)) if shared else None
    node = Node(ws, gates.Gate(ws), alone=board is None)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # A request's store work may hold one connection while it takes a second (a
        # share's audit transaction, then a read); with more threads than half the
        # connection pool, every connection can be held by a thread waiting for another.
        to_thread.current_default_thread_limiter().total_tokens = THREADS
        task = asyncio.create_task(_keep_fresh(node))
        _freeze()
        try:
            yield
        finally:
            _unfreeze()
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
            if board is not None:
                board.close()
            ws.close()

    app = FastAPI(
        title="Accord node API",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        description="Every /api/v1 request and every response is signed (RFC 9421,"
        " Ed25519; docs/exchange.md).",
    )
    app.state.node = node
    app.include_router(health.router)
    app.include_router(catalogue.router, prefix=API)
    app.include_router(audit.router, prefix=API)
    app.include_router(cosignatures.router, prefix=API)
    app.include_router(agreements.router, prefix=API)
    app.include_router(shares.router, prefix=API)
    app.include_router(lookups.router, prefix=API)
    # The lookup (the request a node answers most) is also a plain route, matched ahead
    # of every router: the same function, reached without FastAPI's matching through
    # each included router and its handler's parameter and dependency machinery (the
    # route has neither), a tenth of a lookup's time on the event loop. Its APIRoute
    # above documents it (OpenAPI) and is never reached.
    app.router.routes.insert(
        0, Route(f"{API}/lookups", lookups.lookup, methods=["POST"], include_in_schema=False)
    )
    _problems(app, node)
    app.add_middleware(SignResponses, node=node)
    if board is not None:  # several workers: their shares of the connections kept even
        app.add_middleware(balance.Balance, board=board)
    return app


def app_from_environment() -> FastAPI:
    """The app of the workspace in ``ACCORD_WORKSPACE`` (uvicorn's worker factory)."""
    return create_app(Path(os.environ.get("ACCORD_WORKSPACE", ".")))


API_PATHS = ("/api/", "/healthz", "/readyz", "/openapi.json")
"""What the API answers (with problem documents and signed responses); every other path
goes to the pages beside it, when there are any."""
Pages = Callable[[Workspace], ASGIApp]
"""Makes the app that answers every path outside the API, for the node's workspace."""


_frozen = 0
_frozen_lock = threading.Lock()


def _freeze() -> None:
    """Leave what the worker holds by now (the libraries' modules and objects, about
    150,000) out of the collector's full collections: each walked them all, up to 74 ms
    in whichever request set it off. Counted, for several apps in one process (tests):
    the last to stop lets them be collected again."""
    global _frozen
    with _frozen_lock:
        _frozen += 1
        gc.collect()
        gc.freeze()


def _unfreeze() -> None:
    global _frozen
    with _frozen_lock:
        _frozen -= 1
        if _frozen == 0:
            gc.unfreeze()  # collected as the worker ends, as everything else is


class WithPages:
    """The node's API, and another app (the pages) for every path outside the API.

    The API keeps everything it does (signatures, problem documents, its lifespan: the
    pages share its workspace, which it opens and closes); the pages answer in their own
    way (HTML, their own errors and headers)."""

    def __init__(self, api: FastAPI, pages: ASGIApp) -> None:
        self.api = api
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        ours = scope["type"] == "lifespan" or path.startswith(API_PATHS[0]) or path in API_PATHS
        await (self.api if ours else self.pages)(scope, receive, send)


def with_pages(root: Path, pages: Pages) -> WithPages:
    """The API of the node at ``root`` with ``pages(workspace)`` beside it."""
    api = create_app(root)
    node: Node = api.state.node
    return WithPages(api, pages(node.ws))


def _problem(refusal: Refusal) -> JSONResponse:
    return JSONResponse(refusal.document(), status_code=refusal.status, media_type=MEDIA_TYPE)


def _problems(app: FastAPI, node: Node) -> None:
    """Every refusal and error as a problem document; refusals recorded in the log."""

    async def refused(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Refusal)
        raw = request.scope.get("raw_path") or request.url.path.encode()
        if not exc.recorded:
            await run_in_threadpool(gates.record_refusal, node.ws, exc, path=raw.decode("latin-1"))
        return _problem(exc)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        loc = tuple(str(p) for p in first.get("loc", ()))
        if loc[:1] == ("path",):
            # An identifier in the path that is not one (a traversal, a hostile name):
            # refused as such and recorded, as every refusal of a signed request is.
            caller = getattr(request.state, "caller", None)
            refusal = Refusal(
                "invalid-identifier",
                f"the {loc[-1]} in the path is not a valid identifier",
                requester=getattr(caller, "org", ""),
            )
            return await refused(request, refusal)
        where = ".".join(loc)
        return _problem(Refusal("invalid-request", printable(f"{where}: {first.get('msg', '')}")))

    async def http(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "invalid-request")
        return _problem(Refusal(code, printable(str(exc.detail))))

    app.add_exception_handler(Refusal, refused)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http)


async def _keep_fresh(node: Node) -> None:
    """Fetch the trust list now and every ``trust_list_refresh`` seconds; prune nonces.
    A failed fetch leaves the list in force (until its grace period ends)."""
    settings = node.ws.settings
    while True:
        if settings.trust_list_url is not None:
            try:
                await run_in_threadpool(trust.fetch, node.ws)
            except (TrustListError, StoreError) as exc:
                log.warning("trust list not refreshed: %s", exc)
        with suppress(StoreError):
            await run_in_threadpool(gates.prune, node.ws)
            await run_in_threadpool(idempotency.prune, node.ws)
        await asyncio.sleep(settings.trust_list_refresh)
