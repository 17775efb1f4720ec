"""Keep a node's worker processes' shares of the connections even.

uvicorn's workers share one listening socket, and whichever wakes first accepts every
connection waiting: a caller that opens its keep-alive connections at once (a peer's
client, a reverse proxy, the exchange benchmark) can find them all on one worker, its
requests queued on one core while the other workers idle (measured: every lookup of
``benchmarks/exchange.py`` served by one of two workers in two runs of three, 230
lookups/s against 310/s when shared).

So each worker posts on a board the workers share (a small file each maps into memory:
a slot per worker, its pid, how many connections it answered in the last second and
when it last said) how many connections it is serving, and a worker serving two or more
than the least busy other asks a caller to close one connection (``Connection: close``
on a response: HTTP/1.1's own way, which every client follows by opening another). The
new connection is accepted by whichever worker is waiting first: the least busy, most
often, so the shares even out in a few steps. A worker closes at most one connection
every :data:`SPACING` seconds, so shares never swing. Nothing is refused: a response is
the same with or without the header.

``accord serve --workers K`` (K > 1) makes the board (:func:`board_file`) and names it to
its workers in :data:`ENVIRONMENT`; a single worker has none.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import tempfile
import time
from contextlib import suppress
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ENVIRONMENT = "ACCORD_WORKERS_BOARD"
SLOTS = 64
"""Worker slots on a board (``accord serve`` runs at most 64 workers)."""
WINDOW = 1.0
"""Seconds a connection counts as served after its last request."""
SPACING = 0.05
"""Seconds between two connections one worker asks to be closed."""
MARGIN = 2
"""How many more connections than the least busy other worker a worker sheds at."""
_SLOT = struct.Struct("<qqd")  # pid, connections served, when said (monotonic clock)
_SIZE = SLOTS * _SLOT.size


def board_file() -> Path:
    """A new, empty board (owner-only), for the caller to delete when its workers stop."""
    fd, name = tempfile.mkstemp(prefix="accord-workers-", suffix=".board")
    try:
        os.write(fd, bytes(_SIZE))
    finally:
        os.close(fd)
    return Path(name)


class Board:
    """One worker's view of the board: its own slot to post on, the others' to read."""

    def __init__(self, path: Path) -> None:
        fd = os.open(path, os.O_RDWR)
        try:
            if os.fstat(fd).st_size < _SIZE:
                raise ValueError(f"{path} is not a workers' board")
            self._map = mmap.mmap(fd, _SIZE)
            fcntl.flock(fd, fcntl.LOCK_EX)  # one worker claims a slot at a time
            try:
                self.slot = self._claim()
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _claim(self) -> int:
        pid = os.getpid()
        for slot in range(SLOTS):
            held, _, _ = _SLOT.unpack_from(self._map, slot * _SLOT.size)
            if held == 0 or not alive(held):
                _SLOT.pack_into(self._map, slot * _SLOT.size, pid, 0, time.monotonic())
                return slot
        raise ValueError("the workers' board is full")

    def post(self, connections: int, now: float) -> None:
        _SLOT.pack_into(self._map, self.slot * _SLOT.size, os.getpid(), connections, now)

    def least_other(self, now: float) -> int | None:
        """The fewest connections another live worker serves (None: no other worker)."""
        least: int | None = None
        for slot in range(SLOTS):
            if slot == self.slot:
                continue
            pid, connections, said = _SLOT.unpack_from(self._map, slot * _SLOT.size)
            if pid == 0 or not alive(pid):
                continue
            # Nothing said for a window: it has served no connection in the last one.
            serving = connections if now - said < WINDOW else 0
            least = serving if least is None else min(least, serving)
        return least

    def close(self) -> None:
        with suppress(ValueError):
            _SLOT.pack_into(self._map, self.slot * _SLOT.size, 0, 0, 0.0)
        self._map.close()


def shares(path: Path) -> dict[int, int]:
    """What the board at ``path`` says now: each live worker's pid, and the connections
    it served in its last window (for an operator, or a test)."""
    with path.open("rb") as fh:
        data = fh.read(_SIZE)
    found: dict[int, int] = {}
    for slot in range(SLOTS):
        pid, connections, _ = _SLOT.unpack_from(data, slot * _SLOT.size)
        if pid and alive(pid):
            found[int(pid)] = int(connections)
    return found


def alive(pid: int) -> bool:
    """Whether process ``pid`` is running (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Balance:
    """ASGI middleware: count the connections this worker serves, post the count, and
    ask for one to be closed when this worker serves :data:`MARGIN` or more than the
    least busy other."""

    def __init__(self, app: ASGIApp, board: Board) -> None:
        self.app = app
        self.board = board
        self._seen: dict[object, float] = {}
        self._looked = 0.0
        self._shed = 0.0
        self._over = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("client") is None:
            await self.app(scope, receive, send)
            return
        client = tuple(scope["client"])
        now = time.monotonic()
        self._seen[client] = now
        if now - self._looked >= SPACING:
            self._look(now)
        if not (self._over and now - self._shed >= SPACING):
            await self.app(scope, receive, send)
            return
        self._shed = now
        self._over = False
        self._seen.pop(client, None)

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"connection", b"close")]}  # fmt: skip
            await send(message)

        await self.app(scope, receive, closing)

    def _look(self, now: float) -> None:
        """Forget connections not served for a window, post the count, compare."""
        self._looked = now
        stale = [c for c, at in self._seen.items() if now - at >= WINDOW]
        for client in stale:
            del self._seen[client]
        serving = len(self._seen)
        self.board.post(serving, now)
        least = self.board.least_other(now)
        self._over = least is not None and serving >= least + MARGIN
