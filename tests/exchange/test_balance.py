"""The workers' shares of the connections kept even (``exchange.balance``): the board
they post on, the middleware that asks a caller to close a connection, and two real
workers sharing connections a client opened at once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from starlette.types import Receive, Scope, Send

from accord.exchange import balance
from tests import loops
from tests.exchange.support import lone_node, running


@pytest.fixture
def board(tmp_path: Path) -> Iterator[Path]:
    path = balance.board_file()
    yield path
    path.unlink(missing_ok=True)


def test_workers_read_each_other_s_counts_on_the_board(board: Path) -> None:
    first, second = balance.Board(board), balance.Board(board)
    assert first.slot != second.slot
    assert first.least_other(0.0) == 0  # the other has said nothing yet
    second.post(5, 10.0)
    assert first.least_other(10.5) == 5
    assert first.least_other(10.0 + balance.WINDOW) == 0  # nothing said for a window
    second.close()
    assert first.least_other(10.5) is None  # its slot given up: no other worker
    first.close()


def test_a_dead_worker_s_slot_is_taken_by_the_next(board: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    mine = balance.Board(board)
    mine.post(3, 1.0)
    # A slot left by a worker that died without giving it up.
    balance._SLOT.pack_into(mine._map, (mine.slot + 1) * balance._SLOT.size, gone.pid, 7, 1.0)
    assert mine.least_other(1.5) is None  # a dead worker is no other
    assert balance.Board(board).slot == mine.slot + 1
    assert not (Path(board).stat().st_mode & 0o077)  # owner only


def test_a_path_that_is_no_board_is_refused(tmp_path: Path) -> None:
    small = tmp_path / "small"
    small.write_bytes(b"x")
    with pytest.raises(ValueError, match="not a workers' board"):
        balance.Board(small)


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _ask(app: balance.Balance, port: int) -> list[tuple[bytes, bytes]]:
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/healthz", "headers": [],
             "client": ("127.0.0.1", port)}  # fmt: skip
    loops.run(app(scope, receive, send))  # type: ignore[arg-type]
    headers = sent[0]["headers"]
    assert isinstance(headers, list)
    return headers


def test_a_worker_serving_more_asks_one_connection_to_close(
    board: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine, other = balance.Board(board), balance.Board(board)
    app = balance.Balance(_ok, mine)
    clock = [100.0]
    monkeypatch.setattr(balance.time, "monotonic", lambda: clock[0])
    other.post(1, clock[0])
    closed = []
    for port in (5001, 5002, 5003, 5001, 5002, 5003):
        clock[0] += balance.SPACING
        other.post(1, clock[0])
        closed.append((b"connection", b"close") in _ask(app, port))
    # Three connections against the other's one: one asked to close, the next request
    # (one window on) finds two against one and is answered as ever.
    assert closed.count(True) == 1
    assert closed.index(True) == 2
    mine.close()
    other.close()


def test_two_workers_share_connections_opened_at_once(tmp_path: Path) -> None:
    root, port = lone_node(tmp_path)
    with running(root, port, workers=2) as server:
        workers = psutil.Process(server.process.pid).children(recursive=True)
        boards = {w.environ().get(balance.ENVIRONMENT) for w in workers} - {None}
        assert len(boards) == 1  # the board ``accord serve`` made, named to its workers
        path = Path(str(boards.pop()))

        async def load() -> None:
            limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
            async with httpx.AsyncClient(base_url=server.url, limits=limits) as http:

                async def worker() -> None:
                    for _ in range(250):
                        assert (await http.get("/healthz")).status_code == 200

                await asyncio.gather(*(worker() for _ in range(8)))

        loops.run(load())
        served = balance.shares(path)
    assert len(served) == 2
    assert all(count >= 2 for count in served.values()), served
