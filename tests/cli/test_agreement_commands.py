"""accord agreement end to end: two organisations' workspaces, one agreement, decisions."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from accord.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_draft_sign_verify_activate_decide_and_export(tmp_path: Path, store_url: str) -> None:
    gp, hospital = tmp_path / "gp", tmp_path / "hospital"
    assert run("init", str(gp), "--node-name", "gp", "--store-url", store_url)[0] == 0
    assert run("init", str(hospital), "--node-name", "hospital")[0] == 0
    doc = tmp_path / "agreement.yaml"
    keys = [
        "--key",
        f"gp={gp / 'keys/node.pub'}",
        "--key",
        f"hospital={hospital / 'keys/node.pub'}",
    ]
    assert run("agreement", "new", str(doc))[0] == 0
    assert json.loads(run("agreement", "validate", str(doc), "--json")[1])["valid"]
    assert run("agreement", "sign", str(doc), "-w", str(gp))[0] == 0
    code, stdout, _ = run("agreement", "verify", str(doc), *keys, "--json")
    assert code == 1
    assert [c["status"] for c in json.loads(stdout)["signatures"]] == ["valid", "missing"]
    assert run("agreement", "sign", str(doc), "-w", str(hospital))[0] == 0
    assert run("agreement", "verify", str(doc), *keys)[0] == 0
    code, stdout, stderr = run("agreement", "activate", str(doc), "-w", str(gp), *keys, "--json")
    assert code == 0, stderr
    assert json.loads(stdout)["status"] == "active"

    ask = ["agreement", "decide", "-w", str(gp), "--requester", "hospital",
           "--purpose", "admission-risk-stratification", "--dataset", "registered-patients",
           "--kitemark", "silver", "--json"]  # fmt: skip
    code, stdout, _ = run(*ask, "--fields", "nhs_number,sex")
    assert code == 0
    assert json.loads(stdout)["permit"]
    code, stdout, _ = run(*ask, "--fields", "nhs_number,ethnicity")
    assert code == 1
    assert [r["code"] for r in json.loads(stdout)["reasons"]] == ["field_not_covered"]

    code, stdout, _ = run("agreement", "register", "--format", "csv", "-w", str(gp))
    [row] = list(csv.DictReader(io.StringIO(stdout)))
    assert row["gateway"] == "National Health Service Act 2006, s251"
    odrl = json.loads(run("agreement", "export", "gp-hospital-admission-risk", "-w", str(gp))[1])
    assert odrl["@type"] == "Agreement"
    code, stdout, _ = run("agreement", "export", "--format", "article30", "-w", str(gp))
    assert len(json.loads(stdout)["records_of_processing"]) == 2

    assert run("agreement", "suspend", "gp-hospital-admission-risk", "--reason", "incident",
               "-w", str(gp))[0] == 0  # fmt: skip
    code, stdout, _ = run(*ask, "--fields", "nhs_number")
    assert [r["code"] for r in json.loads(stdout)["reasons"]] == ["not_active"]
    code, stdout, _ = run(
        "agreement", "show", "gp-hospital-admission-risk", "-w", str(gp), "--json"
    )
    assert [e["action"] for e in json.loads(stdout)["history"]] == [
        "record", "sign", "activate", "suspend"]  # fmt: skip


def test_tampered_file_fails_verification_and_bad_file_names_the_field(tmp_path: Path) -> None:
    gp = tmp_path / "gp"
    run("init", str(gp), "--node-name", "gp")
    doc = tmp_path / "a.yaml"
    run("agreement", "new", str(doc))
    run("agreement", "sign", str(doc), "-w", str(gp))
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("period_days: 365", "period_days: 366"), encoding="utf-8")
    code, stdout, _ = run("agreement", "verify", str(doc), "--key", f"gp={gp / 'keys/node.pub'}")
    assert code == 1
    assert "changed after signing" in stdout
    doc.write_text(text.replace("role: controller", "role: owner", 1), encoding="utf-8")
    code, _, stderr = run("agreement", "validate", str(doc))
    assert code == 2
    assert "parties.0.role" in stderr
    code, _, stderr = run("agreement", "activate", "nope", "-w", str(gp))
    assert code == 2
    assert "no agreement 'nope'" in stderr
