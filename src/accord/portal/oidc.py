"""Citizen sign-in with OpenID Connect (NHS login, GOV.UK One Login): the authorization
code flow with PKCE, the client authenticated by ``private_key_jwt``.

:func:`start` makes the login's secrets (``state``, ``nonce``, the PKCE verifier) and
the address of the provider's authorization endpoint; the portal keeps the secrets in
a signed cookie that lives ten minutes. :func:`finish` takes the provider's answer at
the callback: the ``state`` must be the login's own, then the code is exchanged at the
token endpoint (with a client assertion signed by ``portal_oidc_client_key``) for an ID
token, which :class:`accord.audit.OidcProvider` verifies against the JWKS in
``portal_oidc_jwks`` (signature, issuer, audience, expiry, the login's nonce). Fetching
the provider's discovery document and refreshing its JWKS is the deployment's job.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from accord import audit
from accord.portal.errors import PortalError
from accord.store import Workspace

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LOGIN_SECONDS = 600
"""How long a login may take at the provider before its secrets expire."""
TIMEOUT = 10.0


class OidcError(PortalError):
    """The provider's sign-in could not be completed (the message says why)."""


@dataclass(frozen=True)
class Client:
    """This node as the provider's client: what the settings give."""

    issuer: str
    client_id: str
    authorization_endpoint: str
    token_endpoint: str
    redirect_uri: str
    scopes: str
    jwks: dict[str, Any]
    key_pem: bytes
    nhs_number_claim: str
    birthdate_claim: str
    assurance_claim: str
    assurance_levels: tuple[str, ...]

    @classmethod
    def for_workspace(cls, ws: Workspace) -> Client:
        """The client the ``portal_oidc_*`` settings describe; :class:`OidcError` naming
        each setting that is missing or unreadable."""
        s = ws.settings
        given = {
            "portal_oidc_issuer": s.portal_oidc_issuer,
            "portal_oidc_client_id": s.portal_oidc_client_id,
            "portal_oidc_authorization_endpoint": s.portal_oidc_authorization_endpoint,
            "portal_oidc_token_endpoint": s.portal_oidc_token_endpoint,
            "portal_oidc_redirect_uri": s.portal_oidc_redirect_uri,
            "portal_oidc_jwks": s.portal_oidc_jwks,
            "portal_oidc_client_key": s.portal_oidc_client_key,
        }
        missing = [name for name, value in given.items() if not value]
        if missing:
            raise OidcError(f"OpenID Connect sign-in needs {', '.join(missing)} (docs/settings.md)")
        jwks = _read(ws.root / Path(str(s.portal_oidc_jwks)), "portal_oidc_jwks")
        key = _read(ws.root / Path(str(s.portal_oidc_client_key)), "portal_oidc_client_key")
        try:
            keys = json.loads(jwks)
        except ValueError as exc:
            raise OidcError(f"portal_oidc_jwks is not JSON: {exc}") from None
        return cls(
            str(s.portal_oidc_issuer), str(s.portal_oidc_client_id),
            str(s.portal_oidc_authorization_endpoint), str(s.portal_oidc_token_endpoint),
            str(s.portal_oidc_redirect_uri), s.portal_oidc_scopes, keys, key,
            s.portal_oidc_nhs_number_claim, s.portal_oidc_birthdate_claim,
            s.portal_oidc_assurance_claim, tuple(s.portal_oidc_assurance_levels.split()),
        )  # fmt: skip

    def provider(self) -> audit.OidcProvider:
        return audit.OidcProvider(
            issuer=self.issuer, client_id=self.client_id, jwks=self.jwks,
            nhs_number_claim=self.nhs_number_claim, birthdate_claim=self.birthdate_claim,
            assurance_claim=self.assurance_claim, assurance_levels=self.assurance_levels,
        )  # fmt: skip


def _read(path: Path, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise OidcError(f"{setting}: cannot read {path}: {exc.strerror}") from None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Login:
    """One login's secrets, kept in the browser's signed cookie until the callback."""

    state: str
    nonce: str
    verifier: str
    after: str

    def as_text(self) -> str:
        return json.dumps([self.state, self.nonce, self.verifier, self.after])

    @classmethod
    def from_text(cls, text: str) -> Login:
        state, nonce, verifier, after = json.loads(text)
        return cls(str(state), str(nonce), str(verifier), str(after))


def start(client: Client, after: str) -> tuple[Login, str]:
    """A new login, and the provider's address to send the browser to."""
    login = Login(secrets.token_urlsafe(24), secrets.token_urlsafe(24),
                  secrets.token_urlsafe(48), after)  # fmt: skip
    challenge = _b64(hashlib.sha256(login.verifier.encode("ascii")).digest())
    query = urlencode({
        "response_type": "code", "client_id": client.client_id,
        "redirect_uri": client.redirect_uri, "scope": client.scopes,
        "state": login.state, "nonce": login.nonce,
        "code_challenge": challenge, "code_challenge_method": "S256",
    })  # fmt: skip
    joiner = "&" if "?" in client.authorization_endpoint else "?"
    return login, f"{client.authorization_endpoint}{joiner}{query}"


def finish(client: Client, login: Login, query: dict[str, str]) -> dict[str, str]:
    """The evidence the provider gave for this login (``{"id_token", "nonce"}``), once
    the callback's ``state`` is the login's and the code is exchanged; else
    :class:`OidcError`."""
    if "error" in query:
        said = query.get("error_description") or query["error"]
        raise OidcError(f"the identity provider did not sign you in ({said[:200]})")
    if not hmac.compare_digest(query.get("state", "").encode(), login.state.encode()):
        raise OidcError("this sign-in was not started here, or was started in another tab")
    code = query.get("code", "")
    if not code:
        raise OidcError("the identity provider sent no authorization code")
    form = {
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": client.redirect_uri, "code_verifier": login.verifier,
        "client_id": client.client_id, "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion(client),
    }  # fmt: skip
    try:
        answer = httpx.post(client.token_endpoint, data=form, timeout=TIMEOUT)
        answer.raise_for_status()
        token = answer.json()["id_token"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise OidcError(f"the identity provider's token endpoint failed: {exc}"[:300]) from None
    return {"id_token": str(token), "nonce": login.nonce}


def assertion(client: Client, now: float | None = None) -> str:
    """The client assertion (RFC 7523) signed with this node's client key."""
    key = load_pem_private_key(client.key_pem, password=None)
    if isinstance(key, rsa.RSAPrivateKey):
        algorithm = "RS256"
    elif isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        algorithm = "ES256"
    else:
        raise OidcError("portal_oidc_client_key must be an RSA or EC P-256 private key")
    issued = int(now if now is not None else time.time())
    claims = {"iss": client.client_id, "sub": client.client_id, "aud": client.token_endpoint,
              "jti": secrets.token_urlsafe(16), "iat": issued, "exp": issued + 300}  # fmt: skip
    return jwt.encode(claims, key, algorithm=algorithm)
