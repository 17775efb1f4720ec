"""The accord command end to end: generate, init, ingest, datasets, quarantine, export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app

runner = CliRunner()
STAFF = ("--as-role", "data steward", "--reason", "checking the ingest")
"""Who reads personal data, and why: every command that does needs them."""


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def extracts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("extracts")
    code, stdout, _ = run("generate", "gp-hospital-council", "--people", "300", "--seed", "5",
                          "--out", str(out), "--json")  # fmt: skip
    assert code == 0
    assert json.loads(stdout)["records"]["gp"] > 0
    return out


def test_ingest_every_organisation_and_report_as_json(
    extracts: Path, tmp_path: Path, store_url: str
) -> None:
    node = tmp_path / "node"
    assert run("init", str(node), "--store-url", store_url)[0] == 0
    for org, source, dataset in (
        ("gp", "gp.csv", "patients"),
        ("hospital", "hospital.xlsx", "admissions"),
        ("council", "council.sqlite", "residents"),
    ):
        code, stdout, stderr = run(
            "ingest", str(extracts / source), "--mapping", str(extracts / f"{org}.mapping.yaml"),
            "--dataset", dataset, "--workspace", str(node), "--json",
        )  # fmt: skip
        assert code == 0, stderr
        report = json.loads(stdout)
        with (extracts / "truth.csv").open(encoding="utf-8") as fh:
            expected = sum(1 for row in csv.DictReader(fh) if row["organisation"] == org)
        assert report["rows_read"] == expected
        assert report["rows"] + report["quarantined"] == expected
        assert report["fields"]["record_id"]["standardised"] == report["rows"]
    code, stdout, _ = run("datasets", "--workspace", str(node), "--json")
    assert code == 0
    assert [d["dataset"] for d in json.loads(stdout)["datasets"]] == [
        "admissions", "patients", "residents",
    ]  # fmt: skip


def test_quarantine_and_export(extracts: Path, tmp_path: Path) -> None:
    node = tmp_path / "node"
    run("init", str(node))
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\n1,SMITH John\n2,JONES Mary,extra\n,NOBODY\n", encoding="utf-8")
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("fields: {record_id: id, full_name: name}\n", encoding="utf-8")
    code, stdout, stderr = run("ingest", str(bad), "-m", str(mapping), "-d", "bad",
                               "-w", str(node), "--json")  # fmt: skip
    assert code == 0, stderr
    assert json.loads(stdout)["quarantined"] == 2
    code, stdout, _ = run("quarantine", "bad", "-w", str(node), "--json", *STAFF)
    rows = json.loads(stdout)["rows"]
    assert [(r["row"], r["column"]) for r in rows] == [(3, None), (4, "id")]
    assert "too many columns" in rows[0]["reason"]
    out_file = tmp_path / "out" / "bad.csv"
    out_file.parent.mkdir()  # an output's folder must exist: it is checked before the work
    code, _, _ = run("export", "bad", "--out", str(out_file), "-w", str(node), *STAFF)
    assert code == 0
    with out_file.open(encoding="utf-8") as fh:
        exported = list(csv.DictReader(fh))
    assert [(r["record_id"], r["given_name"], r["family_name"]) for r in exported] == [
        ("1", "john", "smith")
    ]


def test_bad_mapping_is_refused_with_the_key_named(tmp_path: Path) -> None:
    node = tmp_path / "node"
    run("init", str(node))
    src = tmp_path / "src.csv"
    src.write_text("id,dob\n1,01/02/1980\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("fields: {record_id: id, date_of_birth: {column: birth}}\n")
    code, _, stderr = run("ingest", str(src), "-m", str(mapping), "-d", "x", "-w", str(node))
    assert code == 2
    assert "fields.date_of_birth" in stderr
    assert "'birth'" in stderr


def test_commands_outside_a_workspace_say_how_to_make_one(tmp_path: Path) -> None:
    code, _, stderr = run("datasets", "--workspace", str(tmp_path))
    assert code == 2
    assert "accord init" in stderr


def test_unknown_dataset_is_a_clear_error(tmp_path: Path) -> None:
    node = tmp_path / "node"
    run("init", str(node))
    code, _, stderr = run("quarantine", "nothing", "-w", str(node), *STAFF)
    assert code == 2
    assert "no dataset 'nothing'" in stderr


def test_unknown_scenario_names_the_valid_ones(tmp_path: Path) -> None:
    code, _, stderr = run("generate", "nope", "--out", str(tmp_path))
    assert code == 2
    assert "gp-hospital-council" in stderr


def test_link_writes_the_pairs_and_reports_as_json(extracts: Path, tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    code, stdout, stderr = run(
        "link", str(extracts / "gp.csv"), str(extracts / "hospital.xlsx"),
        "--left-mapping", str(extracts / "gp.mapping.yaml"),
        "--right-mapping", str(extracts / "hospital.mapping.yaml"),
        "--out", str(out), "--as-of", "2026-11-22", "--json",
        "--ids", str(tmp_path / "ids"), "--report", str(tmp_path / "report"),
    )  # fmt: skip

    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["mode"] == "private"
    assert report["pairs"] > 50
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["left_id", "right_id", "match_probability"]
    assert len(rows) == report["pairs"]
    assert all(r["left_id"].startswith("G") and float(r["match_probability"]) >= 0.9 for r in rows)
    # They name people's records: their owner's alone.
    written = [out, *(tmp_path / "ids").iterdir(), *(tmp_path / "report").iterdir()]
    assert {p.name for p in written} >= {"pairs.csv", "left.csv", "right.csv", "index.html"}
    assert {p.stat().st_mode & 0o777 for p in written} == {0o600}
    assert {(tmp_path / d).stat().st_mode & 0o777 for d in ("ids", "report")} == {0o700}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([], "give --mapping, or --left-mapping", id="no mapping"),
        pytest.param(["--mapping", "missing.yaml"], "missing.yaml", id="missing mapping"),
        pytest.param(["--left-mapping", "{gp}", "--right-mapping", "{hospital}",
                      "--secret-file", "{short}"], "at least 16 bytes", id="short secret"),
        pytest.param(["--left-mapping", "{gp}", "--right-mapping", "{hospital}",
                      "--engine", "hadoop"], "choose one of duckdb, spark", id="engine"),
        pytest.param(["--left-mapping", "{gp}", "--right-mapping", "{hospital}",
                      "--labels", "{labels}"], "row 2, column label", id="bad labels"),
        pytest.param(["--left-mapping", "{gp}", "--right-mapping", "{wrong}"],
                     "column 'Nowhere' is not in", id="one provider fails"),
    ],
)  # fmt: skip
def test_link_refuses_bad_input_clearly(
    extracts: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    short = tmp_path / "secret"
    short.write_text("too short\n", encoding="utf-8")
    labels = tmp_path / "review.csv"
    labels.write_text("left_id,right_id,label\nG1,H1,perhaps\n", encoding="utf-8")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text((extracts / "hospital.mapping.yaml").read_text(encoding="utf-8")
                     .replace("Surname", "Nowhere"), encoding="utf-8")  # fmt: skip
    names = {"gp": extracts / "gp.mapping.yaml", "hospital": extracts / "hospital.mapping.yaml",
             "short": short, "labels": labels, "wrong": wrong}  # fmt: skip
    filled = [a.format(**names) for a in args]
    code, stdout, stderr = run("link", str(extracts / "gp.csv"), str(extracts / "hospital.xlsx"),
                               "--out", str(tmp_path / "p.csv"), "--ids", str(tmp_path / "ids"),
                               "--report", str(tmp_path / "report"), *filled)  # fmt: skip

    assert code == 2
    assert message in stdout + stderr
    # A failed link leaves nothing: no pairs, no ids folder, no half report.
    assert not {"p.csv", "ids", "report"} & {p.name for p in tmp_path.iterdir()}


def test_evaluate_scores_pairs_against_the_truth(extracts: Path, tmp_path: Path) -> None:
    truth = extracts / "truth.csv"
    with truth.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_person: dict[str, dict[str, str]] = {}
    for r in rows:
        by_person.setdefault(r["person_id"], {})[r["organisation"]] = r["record_id"]
    real = [(p["gp"], p["hospital"]) for p in by_person.values() if {"gp", "hospital"} <= set(p)]
    pairs = tmp_path / "pairs.csv"
    # Half the true pairs and one wrong one.
    chosen = [*real[: len(real) // 2], (real[0][0], real[1][1])]
    pairs.write_text("left_id,right_id,match_probability\n"
                     + "".join(f"{a},{b},1.0\n" for a, b in chosen), encoding="utf-8")  # fmt: skip

    code, stdout, stderr = run("evaluate", str(pairs), "--truth", str(truth),
                               "--left", "gp", "--right", "hospital", "--json")  # fmt: skip

    assert code == 0, stderr
    scores = json.loads(stdout)
    assert (scores["pairs"], scores["true_pairs"], scores["correct"]) == (
        len(chosen), len(real), len(real) // 2,
    )  # fmt: skip
    assert scores["precision"] == round((len(real) // 2) / len(chosen), 4)


def test_evaluate_names_a_file_without_the_columns(tmp_path: Path) -> None:
    bad = tmp_path / "pairs.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    code, stdout, stderr = run("evaluate", str(bad), "--truth", str(bad), "--left", "gp",
                               "--right", "hospital")  # fmt: skip

    assert code == 2
    assert f"{bad}: no column" in stdout + stderr


def test_dedupe_writes_a_cluster_for_every_record(extracts: Path, tmp_path: Path) -> None:
    out = tmp_path / "clusters.csv"
    code, stdout, stderr = run("dedupe", str(extracts / "council.sqlite"), "--mapping",
                               str(extracts / "council.mapping.yaml"), "--out", str(out),
                               "--as-of", "2026-11-22", "--json")  # fmt: skip

    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["mode"] == "plaintext"
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["record_id", "cluster_id"]
    assert len(rows) == report["records"]
    assert len({r["cluster_id"] for r in rows}) == report["clusters"]
