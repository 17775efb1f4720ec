"""A journey against a node on PostgreSQL with two workers: the session made by one
worker is resumed by the other, and ends for both at sign-out."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from accord.accounts import Role
from tests.exchange.support import free_port, running
from tests.portal.support import portal_node


@pytest.mark.postgres
def test_sessions_are_shared_by_the_workers(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str, page: Page
) -> None:
    root = tmp_path_factory.mktemp("postgres")
    with portal_node(root, store_url=postgres_url, people=False, serve=False) as node:
        password = node.staff("pat", Role.STEWARD)
        with running(node.ws.root, free_port(), workers=2) as server:
            page.goto(server.url + "/staff/sign-in")
            page.fill("#name", "pat")
            page.fill("#password", password)
            page.get_by_role("button", name="Sign in", exact=True).click()
            for _ in range(6):  # each request may reach either worker: all know the session
                assert page.goto(server.url + "/staff/accounts").status == 200  # type: ignore[union-attr]
            page.get_by_role("button", name="Sign out").click()
            for _ in range(4):
                page.goto(server.url + "/staff/accounts")
                assert "/staff/sign-in" in page.url
