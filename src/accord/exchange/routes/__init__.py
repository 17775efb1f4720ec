"""One router per resource; the app factory (``app``) assembles them. Here, what every
router's OpenAPI document and body reading share: the refusals a signed route can
answer with (:data:`REFUSALS`), a body's schema for a route that reads the signed bytes
itself (:func:`body_schema`), and a body that is not the request as a refusal
(:func:`invalid`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from accord.exchange.models import Problem
from accord.exchange.problems import MEDIA_TYPE, PROBLEMS, Refusal, printable

REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {
        "model": Problem,
        "content": {MEDIA_TYPE: {}},
        "description": "; ".join(
            sorted({p.title for p in PROBLEMS.values() if p.status == status})
        ),
    }
    for status in sorted({p.status for p in PROBLEMS.values()})
}
"""Every refusal a signed route can answer with, for the OpenAPI document."""


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON Schema with its definitions written in place, for a route that
    reads its body itself (after the gate, within the body limit) yet documents it."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    content = {"application/json": {"schema": inline(schema)}}
    return {"requestBody": {"required": True, "content": content}}


def invalid(exc: ValidationError, requester: str) -> Refusal:
    """A body that is not the request: its first error, located, as a refusal."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "body"
    return Refusal("invalid-request", printable(f"{where}: {first['msg']}"), requester=requester)
