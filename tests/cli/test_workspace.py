"""``accord init`` from the command line: all or nothing, and a valid node name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_commands import run


def test_init_with_a_bad_store_url_leaves_nothing_and_can_be_run_again(tmp_path: Path) -> None:
    target = tmp_path / "nodes" / "gp"
    code, _, stderr = run("init", str(target), "--store-url", "postgresql+psycopg://x@/y"
                          "?host=/nonexistent&port=1")  # fmt: skip
    assert code == 2
    assert stderr.startswith("error: cannot reach the SQL store")
    assert list(tmp_path.iterdir()) == []
    code, stdout, stderr = run("init", str(target), "--json")
    assert code == 0, stderr
    assert json.loads(stdout)["node_name"] == "gp"


def test_init_refuses_a_folder_holding_other_files(tmp_path: Path) -> None:
    (tmp_path / "half" / "keys").mkdir(parents=True)
    (tmp_path / "half" / "keys" / "node.key").write_text("kept")
    code, _, stderr = run("init", str(tmp_path / "half"))
    assert code == 2
    assert "not empty and is not an Accord workspace" in stderr
    assert (tmp_path / "half" / "keys" / "node.key").read_text() == "kept"
    assert [p.name for p in (tmp_path / "half").iterdir()] == ["keys"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--node-name", "gp practice"], "--node-name 'gp practice' contains ' '"),
        (["--node-name", "GP"], "--node-name 'GP' contains 'G'"),
        (["--node-name", "../gp"], "--node-name '../gp' contains '/'"),
        (["--node-name", "gp\nx"], "--node-name 'gp\\nx' contains '\\n' (U+000A)"),
    ],
)
def test_a_bad_node_name_is_refused_naming_the_option(
    tmp_path: Path, args: list[str], says: str
) -> None:
    code, _, stderr = run("init", str(tmp_path / "ws"), *args)
    assert code == 2
    assert says in stderr
    assert not (tmp_path / "ws").exists()


def test_a_folder_name_that_is_no_node_name_asks_for_one(tmp_path: Path) -> None:
    code, _, stderr = run("init", str(tmp_path / "GP Practice"))
    assert code == 2
    assert "'GP Practice' is not a valid node name; pass --node-name" in stderr
    assert run("init", str(tmp_path / "GP Practice"), "--node-name", "gp")[0] == 0


def test_a_hostile_dataset_name_is_refused_before_any_row_is_read(tmp_path: Path) -> None:
    assert run("init", str(tmp_path / "ws"))[0] == 0
    (tmp_path / "p.csv").write_text("id\n1\n")
    (tmp_path / "p.yaml").write_text("fields: {record_id: id}\n")
    for name in ("../../evil", "a/b", "x'; DROP TABLE datasets; --", "pаtients", "a" * 10_000):
        code, _, stderr = run("ingest", str(tmp_path / "p.csv"), "-m", str(tmp_path / "p.yaml"),
                              "-d", name, "-w", str(tmp_path / "ws"))  # fmt: skip
        assert code == 2
        assert stderr.startswith("error: dataset name ")
        assert len(stderr) < 400
    code, stdout, _ = run("datasets", "-w", str(tmp_path / "ws"), "--json")
    assert json.loads(stdout) == {"datasets": []}
