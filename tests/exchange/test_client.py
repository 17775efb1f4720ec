"""The client's reading of a peer's refusal: the peer's words, made safe to print."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.exchange import Member, MemberRole, raw_public_key
from accord.exchange.client import _refused


def _member() -> Member:
    return Member(
        node_id="RX1",
        org="hospital",
        name="Riverside Hospitals",
        base_url="http://127.0.0.1:8000",
        public_key=raw_public_key(Ed25519PrivateKey.generate().public_key()),
        roles=(MemberRole.PROVIDER,),
        since=datetime.now(UTC),
    )


def test_a_hostile_refusal_reaches_the_user_as_one_printable_line() -> None:
    problem = {
        "code": "not-found\x1b[2J",
        "title": "Gone\r\nOK: shared 10,000 records",
        "detail": "\x1b]0;pwned\x07" + "x" * 5_000,
    }
    body = json.dumps(problem).encode()
    refused = _refused(_member(), httpx.Response(404, content=body), body)
    message = str(refused)
    assert message.isprintable()
    assert message.isascii()
    assert "\n" not in message
    assert "\x1b" not in message
    assert message.startswith("RX1 (Riverside Hospitals) refused the request (HTTP 404")
    assert len(message) < 700
    assert refused.code == "not-found?[2J"


def test_a_refusal_that_is_not_a_problem_document_is_shown_bounded() -> None:
    body = b"\xff\xfe<html>" + b"A" * 10_000
    message = str(_refused(_member(), httpx.Response(502, content=body), body))
    assert "HTTP 502, unknown" in message
    assert len(message) < 500
