"""Calling a peer: a signed request out, a verified response back, or an error that
names the peer and what failed.

:class:`Client` signs each request with this node's key (keyid: its node id) to the
profile in ``signing``, sends it to the peer's base URL from the trust list in force,
and accepts the answer only if the peer signed it (keyid the peer's node id, key from
the trust list), its ``created`` is inside the clock-skew window and its body matches
its digest. A refusal comes back as :class:`RequestRefused` with the problem's type and
reason; a peer that cannot be reached as :class:`PeerUnreachable`; a response that is
not the peer's as :class:`BadPeerResponse`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from accord.agreements import node_key
from accord.exchange import trust
from accord.exchange.errors import BadPeerResponse, PeerUnreachable, RequestRefused
from accord.exchange.models import (
    Catalogue,
    LookupAnswer,
    LookupRequest,
    Member,
    ShareRequest,
    TrustList,
)
from accord.exchange.problems import printable
from accord.exchange.signing import Headers as _Headers
from accord.exchange.signing import (
    ResponseMessage,
    SignatureProblem,
    sign_request,
    verify_response,
    verify_streamed_response,
)
from accord.store import Workspace

if TYPE_CHECKING:
    from accord.exchange.receiving import Delivered

TIMEOUT = 30.0


class Client:
    """This node calling its peers (one HTTP connection pool)."""

    def __init__(self, ws: Workspace, *, timeout: float = TIMEOUT) -> None:
        self.ws = ws
        self.trust_list: TrustList = trust.usable(ws).trust_list
        self.node_id = trust.node_id_of(ws)
        self.key = node_key(ws)
        trust.own_member(ws, self.trust_list, self.key.public_key())
        self.skew = timedelta(seconds=ws.settings.clock_skew)
        self._http = httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def request(
        self,
        peer: str,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send a signed request to ``peer`` and return its verified 2xx response."""
        member = trust.member(self.trust_list, peer)
        request = self._http.build_request(
            method, member.base_url + path, content=body or None, headers=headers
        )
        sign_request(request, body, node_id=self.node_id, key=self.key)
        try:
            response = self._http.send(request)
            content = response.read()
        except httpx.HTTPError as exc:
            raise PeerUnreachable(
                f"{peer} ({member.name}) at {member.base_url}: cannot "
                f"{method} {path}: {_reason(exc)}"
            ) from None
        self._verify(member, response, content, path)
        if response.status_code >= 400:
            raise _refused(member, response, content)
        return response

    def download(
        self, peer: str, path: str, body: bytes, out: Path, headers: dict[str, str]
    ) -> tuple[httpx.Response, int]:
        """POST ``body`` to ``peer`` and write its verified 2xx answer to ``out`` a chunk at
        a time (hashed as it is written, checked against the signed digest before the
        caller keeps anything); the response and the bytes received."""
        member = trust.member(self.trust_list, peer)
        request = self._http.build_request(
            "POST", member.base_url + path, content=body, headers=headers
        )
        sign_request(request, body, node_id=self.node_id, key=self.key)
        sha, size = hashlib.sha256(), 0
        try:
            response = self._http.send(request, stream=True)
            try:
                if response.status_code >= 400:
                    content = response.read()
                    self._verify(member, response, content, path)
                    raise _refused(member, response, content)
                with out.open("wb") as fh:
                    for chunk in response.iter_bytes(1 << 16):
                        fh.write(chunk)
                        sha.update(chunk)
                        size += len(chunk)
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise PeerUnreachable(
                f"{peer} ({member.name}) at {member.base_url}: the answer to POST {path} "
                f"broke off after {size:,} bytes: {_reason(exc)}; nothing was kept"
            ) from None
        self._verify_streamed(member, response, sha.digest(), path)
        return response, size

    def _verify_streamed(
        self, member: Member, response: httpx.Response, sha256: bytes, path: str
    ) -> None:
        message = ResponseMessage(response.status_code, _Headers(response.headers.multi_items()))
        what = f"{member.node_id} ({member.name})'s answer to {path} (HTTP {response.status_code})"
        try:
            created = verify_streamed_response(message, sha256, member.node_id, member.key)
        except SignatureProblem as exc:
            raise BadPeerResponse(f"{what} is not used: {exc}; nothing was kept") from None
        self._check_created(created, what)

    def _check_created(self, created: int, what: str) -> None:
        when = datetime.fromtimestamp(created, UTC)
        now = datetime.now(UTC)
        if abs(now - when) > self.skew:
            raise BadPeerResponse(
                f"{what} is not used: signed {when.isoformat()}, outside "
                f"{int(self.skew.total_seconds())} s of this node's clock"
            )

    def share(self, peer: str, request: ShareRequest, **options: Any) -> Delivered:
        """Ask ``peer`` for an extract (``receiving.receive``): verified, kept as a snapshot
        of this node with its provenance and lineage, recorded as ``exchange.received``."""
        from accord.exchange import receiving

        return receiving.receive(self, peer, request, **options)

    def lookup(
        self, peer: str, request: LookupRequest, *, idempotency_key: str | None = None
    ) -> LookupAnswer:
        """Ask ``peer`` for one person's records (``receiving.look_up``, recorded)."""
        from accord.exchange import receiving

        return receiving.look_up(self, peer, request, idempotency_key=idempotency_key)

    def _verify(self, member: Member, response: httpx.Response, body: bytes, path: str) -> None:
        message = ResponseMessage(response.status_code, _Headers(response.headers.multi_items()))
        what = f"{member.node_id} ({member.name})'s answer to {path} (HTTP {response.status_code})"
        try:
            created = verify_response(message, body, member.node_id, member.key)
        except SignatureProblem as exc:
            raise BadPeerResponse(f"{what} is not used: {exc}") from None
        self._check_created(created, what)

    def catalogue(self, peer: str) -> Catalogue:
        """The datasets ``peer`` offers this node under their active agreements."""
        response = self.request(peer, "GET", "/api/v1/catalogue")
        try:
            return Catalogue.model_validate_json(response.content)
        except ValueError as exc:
            raise BadPeerResponse(f"{peer}'s catalogue is not a catalogue: {exc}") from None


def _reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed ({exc}); is the node running?"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"


def _refused(member: Member, response: httpx.Response, body: bytes) -> RequestRefused:
    try:
        problem = json.loads(body)
        code, detail = str(problem["code"]), str(problem["detail"])
        title = str(problem.get("title", ""))
    except (ValueError, KeyError, TypeError):
        code, detail, title = "unknown", body[:200].decode("utf-8", "replace"), ""
    # The peer's words reach a terminal and a log: one bounded printable line each, so a
    # hostile peer can neither move the cursor nor forge a line of our own output.
    code, title, detail = printable(code, 60), printable(title, 120), printable(detail)
    return RequestRefused(
        f"{member.node_id} ({member.name}) refused the request (HTTP {response.status_code}, "
        f"{code}): {title}{': ' if title else ''}{detail}",
        status=response.status_code,
        code=code,
        detail=detail,
    )
