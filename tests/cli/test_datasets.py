"""``accord quarantine`` and ``accord export``: whole raw rows, and who read them and why."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from accord import audit
from accord.store import open_workspace
from tests.cli.test_commands import STAFF, run

LONG = "4," + ",".join(f"value number {i} of a very long legacy row" for i in range(12))


@pytest.fixture
def node(tmp_path: Path) -> Path:
    node = tmp_path / "node"
    assert run("init", str(node))[0] == 0
    source = tmp_path / "bad.csv"
    source.write_text(f"id,name\n1,SMITH John\n2,JONES Mary,extra\n{LONG}\n", encoding="utf-8")
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("fields: {record_id: id, full_name: name}\n", encoding="utf-8")
    code, _, stderr = run("ingest", str(source), "-m", str(mapping), "-d", "bad", "-w", str(node))
    assert code == 0, stderr
    return node


def logged(node: Path) -> list[audit.Event]:
    with open_workspace(node) as ws:
        return [e.event for e in audit.entries(ws)][1:]  # after dataset.ingested


def test_quarantine_shows_each_raw_row_whole_wrapped_and_as_json(node: Path) -> None:
    code, stdout, stderr = run("quarantine", "bad", "-w", str(node), *STAFF)

    assert code == 0, stderr
    lines = stdout.splitlines()
    assert lines[0] == "bad v1: 2 rows quarantined"
    assert lines[1].startswith("row 3: too many columns")
    at = lines.index(next(line for line in lines if line.startswith("row 4:")))
    wrapped = lines[at + 1 :]
    assert len(wrapped) > 1  # wrapped, not cut
    assert all(len(line) <= 80 for line in wrapped)
    assert " ".join(line.strip() for line in wrapped) == LONG
    code, stdout, _ = run("quarantine", "bad", "-w", str(node), "--json", *STAFF)
    assert json.loads(stdout)["rows"][1]["raw"] == LONG
    assert logged(node) == [
        audit.QuarantineViewed(dataset="bad", version=1, rows=2, by_role="data steward",
                               reason="checking the ingest"),
    ] * 2  # fmt: skip


def test_reading_or_exporting_without_a_role_and_reason_is_refused_and_not_recorded(
    node: Path, tmp_path: Path
) -> None:
    for args in (("quarantine", "bad"), ("export", "bad", "-o", str(tmp_path / "out.csv"))):
        code, _, stderr = run(*args, "-w", str(node), "--as-role", "data steward")
        assert code == 2
        assert "--reason: required" in stderr
        code, _, stderr = run(*args, "-w", str(node), "--reason", "why")
        assert code == 2
        assert "--as-role: required" in stderr
    assert not (tmp_path / "out.csv").exists()
    assert logged(node) == []


def test_an_export_is_recorded_with_who_and_why(node: Path, tmp_path: Path) -> None:
    out = tmp_path / "bad.parquet"
    code, _, stderr = run("export", "bad", "-o", str(out), "--all-columns", "-w", str(node), *STAFF)

    assert code == 0, stderr
    assert logged(node) == [audit.SnapshotExported(
        dataset="bad", version=1, rows=1, columns="all", by_role="data steward",
        reason="checking the ingest",
    )]  # fmt: skip


def test_at_a_terminal_the_reason_is_asked_for(node: Path) -> None:
    source = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": str(source), "COLUMNS": "100"}
    command = [sys.executable, "-c", "from accord.cli import main; main()", "quarantine", "bad",
               "-w", str(node), "--as-role", "data steward"]  # fmt: skip
    leader, follower = pty.openpty()
    child = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    shown = _read_until(leader, b"Reason: ")
    os.write(leader, b"a complaint about row 4\n")
    shown += _read_until(leader, None)
    assert child.wait() == 0, shown.decode(errors="replace")
    os.close(leader)
    assert b"2 rows quarantined" in shown
    assert b"a very long legacy row" in shown
    (viewed,) = logged(node)
    assert viewed.reason == "a complaint about row 4"  # type: ignore[attr-defined]


def _read_until(fd: int, marker: bytes | None) -> bytes:
    """What the terminal shows, up to ``marker`` (or until the program ends)."""
    seen = b""
    while marker is None or marker not in seen:
        ready, _, _ = select.select([fd], [], [], 120)  # a guard against a hang, not a timing
        if not ready:
            raise AssertionError(f"the program stopped writing: {seen!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the program ended and closed the terminal
            chunk = b""
        if not chunk:
            if marker is None:
                return seen
            raise AssertionError(f"no {marker!r} in {seen!r}")
        seen += chunk
    return seen
