"""The drafting journey's page for law enforcement processing under DPA 2018 Part 3
(``LawfulBasis.law_enforcement``): whether a competent authority (a police force, the
probation service: DPA 2018 Schedule 7) uses the data for a law enforcement purpose and,
if so, which parties are competent authorities, which of the agreement's purposes are
law enforcement purposes and which of s31's they serve, the s35(2) basis, how sensitive
processing is permitted (s35(3)-(5), with its Schedule 8 condition and the appropriate
policy document) and why.

The law's choices are the agreements face's (its words for s35, the Schedule 8
conditions by heading); the answers are checked with :class:`~accord.agreements.
LawEnforcement`, and the rules that join them to the rest of the draft (special category
data a competent authority holds is sensitive processing; consent for sensitive
processing needs processing on consent; no Art 6 basis only when all of it is under
Part 3) are checked here too, so this page names what it can fix.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from accord.agreements import (
    SECTION_35_WORDS,
    SENSITIVE_WORDS,
    LawEnforcement,
    LawEnforcementPurpose,
    Section35,
    SensitiveCondition,
    schedule_8_choices,
)
from accord.portal.drafting import Context, Errors, State, Task, Values, party_choices
from accord.portal.drafting_law import (
    law_enforcement,
    outside_part_3,
    part_3_fields,
)
from accord.portal.questions import Choice, Field, model_errors

S31_WORDS = {
    LawEnforcementPurpose.PREVENTION: "The prevention of criminal offences",
    LawEnforcementPurpose.INVESTIGATION: "The investigation of criminal offences",
    LawEnforcementPurpose.DETECTION: "The detection of criminal offences",
    LawEnforcementPurpose.PROSECUTION: "The prosecution of criminal offences",
    LawEnforcementPurpose.EXECUTION_OF_PENALTIES: "The execution of criminal penalties",
    LawEnforcementPurpose.PUBLIC_SECURITY: "Safeguarding against and preventing threats to "
    "public security",
}
NO_SENSITIVE = "none"


def _section(words: str) -> str:
    """The law's words for a section with it spelt out: "Section 35(4): the person ..."."""
    return "Section " + words.removeprefix("s")


def _basis(draft: State) -> dict[str, Any]:
    found = draft.get("lawful_basis")
    return dict(found) if isinstance(found, dict) else {}


def _purpose_choices(draft: State) -> tuple[Choice, ...]:
    return tuple(Choice(str(p["code"]), str(p["code"]), str(p.get("description") or ""))
                 for p in draft.get("purposes") or [] if isinstance(p, dict))  # fmt: skip


def _fields(draft: State, _ctx: Context) -> list[Field]:
    sensitive = (
        Choice(NO_SENSITIVE, "None",
               "No special category data is held by a competent authority."),
        *(Choice(c.value, _section(SENSITIVE_WORDS[c])) for c in SensitiveCondition),
    )  # fmt: skip
    schedule_8 = tuple(Choice(str(c.paragraph), f"Paragraph {c.paragraph}: {c.name}")
                       for c in schedule_8_choices())  # fmt: skip
    details = (
        Field("competent_authorities", "If yes: which parties are competent authorities?",
              "checkboxes", choices=party_choices(draft),
              missing="Select the parties that are competent authorities",
              hint="Like a police force or the probation service (Data Protection Act 2018 "
              "Schedule 7)."),
        Field("le_purposes", "Which of the agreement's purposes are law enforcement purposes?",
              "checkboxes", choices=_purpose_choices(draft),
              missing="Select the purposes that are law enforcement purposes"),
        Field("section_31", "Which law enforcement purposes do they serve?", "checkboxes",
              choices=tuple(Choice(p.value, S31_WORDS[p]) for p in LawEnforcementPurpose),
              missing="Select the law enforcement purposes they serve",
              hint="Data Protection Act 2018 section 31. Select all that apply."),
        Field("section_35", "What makes the processing lawful?", "radios",
              choices=tuple(Choice(s.value, _section(SECTION_35_WORDS[s])) for s in Section35),
              missing="Select what makes the processing lawful (section 35)"),
        Field("sensitive", "How is sensitive processing permitted?", "radios",
              choices=sensitive, missing="Select how sensitive processing is permitted, or none",
              hint="Special category data a competent authority holds is sensitive processing "
              "(section 35(8))."),
        Field("schedule_8", "If strictly necessary: which Data Protection Act 2018 Schedule 8 "
              "condition?", "select", choices=schedule_8, required=False),
        Field("policy_document", "If sensitive processing: where is the appropriate policy "
              "document?", required=False, max_length=500,
              hint="A web address, or where it is kept (section 42)."),
        Field("le_explanation", "Why the law enforcement processing is lawful", "textarea",
              max_length=4000, missing="Explain why the law enforcement processing is lawful"),
    )  # fmt: skip
    return [Field(
        "part_3", "Does a competent authority use the data for a law enforcement purpose?",
        "radios", missing="Select yes if a competent authority uses the data for a law "
        "enforcement purpose",
        choices=(Choice("yes", "Yes", reveal=details), Choice("no", "No")))]  # fmt: skip


def _load(draft: State) -> Values:
    law = law_enforcement(draft)
    if law is None:  # "no" is kept as null, so a page not yet answered shows no answer
        return {"part_3": "no" if "law_enforcement" in _basis(draft) else None}
    sensitive = law.get("sensitive_processing") or {}
    s8 = sensitive.get("schedule_8")
    return {
        "part_3": "yes", "competent_authorities": law.get("competent_authorities"),
        "le_purposes": law.get("purposes"), "section_31": law.get("section_31"),
        "section_35": law.get("section_35"),
        "sensitive": sensitive.get("condition", NO_SENSITIVE),
        "schedule_8": str(s8["paragraph"]) if isinstance(s8, dict) else None,
        "policy_document": sensitive.get("appropriate_policy_document"),
        "le_explanation": law.get("explanation"),
    }  # fmt: skip


def _sensitive(values: Values) -> tuple[dict[str, Any] | None, Errors]:
    condition = values["sensitive"]
    if condition == NO_SENSITIVE:
        return None, {}
    made: dict[str, Any] = {"condition": condition}
    if values["schedule_8"]:
        chosen = next(c for c in schedule_8_choices() if str(c.paragraph) == values["schedule_8"])
        made["schedule_8"] = chosen.model_dump()
    elif condition == SensitiveCondition.STRICTLY_NECESSARY.value:
        return None, {"schedule_8": "Strictly necessary sensitive processing needs a Schedule 8 "
                      "condition: select one"}  # fmt: skip
    if not values["policy_document"]:
        return None, {"policy_document": "Sensitive processing needs an appropriate policy "
                      "document: say where it is"}  # fmt: skip
    made["appropriate_policy_document"] = values["policy_document"]
    return made, {}


NAMES = {"competent_authorities": "competent_authorities", "purposes": "le_purposes",
         "section_31": "section_31", "section_35": "section_35",
         "sensitive_processing": "sensitive", "explanation": "le_explanation"}  # fmt: skip


def _store(draft: State, values: Values, _ctx: Context) -> Errors:
    basis = _basis(draft)
    if values["part_3"] == "no":
        if "explanation" in basis and not basis.get("article_6"):
            return {"part_3": "The lawful basis page says all of the sharing is law enforcement "
                    "processing: select yes, or choose an Article 6 basis there"}  # fmt: skip
        basis["law_enforcement"] = None
        draft["lawful_basis"] = basis
        return {}
    sensitive, errors = _sensitive(values)
    if errors:
        return errors
    given = {"competent_authorities": values["competent_authorities"],
             "purposes": values["le_purposes"], "section_31": values["section_31"],
             "section_35": values["section_35"], "sensitive_processing": sensitive,
             "explanation": values["le_explanation"]}  # fmt: skip
    try:
        made = LawEnforcement.model_validate(given)
    except ValidationError as exc:
        return model_errors(exc, NAMES)
    basis["law_enforcement"] = made.model_dump(mode="json")
    trial = {**draft, "lawful_basis": basis}
    errors = _joined(trial, values)
    if not errors:
        draft["lawful_basis"] = trial["lawful_basis"]
    return errors


def _joined(draft: State, values: Values) -> Errors:
    """The rules joining the Part 3 basis to the rest of the draft."""
    special = part_3_fields(draft, "special_category")
    if special and values["sensitive"] == NO_SENSITIVE:
        return {"sensitive": f"{', '.join(special[:3])} are special category data a competent "
                "authority holds: select how sensitive processing is permitted"}  # fmt: skip
    on_consent = values["sensitive"] == SensitiveCondition.CONSENT.value
    if on_consent and values["section_35"] != Section35.CONSENT.value:
        return {"section_35": "Sensitive processing on consent needs the processing to rest on "
                "consent too: select section 35(2)(a)"}  # fmt: skip
    why = outside_part_3(draft)
    if why and not _basis(draft).get("article_6") and "explanation" in _basis(draft):
        return {"competent_authorities": f"The lawful basis page says all of the sharing is "
                f"law enforcement processing, but {why}: select every party, or choose an "
                "Article 6 basis there"}  # fmt: skip
    return {}


def _summary(draft: State) -> list[str]:
    law = law_enforcement(draft)
    if law is None:
        return ["No: none of the data is used for law enforcement"]
    sensitive = law.get("sensitive_processing") or {}
    lines = [f"Competent authorities: {', '.join(law['competent_authorities'])}",
             f"Law enforcement purposes: {', '.join(law['purposes'])}",
             "Section 31: " + ", ".join(S31_WORDS[LawEnforcementPurpose(p)].lower()
                                        for p in law["section_31"]),
             _section(SECTION_35_WORDS[Section35(law["section_35"])])]  # fmt: skip
    if sensitive:
        lines.append("Sensitive processing: "
                     + SENSITIVE_WORDS[SensitiveCondition(sensitive["condition"])])  # fmt: skip
        if isinstance(sensitive.get("schedule_8"), dict):
            s8 = sensitive["schedule_8"]
            lines.append(f"Schedule 8 paragraph {s8['paragraph']}: {s8['name']}")
    return [*lines, str(law.get("explanation", ""))]


LAW_ENFORCEMENT = Task(
    "law-enforcement", "Law enforcement processing", _fields, _load, _store, _summary,
    lines=("A competent authority, like a police force, using data to prevent, investigate, "
           "detect or prosecute crime processes it under the Data Protection Act 2018 Part 3, "
           "not the UK GDPR. The legal gateway finder warns when this may apply.",),
    needs="parties purposes",
)  # fmt: skip
