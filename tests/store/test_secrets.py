"""The node's secrets made at first use: owner-only, and the same for every process that
starts at once (a server's workers)."""

from __future__ import annotations

import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from accord.store import PORTAL_SECRET, init_workspace, node_secret, open_workspace


def _secret(root: str) -> bytes:
    with open_workspace(Path(root)) as ws:
        return node_secret(ws, PORTAL_SECRET)


def test_init_makes_the_portal_secret_owner_only(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws", "gp")
    path = ws.root / "keys" / PORTAL_SECRET
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert node_secret(ws, PORTAL_SECRET) == path.read_bytes()
    assert len(path.read_bytes()) == 32


def test_a_workspace_without_it_gets_one_secret_however_many_start_at_once(
    tmp_path: Path,
) -> None:
    ws = init_workspace(tmp_path / "ws", "gp")
    path = ws.root / "keys" / PORTAL_SECRET
    path.unlink()  # a workspace made before the portal existed
    with ProcessPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(_secret, [str(ws.root)] * 8))
    assert len(set(made)) == 1
    assert made[0] == path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_only_a_file_name_names_a_secret(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws", "gp")
    for bad in ("../accord.toml", ".hidden"):
        with pytest.raises(ValueError, match="not a key file name"):
            node_secret(ws, bad)
