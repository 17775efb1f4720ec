"""A provider with four uvicorn workers under 2,000 concurrent signed requests.

The hospital serves with four worker processes (on SQLite, and on PostgreSQL as production
runs), and the GP, an unknown node and callers without a signature send it 2,000 requests
at once, mixed permitted and refused. No request may fail with a server error; every
refusal is in the log as a ``disclosure.decided`` entry, once; and the log, appended to by
four processes at once, verifies: one tree, no fork, no gap.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord import audit
from accord.agreements import node_key
from accord.exchange import fetch
from accord.store import Workspace, open_workspace
from tests.exchange.support import Server, Spec, federation, free_port, node, running, signed
from tests.exchange.test_api import GP, HOSPITAL, _agree

REQUESTS = 2_000
WORKERS = 4
CATALOGUE = "/api/v1/catalogue"


@dataclass
class Provider:
    gp: Workspace
    hospital: Workspace
    server: Server


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory, module_store_url: str) -> Iterator[Provider]:
    root = tmp_path_factory.mktemp("load")
    fed = federation(root)
    port = free_port()
    gp = node(fed, Spec("gp", GP, "Riverside Medical Practice"), port=free_port())
    hospital = node(
        fed,
        Spec("hospital", HOSPITAL, "Riverside Hospitals NHS Foundation Trust"),
        port=port,
        store_url=module_store_url,
    )
    fed.publish()
    for ws in (gp, hospital):
        fetch(ws, str(fed.list_path))
    _agree(gp, hospital)
    with running(hospital.root, port, workers=WORKERS) as server:
        yield Provider(gp, hospital, server)
    gp.close()
    hospital.close()


def _requests(p: Provider) -> list[tuple[str, httpx.Request]]:
    """Half permitted, half refused for one of three reasons, in a shuffled order."""
    url, key, stranger = p.server.url + CATALOGUE, node_key(p.gp), Ed25519PrivateKey.generate()
    made: list[tuple[str, httpx.Request]] = []
    for i in range(REQUESTS):
        kind = ("permitted", "permitted", "unsigned", "unknown-node")[i % 4]
        if kind == "permitted":
            made.append((kind, signed("GET", url, node_id=GP, key=key)))
        elif kind == "unsigned":
            made.append((kind, httpx.Request("GET", url)))
        else:
            made.append((kind, signed("GET", url, node_id="RX9", key=stranger)))
    random.Random(14).shuffle(made)
    return made


async def _send_all(made: list[tuple[str, httpx.Request]]) -> list[tuple[str, int]]:
    limits = httpx.Limits(max_connections=REQUESTS, max_keepalive_connections=REQUESTS)
    async with httpx.AsyncClient(limits=limits, timeout=300) as http:

        async def send(kind: str, request: httpx.Request) -> tuple[str, int]:
            return kind, (await http.send(request)).status_code

        return await asyncio.gather(*(send(k, r) for k, r in made))


def _decided(ws: Workspace) -> Counter[str]:
    with open_workspace(ws.root) as opened:
        return Counter(
            str(e.event.fields()["reasons"][0]).split(":")[0]
            for e in audit.entries(opened)
            if e.event.name == "disclosure.decided"
        )


def test_two_thousand_concurrent_requests_no_server_error_each_refusal_logged_once(
    provider: Provider,
) -> None:
    before = _decided(provider.hospital)
    answered = asyncio.run(_send_all(_requests(provider)))
    statuses = Counter(answered)
    assert statuses == {
        ("permitted", 200): REQUESTS // 2,
        ("unsigned", 401): REQUESTS // 4,
        ("unknown-node", 403): REQUESTS // 4,
    }, provider.server.output()[-3000:]
    after = _decided(provider.hospital)
    assert after - before == {"unsigned": REQUESTS // 4, "unknown-node": REQUESTS // 4}
    with open_workspace(provider.hospital.root) as opened:
        checked = audit.verify(opened)
        assert checked.size == sum(1 for _ in audit.entries(opened))
