"""Where a command may write a file a person named (``--out``, ``--report``, ``--sar`` …).

Checked before any work starts, so a long linkage run does not fail at its last step:
the parent folder must exist, an existing file is replaced only when the caller says so
(``force``), and nothing may be written over a workspace's own files (its keys, its
settings, its SQLite store, its snapshots), whichever workspace they belong to.
:func:`write_output` then writes the file whole or not at all, owner-only (outputs hold
personal data); :func:`private_output` does the same for a file another engine writes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

from accord.store.errors import UnsafeOutput
from accord.store.layout import WORKSPACE_FILE
from accord.store.permissions import PRIVATE_FILE, STORE_FILES, make_private

# A workspace's own files and folders, relative to its root: never an output.
PROTECTED = (WORKSPACE_FILE, "keys", *STORE_FILES, "data")


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


SCRATCH = ("data", "tmp")
"""A workspace's scratch folder: its own work in progress (a disclosure before it is
published) may be written there; it is emptied whenever the workspace is opened."""


def _refuse_workspace_files(given: Path, target: Path) -> None:
    owned = workspace_part(target)
    if owned is None:
        return
    root, part = owned
    if target.relative_to(root).parts[: len(SCRATCH)] == SCRATCH and target != root.joinpath(
        *SCRATCH
    ):
        return
    if part is None:
        raise UnsafeOutput(f"{given}: is a workspace folder; write somewhere else")
    raise UnsafeOutput(
        f"{given}: is inside the workspace's own files ({root / part}); write somewhere else"
    )


def workspace_part(target: Path) -> tuple[Path, str | None] | None:
    """``(workspace root, its own file or folder)`` that the resolved ``target`` is or is
    inside (the part None for the root itself); None when it touches no workspace's own."""
    for root in (target, *target.parents):
        if (root / WORKSPACE_FILE).is_file():
            inside = target.relative_to(root).parts
            if not inside:
                return root, None
            if inside[0] in PROTECTED:
                return root, inside[0]
    return None


def write_output(path: Path, data: str | bytes) -> None:
    """Write ``path`` (checked by :func:`check_output`) whole or not at all, owner-only."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with private_output(path) as partial:
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
        except OSError as exc:
            raise _unwritable(path, exc) from exc


@contextmanager
def private_output(path: Path) -> Iterator[Path]:
    """A scratch name beside ``path`` to write to (by any means, DuckDB's COPY too); on
    success it becomes ``path``, owner-only; on failure it is removed."""
    partial = path.with_name(f".{path.name}.{uuid4().hex}.partial")
    try:
        yield partial
        make_private(partial)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise _unwritable(path, exc) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _unwritable(path: Path, exc: OSError) -> UnsafeOutput:
    return UnsafeOutput(f"{path}: cannot write it ({exc.strerror or exc})")
