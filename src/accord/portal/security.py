"""What keeps the pages safe: strict headers on every response, signed cookies, and CSRF
tokens bound to the browser and its session.

:class:`SecurityHeaders` wraps the pages' app (outside every other layer, so error pages
get the headers too). :class:`Cookies` signs the session cookie with a key derived from
the node's portal secret (``keys/portal.key``), names cookies ``__Host-...`` when they
are ``Secure``, and makes CSRF tokens: HMAC of the browser's CSRF cookie (a random value
set on its first page) and of its session token, so a token is good only in this browser
and only for this session (signing in or out makes new ones).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, TimestampSigner
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.store import PORTAL_SECRET, Workspace, node_secret

CSP = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "object-src 'none'", "frame-ancestors 'none'",
    "form-action 'self'", "base-uri 'none'",
))  # fmt: skip
"""No inline script or style anywhere: GOV.UK Frontend's own script is a module file."""
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
ASSETS = "/assets/"
PAGE_CACHE = "no-store"
"""Pages may show personal data: never kept by the browser or a proxy."""
ASSET_CACHE = "public, max-age=3600"


class SecurityHeaders:
    """Add the security headers to every response, and ``Cache-Control: no-store`` to
    every page (assets may be cached an hour)."""

    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.extra = {"strict-transport-security": "max-age=31536000"} if secure else {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cache = ASSET_CACHE if str(scope.get("path", "")).startswith(ASSETS) else PAGE_CACHE

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                wanted = {**HEADERS, **self.extra, "cache-control": cache}
                added = [
                    (k.encode(), v.encode()) for k, v in wanted.items() if k.encode() not in have
                ]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _derived(secret: bytes, label: str) -> bytes:
    return hmac.new(secret, f"accord-portal/{label}".encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Cookies:
    """The portal's cookies: names, attributes, signatures and CSRF tokens."""

    secure: bool
    signer: TimestampSigner
    csrf_key: bytes
    node: str = "node"
    """In every cookie's name: browsers keep cookies per host, not per port, so nodes on
    one host (the demo's three on 127.0.0.1) must not overwrite each other's."""

    @classmethod
    def for_workspace(cls, ws: Workspace) -> Cookies:
        secret = node_secret(ws, PORTAL_SECRET)
        signer = TimestampSigner(_derived(secret, "cookies"), salt="accord-portal-cookie")
        node = ws.settings.node_id or hashlib.sha256(str(ws.root).encode()).hexdigest()[:8]
        return cls(ws.settings.portal_secure_cookies, signer, _derived(secret, "csrf"),
                   node.lower())  # fmt: skip

    def name(self, what: str) -> str:
        """``__Host-accord-<node>-<what>`` when Secure (the browser then refuses it from
        any other origin or path), else ``accord-<node>-<what>``."""
        name = f"accord-{self.node}-{what}"
        return f"__Host-{name}" if self.secure else name

    def read(self, request: Request, what: str, max_age: int | None = None) -> str | None:
        """The cookie's value if it carries this node's signature (made at most
        ``max_age`` seconds ago, when given)."""
        raw = request.cookies.get(self.name(what))
        if not raw:
            return None
        try:
            return self.signer.unsign(raw, max_age=max_age).decode("utf-8")
        except (BadSignature, UnicodeDecodeError):
            return None

    def write(self, response: Response, what: str, value: str, max_age: int | None = None) -> None:
        """Set the cookie (a browser-session cookie unless ``max_age`` is given)."""
        response.set_cookie(
            self.name(what), self.signer.sign(value).decode("utf-8"), max_age=max_age,
            path="/", secure=self.secure, httponly=True, samesite="lax",
        )  # fmt: skip

    def clear(self, response: Response, what: str) -> None:
        response.delete_cookie(self.name(what), path="/", secure=self.secure, httponly=True,
                               samesite="lax")  # fmt: skip

    def csrf_token(self, browser: str, session: str | None) -> str:
        """The token this browser's forms carry while it holds ``session``."""
        mac = hmac.new(self.csrf_key, f"{browser}|{session or ''}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")

    def csrf_ok(self, given: str, browser: str | None, session: str | None) -> bool:
        if not browser or not given:
            return False
        return hmac.compare_digest(given.encode(), self.csrf_token(browser, session).encode())


def new_browser_id() -> str:
    return secrets.token_urlsafe(24)


_STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def sandboxed_policy(html: str) -> str:
    """The Content-Security-Policy for a whole HTML page another context rendered (the
    quality report) that carries its own stylesheet: that stylesheet alone, by its hash
    (never ``'unsafe-inline'``), no script, nothing loaded from anywhere, and the page
    sandboxed (an origin of its own: it can reach neither the portal's cookies nor its
    pages)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in _STYLE_ELEMENT.findall(html)
    )
    styles = hashes or "'none'"
    return "; ".join((
        "default-src 'none'", f"style-src {styles}",
        "img-src data:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
        "sandbox",
    ))  # fmt: skip
