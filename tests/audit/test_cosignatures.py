"""Witnesses' cosignatures: the C2SP tlog-cosignature line, made and checked, and kept
beside the node's checkpoints (on each store): once per witness key, only over the note
the node signed, each kept one recorded."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accord import audit
from accord.audit import BadCosignature, Checkpoint, UnknownCheckpoint, cosign, open_cosignature
from accord.audit.checkpoint import sign
from accord.store import Workspace
from tests.audit.support import disclosed, people

NAME, WITNESS = "accord/gp/audit", "accord.example.nhs.uk/AU1/witness"
WHEN = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)


def _note() -> str:
    point = Checkpoint(NAME, 42, hashlib.sha256(b"r").digest(), WHEN)
    return sign(point, NAME, Ed25519PrivateKey.generate())


def test_the_line_is_laid_out_as_c2sp_tlog_cosignature_says() -> None:
    key, note = Ed25519PrivateKey.generate(), _note()
    line = cosign(note, WITNESS, key, WHEN)
    dash, name, blob64 = line.split(" ")
    assert (dash, name) == ("\u2014", WITNESS)
    blob = base64.b64decode(blob64)
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert blob[:4] == hashlib.sha256(WITNESS.encode() + b"\n\x04" + raw).digest()[:4]
    assert int.from_bytes(blob[4:12], "big") == int(WHEN.timestamp())
    text = note.split("\n\n")[0] + "\n"
    message = f"cosignature/v1\ntime {int(WHEN.timestamp())}\n{text}".encode()
    key.public_key().verify(blob[12:], message)
    assert open_cosignature(note + line + "\n", line, WITNESS, key.public_key()) == WHEN
    # The node's own signature still opens the cosigned note.
    assert audit.verifier_key(WITNESS, key.public_key(), audit.COSIGNATURE_V1).startswith(
        f"{WITNESS}+{blob[:4].hex()}+"
    )


def test_a_line_that_does_not_verify_is_refused() -> None:
    key, note = Ed25519PrivateKey.generate(), _note()
    line = cosign(note, WITNESS, key, WHEN)
    other = Ed25519PrivateKey.generate().public_key()
    cases = {
        "another key": (note, line, WITNESS, other, "not an Ed25519 cosignature by key"),
        "another name": (note, line, "w.example/x", key.public_key(), "not a signature line"),
        "another note": (note.replace("\n42\n", "\n43\n"), line, WITNESS, key.public_key(),
                         "does not verify"),
        "not base64": (note, line[:-4] + "!!!!", WITNESS, key.public_key(), "not base64"),
        "a checkpoint signature": (note, note.split("\n\n")[1].strip(), NAME, key.public_key(),
                                   "not an Ed25519 cosignature"),
    }  # fmt: skip
    for what, (text, given, name, public, says) in cases.items():
        with pytest.raises(BadCosignature, match=says) as caught:
            open_cosignature(text, given, name, public)
        assert caught.value, what


def _checkpointed(ws: Workspace) -> audit.Checkpointed:
    audit.record(ws, *(disclosed(p, n) for n, p in enumerate(people(ws, 2))))
    return audit.checkpoints(ws, limit=1).checkpoints[0]


def test_a_cosignature_is_kept_once_recorded_and_served_with_the_note(
    workspace: Workspace,
) -> None:
    point = _checkpointed(workspace)
    assert point.cosignatures == ()
    key = Ed25519PrivateKey.generate()
    line = cosign(point.note, WITNESS, key, WHEN)
    size, root = point.checkpoint.size, point.checkpoint.root

    kept = audit.add_cosignature(workspace, size, root, line, witness="AU1", name=WITNESS,
                                 key=key.public_key())  # fmt: skip
    again = audit.add_cosignature(workspace, size, root, cosign(point.note, WITNESS, key,
                                  datetime.now(UTC)), witness="AU1", name=WITNESS,
                                  key=key.public_key())  # fmt: skip

    assert (kept.added, again.added) == (True, False)
    assert again.line == line
    cosigned = audit.checkpoints(workspace, before=size + 1, limit=1).checkpoints[0]
    [signature] = cosigned.cosignatures
    assert (signature.witness, signature.name, signature.cosigned_at) == ("AU1", WITNESS, WHEN)
    assert cosigned.note == point.note + line + "\n"
    assert audit.cosigned_note(workspace, size) == cosigned.note
    newest = audit.newest_cosigned(workspace)
    assert newest is not None
    assert newest.checkpoint.size == size
    events = [e.event for e in audit.entries(workspace) if e.event.name == "checkpoint.cosigned"]
    assert events == [audit.CheckpointCosigned(
        size=size, root=base64.b64encode(root).decode(), witness="AU1", key_name=WITNESS,
        key_id=kept.key_id, cosigned_at=WHEN.isoformat(),
    )]  # fmt: skip
    # The newest checkpoint (after that entry) is not cosigned; its note is as signed.
    latest = audit.checkpoints(workspace, limit=1).checkpoints[0]
    assert latest.checkpoint.size == size + 1
    assert audit.latest_checkpoint(workspace) == latest.note
    assert audit.verify(workspace).size == size + 1


def test_a_checkpoint_never_signed_or_a_bad_line_is_refused_and_nothing_kept(
    workspace: Workspace,
) -> None:
    point = _checkpointed(workspace)
    key = Ed25519PrivateKey.generate()
    line = cosign(point.note, WITNESS, key, WHEN)
    size, root = point.checkpoint.size, point.checkpoint.root
    with pytest.raises(UnknownCheckpoint, match=f"no checkpoint of {size + 5:,} entries"):
        audit.add_cosignature(workspace, size + 5, root, line, witness="AU1", name=WITNESS,
                              key=key.public_key())  # fmt: skip
    with pytest.raises(UnknownCheckpoint, match="with root"):
        audit.add_cosignature(workspace, size, b"\x00" * 32, line, witness="AU1", name=WITNESS,
                              key=key.public_key())  # fmt: skip
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(BadCosignature):
        audit.add_cosignature(workspace, size, root, line, witness="AU1", name=WITNESS,
                              key=other)  # fmt: skip
    with pytest.raises(BadCosignature, match="one signature line"):
        audit.add_cosignature(workspace, size, root, line + "\n" + line, witness="AU1",
                              name=WITNESS, key=key.public_key())  # fmt: skip
    assert audit.checkpoints(workspace, limit=1).checkpoints[0].cosignatures == ()
    assert audit.newest_cosigned(workspace) is None
    assert not [e for e in audit.entries(workspace) if e.event.name == "checkpoint.cosigned"]
