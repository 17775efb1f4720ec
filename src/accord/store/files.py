"""Immutable files named by the SHA-256 of their content."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

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
    tmp.replace(final)
    final.chmod(0o444)
    return digest, final, True
