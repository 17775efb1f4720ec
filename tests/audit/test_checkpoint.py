"""Checkpoints in the C2SP signed-note format."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accord.audit import BadCheckpoint, Checkpoint, open_note, parse_verifier_key, verifier_key
from accord.audit.checkpoint import sign

NAME = "accord/gp/audit"
WHEN = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)


def _point(size: int = 42) -> Checkpoint:
    return Checkpoint(origin=NAME, size=size, root=hashlib.sha256(b"r").digest(), timestamp=WHEN)


def test_the_note_is_laid_out_as_the_spec_says() -> None:
    key = Ed25519PrivateKey.generate()
    note = sign(_point(), NAME, key)
    text, signatures = note.split("\n\n")
    root = base64.b64encode(hashlib.sha256(b"r").digest()).decode()
    assert text == f"{NAME}\n42\n{root}\ntimestamp 2026-11-22T10:30:00Z"
    dash, name, blob = signatures.rstrip("\n").split(" ")
    assert (dash, name) == ("\u2014", NAME)
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = hashlib.sha256(NAME.encode() + b"\n\x01" + raw).digest()[:4]
    signed = base64.b64decode(blob)
    assert signed[:4] == key_id
    assert len(signed) == 68
    key.public_key().verify(signed[4:], (text + "\n").encode())


def test_open_checks_the_signature_and_round_trips() -> None:
    key = Ed25519PrivateKey.generate()
    note = sign(_point(), NAME, key)
    name, public = parse_verifier_key(verifier_key(NAME, key.public_key()))
    assert open_note(note, name, public) == _point()
    forged = note.replace("\n42\n", "\n43\n")
    with pytest.raises(BadCheckpoint, match="does not verify"):
        open_note(forged, name, public)
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(BadCheckpoint, match="no signature"):
        open_note(note, name, other)


def test_a_note_with_extra_signatures_opens_with_ours() -> None:
    ours, theirs = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    cosigned = sign(_point(), "witness.example", theirs)
    ours_line = sign(_point(), NAME, ours).split("\n\n")[1]
    note = cosigned + ours_line
    assert open_note(note, NAME, ours.public_key()).size == 42


def test_bad_notes_and_keys_are_refused() -> None:
    key = Ed25519PrivateKey.generate()
    with pytest.raises(BadCheckpoint):
        open_note("no blank line\n", NAME, key.public_key())
    with pytest.raises(BadCheckpoint):
        sign(_point(), "has space", key)
    with pytest.raises(BadCheckpoint):
        parse_verifier_key("name+00000000+AAAA")
