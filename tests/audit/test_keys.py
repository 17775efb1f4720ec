"""The log's keys: read once, and read again when their file changes."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from accord.audit.keys import person_key, signing_key
from accord.store import PRIVACY_SECRET, Workspace

NUMBER = "9434765919"


def _replace(path: Path, data: bytes) -> None:
    # As a rotation would: a new file put in place, owner-only.
    new = path.with_name(path.name + ".new")
    new.touch(mode=0o600)
    new.write_bytes(data)
    new.replace(path)


def test_a_changed_key_file_is_read_again(sqlite_workspace: Workspace) -> None:
    ws = sqlite_workspace
    keys = ws.root / "keys"
    before, signer = person_key(ws, NUMBER), signing_key(ws)
    assert person_key(ws, NUMBER) == before
    assert signing_key(ws) is signer  # kept, not parsed again
    _replace(keys / PRIVACY_SECRET, os.urandom(32))
    assert person_key(ws, NUMBER) != before
    other = Ed25519PrivateKey.generate()
    _replace(keys / "node.key",
             other.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))  # fmt: skip
    assert signing_key(ws).public_key() == other.public_key()
