"""``accord agreement gateways`` and ``gateway-rules`` through the real CLI: the three
scenarios of the brief in words and as JSON, the draft's fields, extensions, bad answers."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from accord.agreements import LawfulBasis, parse
from accord.cli import app
from accord.store import Workspace
from tests.agreements.support import example_data

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["agreement", *args])
    return result.exit_code, result.stdout, result.stderr


GP_HOSPITAL = ("gateways", "-p", "direct-care", "--party", "gp-practice", "--party",
               "nhs-trust", "--special-category")  # fmt: skip
FAMILIES = ("gateways", "--purpose", "multiple-disadvantages", "--party", "local-authority",
            "--party", "police", "--party", "school", "--party", "government-department",
            "--special-category")  # fmt: skip
FLOOD = ("gateways", "-p", "emergencies", "-p", "safeguarding-adults", "--party",
         "local-authority", "--party", "fire-and-rescue", "--party", "nhs-trust",
         "--special-category")  # fmt: skip


def test_direct_care_in_words_says_what_fits_and_that_it_is_not_legal_advice() -> None:
    code, stdout, stderr = run(*GP_HOSPITAL)
    assert code == 0, stderr
    assert "guidance, not legal advice" in stdout
    assert "e_public_task: UK GDPR Art 6(1)(e); DPA 2018 s8" in stdout
    assert "h_health_social_care: UK GDPR Art 9(2)(h); DPA 2018 s10(2), Sch 1 para 2" in stdout
    assert "Health and Social Care Act 2012 s251B" in stdout
    assert "source: https://www.legislation.gov.uk/ukpga/2012/7/section/251B" in stdout
    assert "National data opt-out: does not apply" in stdout
    assert "Warnings" not in stdout


def test_families_as_json_propose_part_5_and_prefill_the_draft() -> None:
    code, stdout, stderr = run(*FAMILIES, "--json")
    assert code == 0, stderr
    found = json.loads(stdout)
    assert [g["id"] for g in found["gateways"]] == ["dea-2017-s35", "children-act-2004-s10"]
    assert found["article_6"][0]["article_6"] == "e_public_task"
    assert found["article_9"][0]["schedule_1"]["paragraph"] == 6
    assert found["prefill"]["gateway"] == {
        "act": "Digital Economy Act 2017", "part": "5", "chapter": "1", "section": "35",
        "description": found["gateways"][0]["description"],
    }  # fmt: skip
    assert "not legal advice" in found["notice"]


def test_the_flood_in_words_names_civil_contingencies_and_the_care_act() -> None:
    code, stdout, _ = run(*FLOOD)
    assert code == 0
    assert "Civil Contingencies Act 2004 s2; Civil Contingencies Act 2004 (Contingency " in stdout
    assert "Care Act 2014 s42" in stdout
    assert "d_vital_interests" in stdout
    applied = "rules applied: emergencies, safeguarding-adults, safeguarding-adults-local-authority"
    assert applied in stdout


def test_prefill_prints_fields_an_agreement_takes() -> None:
    code, stdout, _ = run(*FLOOD, "--prefill")
    assert code == 0
    assert stdout.startswith("# This is guidance, not legal advice")
    fields = yaml.safe_load(stdout)
    LawfulBasis.model_validate(fields["lawful_basis"])
    agreement = parse({**example_data(), **fields}, "flood draft")
    assert agreement.gateway is not None
    assert agreement.gateway.act == "Civil Contingencies Act 2004"


def test_a_party_outside_the_public_sector_is_warned_about() -> None:
    code, stdout, _ = run("gateways", "-p", "crime-and-disorder", "--party", "police",
                          "--party", "housing-association", "--leaves-public-sector")  # fmt: skip
    assert code == 0
    assert "! Crime and Disorder Act 1998 s115: party 2 (Housing association) is not covered" in (
        stdout)  # fmt: skip
    assert "not to bodies outside the public sector" in stdout


def test_unknown_answers_are_refused_naming_the_option_and_the_choices() -> None:
    code, _, stderr = run("gateways", "-p", "troubled-families", "--party", "police",
                          "--party", "local-authority")  # fmt: skip
    assert code == 2
    assert "--purpose" in stderr
    assert "multiple-disadvantages" in stderr
    code, _, stderr = run("gateways", "-p", "emergencies", "--party", "council", "--party",
                          "police")  # fmt: skip
    assert code == 2
    assert "--party" in stderr
    assert "local-authority" in stderr
    code, _, stderr = run("gateways", "-p", "emergencies", "--party", "police")
    assert code == 2
    assert "at least two" in stderr
    code, _, stderr = run("gateways", "-p", "emergencies", "--party", "police:perhaps",
                          "--party", "local-authority")  # fmt: skip
    assert code == 2
    assert "KIND:not-public" in stderr


def test_extra_rules_join_and_bad_ones_are_named(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(yaml.safe_dump({"purposes": [
        {"id": "homelessness", "name": "Preventing homelessness", "description": "Referrals."}]}),
        encoding="utf-8")  # fmt: skip
    code, stdout, _ = run("gateway-rules", "--rules", str(extra), "--json")
    assert code == 0
    listed = json.loads(stdout)
    assert "homelessness" in [p["id"] for p in listed["purposes"]]
    assert listed["files"][-1] == str(extra)
    code, stdout, _ = run("gateways", "-p", "homelessness", "--party", "local-authority",
                          "--party", "police", "--rules", str(extra), "--json")  # fmt: skip
    assert code == 0
    assert any("no statutory gateway fits" in w for w in json.loads(stdout)["warnings"])

    extra.write_text("rules:\n  - id: Bad Id\n", encoding="utf-8")
    code, _, stderr = run("gateways", *GP_HOSPITAL[1:], "--rules", str(extra))
    assert code == 2
    assert f"error: {extra}: rules.0 (id Bad Id): id: must be lower case letters" in stderr
    assert f"error: {extra}: rules.0 (id Bad Id): source: is required" in stderr


def test_a_workspace_adds_its_own_rules(sqlite_workspace: Workspace) -> None:
    root = sqlite_workspace.root
    (root / "gateways.yaml").write_text(yaml.safe_dump({"party_kinds": [
        {"id": "youth-offending-team", "name": "Youth offending team", "public_body": True,
         "groups": ["crime-and-disorder-authority"]}]}), encoding="utf-8")  # fmt: skip
    settings = root / "accord.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + 'gateway_rules = "gateways.yaml"\n',
                        encoding="utf-8")  # fmt: skip
    parties = ("--party", "police", "--party", "youth-offending-team")
    code, stdout, stderr = run("gateways", "-p", "crime-and-disorder", *parties, "-w", str(root),
                               "--json")  # fmt: skip
    assert code == 0, stderr
    assert not any("is not covered" in w for w in json.loads(stdout)["warnings"])


def test_gateway_rules_in_words_lists_the_choices() -> None:
    code, stdout, _ = run("gateway-rules")
    assert code == 0
    assert "Purposes (--purpose)" in stdout
    assert "Kinds of party (--party)" in stdout
    assert "safeguarding-children" in stdout
