"""File modes: a workspace, and the outputs a person asks for, are its owner's alone.

A workspace holds the node's keys, settings that may hold a database password, the
SQLite store and snapshots of personal data, so everything in it is created owner-only
whatever the umask: folders 0700, files 0600, snapshots read-only 0400. Exports and
reports hold personal data too and are created 0600. :func:`loose_modes` finds what is
readable (or writable) by anyone else; opening a workspace warns with
:class:`LooseModes` and ``accord doctor`` names each path with the ``chmod`` that fixes it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from accord.store.layout import WORKSPACE_FILE

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SNAPSHOT_FILE = 0o400
_OTHERS = stat.S_IRWXG | stat.S_IRWXO

STORE_FILES = ("accord.db", "accord.db-wal", "accord.db-shm")
"""The embedded SQLite store and the files SQLite keeps beside it."""


class LooseModes(UserWarning):
    """Files or folders of a workspace that users other than its owner may read or change."""


@dataclass(frozen=True)
class Loose:
    """One path whose mode lets others in, and the mode it should have."""

    path: Path
    mode: int
    wanted: int

    def fix(self) -> str:
        return f"chmod {self.wanted:o} {self.path}"

    def __str__(self) -> str:
        return f"{self.path} is mode {self.mode:o}, should be {self.wanted:o}"


def make_private(path: Path) -> None:
    """Set ``path`` owner-only: 0700 for a folder, 0600 for a file (exact, not umask-bound)."""
    path.chmod(PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)


def private_dir(path: Path) -> None:
    """Create the folder ``path`` (and no parents) owner-only."""
    path.mkdir(mode=PRIVATE_DIR)
    path.chmod(PRIVATE_DIR)


def create_private_file(path: Path, data: bytes) -> None:
    """A new file readable by its owner only; never replaces one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)  # the umask could have taken bits away, never add them
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(data)
    finally:
        os.close(fd)


def _wanted(root: Path, path: Path, is_dir: bool) -> int:
    if is_dir:
        return PRIVATE_DIR
    inside = path.relative_to(root).parts
    if inside[:2] == ("data", "snapshots"):
        return SNAPSHOT_FILE
    return PRIVATE_FILE


def _paths(root: Path, thorough: bool) -> Iterator[Path]:
    """The workspace's own paths (not other files a person keeps in its folder): a quick
    selection, or (``thorough``) every key, store file, snapshot and data folder."""
    yield from (root, root / WORKSPACE_FILE, *(root / name for name in STORE_FILES))
    yield from (root / "keys", root / "data", root / "data" / "snapshots", root / "data" / "tmp")
    keys = root / "keys"
    if keys.is_dir():
        yield from keys.iterdir()
    if thorough:
        # Every snapshot; not scratch, which running work makes and removes inside an
        # owner-only folder.
        for here, dirs, files in os.walk(root / "data" / "snapshots"):
            yield from (Path(here, d) for d in dirs)
            yield from (Path(here, f) for f in files)


def loose_modes(root: Path, *, thorough: bool = False) -> list[Loose]:
    """Paths of the workspace at ``root`` that others may read, write or enter.

    Snapshots are read-only: one that its owner may write is reported too. The quick
    check (every open) looks at the root, settings, keys, store and data folders; the
    ``thorough`` one (``accord doctor``) at every snapshot file too.
    """
    found = []
    for path in _paths(root, thorough):
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode):
            continue
        mode = stat.S_IMODE(info.st_mode)
        wanted = _wanted(root, path, stat.S_ISDIR(info.st_mode))
        if mode & _OTHERS or (wanted == SNAPSHOT_FILE and mode & stat.S_IWUSR):
            found.append(Loose(path, mode, wanted))
    return found


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite store URL; None for any other store."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser().resolve()
