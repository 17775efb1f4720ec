"""Checkpoints in the C2SP signed-note format, under an origin unique to the node's log."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from typer.testing import CliRunner

from accord import audit
from accord.audit import (
    AuditError,
    BadCheckpoint,
    Checkpoint,
    open_note,
    parse_verifier_key,
    verifier_key,
)
from accord.audit.checkpoint import sign
from accord.cli import app
from accord.store import InvalidName, Workspace, init_workspace, new_log_origin, open_workspace
from tests.audit.support import disclosed, people

runner = CliRunner()

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


# -- the log's origin -------------------------------------------------------------------


def _checkpointed(ws: Workspace) -> str:
    """Record two uses, flush them, and return the newest signed checkpoint."""
    with ws.engine.begin() as conn:
        audit.record(ws, *(disclosed(p, n) for n, p in enumerate(people(ws, 2))), within=conn)
    audit.flush(ws)
    return audit.latest_checkpoint(ws)


def test_two_nodes_named_alike_have_different_url_like_origins(tmp_path: Path) -> None:
    first = init_workspace(tmp_path / "a", "gp")
    second = init_workspace(tmp_path / "b", "gp")

    origins = [first.settings.log_origin, second.settings.log_origin]

    assert origins[0] != origins[1]
    for origin in origins:
        assert re.fullmatch(r"accord\.invalid/gp/[0-9a-f]{16}/audit", origin or "")
    note = _checkpointed(first)
    assert note.startswith(f"{origins[0]}\n")
    assert f"\n\u2014 {origins[0]} " in note
    assert audit.verify(first).size == 2
    first.close()
    second.close()


def test_a_federation_s_domain_and_the_node_s_name_make_the_origin() -> None:
    assert new_log_origin("gp-leeds", "Accord.Example.NHS.uk.") == (
        "accord.example.nhs.uk/gp-leeds/audit"
    )
    for bad in ("not a domain", "example", "-x.example.com", "a" * 300 + ".uk", "x/y.uk"):
        with pytest.raises(InvalidName, match="is not a domain name"):
            new_log_origin("gp", bad)


def test_a_workspace_made_before_the_setting_keeps_its_origin(
    tmp_path: Path, store_url: str
) -> None:
    ws = init_workspace(tmp_path / "old", "gp-leeds", store_url=store_url)
    settings = ws.root / "accord.toml"
    # As accord.toml was written before log_origin existed.
    lines = settings.read_text().splitlines()
    settings.write_text("".join(f"{ln}\n" for ln in lines if not ln.startswith("log_origin")))
    old = open_workspace(ws.root)
    ws.close()

    note = _checkpointed(old)

    assert note.startswith("accord/gp-leeds/audit\n")
    assert audit.verify(old).checkpoints == 1
    assert audit.node_verifier_key(old).startswith("accord/gp-leeds/audit+")
    # A new origin now would orphan the checkpoints signed under the old one.
    settings.write_text(settings.read_text() + 'log_origin = "x.example/gp/audit"\n')
    moved = open_workspace(ws.root)
    with pytest.raises(AuditError, match=r"no signature by x\.example/gp/audit"):
        audit.verify(moved)
    old.close()
    moved.close()


def test_init_takes_the_federation_and_audit_key_shows_the_origin(tmp_path: Path) -> None:
    root = tmp_path / "node"
    result = runner.invoke(app, ["init", str(root), "--node-name", "gp-leeds",
                                 "--federation", "accord.example.nhs.uk", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["log_origin"] == "accord.example.nhs.uk/gp-leeds/audit"
    assert (
        'log_origin = "accord.example.nhs.uk/gp-leeds/audit"' in (root / "accord.toml").read_text()
    )

    shown = runner.invoke(app, ["audit", "key", "-w", str(root)])
    assert shown.exit_code == 0
    assert shown.stderr.strip() == "origin: accord.example.nhs.uk/gp-leeds/audit"
    assert shown.stdout.startswith("accord.example.nhs.uk/gp-leeds/audit+")
    described = json.loads(runner.invoke(app, ["audit", "key", "-w", str(root), "--json"]).stdout)
    assert described["origin"] == "accord.example.nhs.uk/gp-leeds/audit"
    assert parse_verifier_key(described["verifier_key"])[0] == described["origin"]


def test_init_refuses_a_federation_that_is_not_a_domain_and_makes_nothing(
    tmp_path: Path,
) -> None:
    root = tmp_path / "node"

    result = runner.invoke(app, ["init", str(root), "--federation", "my federation"])

    assert result.exit_code == 2
    assert "federation 'my federation' is not a domain name" in result.stderr
    assert not root.exists()
