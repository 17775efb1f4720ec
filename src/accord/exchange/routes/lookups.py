"""``/api/v1/lookups``: one person's records in one dataset, for front-line use."""

from __future__ import annotations

from contextlib import suppress

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from accord.exchange import idempotency, lookups
from accord.exchange.deps import admitted, answered_on_loop, get_node
from accord.exchange.gate import NonceClaim
from accord.exchange.models import Caller, LookupAnswer, LookupRequest
from accord.exchange.routes import REFUSALS, body_schema, invalid
from accord.store import governance_revision

router = APIRouter(prefix="/lookups", tags=["lookups"], responses=REFUSALS)


@router.post("", response_model=LookupAnswer, openapi_extra=body_schema(LookupRequest))
async def lookup(request: Request) -> Response:
    """One person's records, decided, opt-outs withheld, minimised and pseudonymised as a
    share's, each person answered recorded."""
    # The node taken from the app, not as a dependency: FastAPI's solving of one showed
    # as about a tenth of the server's time in a profile of benchmarks/exchange.py.
    node = get_node(request)
    given_key = request.headers.get(idempotency.HEADER)

    def parsed(caller: Caller) -> LookupRequest:
        try:
            return LookupRequest.model_validate_json(request.state.body)
        except ValidationError as exc:
            raise invalid(exc, caller.org) from None

    def answer(caller: Caller, claim: NonceClaim | None) -> bytes:
        key = idempotency.check_key(given_key)
        asked = parsed(caller)
        body = lookups.serve_lookup(node.ws, caller, asked, key, node.node_id, claim=claim)
        # What it read is held now, as of the revision it decided under: the next
        # lookups can be answered on the event loop.
        node.warm = governance_revision(node.ws.engine)
        return body

    # The gate and the lookup in one worker thread (``admitted``): the hop between them
    # cost more than the gate's own checks. The nonce is kept in the commit of the
    # lookup's records (``claimed``): one pass of the store's writer, not two.
    # With an idempotency key the nonce is kept at once, as for every other request: a
    # copy refused for the key in use must not take the nonce from the original.
    body: bytes | None = None
    if given_key is None and node.on_sqlite:
        # No idempotency key to write: on the event loop, its commit awaited, when the
        # worker holds what it reads (deps.answered_on_loop); else in a thread.
        with suppress(lookups.Cold):
            body = await answered_on_loop(request, node, lambda caller, claim: (
                lookups.answer_lookup(node.ws, caller, parsed(caller), node.node_id,
                                      claim=claim, on_loop=node.alone)))  # fmt: skip
    if body is None:
        body = await admitted(request, node, answer, claimed=given_key is None)
    return Response(body, media_type="application/json")
