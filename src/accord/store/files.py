"""Immutable files named by the SHA-256 of their content."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import yaml

from accord.store.permissions import SNAPSHOT_FILE

_BLOCK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def publish(tmp: Path, directory: Path, suffix: str) -> tuple[str, Path, bool]:
    """Move a finished file into ``directory`` under its content hash.

    Returns ``(hash, final path, created)``; ``created`` is False when an identical file
    was already there (the temporary one is then discarded), so a caller undoing a failed
    operation knows whether the file is its own to remove.
    """
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    digest = sha256_file(tmp)
    final = directory / f"{digest}{suffix}"
    if final.exists():
        tmp.unlink()
        return digest, final, False
    # Read-only and the owner's alone: a snapshot holds personal data and never changes.
    tmp.chmod(SNAPSHOT_FILE)
    tmp.replace(final)
    return digest, final, True


class UnreadableDocument(ValueError):
    """A YAML document that cannot be read or parsed; the message names the file and,
    where YAML says, the line and column. Loaders re-raise it as their own error."""


def read_yaml(path: Path, what: str) -> object:
    """The YAML document at ``path`` (a mapping, a checklist, an agreement …), parsed.

    ``what`` names the document in the message of :class:`UnreadableDocument`.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UnreadableDocument(f"{path}: cannot read {what}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(f"{path}: {what} is not UTF-8 text ({exc.reason})") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise UnreadableDocument(f"{path}: not valid YAML{at}: {problem}") from exc
