"""A throwaway PostgreSQL server, for the test suite and the benchmarks that need one.

:func:`throwaway_server` runs ``initdb`` on a fresh data directory and starts the server
on a free port, listening only on a Unix socket in that directory (as the ``postgres``
user when run as root, since ``initdb`` refuses root), and removes it all on leaving.
The suite runs it with ``fsync`` off (its data is thrown away); a benchmark measuring
durable writes runs it with PostgreSQL's defaults (``fsync`` and ``synchronous_commit``
on).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def pg_tool(name: str) -> str:
    """The path of PostgreSQL's ``name`` program; RuntimeError saying how to install it."""
    found = shutil.which(name)
    if found:
        return found
    for directory in PG_BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    raise RuntimeError(
        f"PostgreSQL's {name} is not installed; 'make test' installs it "
        "(apt-get install postgresql)"
    )


def available() -> bool:
    """Whether a throwaway server can be started here."""
    try:
        pg_tool("initdb")
    except RuntimeError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def throwaway_server(*, durable: bool = False) -> Iterator[str]:
    """The URL of a new server's maintenance database; the server is stopped and its
    files removed on leaving. ``durable=False`` turns ``fsync`` off."""
    root = Path(tempfile.mkdtemp(prefix="accord-pg-"))
    data, port = root / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    try:
        subprocess.run(
            _as_postgres([pg_tool("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
            check=True, capture_output=True,
        )  # fmt: skip
        options = f"-p {port} -k {root} -c listen_addresses=''"
        if not durable:
            options += " -c fsync=off"
        subprocess.run(
            _as_postgres([pg_tool("pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
                          str(root / "log"), "start"]),
            check=True, capture_output=True,
        )  # fmt: skip
        yield f"postgresql+psycopg://postgres@/postgres?host={root}&port={port}"
    finally:
        if data.exists():
            subprocess.run(
                _as_postgres([pg_tool("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                check=False, capture_output=True,
            )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def scratch_database(server: str, prefix: str = "t", template: str | None = None) -> Iterator[str]:
    """A new database on ``server`` (a maintenance database's URL), dropped after: empty,
    or a copy of the database ``template``."""
    import sqlalchemy as sa

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    copied = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"{copied}'))
    try:
        yield sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
