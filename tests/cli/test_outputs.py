"""Every command that writes a file or folder a person names checks it before the work:
never a workspace's own files (keys, settings, store, snapshots: of any workspace), never
an existing file without ``--force``, never into a folder that does not exist; and what
it writes is its owner's alone."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from accord.agreements import example_text
from accord.store import init_workspace
from tests.audit.support import NHS
from tests.cli.test_commands import run

Command = Callable[[Path, str], list[str]]
"""The arguments of one command, given the workspace and the output path to name."""

STAFF = ("--as-role", "data steward", "--reason", "checking the outputs")
FILE_OUTPUTS: dict[str, Command] = {
    "export": lambda ws, o: ["export", "registered-patients", "--out", o, "-w", str(ws), *STAFF],
    "catalog export": lambda ws, o: ["catalog", "export", "registered-patients", "-f",
                                     "datapackage", "--out", o, "-w", str(ws)],
    "agreement new": lambda ws, o: ["agreement", "new", o],
    "agreement sign": lambda ws, o: ["agreement", "sign", o, "-w", str(ws)],
    "agreement register": lambda ws, o: ["agreement", "register", "--out", o, "-w", str(ws)],
    "agreement export": lambda ws, o: ["agreement", "export", "gp-hospital-admission-risk",
                                       "--out", o, "-w", str(ws)],
    "agreement export article30": lambda ws, o: ["agreement", "export", "--format", "article30",
                                                 "--out", o, "-w", str(ws)],
    "audit checkpoint": lambda ws, o: ["audit", "checkpoint", "--out", o, "-w", str(ws)],
    "audit export": lambda ws, o: ["audit", "export", "--from", "0", "--to", "0", "--out", o,
                                   "-w", str(ws)],
    "audit person --sar": lambda ws, o: ["audit", "person", "--nhs-number", NHS,
                                         "--date-of-birth", "1980-02-29", "--dataset",
                                         "registered-patients", "--sar", o, "-w", str(ws), *STAFF],
    "link --out": lambda ws, o: ["link", *_sources(ws), "--out", o],
    "dedupe --out": lambda ws, o: ["dedupe", _sources(ws)[0], "--mapping", _sources(ws)[3],
                                   "--out", o],
    "protect --out": lambda ws, o: ["protect", str(ws.parent / "counts.csv"), "--by", "area",
                                    "--out", o],
}  # fmt: skip
FOLDER_OUTPUTS: dict[str, Command] = {
    "quality --report": lambda ws, o: ["quality", "registered-patients", "--report", o,
                                       "-w", str(ws)],
    "link --report": lambda ws, o: ["link", *_sources(ws), "--out",
                                    str(ws.parent / "pairs.csv"), "--report", o],
    "link --ids": lambda ws, o: ["link", *_sources(ws), "--out", str(ws.parent / "pairs.csv"),
                                 "--ids", o],
    "generate --out": lambda ws, o: ["generate", "gp-hospital-council", "--people", "10",
                                     "--out", o],
}  # fmt: skip


def _sources(ws: Path) -> list[str]:
    folder = ws.parent
    return [str(folder / "gp.csv"), str(folder / "gp.csv"), "--mapping", str(folder / "gp.yaml")]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with a dataset (so the audit log has entries) and an agreement."""
    folder = tmp_path_factory.mktemp("outputs")
    (folder / "gp.csv").write_text(
        f"id,first,last,nhs,dob,sex,postcode\n1,Ann,Lee,{NHS},1980-02-29,F,LS1 4AP\n"
    )
    (folder / "gp.yaml").write_text(
        "fields:\n  record_id: id\n  given_name: first\n  family_name: last\n"
        "  nhs_number: nhs\n  date_of_birth: dob\n  sex: sex\n  postcode: postcode\n"
    )
    (folder / "counts.csv").write_text("area,count\nA,30\nB,40\n")
    # The example's GP dataset, so that the GP node may sign the example agreement.
    (folder / "agreement.yaml").write_text(example_text())
    ws = init_workspace(folder / "ws", "gp")
    ws.close()
    for args in (
        [
            "ingest",
            str(folder / "gp.csv"),
            "-m",
            str(folder / "gp.yaml"),
            "-d",
            "registered-patients",
        ],
        ["agreement", "sign", str(folder / "agreement.yaml")],
    ):
        code, _, stderr = run(*args, "-w", str(ws.root))
        assert code == 0, stderr
    return ws.root


def _snapshot(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else None
            for p in sorted(root.rglob("*"))}  # fmt: skip


@pytest.mark.parametrize("target", ["keys/node.key", "accord.toml", "accord.db"])
@pytest.mark.parametrize("command", sorted(FILE_OUTPUTS))
def test_no_command_writes_over_a_workspace_s_own_files(
    node: Path, command: str, target: str
) -> None:
    before = _snapshot(node)
    forced = [] if command == "agreement sign" else ["--force"]  # sign rewrites its input
    code, _, stderr = run(*FILE_OUTPUTS[command](node, str(node / target)), *forced)
    assert code == 2, stderr
    assert "workspace's own files" in stderr
    assert _snapshot(node) == before


@pytest.mark.parametrize("target", ["keys", "data/snapshots", "."])
@pytest.mark.parametrize("command", sorted(FOLDER_OUTPUTS))
def test_no_command_writes_into_a_workspace_s_own_folders(
    node: Path, command: str, target: str
) -> None:
    before = _snapshot(node)
    code, _, stderr = run(*FOLDER_OUTPUTS[command](node, str(node / target)))
    assert code == 2, stderr
    assert "workspace" in stderr
    assert _snapshot(node) == before


def test_another_workspace_s_files_are_refused_too(node: Path, tmp_path: Path) -> None:
    other = init_workspace(tmp_path / "other", "other")
    key = other.root / "keys" / "node.key"
    kept = key.read_bytes()
    code, _, stderr = run(
        "export", "registered-patients", "--out", str(key), "--force", "-w", str(node)
    )
    assert code == 2
    assert "workspace's own files" in stderr
    assert key.read_bytes() == kept


WRITTEN_ANEW = sorted(set(FILE_OUTPUTS) - {"agreement sign"})  # sign rewrites its input


@pytest.mark.parametrize("command", WRITTEN_ANEW)
def test_an_existing_file_is_kept_unless_forced(node: Path, tmp_path: Path, command: str) -> None:
    existing = tmp_path / "existing.txt"
    existing.write_text("kept")
    code, _, stderr = run(*FILE_OUTPUTS[command](node, str(existing)))
    assert code == 2
    assert "exists; pass --force to replace it" in stderr
    assert existing.read_text() == "kept"


@pytest.mark.parametrize("command", sorted({*WRITTEN_ANEW, *FOLDER_OUTPUTS}))
def test_a_missing_folder_is_named_before_the_work(
    node: Path, tmp_path: Path, command: str
) -> None:
    before = _snapshot(node)
    args = (FILE_OUTPUTS | FOLDER_OUTPUTS)[command](node, str(tmp_path / "nowhere" / "out"))
    code, _, stderr = run(*args)
    assert code == 2
    assert "does not exist; create it first" in stderr
    assert not (tmp_path / "nowhere").exists()
    assert _snapshot(node) == before


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_outputs_holding_personal_data_are_owner_only(node: Path, tmp_path: Path) -> None:
    written = {
        "export": tmp_path / "patients.csv",
        "audit export": tmp_path / "entries.json",
        "audit person --sar": tmp_path / "sar.json",
        "protect --out": tmp_path / "safe.csv",
        "catalog export": tmp_path / "dcat.jsonld",
        "dedupe --out": tmp_path / "clusters.csv",
    }
    for command, path in written.items():
        code, _, stderr = run(*FILE_OUTPUTS[command](node, str(path)))
        assert code == 0, (command, stderr)
        assert _mode(path) == 0o600, command
    report = tmp_path / "report"
    code, _, stderr = run(*FOLDER_OUTPUTS["quality --report"](node, str(report)))
    assert code == 0, stderr
    assert _mode(report) == 0o700
    assert {p.name: _mode(p) for p in report.iterdir()} == {
        "report.json": 0o600, "report.html": 0o600,
    }  # fmt: skip
    assert json.loads((report / "report.json").read_text())["dataset"] == "registered-patients"
