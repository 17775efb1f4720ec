"""Workspaces holding the clean and the dirty people files, ingested once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from accord.store import Workspace, init_workspace
from tests.quality.support import CLEAN, DIRTY, ingest_rows


def _workspace(factory: pytest.TempPathFactory, rows: list[str]) -> Iterator[Workspace]:
    ws = init_workspace(factory.mktemp("quality") / "ws", "quality-node")
    ingest_rows(ws, rows)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A workspace with the three clean records as dataset ``people``."""
    yield from _workspace(tmp_path_factory, CLEAN)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A workspace with the six dirty records as dataset ``people``."""
    yield from _workspace(tmp_path_factory, DIRTY)
