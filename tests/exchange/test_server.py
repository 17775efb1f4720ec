"""``accord serve`` as a process: it never outlives what started it, and refuses clearly."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.exchange.support import free_port, lone_node

SERVE = [sys.executable, "-m", "accord.cli", "serve"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return lone_node(tmp_path)[0]


def test_a_server_stops_once_the_process_it_watches_is_gone(root: Path) -> None:
    watched = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    server = subprocess.Popen(
        [*SERVE, "-w", str(root), "--port", str(free_port()), "--watch-pid", str(watched.pid)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert watched.stdin is not None
        watched.stdin.close()  # the watched process ends
        watched.wait(timeout=60)
        assert server.wait(timeout=120) == 0
    finally:
        server.kill()
        watched.kill()


def test_a_server_stops_by_itself_after_its_time(root: Path) -> None:
    done = subprocess.run(
        [*SERVE, "-w", str(root), "--port", str(free_port()), "--stop-after", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_an_address_in_use_is_named(root: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*SERVE, "-w", str(root), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}: in use" in done.stderr
    assert "Traceback" not in done.stderr
