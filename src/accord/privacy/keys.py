"""The node's privacy keys: one secret made at ``init``, every working key derived from it.

Opt-out registers hold keyed hashes of identifiers, not identifiers. Pseudonyms are keyed
per agreement and key version: the same person has unrelated pseudonyms under two
agreements, so their recipients cannot join extracts, and only this node (holding the
secret) can re-identify, by recomputing pseudonyms of its own records. Rotating an
agreement's key starts a new version; pseudonyms carry their version (``P2-…``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from accord.store import PRIVACY_SECRET, read_kept, write_private

SECRET_BYTES = 32


def write_secret(keys: Path) -> bytes:
    """Make the node's privacy secret (``init`` does); refuse to replace one."""
    secret = secrets.token_bytes(SECRET_BYTES)
    write_private(keys / PRIVACY_SECRET, secret)
    return secret


def read_secret(keys: Path) -> bytes:
    """The node's privacy secret; made now for a workspace from before it existed."""
    path = keys / PRIVACY_SECRET
    if not path.exists():
        return write_secret(keys)
    return read_kept(path, "privacy secret", _checked)  # a lookup reads it each time


def _checked(path: Path, secret: bytes) -> bytes:
    if len(secret) != SECRET_BYTES:
        raise ValueError(f"{path}: a privacy secret is {SECRET_BYTES} bytes, not {len(secret)}")
    return secret


def derive(secret: bytes, *purpose: str) -> bytes:
    """A 256-bit key for one purpose (``"opt-out", scheme`` or ``"pseudonym", id, v``)."""
    label = "accord-privacy/" + "/".join(purpose)
    return hmac.new(secret, label.encode(), hashlib.sha256).digest()


def pseudonym_prefix(version: int) -> str:
    return f"P{version}-"
