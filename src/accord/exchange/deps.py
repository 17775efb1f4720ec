"""The API's dependencies, named once: the node, and the caller the gate admitted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from accord.exchange.gate import Gate, NonceClaim, prune
from accord.exchange.lookups import Answered, Cold
from accord.exchange.models import Caller
from accord.exchange.problems import Refusal
from accord.store import Workspace, governance_revision, reading

T = TypeVar("T")


@dataclass
class Node:
    """What every route of one worker shares: the workspace and the gate."""

    ws: Workspace
    gate: Gate
    warm: int | None = None
    """The store's governance revision under which this worker last answered a lookup
    in a thread, holding since what a lookup reads (``answered_on_loop``)."""
    alone: bool = True
    """Whether this worker is its node's only one (``accord serve`` with one worker):
    then the commit of a lookup's records is made on its event loop
    (``audit.transaction(on_loop=True)``), which has no other worker's turn to wait for."""

    @property
    def node_id(self) -> str:
        return self.gate.node_id

    @property
    def on_sqlite(self) -> bool:
        """Whether the store is a SQLite file (its reads never wait for a writer)."""
        return self.ws.engine.dialect.name == "sqlite"


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
    signed = await _signed(request, node)
    gate = node.gate

    def admit_then_work() -> T:
        # The request's reads of the store (the trust list's head, the agreements', the
        # registers', a key version, a kitemark, the snapshot) on one connection.
        with reading(node.ws.engine):
            return admitted_work()

    def admitted_work() -> T:
        caller = gate.admit(*signed, remember=not claimed)
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


async def answered_on_loop(
    request: Request, node: Node, work: Callable[[Caller, NonceClaim], Answered]
) -> bytes:
    """:func:`admitted` with ``claimed`` for a node on SQLite, whose work answers without
    waiting for its commit (a lookup with no idempotency key): the gate and the work run
    on the event loop, not in a worker thread, and the commit of the request's records
    (made with the nonce's claim by the audit log's writer thread, or, on a node of one
    worker, on this loop once its turn ends: :attr:`Node.alone`) is awaited without
    holding a thread. The gate and the lookup only read the store then, a SQLite file
    whose readers never wait for its writer; and the hop to a thread, with the threads
    contending for the interpreter, cost more than the reads (a tenth of a lookup's
    time). What writes (keeping a nonce the work did not claim, pruning) goes to a
    thread. Only while the worker holds what the work reads, so nothing slow runs on
    the loop (parsing agreements, unsealing the registers, loading a snapshot): if the
    store's governance revision moved since :attr:`Node.warm`, or the work says so,
    :class:`~accord.exchange.lookups.Cold` is raised, nothing admitted, recorded or
    claimed, for the caller to answer in a thread (:func:`admitted`)."""
    signed = await _signed(request, node)
    gate = node.gate
    claim: NonceClaim | None = None
    try:
        with reading(node.ws.engine):  # no await inside: the connection is this block's
            if governance_revision(node.ws.engine) != node.warm:
                raise Cold("what decides a lookup changed since the last")
            caller = gate.admit(*signed, remember=False, pruning=False)
            request.state.caller = caller
            claim = gate.claim(caller)
            answered = work(caller, claim)
        await asyncio.wrap_future(answered.committed)
        answer = answered.result()
    except Cold:
        raise  # nothing recorded, nothing claimed: answered in a thread
    except Refusal as refusal:
        # As in admitted: refused before its claim was made, the nonce kept now.
        if claim is not None and not claim.made:
            await run_in_threadpool(gate.remember, claim.caller, recorded=refusal.recorded)
        raise
    except BaseException:
        if claim is not None:
            await run_in_threadpool(gate.keep, claim.caller)
        raise
    if not claim.made:
        await run_in_threadpool(gate.remember, caller)
    if gate.due():
        await run_in_threadpool(prune, node.ws)
    return answer


async def _signed(
    request: Request, node: Node
) -> tuple[str, str, str, list[tuple[str, str]], bytes]:
    """What the gate checks of a request: its method, path and query as they arrived,
    its header fields, and its body (read once, within the node's limit, and kept for
    the route)."""
    body: bytes | None = getattr(request.state, "body", None)
    if body is None:
        body = await read_body(request, node.ws.settings.max_body_bytes)
        request.state.body = body  # the stream is read once: a route takes it from here
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    fields = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]]
    query = request.scope.get("query_string", b"").decode("latin-1")
    return request.method, raw_path.decode("latin-1"), query, fields, body


CallerDep = Annotated[Caller, Depends(get_caller)]


def signed_body(request: Request) -> bytes:
    """The body of a request the gate admitted (a route that depends on the caller)."""
    body: bytes = request.state.body
    return body
