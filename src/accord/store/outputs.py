"""Where a command may write a file a person named (``--out``, ``--report``, ``--sar`` …).

Checked before any work starts, so a long linkage run does not fail at its last step:
the parent folder must exist, an existing file is replaced only when the caller says so
(``force``), and nothing may be written over a workspace's own files (its keys, its
settings, its SQLite store, its snapshots), whichever workspace they belong to.
"""

from __future__ import annotations

from pathlib import Path

from accord.store.errors import UnsafeOutput
from accord.store.settings import WORKSPACE_FILE

# A workspace's own files and folders, relative to its root: never an output.
PROTECTED = (WORKSPACE_FILE, "keys", "accord.db", "accord.db-wal", "accord.db-shm", "data")


def check_output(path: Path, *, force: bool = False, directory: bool = False) -> Path:
    """``path`` resolved, if a command may write it; else :class:`UnsafeOutput`.

    ``directory``: the output is a folder (a report); it may exist already and is then
    written into. Otherwise an existing file is refused unless ``force``.
    """
    target = path.expanduser().resolve()
    _refuse_workspace_files(path, target)
    if target.exists():
        if directory and not target.is_dir():
            raise UnsafeOutput(f"{path}: is a file; give a folder")
        if not directory and target.is_dir():
            raise UnsafeOutput(f"{path}: is a folder; give a file name")
        if not directory and not force:
            raise UnsafeOutput(f"{path}: exists; pass --force to replace it")
    parent = target.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise UnsafeOutput(f"{path}: the folder {parent} {what}; create it first")
    return target


def _refuse_workspace_files(given: Path, target: Path) -> None:
    for root in (target, *target.parents):
        if (root / WORKSPACE_FILE).is_file():
            inside = target.relative_to(root)
            if inside.parts and inside.parts[0] in PROTECTED:
                raise UnsafeOutput(
                    f"{given}: is inside the workspace's own files ({root / inside.parts[0]}); "
                    "write somewhere else"
                )
            if not inside.parts:
                raise UnsafeOutput(f"{given}: is a workspace folder; write somewhere else")
