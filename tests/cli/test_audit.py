"""``accord audit …`` from the command line: verify, checkpoints, export, a person's view."""

from __future__ import annotations

import json
from pathlib import Path

from accord import audit
from accord.store import Workspace
from tests.audit.support import NHS, disclosed, drop_triggers, people, sql
from tests.cli.test_commands import run


def _ingest_person(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "gp.csv").write_text(f"id,first,last,nhs,dob\n1,Ann,Lee,{NHS},1980-02-29\n")
    (tmp_path / "gp.yaml").write_text(
        "fields:\n  record_id: id\n  given_name: first\n  family_name: last\n"
        "  nhs_number: nhs\n  date_of_birth: dob\n"
    )
    mapping = str(tmp_path / "gp.yaml")
    code, _, stderr = run("ingest", str(tmp_path / "gp.csv"), "--mapping", mapping,
                          "--dataset", "patients", "-w", str(ws.root))  # fmt: skip
    assert code == 0, stderr


def test_verify_passes_then_names_the_entry_an_operator_changed(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    ws, root = sqlite_workspace, str(sqlite_workspace.root)
    audit.record(ws, *(disclosed(p, n) for n, p in enumerate(people(ws, 6))))
    saved = tmp_path / "saved"
    saved.mkdir()
    assert run("audit", "checkpoint", "--out", str(saved / "6.checkpoint"), "-w", root)[0] == 0
    code, stdout, _ = run("audit", "verify", "--checkpoints", str(saved), "-w", root, "--json")
    assert code == 0
    report = json.loads(stdout)
    assert report["passed"] is True
    assert (report["size"], report["saved_checkpoints"]) == (6, 1)
    drop_triggers(ws)
    sql(ws, "UPDATE audit_bodies SET tail = replace(tail, '(2)', '(7)') WHERE id = 2")
    code, stdout, stderr = run("audit", "verify", "-w", root)
    assert code == 1
    assert "entry 2 was changed" in stdout + stderr


def test_verify_records_its_pass_unless_told_to_write_nothing(
    sqlite_workspace: Workspace,
) -> None:
    ws, root = sqlite_workspace, str(sqlite_workspace.root)
    audit.record(ws, *(disclosed(p, n) for n, p in enumerate(people(ws, 3))))
    sizes = []
    for flags in (["--no-record"], [], ["--no-record"]):
        code, stdout, _ = run("audit", "verify", *flags, "-w", root, "--json")
        assert code == 0
        sizes.append(json.loads(stdout)["size"])
    assert sizes == [3, 3, 4]  # only the second run appended its log.verified entry


def test_export_then_check_offline(sqlite_workspace: Workspace, tmp_path: Path) -> None:
    ws, root = sqlite_workspace, str(sqlite_workspace.root)
    audit.record(ws, *(disclosed(p) for p in people(ws, 5)))
    exported = tmp_path / "entries.json"
    assert (
        run("audit", "export", "--from", "1", "--to", "3", "-o", str(exported), "-w", root)[0] == 0
    )
    assert [e["index"] for e in json.loads(exported.read_text())["entries"]] == [1, 2, 3]
    key = run("audit", "key", "-w", root)[1].strip()
    code, stdout, _ = run("audit", "check", str(exported), "--key", key)
    assert code == 0
    assert "3 entries verified" in stdout
    code, _, stderr = run("audit", "export", "--from", "3", "--to", "9", "-o", str(exported),
                          "--force", "-w", root)  # fmt: skip
    assert code == 2
    assert "not all in the log" in stderr


def test_person_view_is_itself_audited(sqlite_workspace: Workspace, tmp_path: Path) -> None:
    ws, root = sqlite_workspace, str(sqlite_workspace.root)
    _ingest_person(ws, tmp_path)
    audit.record(ws, disclosed(audit.person_key(ws, NHS), 1))
    sar = tmp_path / "sar.json"
    lookup = ("audit", "person", "--nhs-number", NHS, "--dataset", "patients", "-w", root,
              "--as-role", "IG officer", "--reason", "SAR 2026/14")  # fmt: skip
    code, stdout, stderr = run(*lookup, "--date-of-birth", "1980-02-29", "--sar", str(sar),
                               "--json")  # fmt: skip
    assert code == 0, stderr
    shown = json.loads(stdout)["uses"]
    assert [u["what"] for u in shown] == ["Your records were shared"]
    assert "staff" not in shown[0]
    assert json.loads(sar.read_text())["recipients"] == [
        "Riverside Hospital Trust (admissions analyst)"
    ]
    # The lookup was recorded (who by role, and why) once its response was written.
    code, stdout, stderr = run(*lookup, "--date-of-birth", "1980-02-29")
    assert code == 0, stderr
    assert "Your record was looked up" in stdout
    assert "SAR 2026/14" in stdout
    code, _, stderr = run(*lookup, "--date-of-birth", "1980-03-01")
    assert code == 2
    assert "no person with that NHS number" in stderr


def test_a_subject_access_response_that_cannot_be_written_is_not_recorded(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    ws, root = sqlite_workspace, str(sqlite_workspace.root)
    _ingest_person(ws, tmp_path)
    before = [e.event.name for e in audit.entries(ws)]
    for sar in (tmp_path / "missing" / "sar.json", ws.root / "keys" / "node.key"):
        code, _, stderr = run("audit", "person", "--nhs-number", NHS, "--date-of-birth",
                              "1980-02-29", "--dataset", "patients", "--sar", str(sar), "-w", root,
                              "--as-role", "IG officer", "--reason", "SAR")  # fmt: skip
        assert code == 2
        assert str(sar) in stderr
    code, _, stderr = run("audit", "person", "--nhs-number", NHS, "--date-of-birth",
                          "1980-02-29", "--dataset", "patients", "-w", root)  # fmt: skip
    assert code == 2
    assert "--as-role: required" in stderr
    assert [e.event.name for e in audit.entries(ws)] == before == ["dataset.ingested"]
