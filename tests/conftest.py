"""Shared fixtures: real stores only.

``store_url`` runs a test once on SQLite and once on PostgreSQL. The PostgreSQL server
is started by the suite itself on a throwaway data directory and a free port (as the
``postgres`` user when the suite runs as root, since ``initdb`` refuses root) and
stopped at the end (``tests/postgres.py``, which the benchmarks use too); each test
gets a database of its own. Set ``ACCORD_TEST_POSTGRES_URL`` to use a server you run
instead.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.testing

from accord.store import Workspace, init_workspace
from tests.postgres import scratch_database, throwaway_server

# typer's CliRunner builds the whole click command tree from the app at every invoke
# (about a quarter of a second for Accord's): built once per app, as the installed
# `accord` command builds it once per process. Thousands of invocations in the suite.
typer.testing._get_command = functools.cache(typer.testing._get_command)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server for the whole run (maintenance database)."""
    given = os.environ.get("ACCORD_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with throwaway_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    with scratch_database(postgres_server) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_schema(postgres_server: str) -> Iterator[str]:
    """The name of a database whose schema is migrated to the head, made once per run
    (per xdist worker): the stores of the tests are copies of it (``CREATE DATABASE ...
    TEMPLATE``), so each test's ``init`` finds its migrations done, not run again (a
    second each, hundreds of times). A store made empty is ``postgres_url``'s."""
    import sqlalchemy as sa

    from accord.store.database import migrate

    with scratch_database(postgres_server, "schema") as url:
        engine = sa.create_engine(url)
        try:
            migrate(engine)
        finally:
            engine.dispose()  # a template copies only with nobody connected to it
        database = sa.engine.make_url(url).database
        assert database is not None
        yield database


@pytest.fixture
def migrated_postgres_url(postgres_server: str, postgres_schema: str) -> Iterator[str]:
    """A PostgreSQL database for one test, its schema at the head (no rows of a node)."""
    with scratch_database(postgres_server, template=postgres_schema) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The SQL store, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("migrated_postgres_url")
    return url


@pytest.fixture
def workspace(tmp_path: Path, store_url: str) -> Iterator[Workspace]:
    """A new node workspace on each store."""
    ws = init_workspace(tmp_path / "ws", "test-node", store_url=store_url)
    yield ws
    ws.engine.dispose()


@pytest.fixture
def sqlite_workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A new node workspace on the embedded default store, for tests that do not touch SQL."""
    ws = init_workspace(tmp_path / "ws", "test-node")
    yield ws
    ws.engine.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def module_store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The SQL store, once per backend, for a module's tests that share one workspace."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.db'}"
        return
    server: str = request.getfixturevalue("postgres_server")
    schema: str = request.getfixturevalue("postgres_schema")
    with scratch_database(server, template=schema) as url:
        yield url


TIMINGS = Path(__file__).with_name("timings.json")
"""Seconds each module took on a CI machine (``python -m tests.timings``): the order the
suite's modules are handed to the xdist workers in."""
UNTIMED = 100.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules longest first (their times in :data:`TIMINGS`; one not timed yet counts
    as long, :data:`UNTIMED`, so that a new module with servers in it does not start
    last), each whole and in its own order. ``make test`` hands the workers a module at
    a time (``--dist loadscope``), so a module's fixtures (servers, browsers, PostgreSQL
    databases) are made once; longest first, the two workers start on the long modules
    and the many short ones fill the gaps after, rather than a long one starting last
    and running alone at the end."""
    known: dict[str, float] = json.loads(TIMINGS.read_text(encoding="utf-8"))

    def cost(item: pytest.Item) -> float:
        return known.get(item.nodeid.split("::", 1)[0], UNTIMED)

    items.sort(key=lambda item: -cost(item))  # stable: a module's own order kept
