"""Gateway rules files: the shipped table, its published schema, the errors that name file,
entry and field, and a steward's extensions (files, folders, the workspace setting)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml

from accord.agreements import (
    GatewayAnswers,
    GatewayRulesInvalid,
    find_gateways,
    gateway_schema,
    load_gateway_rules,
)
from accord.agreements.gateways.publish import splice
from accord.store import Workspace, open_workspace

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "src" / "accord" / "agreements" / "gateways" / "rules.yaml"
SOURCES = {"www.legislation.gov.uk", "ico.org.uk", "www.gov.uk"}

HOMELESSNESS: dict[str, Any] = {
    "purposes": [{"id": "homelessness", "name": "Preventing homelessness",
                  "description": "Referring people at risk of homelessness."}],
    "party_kinds": [{"id": "jobcentre", "name": "Jobcentre Plus", "public_body": True,
                     "groups": ["category-1-responder"]}],
    "gateways": [{
        "id": "housing-act-1996-s213b", "act": "Housing Act 1996", "section": "213B",
        "description": "Duty of public authorities to refer cases to a local housing authority.",
        "citation": "Housing Act 1996 s213B (Homelessness Reduction Act 2017 s10)",
        "conditions": ["The person consents to the referral, and chooses the authority."],
        "source": "https://www.legislation.gov.uk/ukpga/1996/52/section/213B",
    }],
    "rules": [{
        "id": "homelessness-duty-to-refer", "title": "The duty to refer",
        "when": {"purposes": ["homelessness"], "some_party": ["local-authority"]},
        "propose": {"article_6": ["public-task"], "gateways": ["housing-act-1996-s213b"]},
        "source": "https://www.legislation.gov.uk/ukpga/1996/52/section/213B",
    }],
}  # fmt: skip


def write(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def problems(*paths: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(GatewayRulesInvalid) as caught:
        load_gateway_rules(paths)
    return caught.value.problems


def test_the_shipped_rules_load_and_each_cites_the_law_or_the_regulator() -> None:
    rules = load_gateway_rules()
    assert len(rules.rules) >= 10
    assert {"direct-care", "multiple-disadvantages", "fraud-and-debt", "emergencies",
            "safeguarding-children", "safeguarding-adults", "crime-and-disorder"} <= set(
        rules.purposes)  # fmt: skip
    entries: list[Any] = [*rules.rules.values()]
    for section in ("article_6", "article_9", "article_10", "gateways"):
        entries += getattr(rules, section).values()
    for entry in entries:
        assert urlparse(entry.source).hostname in SOURCES, (entry.id, entry.source)
    for rule in rules.rules.values():
        assert urlparse(rule.source).hostname in {"www.legislation.gov.uk", "ico.org.uk",
                                                  "www.gov.uk"}, rule.id  # fmt: skip


def test_every_statutory_gateway_the_issue_names_is_shipped() -> None:
    cited = {(g.act, g.section) for g in load_gateway_rules().gateways.values()}
    for wanted in [("Digital Economy Act 2017", "35"), ("Health and Social Care Act 2012", "251B"),
                   ("Children Act 2004", "10"), ("Children Act 2004", "11"),
                   ("Crime and Disorder Act 1998", "115"), ("Civil Contingencies Act 2004", "2"),
                   ("Care Act 2014", "42"), ("Care Act 2014", "45")]:  # fmt: skip
        assert wanted in cited


def test_the_published_schema_and_rules_tables_are_current() -> None:
    published = json.loads((ROOT / "docs" / "gateways.schema.json").read_text(encoding="utf-8"))
    assert published == gateway_schema(), "run: python -m accord.agreements.gateways.publish"
    page = (ROOT / "docs" / "gateways.md").read_text(encoding="utf-8")
    assert splice(page) == page, "run: python -m accord.agreements.gateways.publish"
    assert "Guidance, not legal advice" in page


def test_the_shipped_file_and_an_extension_meet_the_schema_by_an_independent_validator() -> None:
    validator = jsonschema.Draft202012Validator(gateway_schema())
    validator.validate(yaml.safe_load(SHIPPED.read_text(encoding="utf-8")))
    validator.validate(HOMELESSNESS)
    unsourced = {"rules": [{**HOMELESSNESS["rules"][0], "source": None}]}
    del unsourced["rules"][0]["source"]
    assert not validator.is_valid(unsourced)


def test_schema_errors_name_the_file_the_entry_and_the_field(tmp_path: Path) -> None:
    rule = {**HOMELESSNESS["rules"][0]}
    del rule["source"]
    bad = {
        **HOMELESSNESS,
        "article_6": [{"id": "consent", "article_6": "consent", "citation": "Art 6(1)(a)",
                       "conditions": ["freely given"], "source": "http://example.org"}],
        "rules": [rule, {**rule, "id": "second", "source": "https://ico.org.uk/x", "colour": 1}],
    }  # fmt: skip
    path = write(tmp_path / "extra.yaml", bad)

    found = {(where, what.split(":")[0]) for source, where, what in problems(path)}
    assert {source for source, _, _ in problems(path)} == {str(path)}
    assert ("rules.0 (id homelessness-duty-to-refer)", "source") in found
    assert ("article_6.0 (id consent)", "article_6") in found
    assert ("article_6.0 (id consent)", "source") in found
    assert ("rules.1 (id second)", "colour") in found
    messages = {what for _, _, what in problems(path)}
    assert "source: is required" in messages
    assert 'source: must be an https:// URL (got "http://example.org")' in messages
    assert "colour: is not a field here (misspelt?)" in messages


def test_an_entry_checks_its_schedule_1_condition_as_an_agreement_would(tmp_path: Path) -> None:
    entry = {"id": "health-wrong-part", "article_9": "h_health_social_care",
             "schedule_1": {"part": 2, "paragraph": 6, "name": "Statutory etc"},
             "citation": "x", "conditions": ["x"], "source": "https://ico.org.uk/x"}  # fmt: skip
    criminal = {"id": "both", "official_authority": "Police Act 1996",
                "schedule_1": {"part": 2, "paragraph": 8, "name": "Equality"},
                "citation": "x", "conditions": ["x"], "source": "https://ico.org.uk/x"}  # fmt: skip
    path = write(tmp_path / "x.yaml", {"article_9": [entry], "article_10": [criminal]})
    found = {where: what for _, where, what in problems(path)}
    assert "needs Part 1, not Part 2" in found["article_9.0 (id health-wrong-part)"]
    assert "either schedule_1 or official_authority" in found["article_10.0 (id both)"]


def test_names_no_file_defines_are_refused_with_the_known_ones(tmp_path: Path) -> None:
    rule = {**HOMELESSNESS["rules"][0], "when": {"purposes": ["homes"], "every_party": ["council"]},
            "propose": {"gateways": ["housing-act"]}}  # fmt: skip
    path = write(tmp_path / "refs.yaml", {"rules": [rule]})

    found = [what for _, where, what in problems(path)
             if where == "rules.0 (id homelessness-duty-to-refer)"]  # fmt: skip
    assert any(w.startswith("when.purposes.0: 'homes' is not a purpose") and "direct-care" in w
               for w in found)  # fmt: skip
    assert any(w.startswith("when.every_party.0: 'council'") and "local-authority" in w
               for w in found)  # fmt: skip
    assert any(w.startswith("propose.gateways.0: 'housing-act'") for w in found)


def test_an_id_defined_twice_is_refused_unless_the_later_one_replaces_it(tmp_path: Path) -> None:
    again = write(tmp_path / "again.yaml", {"purposes": [{"id": "emergencies", "name": "E",
                                                          "description": "d"}]})  # fmt: skip
    [(source, where, what)] = problems(again)
    assert (source, where) == (str(again), "purposes.0 (id emergencies)")
    assert "already defined (accord/agreements/gateways/rules.yaml (shipped) purposes." in what
    assert "replaces: true" in what

    orphan = write(tmp_path / "orphan.yaml", {"purposes": [
        {"id": "new", "name": "N", "description": "d", "replaces": True}]})  # fmt: skip
    assert "no earlier file defines purposes 'new'" in problems(orphan)[0][2]


def test_a_steward_extends_the_rules_and_the_finder_uses_them(tmp_path: Path) -> None:
    rules = load_gateway_rules([write(tmp_path / "homelessness.yaml", HOMELESSNESS)])
    assert rules.files[-1] == str(tmp_path / "homelessness.yaml")
    answers = GatewayAnswers.model_validate({
        "purposes": ["homelessness"], "parties": [{"kind": "jobcentre"},
                                                  {"kind": "local-authority"}]})  # fmt: skip
    proposal = find_gateways(answers, rules)
    assert [g.id for g in proposal.gateways] == ["housing-act-1996-s213b"]
    assert proposal.rules == ["homelessness-duty-to-refer"]


def test_a_steward_corrects_a_shipped_gateway_in_place(tmp_path: Path) -> None:
    shipped = load_gateway_rules().gateways["cda-1998-s115"].model_dump(mode="json")
    corrected = {**shipped, "replaces": True, "conditions": ["As our legal team reads it."]}
    rules = load_gateway_rules([write(tmp_path / "fix.yaml", {"gateways": [corrected]})])
    assert rules.gateways["cda-1998-s115"].conditions == ["As our legal team reads it."]
    assert list(rules.gateways).index("cda-1998-s115") == list(
        load_gateway_rules().gateways).index("cda-1998-s115")  # fmt: skip
    assert rules.origins[("gateways", "cda-1998-s115")][0] == str(tmp_path / "fix.yaml")


def _with_setting(ws: Workspace, value: str) -> Workspace:
    settings = ws.root / "accord.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + f'gateway_rules = "{value}"\n',
                        encoding="utf-8")  # fmt: skip
    return open_workspace(ws.root)


def test_the_workspace_setting_names_a_folder_of_rules(sqlite_workspace: Workspace) -> None:
    folder = sqlite_workspace.root / "gateway-rules"
    folder.mkdir()
    write(folder / "homelessness.yaml", HOMELESSNESS)
    (folder / "README.txt").write_text("not rules", encoding="utf-8")
    with _with_setting(sqlite_workspace, "gateway-rules") as ws:
        rules = load_gateway_rules(workspace=ws)
    assert "homelessness" in rules.purposes
    assert rules.files[1:] == (str(folder / "homelessness.yaml"),)


def test_a_setting_naming_nothing_is_named(sqlite_workspace: Workspace) -> None:
    with _with_setting(sqlite_workspace, "no-such-rules") as ws:
        [(source, where, what)] = problems_in(ws)
    assert source == "setting gateway_rules"
    assert where.endswith("no-such-rules")
    assert "no such file or folder" in what


def problems_in(ws: Workspace) -> list[tuple[str, str, str]]:
    with pytest.raises(GatewayRulesInvalid) as caught:
        load_gateway_rules(workspace=ws)
    return caught.value.problems


def test_unreadable_files_are_named_with_every_problem_at_once(tmp_path: Path) -> None:
    not_yaml = tmp_path / "broken.yaml"
    not_yaml.write_text("rules: [\n", encoding="utf-8")
    a_list = write(tmp_path / "list.yaml", ["rules"])
    found = problems(not_yaml, a_list, tmp_path / "missing.yaml")
    assert [(s, w) for s, w, _ in found] == [
        (str(not_yaml), "(file)"), (str(a_list), "(top level)"),
        (str(tmp_path / "missing.yaml"), "(file)"),
    ]  # fmt: skip
    assert "not valid YAML at line" in found[0][2]
