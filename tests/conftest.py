"""Shared fixtures: real stores only.

``store_url`` runs a test once on SQLite and once on PostgreSQL. The PostgreSQL server
is started by the suite itself on a throwaway data directory and a free port (as the
``postgres`` user when the suite runs as root, since ``initdb`` refuses root) and
stopped at the end (``tests/postgres.py``, which the benchmarks use too); each test
gets a database of its own. Set ``ACCORD_TEST_POSTGRES_URL`` to use a server you run
instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.store import Workspace, init_workspace
from tests.postgres import scratch_database, throwaway_server


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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The SQL store, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("postgres_url")
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
    with scratch_database(server) as url:
        yield url
