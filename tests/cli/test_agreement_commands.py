"""accord agreement end to end: two organisations' nodes, one agreement, decisions, the log."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from accord.cli import app
from accord.store import Workspace
from tests.agreements.support import logged, provider

runner = CliRunner()
ID = "gp-hospital-admission-risk"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def agreement_events(ws: Workspace) -> list[tuple[str, int, str]]:
    """The agreement acts in a node's log: (type, version, by)."""
    return [(k, e["version"], e["by"]) for k, e in logged(ws) if k.startswith("agreement.")]


def test_draft_sign_trust_activate_decide_and_export(tmp_path: Path, store_url: str) -> None:
    gp_ws, hospital_ws = provider(tmp_path, "gp", store_url), provider(tmp_path, "hospital")
    gp, hospital = str(gp_ws.root), str(hospital_ws.root)
    doc = tmp_path / "agreement.yaml"
    assert run("agreement", "new", str(doc))[0] == 0
    assert json.loads(run("agreement", "validate", str(doc), "--json")[1])["valid"]
    assert json.loads(run("agreement", "validate", str(doc), "-w", gp, "--json")[1])["valid"]
    assert run("agreement", "sign", str(doc), "-w", gp, "--as-role", "caldicott guardian")[0] == 0

    # The hospital cannot keep the gp's signature before it knows the gp's key.
    code, _, stderr = run("agreement", "sign", str(doc), "-w", hospital)
    assert code == 2
    assert "knows no key for 'gp'" in stderr
    assert "accord peer add gp --key FILE" in stderr
    assert [s["org"] for s in yaml.safe_load(doc.read_text())["signatures"]] == ["gp"]
    assert run("agreement", "list", "-w", hospital, "--json")[1].count(ID) == 0

    for node, other in ((hospital, gp), (gp, hospital)):
        name = Path(other).name
        code, stdout, stderr = run("peer", "add", name, "--key", f"{other}/keys/node.pub",
                                   "-w", node, "--reason", "agreement with them")  # fmt: skip
        assert code == 0, stderr
    assert run("agreement", "sign", str(doc), "-w", hospital)[0] == 0

    # Verify with the keys a node knows, or offline with keys given; never with neither.
    assert run("agreement", "verify", str(doc), "-w", gp)[0] == 0
    keys = ["--key", f"gp={gp}/keys/node.pub", "--key", f"hospital={hospital}/keys/node.pub"]
    assert run("agreement", "verify", str(doc), *keys)[0] == 0
    code, _, stderr = run("agreement", "verify", str(doc))
    assert code == 2
    assert "--workspace" in stderr

    # The gp holds only its own signature; the file brings the hospital's.
    code, _, stderr = run("agreement", "activate", ID, "-w", gp)
    assert code == 2
    assert "it is draft" in stderr
    code, stdout, stderr = run("agreement", "activate", str(doc), "-w", gp, "--json")
    assert code == 0, stderr
    assert json.loads(stdout)["status"] == "active"
    # The hospital merged both signatures when it signed: activation by id needs no keys.
    code, stdout, stderr = run("agreement", "activate", ID, "-w", hospital, "--json")
    assert code == 0, stderr
    assert json.loads(stdout) == {"agreement": ID, "version": 1, "status": "active"}
    code, _, stderr = run("agreement", "activate", ID, "-w", gp, "--key", f"gp={gp}/x.pub")
    assert code == 2
    assert "needs no --key" in stderr

    _decide_from_the_node_s_own_assessment(tmp_path, gp_ws)

    code, stdout, _ = run("agreement", "register", "--format", "csv", "-w", gp)
    [row] = list(csv.DictReader(io.StringIO(stdout)))
    assert row["gateway"] == "National Health Service Act 2006, s251"
    odrl = json.loads(run("agreement", "export", ID, "-w", gp)[1])
    assert odrl["@type"] == "Agreement"
    code, stdout, _ = run("agreement", "export", "--format", "article30", "-w", gp)
    assert len(json.loads(stdout)["records_of_processing"]) == 2

    assert run("agreement", "suspend", ID, "--reason", "incident", "--as-role", "siro",
               "-w", gp)[0] == 0  # fmt: skip
    code, stdout, _ = run("agreement", "show", ID, "-w", gp, "--json")
    assert [e["action"] for e in json.loads(stdout)["history"]] == [
        "record", "sign", "activate", "suspend"]  # fmt: skip
    assert agreement_events(gp_ws) == [
        ("agreement.recorded", 1, "gp"), ("agreement.signed", 1, "gp"),
        ("agreement.signed", 1, "hospital"), ("agreement.activated", 1, "gp"),
        ("agreement.suspended", 1, "gp")]  # fmt: skip
    suspended = [e for k, e in logged(gp_ws) if k == "agreement.suspended"]
    assert (suspended[0]["by_role"], suspended[0]["reason"]) == ("siro", "incident")
    assert run("agreement", "revoke", ID, "--reason", "ended", "-w", hospital)[0] == 0
    assert agreement_events(hospital_ws)[-1] == ("agreement.revoked", 1, "hospital")
    gp_ws.close()
    hospital_ws.close()


def _decide_from_the_node_s_own_assessment(tmp_path: Path, gp_ws: Workspace) -> None:
    gp = str(gp_ws.root)
    ask = ["agreement", "decide", "-w", gp, "--requester", "hospital",
           "--purpose", "admission-risk-stratification", "--dataset", "registered-patients",
           "--json"]  # fmt: skip
    # The caller cannot vouch for the kitemark: the option is gone.
    assert run(*ask, "--fields", "nhs_number", "--kitemark", "gold")[0] == 2
    code, stdout, _ = run(*ask, "--fields", "nhs_number,sex")
    assert code == 1
    assert [r["code"] for r in json.loads(stdout)["reasons"]] == ["kitemark_below_minimum"]
    checklist = tmp_path / "checklist.yaml"
    checklist.write_text("include_defaults: true\n"
                         "checks: [{type: timeliness, update_frequency: monthly}]\n")  # fmt: skip
    assert run("quality", "registered-patients", "--checklist", str(checklist), "-w", gp)[0] == 0
    code, stdout, _ = run(*ask, "--fields", "nhs_number,sex")
    assert code == 0
    assert json.loads(stdout)["permit"]
    code, stdout, _ = run(*ask, "--fields", "nhs_number,ethnicity")
    assert code == 1
    assert [r["code"] for r in json.loads(stdout)["reasons"]] == ["field_not_covered"]
    decided = [e for k, e in logged(gp_ws) if k == "disclosure.decided"]
    assert [(e["permitted"], e["requested_fields"]) for e in decided] == [
        (False, ["nhs_number", "sex"]), (True, ["nhs_number", "sex"]),
        (False, ["nhs_number", "ethnicity"])]  # fmt: skip


def test_a_forged_signature_is_never_stored_nor_registered(tmp_path: Path, store_url: str) -> None:
    gp_ws, hospital_ws = provider(tmp_path, "gp", store_url), provider(tmp_path, "hospital")
    gp, hospital = str(gp_ws.root), str(hospital_ws.root)
    run("peer", "add", "hospital", "--key", f"{hospital}/keys/node.pub", "-w", gp)
    run("peer", "add", "gp", "--key", f"{gp}/keys/node.pub", "-w", hospital)
    doc = tmp_path / "agreement.yaml"
    run("agreement", "new", str(doc))
    run("agreement", "sign", str(doc), "-w", hospital)
    # One character of the hospital's signature changed, in a copy the gp receives.
    text = doc.read_text(encoding="utf-8")
    signature = re.search(r"signature: (\S+)", text)
    assert signature is not None
    value = signature.group(1)
    flipped = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
    doc.write_text(text.replace(value, flipped), encoding="utf-8")
    before = logged(gp_ws)
    code, _, stderr = run("agreement", "activate", str(doc), "-w", gp)
    assert code == 2
    assert "hospital: signature does not match the content" in stderr
    code, _, stderr = run("agreement", "sign", str(doc), "-w", gp)
    assert code == 2
    assert "nothing was stored" in stderr
    assert json.loads(run("agreement", "list", "-w", gp, "--json")[1]) == {"agreements": []}
    register = run("agreement", "register", "--format", "json", "-w", gp)[1]
    assert ID not in register
    assert logged(gp_ws) == before
    gp_ws.close()
    hospital_ws.close()


def test_sign_as_a_stranger_and_an_expired_agreement_are_refused(tmp_path: Path) -> None:
    gp_ws = provider(tmp_path, "gp")
    gp = str(gp_ws.root)
    doc = tmp_path / "agreement.yaml"
    run("agreement", "new", str(doc))
    code, _, stderr = run("agreement", "sign", str(doc), "--as", "hospital", "-w", gp)
    assert code == 2
    assert "this node cannot sign for 'hospital'" in stderr
    assert "signatures" not in yaml.safe_load(doc.read_text())
    # Past its expiry date, a fully signed agreement is refused at activation.
    data = yaml.safe_load(doc.read_text())
    data["dates"] = {"start": "2020-01-01", "review": "2020-06-01", "expiry": "2021-01-01"}
    doc.write_text(yaml.safe_dump(data))
    hospital_ws = provider(tmp_path, "hospital")
    hospital = str(hospital_ws.root)
    run("peer", "add", "hospital", "--key", f"{hospital}/keys/node.pub", "-w", gp)
    run("peer", "add", "gp", "--key", f"{gp}/keys/node.pub", "-w", hospital)
    assert run("agreement", "sign", str(doc), "-w", gp)[0] == 0
    assert run("agreement", "sign", str(doc), "-w", hospital)[0] == 0
    code, _, stderr = run("agreement", "activate", ID, "-w", hospital)
    assert code == 2
    assert "expired on 2021-01-01" in stderr
    code, stdout, _ = run("agreement", "show", ID, "-w", hospital, "--json")
    assert json.loads(stdout)["status"] == "expired"
    gp_ws.close()
    hospital_ws.close()


def test_validate_names_misfits_with_the_node_s_datasets(tmp_path: Path) -> None:
    hospital_ws = provider(tmp_path, "hospital")
    doc = tmp_path / "a.yaml"
    run("agreement", "new", str(doc))
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("suppression: hes", "suppression: nhs-small-numbers")
                   .replace("name: ward", "name: wards"), encoding="utf-8")  # fmt: skip
    code, _, stderr = run("agreement", "validate", str(doc))
    assert code == 2
    assert "datasets.1.suppression: 'nhs-small-numbers' is not a suppression preset" in stderr
    assert "wards" not in stderr  # the datasets are checked only against a node's
    code, stdout, _ = run("agreement", "validate", str(doc), "-w", str(hospital_ws.root), "--json")
    assert code == 2
    assert [p["field"] for p in json.loads(stdout)["problems"]] == [
        "datasets.1.suppression", "datasets.1.fields.3.name"]  # fmt: skip
    hospital_ws.close()


def test_tampered_file_fails_verification_and_bad_file_names_the_field(tmp_path: Path) -> None:
    gp = tmp_path / "gp"
    run("init", str(gp), "--node-name", "gp")
    doc = tmp_path / "a.yaml"
    run("agreement", "new", str(doc))
    data = yaml.safe_load(doc.read_text(encoding="utf-8"))
    data["datasets"] = data["datasets"][1:]  # the hospital's: the gp holds no dataset here
    doc.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert run("agreement", "sign", str(doc), "-w", str(gp))[0] == 0
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
