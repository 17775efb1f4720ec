"""Citizen sign-in with OpenID Connect against a provider running on loopback: the
browser goes to the provider and back, the node exchanges the code (PKCE, a client
assertion signed with its own key) and verifies the ID token; a callback that is not the
login's own is refused.

The provider is a small stand-in written here from the specifications (OpenID Connect
Core, RFC 7636, RFC 7523): it checks what a real one checks of the node's requests."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI, Form, HTTPException
from fastapi.responses import RedirectResponse
from playwright.sync_api import Page

from accord.accounts import Role
from tests.exchange.support import free_port
from tests.portal.support import BORN, PERSON, PortalNode, looked_at, portal_node

CLIENT = "accord-riverside-gp"


@dataclass
class Provider:
    """The stand-in provider: its signing key, the node's public client key, its codes."""

    url: str
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    client_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()

        def b64(n: int) -> str:
            raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        return {"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
                          "n": b64(numbers.n), "e": b64(numbers.e)}]}  # fmt: skip

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/authorize")
        def authorize(response_type: str, client_id: str, redirect_uri: str, scope: str,
                      state: str, nonce: str, code_challenge: str,
                      code_challenge_method: str) -> RedirectResponse:  # fmt: skip
            assert (response_type, client_id, code_challenge_method) == ("code", CLIENT, "S256")
            assert "openid" in scope.split()
            code = secrets.token_urlsafe(16)  # the person signed in at the provider
            self.codes[code] = {"nonce": nonce, "challenge": code_challenge,
                                "redirect_uri": redirect_uri}  # fmt: skip
            return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}")

        @app.post("/token")
        def token(grant_type: str = Form(), code: str = Form(), redirect_uri: str = Form(),
                  code_verifier: str = Form(), client_assertion_type: str = Form(),
                  client_assertion: str = Form()) -> dict[str, str]:  # fmt: skip
            kept = self.codes.pop(code, None)
            if kept is None or grant_type != "authorization_code":
                raise HTTPException(400, "invalid_grant")
            assert redirect_uri == kept["redirect_uri"]
            assert client_assertion_type.endswith(":jwt-bearer")
            claims = jwt.decode(client_assertion, self.client_key.public_key(),
                                algorithms=["ES256"], audience=self.url + "/token",
                                issuer=CLIENT)  # fmt: skip
            assert claims["sub"] == CLIENT
            challenge = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest())
            if challenge.decode().rstrip("=") != kept["challenge"]:
                raise HTTPException(400, "invalid_grant: PKCE")
            now = int(time.time())
            id_token = jwt.encode(
                {"iss": self.url, "aud": CLIENT, "sub": "p1", "iat": now, "exp": now + 300,
                 "nonce": kept["nonce"], "nhs_number": PERSON, "birthdate": BORN,
                 "identity_proofing_level": "P9"},
                self.key, algorithm="RS256", headers={"kid": "k1"},
            )  # fmt: skip
            return {"id_token": id_token, "access_token": "unused", "token_type": "Bearer"}

        return app


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    port = free_port()
    made = Provider(f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(made.app(), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the stand-in provider did not start")
        time.sleep(0.05)
    yield made
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory, provider: Provider) -> Iterator[PortalNode]:
    root = tmp_path_factory.mktemp("oidc")
    files = root / "provider"
    files.mkdir()
    (files / "jwks.json").write_text(json.dumps(provider.jwks()), encoding="utf-8")
    pem = provider.client_key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption())  # fmt: skip
    (files / "client.key").write_bytes(pem)
    (files / "client.key").chmod(0o600)
    port = free_port()
    settings: dict[str, object] = {
        "portal_identity": "oidc", "portal_oidc_issuer": provider.url,
        "portal_oidc_client_id": CLIENT,
        "portal_oidc_authorization_endpoint": provider.url + "/authorize",
        "portal_oidc_token_endpoint": provider.url + "/token",
        "portal_oidc_redirect_uri": f"http://127.0.0.1:{port}/citizen/callback",
        "portal_oidc_jwks": str(files / "jwks.json"),
        "portal_oidc_client_key": str(files / "client.key"),
        "portal_oidc_scopes": "openid profile",
    }  # fmt: skip
    with portal_node(root, people=False, settings=settings, port=port) as made:
        made.staff("steward", Role.STEWARD)
        yield made


def test_a_citizen_signs_in_through_the_provider_and_back(node: PortalNode, page: Page) -> None:
    page.goto(node.url + "/citizen")
    assert page.url == node.url + "/citizen/sign-in?next=/citizen"
    looked_at(page, "citizen-sign-in-oidc")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(node.url + "/citizen")  # there and back: the provider signed them in
    assert page.locator("h1").inner_text() == "How your data has been used"


def test_a_callback_that_is_not_this_login_s_own_is_refused(
    node: PortalNode, provider: Provider, page: Page
) -> None:
    response = page.goto(node.url + "/citizen/callback?code=stolen&state=guessed")
    assert response is not None
    assert response.status == 400  # no login was started in this browser
    assert "You could not sign in" in page.locator("h1").inner_text()
    # A login started in this browser (not followed to the provider) ... another's answer.
    started = page.request.get(node.url + "/citizen/oidc", max_redirects=0)
    assert started.status == 303
    assert started.headers["location"].startswith(provider.url + "/authorize?")
    page.goto(node.url + "/citizen/callback?code=stolen&state=guessed")
    assert "could not confirm who you are" in page.locator("main").inner_text()
    looked_at(page, "citizen-sign-in-refused")
    page.goto(node.url + "/citizen")
    assert "/citizen/sign-in" in page.url


def test_a_provider_s_refusal_is_shown_not_a_traceback(node: PortalNode, page: Page) -> None:
    # The browser starts a login, then the provider answers with an error.
    assert page.request.get(node.url + "/citizen/oidc", max_redirects=0).status == 303
    response = page.goto(node.url + "/citizen/callback?error=access_denied"
                         "&error_description=the+person+cancelled&state=x")  # fmt: skip
    assert response is not None
    assert response.status == 401
    assert "could not confirm who you are" in page.locator("main").inner_text()
    assert "Traceback" not in page.content()


def test_settings_that_are_missing_are_named_in_the_log(tmp_path: Path) -> None:
    from accord.portal.oidc import Client, OidcError
    from accord.store import init_workspace

    ws = init_workspace(tmp_path / "ws", "gp")
    with pytest.raises(OidcError, match="portal_oidc_issuer, portal_oidc_client_id"):
        Client.for_workspace(ws)
    ws.close()
