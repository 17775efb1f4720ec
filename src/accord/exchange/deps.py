"""The API's dependencies, named once: the node, and the caller the gate admitted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from accord.exchange.gate import Gate, NonceClaim
from accord.exchange.models import Caller
from accord.exchange.problems import Refusal
from accord.store import Workspace, reading

T = TypeVar("T")


@dataclass
class Node:
    """What every route of one worker shares: the workspace and the gate."""

    ws: Workspace
    gate: Gate

    @property
    def node_id(self) -> str:
        return self.gate.node_id


def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


NodeDep = Annotated[Node, Depends(get_node)]


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, refused with 413 as soon as it passes ``limit`` bytes (by its
    Content-Length, or while it streams in): never read whole first."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Refusal(
            "body-too-large",
            f"the body is {int(declared):,} bytes; this node reads at most {limit:,}",
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refusal(
                "body-too-large",
                f"the body is over {limit:,} bytes; this node reads at most {limit:,}",
            )
    return bytes(body)


async def get_caller(request: Request, node: NodeDep) -> Caller:
    """The caller, if its request passes the gate (run in a worker thread: it reads and
    writes the store); else the :class:`Refusal` that becomes the problem document."""
    return await admitted(request, node, lambda caller, _claim: caller)


async def admitted(
    request: Request,
    node: Node,
    work: Callable[[Caller, NonceClaim | None], T],
    *,
    claimed: bool = False,
) -> T:
    """``work`` for the caller the gate admits, run in the same worker thread as the
    gate: one hop off the event loop for a route that does its work in a thread too (a
    lookup), not two. The body is read first, within the node's limit.

    ``claimed``: the gate only checks that the nonce is not kept yet; ``work`` is given
    it as a claim for the commit of the request's records
    (``audit.transaction(claim=...)``), and if the work ends with the claim not made
    (it recorded nothing, or failed first), or fails, the nonce is kept before the
    request is answered: a replay is refused either way."""
    body = await read_body(request, node.ws.settings.max_body_bytes)
    request.state.body = body  # the stream is read once: a route takes it from here
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    fields = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]]
    query = request.scope.get("query_string", b"").decode("latin-1")
    gate = node.gate

    def admit_then_work() -> T:
        # The request's reads of the store (the trust list's head, the agreements', the
        # registers', a key version, a kitemark, the snapshot) on one connection.
        with reading(node.ws.engine):
            return admitted_work()

    def admitted_work() -> T:
        caller = gate.admit(request.method, raw_path.decode("latin-1"), query, fields, body,
                            remember=not claimed)  # fmt: skip
        # Kept for the refusal of a request whose parameters then fail validation.
        request.state.caller = caller
        if not claimed:
            return work(caller, None)
        claim = gate.claim(caller)
        try:
            answer = work(caller, claim)
        except Refusal as refusal:
            # Refused before its records (and claim) were committed: the nonce kept now,
            # a replay's refusal over this one (in the log once: this one's if it was).
            if not claim.made:
                gate.remember(caller, recorded=refusal.recorded)
            raise
        except BaseException:
            gate.keep(caller)  # failed: a claim made rolled back with its commit
            raise
        if not claim.made:  # answered without recording (an idempotent retry's answer)
            gate.remember(caller)
        return answer

    return await run_in_threadpool(admit_then_work)


CallerDep = Annotated[Caller, Depends(get_caller)]


def signed_body(request: Request) -> bytes:
    """The body of a request the gate admitted (a route that depends on the caller)."""
    body: bytes = request.state.body
    return body
