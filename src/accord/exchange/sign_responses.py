"""The middleware that signs every response the node sends (RFC 9421 response profile).

It holds the response until its last body part, adds ``Content-Digest``,
``Signature-Input`` and ``Signature`` (``signing.sign_response``), then sends it. A
response that already carries its ``Content-Digest`` (a share's extract, hashed as it
was written to a file) is signed over it at once and its body streamed through. An
error no handler answered becomes a signed ``internal-error`` problem here, with no
traceback in it (the traceback goes to the server's log).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.exchange.problems import MEDIA_TYPE, Refusal
from accord.exchange.signing import (
    Headers,
    ResponseMessage,
    sign_response,
    sign_response_streamed,
)

if TYPE_CHECKING:
    from accord.exchange.deps import Node

log = logging.getLogger("accord.exchange")


class SignResponses:
    """Sign each HTTP response with the node's key before it leaves."""

    def __init__(self, app: ASGIApp, node: Node) -> None:
        self.app = app
        self.node = node

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started: list[Message] = []
        body = bytearray()
        streamed = False

        async def capture(message: Message) -> None:
            nonlocal streamed
            if message["type"] == "http.response.start":
                started.append(message)
                if any(k.lower() == b"content-digest" for k, _ in message["headers"]):
                    # A route that hashed its body as it wrote it (a share's extract):
                    # signed over that digest, and streamed as it is read, never held.
                    streamed = True
                    await self._start_streamed(send, message)
                return
            if streamed:
                await send(message)
                return
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._send(send, started[0], bytes(body))

        try:
            await self.app(scope, receive, capture)
        except Exception:
            log.exception("unhandled error answering %s", scope.get("path", ""))
            if started:
                raise
            failure = Refusal(
                "internal-error",
                "the node failed to answer; its operator can find the error in the node's log",
            )
            document = json.dumps(failure.document()).encode("utf-8")
            head: Message = {
                "type": "http.response.start",
                "status": 500,
                "headers": [
                    (b"content-type", MEDIA_TYPE.encode()),
                    (b"content-length", str(len(document)).encode()),
                ],
            }
            await self._send(send, head, document)

    async def _start_streamed(self, send: Send, start: Message) -> None:
        fields = Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"])
        message = ResponseMessage(int(start["status"]), fields)
        sign_response_streamed(message, node_id=self.node.node_id, key=self.node.gate.key)
        signed = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in fields.items()]
        await send({**start, "headers": signed})

    async def _send(self, send: Send, start: Message, body: bytes) -> None:
        fields = Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"])
        message = ResponseMessage(int(start["status"]), fields)
        sign_response(message, body, node_id=self.node.node_id, key=self.node.gate.key)
        signed = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in fields.items()]
        await send({**start, "headers": signed})
        await send({"type": "http.response.body", "body": body, "more_body": False})
