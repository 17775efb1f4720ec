"""``accord serve``: the node's API on uvicorn, one or several worker processes.

Before it listens, the node is checked (its store answers, it has a node id and its
key, the address is free), so a
mistake is one clear line, not a server that starts and refuses everything. The server
stops on SIGINT or SIGTERM, and by itself after ``stop_after`` seconds or once the
process ``watch_pid`` is gone (a test's or a supervisor's), so a server started for a
test never outlives it.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import threading
import time
from pathlib import Path

import uvicorn

from accord.agreements import node_key
from accord.exchange import balance, trust
from accord.exchange.errors import ExchangeError
from accord.store import open_workspace

FACTORY = "accord.exchange.app:app_from_environment"
WATCH_INTERVAL = 0.5


def serve(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    stop_after: float | None = None,
    watch_pid: int | None = None,
    factory: str = FACTORY,
) -> None:
    """Serve the node at ``root`` until stopped (see the module's docstring); ``factory``
    is the import path of the function each worker calls for its app (the API alone by
    default; ``accord serve`` names the portal's, which puts its pages beside the API)."""
    with open_workspace(root) as ws:
        with ws.engine.connect():  # the store answers (else the error names it)
            pass
        trust.node_id_of(ws)
        node_key(ws)
        root = ws.root
        proxies = ws.settings.trusted_proxies.split()
    _check_free(host, port)
    os.environ["ACCORD_WORKSPACE"] = str(root)
    # SIGTERM is a request to stop, whenever it comes: before uvicorn handles it (while
    # the app is still loading) and when uvicorn raises it again once it has stopped.
    signal.signal(signal.SIGTERM, _stop)
    _watchdog(stop_after, watch_pid)
    board = balance.board_file() if workers > 1 else None
    if board is not None:  # the workers' shares of the connections (``balance``)
        os.environ[balance.ENVIRONMENT] = str(board)
    else:
        os.environ.pop(balance.ENVIRONMENT, None)
    try:
        _run(factory, host, port, workers, proxies)
    finally:
        if board is not None:
            board.unlink(missing_ok=True)


def _run(factory: str, host: str, port: int, workers: int, proxies: list[str]) -> None:
    uvicorn.run(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_graceful_shutdown=5,
        server_header=False,
        # Forwarded headers believed from the proxies named only (uvicorn would believe
        # any local process's): the sign-in throttle counts by the client's address.
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )


def _stop(_signal: int, _frame: object) -> None:
    raise SystemExit(0)


def _check_free(host: str, port: int) -> None:
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        why = "in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        raise ExchangeError(f"cannot listen on {host}:{port}: {why}") from None


def _watchdog(stop_after: float | None, watch_pid: int | None) -> None:
    if stop_after is None and watch_pid is None:
        return
    deadline = time.monotonic() + stop_after if stop_after is not None else None

    def watch() -> None:
        while True:
            time.sleep(WATCH_INTERVAL)
            if deadline is not None and time.monotonic() >= deadline:
                break
            if watch_pid is not None and not balance.alive(watch_pid):
                break
        # uvicorn stops gracefully on SIGTERM, its workers with it.
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="accord-serve-watchdog", daemon=True).start()
