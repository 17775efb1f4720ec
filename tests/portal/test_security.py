"""The pages' security, against a real ``accord serve``: the headers on every kind of
response, the cookies' attributes, CSRF refused, the Content Security Policy enforced by
the browser itself, no open redirect, the API untouched beside the pages; and, without
a server, every route that can change something checks the CSRF token."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.routing import APIRoute
from playwright.sync_api import Browser, BrowserContext, Page

from accord.accounts import Role
from accord.portal import InsecureCookies, check_serving
from accord.portal.app import ROUTERS
from accord.portal.deps import csrf_guard
from accord.portal.security import CSP, sandboxed_policy
from tests.portal.records import sign_in
from tests.portal.support import PortalNode, looked_at, portal_node


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalNode]:
    with portal_node(tmp_path_factory.mktemp("security"), people=False) as made:
        yield made


@pytest.mark.parametrize("path", ["/", "/staff/sign-in", "/no/such/page", "/staff"])
def test_every_page_carries_the_security_headers(node: PortalNode, path: str) -> None:
    response = httpx.get(node.url + path)
    assert response.headers["content-security-policy"] == CSP
    assert "script-src 'self';" in CSP
    assert "'unsafe-inline'" not in CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_pages_fail_as_html_and_the_api_as_problems(node: PortalNode) -> None:
    missing = httpx.get(node.url + "/no/such/page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "Page not found" in missing.text
    assert "Traceback" not in missing.text
    api = httpx.get(node.url + "/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    assert "signature" in api.headers  # the API still signs every answer
    assert "content-security-policy" not in api.headers
    asset = httpx.get(node.url + "/assets/govuk/govuk-frontend.min.css")
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=3600"
    assert asset.headers["x-content-type-options"] == "nosniff"
    font = httpx.get(node.url + "/assets/fonts/bold-b542beb274-v2.woff2")
    assert font.status_code == 200


def test_cookies_are_host_only_secure_http_only_and_lax(
    node: PortalNode, context: BrowserContext, page: Page
) -> None:
    sign_in(page, node, Role.ANALYST)
    cookies = {c["name"]: c for c in context.cookies()}
    assert {c.split("-")[-1] for c in cookies} == {"browser", "session"}
    assert all(c.startswith("__Host-accord-") for c in cookies)
    for cookie in cookies.values():
        assert cookie["secure"]
        assert cookie["httpOnly"]
        assert cookie["sameSite"] == "Lax"
        assert cookie["path"] == "/"
        assert cookie["expires"] == -1  # a session cookie: the node keeps the timeouts


def test_a_form_without_this_session_s_token_is_refused(node: PortalNode, page: Page) -> None:
    sign_in(page, node, Role.AUDITOR)
    # A token that was good before sign-in is not good after it: bound to the session.
    page.locator("form[action='/staff/sign-out'] input[name=csrf_token]").evaluate(
        "input => input.value = 'forged'"
    )
    page.get_by_role("button", name="Sign out").click()
    assert page.locator("h1").inner_text() == "There is a problem with your request"
    assert "Go back, reload the page and try again." in page.locator("main").inner_text()
    looked_at(page, "csrf-refused")
    page.goto(node.url + "/staff")  # nothing happened: still signed in
    assert page.url == node.url + "/staff"
    forged = httpx.post(node.url + "/staff/sign-in", data={"name": "x", "password": "y"})
    assert forged.status_code == 400
    assert "There is a problem with your request" in forged.text


def test_the_browser_enforces_the_content_security_policy(
    node: PortalNode, browser: Browser, page: Page
) -> None:
    inject = """() => {
        const s = document.createElement('script');
        s.textContent = 'window.inlineRan = true';
        document.head.appendChild(s);
        const styled = document.createElement('p');
        styled.setAttribute('style', 'color: rgb(255, 0, 0)');
        document.body.appendChild(styled);
        return [window.inlineRan === true, getComputedStyle(styled).color];
    }"""
    page.goto(node.url + "/")
    ran, colour = page.evaluate(inject)
    assert not ran
    assert colour != "rgb(255, 0, 0)"  # neither the script nor the style attribute
    loose = browser.new_context(bypass_csp=True)  # the control: the same page, CSP off
    try:
        other = loose.new_page()
        other.goto(node.url + "/")
        assert other.evaluate(inject) == [True, "rgb(255, 0, 0)"]
    finally:
        loose.close()


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_sign_in_never_sends_the_browser_to_another_site(
    node: PortalNode, page: Page, target: str
) -> None:
    page.goto(node.url + "/staff/sign-in?next=" + target)
    assert page.locator("input[name=next]").input_value() == "/staff"


def test_every_route_that_changes_something_checks_the_csrf_token() -> None:
    unguarded = [
        f"{sorted(route.methods)} {route.path}"
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        and route.methods - {"GET", "HEAD"}
        and not any(d.dependency is csrf_guard for d in route.dependencies)
    ]
    assert unguarded == []


def test_cookies_without_secure_are_refused_off_loopback(tmp_path: object) -> None:
    from pathlib import Path

    from accord.store import init_workspace

    root = Path(str(tmp_path)) / "ws"
    ws = init_workspace(root, "gp")
    with (root / "accord.toml").open("a") as fh:
        fh.write("portal_secure_cookies = false\n")
    from accord.store import open_workspace

    loose = open_workspace(root)
    for host in ("127.0.0.1", "::1", "localhost"):
        check_serving(loose, host)
    for host in ("0.0.0.0", "192.0.2.10", "node.example"):
        with pytest.raises(InsecureCookies, match="only on a loopback address"):
            check_serving(loose, host)
    check_serving(ws, "0.0.0.0")
    ws.close()
    loose.close()


def test_a_page_another_context_rendered_gets_its_own_sandboxed_policy() -> None:
    style = "body{font-family:Arial}"
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = sandboxed_policy(f"<html><head><style>{style}</style></head><body></body></html>")
    assert policy == (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'; sandbox"
    )
    assert "style-src 'none'" in sandboxed_policy("<p>no stylesheet</p>")


@pytest.mark.parametrize(("trusted", "answers"), [("", [401, 401, 429]),
                                                   ("127.0.0.1", [401, 401, 401])])  # fmt: skip
def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy(
    tmp_path_factory: pytest.TempPathFactory, trusted: str, answers: list[int]
) -> None:
    """Failed sign-ins "forwarded for" three addresses, from this test's own process:
    by default the node counts them as one address (its connection's) and locks it
    after two; with this process named as a trusted proxy, as three addresses."""
    settings = {"portal_sign_in_address_attempts": 2, "trusted_proxies": trusted}
    root = tmp_path_factory.mktemp("proxies")
    with (
        portal_node(root, people=False, settings=settings) as made,
        httpx.Client(base_url=made.url) as http,
    ):
        form = http.get("/staff/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        cookie = "; ".join(f"{k}={v}" for k, v in form.cookies.items())
        got = []
        for n, address in enumerate(("10.0.0.1", "10.0.0.2", "10.0.0.3")):
            data = {"csrf_token": token[1], "name": f"nobody-{n}", "password": "wrong"}
            headers = {"X-Forwarded-For": address, "Cookie": cookie}
            got.append(http.post("/staff/sign-in", headers=headers, data=data).status_code)
    assert got == answers
