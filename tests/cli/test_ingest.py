"""``accord ingest``: failure rates in every report, refusals, misnamed files noted."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from accord.cli import app

runner = CliRunner()
MAPPING = """\
fields:
  record_id: id
  given_name: first
  date_of_birth: {column: DOB, format: "%d/%m/%Y"}
"""
ISO_DATES = "id,first,DOB\n1,Ann,1980-02-03\n2,Bob,1981-03-04\n3,Cy,1990-12-11\n4,Di,2001-01-05\n"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def node(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "node"
    assert run("init", str(root))[0] == 0
    (tmp_path / "gp.csv").write_text(ISO_DATES)
    mapping = tmp_path / "gp.mapping.yaml"
    mapping.write_text(MAPPING)
    return root, mapping


def test_a_field_that_mostly_fails_is_refused_with_exit_2(tmp_path: Path) -> None:
    root, mapping = node(tmp_path)

    code, stdout, stderr = run("ingest", str(tmp_path / "gp.csv"), "-m", str(mapping),
                               "-d", "gp", "-w", str(root))  # fmt: skip

    assert code == 2
    assert stdout == ""
    assert "fields.date_of_birth (column 'DOB'): 4 of 4 values (100%)" in stderr
    assert "format '%d/%m/%Y'" in stderr
    assert "e.g. '1980-02-03', '1981-03-04', '1990-12-11'" in stderr
    assert "--accept-issues date_of_birth" in stderr
    assert "Traceback" not in stderr
    assert json.loads(run("datasets", "-w", str(root), "--json")[1])["datasets"] == []


def test_every_ingest_prints_each_field_s_failure_rate(tmp_path: Path) -> None:
    root, mapping = node(tmp_path)
    args = ("ingest", str(tmp_path / "gp.csv"), "-m", str(mapping), "-d", "gp", "-w", str(root),
            "--accept-issues", "date_of_birth")  # fmt: skip

    code, stdout, stderr = run(*args)
    assert code == 0, stderr
    (header,) = [line for line in stdout.splitlines() if line.lstrip().startswith("field")]
    assert "failed" in header.split()
    (dob,) = [line for line in stdout.splitlines() if line.lstrip().startswith("date_of_birth")]
    assert "100.0%" in dob
    (name,) = [line for line in stdout.splitlines() if line.lstrip().startswith("given_name")]
    assert "0.0%" in name

    code, stdout, stderr = run(*args, "--json")
    assert code == 0, stderr
    fields = json.loads(stdout)["fields"]
    assert fields["date_of_birth"]["failure_rate"] == 1.0
    assert fields["given_name"]["failure_rate"] == 0.0


def test_the_limit_can_be_set_for_one_run(tmp_path: Path) -> None:
    root, mapping = node(tmp_path)
    base = ("ingest", str(tmp_path / "gp.csv"), "-m", str(mapping), "-d", "gp", "-w", str(root))

    assert run(*base, "--max-failure-rate", "1")[0] == 0
    code, _, stderr = run(*base, "--max-failure-rate", "1.5")
    assert code == 2
    assert "--max-failure-rate" in stderr


def test_a_misnamed_parquet_extract_is_read_as_parquet_and_noted(tmp_path: Path) -> None:
    root, _ = node(tmp_path)
    source = tmp_path / "extract.csv"
    pq.write_table(pa.table({"id": ["1", "2"], "first": ["Ann", "Bob"]}), source)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("fields:\n  record_id: id\n  given_name: first\n")

    code, stdout, stderr = run("ingest", str(source), "-m", str(mapping), "-d", "gp",
                               "-w", str(root), "--json")  # fmt: skip

    assert code == 0, stderr
    report = json.loads(stdout)
    assert (report["source_kind"], report["rows"]) == ("parquet", 2)
    assert report["notes"] == [
        f"{source}: the content is parquet, not csv as the file's name says; read as parquet"
    ]
    code, _, stderr = run("ingest", str(source), "-m", str(mapping), "-d", "gp2", "-w", str(root))
    assert code == 0
    assert "note: " in stderr
    assert "the content is parquet" in stderr
