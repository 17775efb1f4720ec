"""A federation for the exchange's tests: an authority, nodes with node ids, a published
trust list every node pins, and real ``accord serve`` processes on 127.0.0.1.

:func:`running` starts one node's server on a free port, waits until it answers, and
always stops it; the server also stops by itself if the test process dies
(``--watch-pid``) and after ten minutes whatever happens (``--stop-after``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord import audit
from accord.agreements import (
    activate,
    add_peer,
    node_key,
    node_public_key,
    parse,
    sign_in_workspace,
)
from accord.exchange import (
    Authority,
    MemberRole,
    RequestMessage,
    add_member,
    fetch,
    init_authority,
    publish,
    raw_public_key,
    sign_request,
)
from accord.exchange import Headers as SignedHeaders
from accord.quality import assess
from accord.sources import ingest
from accord.store import Workspace, init_workspace, open_workspace
from tests.agreements.support import example_data, ingest_example

FEDERATION = "accord.example.nhs.uk"
STARTUP = 120.0
"""Seconds a server may take to answer its first request (imports on a busy machine)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Spec:
    """A node of the test federation."""

    org: str
    node_id: str
    name: str
    roles: tuple[MemberRole, ...] = (MemberRole.PROVIDER, MemberRole.RECIPIENT)


@dataclass
class Federation:
    """An authority and its published trust list (``list_path``, what nodes fetch)."""

    root: Path
    authority: Path
    key: str
    list_path: Path

    def open(self) -> Authority:
        from accord.exchange import open_authority

        return open_authority(self.authority)

    def publish(self, now: datetime | None = None) -> Path:
        """The next list, written where the nodes fetch it."""
        with self.open() as auth:
            publish(auth, self.list_path, now=now)
        return self.list_path


def federation(root: Path) -> Federation:
    authority = init_authority(root / "authority", FEDERATION)
    key = raw_public_key(authority.public_key)
    authority.close()
    return Federation(root, root / "authority", key, root / "trust-list.json")


def node(
    fed: Federation,
    spec: Spec,
    *,
    port: int,
    store_url: str | None = None,
    settings: dict[str, object] | None = None,
) -> Workspace:
    """A node's workspace, added to the authority's next list and pinned to its key."""
    ws = init_workspace(fed.root / spec.org, spec.org, store_url=store_url, node_id=spec.node_id)
    with fed.open() as auth:
        add_member(
            auth,
            node_id=spec.node_id,
            org=spec.org,
            name=spec.name,
            base_url=f"http://127.0.0.1:{port}",
            key=node_key(ws).public_key(),
            roles=spec.roles,
            by_role="test",
        )
    given = {"trust_list_url": str(fed.list_path), "trust_list_key": fed.key, **(settings or {})}
    lines = [f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v}" for k, v in given.items()]
    with (ws.root / "accord.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    ws.close()
    return open_workspace(ws.root)


@dataclass
class Server:
    """A running ``accord serve`` process."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def running(
    root: Path, port: int, *, workers: int = 1, ready: str = "/healthz"
) -> Iterator[Server]:
    """``accord serve`` for the workspace at ``root`` on ``port``, until the block ends."""
    log = root.parent / f"{root.name}-serve-{port}.log"
    command = [
        sys.executable,
        "-m",
        "accord.cli",
        "serve",
        "-w",
        str(root),
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--stop-after",
        "600",
        "--watch-pid",
        str(os.getpid()),
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    server = Server(root, port, process, log)
    try:
        _wait(server, ready)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def _wait(server: Server, path: str) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"accord serve exited {server.process.returncode}:\n{server.output()}"
            )
        try:
            if httpx.get(server.url + path, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"accord serve did not answer {path} in {STARTUP:.0f} s:\n{server.output()}")


def signed(
    method: str,
    url: str,
    *,
    node_id: str,
    key: Ed25519PrivateKey,
    body: bytes = b"",
    created: datetime | None = None,
    nonce: str | None = None,
) -> httpx.Request:
    """A request signed to the profile, as any RFC 9421 client would send it."""
    request = httpx.Request(method, url, content=body or None)
    sign_request(
        request, body, node_id=node_id, key=key, created=created or datetime.now(UTC), nonce=nonce
    )
    return request


def message_of(request: httpx.Request) -> RequestMessage:
    return RequestMessage(
        request.method, str(request.url), SignedHeaders(request.headers.multi_items())
    )


def admissions(ws: Workspace, numbers: list[str]) -> None:
    """The hospital's ``admissions`` dataset: one admission for each NHS number."""
    folder = ws.root / "sources"
    folder.mkdir(exist_ok=True)
    rows = ["id,dob,sex,nhs,postcode,admission_date,ward,admissions"]
    rows += [f"{i},1980-02-{i % 28 + 1:02d},{'MF'[i % 2]},{n},LS1 4AP,2026-01-02,AMU,{i % 3}"
             for i, n in enumerate(numbers)]  # fmt: skip
    (folder / "admissions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "admissions.yaml").write_text(
        "fields: {record_id: id, date_of_birth: dob, sex: sex, nhs_number: nhs, "
        "postcode: postcode}\nattributes: [admission_date, ward, admissions]\n",
        encoding="utf-8",
    )
    ingest(ws, str(folder / "admissions.csv"), folder / "admissions.yaml", "admissions")


def agreed(gp: Workspace, hospital: Workspace, numbers: list[str], *, lookups: bool) -> None:
    """The worked example's two parties, each with its dataset assessed (the GP's
    registered patients; the hospital's :func:`admissions` of ``numbers``), each other's
    key, and the example agreement signed by both and active on both (``lookups``: the
    admissions may be looked up one person at a time)."""
    ingest_example(gp, "gp")
    admissions(hospital, numbers)
    for ws, dataset in ((gp, "registered-patients"), (hospital, "admissions")):
        assess(ws, dataset)
    add_peer(gp, "hospital", node_public_key(hospital), added_by="test")
    add_peer(hospital, "gp", node_public_key(gp), added_by="test")
    data = example_data()
    data["datasets"][1]["lookups"] = lookups
    agreement, _ = sign_in_workspace(gp, parse(data))
    both, _ = sign_in_workspace(hospital, agreement)
    sign_in_workspace(gp, both)
    for ws in (gp, hospital):
        activate(ws, agreement.id)


def lone_node(root: Path) -> tuple[Path, int]:
    """A GP node alone in a federation under ``root``, with its trust list, closed: its
    workspace's folder and the port the trust list names for it."""
    fed = federation(root)
    port = free_port()
    ws = node(fed, Spec("gp", "A81001", "Riverside Medical Practice"), port=port)
    fed.publish()
    fetch(ws)
    ws.close()
    return ws.root, port


def log_of(ws: Workspace) -> list[audit.Logged]:
    """Every entry of ``ws``'s audit log, read as another process would (a workspace of
    its own, so what the node's servers appended is seen)."""
    with open_workspace(ws.root) as opened:
        return list(audit.entries(opened))


def named(ws: Workspace, name: str) -> list[dict[str, Any]]:
    """The fields of each ``name`` entry in ``ws``'s log."""
    return [e.event.fields() for e in log_of(ws) if e.event.name == name]


def refusals(ws: Workspace) -> list[tuple[str, str]]:
    """(requester, reason) for each reason of each ``disclosure.decided`` in ``ws``'s log."""
    return [(d["requester"], r) for d in named(ws, "disclosure.decided") for r in d["reasons"]]


def reasons(ws: Workspace, code: str = "") -> list[str]:
    """The reasons recorded in ``ws``'s decisions, those of refusal type ``code`` only if
    one is given."""
    return [r for _, r in refusals(ws) if r.startswith(f"{code}:" if code else "")]
