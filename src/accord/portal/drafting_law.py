"""The drafting journey's tasks about the law: the lawful basis (UK GDPR Art 6), the
conditions for special category data (Art 9 with its DPA 2018 Schedule 1 condition) and
criminal offence data (Art 10), the statutory gateway and the national data opt-out.

Each offers the law's own choices in plain words (the agreements face's vocabulary and
its Schedule 1 conditions by heading) and checks them with the agreement's models; the
rules that join them to the data (special category fields need an Art 9 condition, Art
6(1)(c) and (e) a gateway) are checked here too, so the page that can fix a problem is
the one that names it. Processing under DPA 2018 Part 3 (law enforcement) has its own
page (``drafting_enforcement``); the fields it covers need no Art 9 or Art 10 condition
(:func:`general_fields`), and an agreement wholly under it needs no Art 6 basis.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from accord.agreements import (
    ARTICLE_6_WORDS,
    ARTICLE_9_WORDS,
    Article6,
    Article9,
    Gateway,
    LawfulBasis,
    NationalDataOptOut,
    ScheduleOne,
    schedule_1_choices,
    schedule_1_part,
)
from accord.portal.drafting import Context, Errors, State, Task, Values, sentence
from accord.portal.questions import Choice, Field, model_errors

NEEDS_GATEWAY = (Article6.PUBLIC_TASK.value, Article6.LEGAL_OBLIGATION.value)


def _basis(draft: State) -> dict[str, object]:
    found = draft.get("lawful_basis")
    return dict(found) if isinstance(found, dict) else {}


def flagged(draft: State, flag: str) -> list[str]:
    """``dataset.field`` of every field with ``flag`` (special_category, criminal_offence)."""
    return [f"{d['name']}.{f['name']}" for d in draft.get("datasets") or []
            for f in d.get("fields") or [] if f.get(flag)]  # fmt: skip


def _holders(dataset: dict[str, Any]) -> set[str]:
    recipients = dataset.get("recipients")
    return {str(dataset.get("provider")), *(recipients if isinstance(recipients, list) else [])}


def law_enforcement(draft: State) -> dict[str, Any] | None:
    """The draft's DPA 2018 Part 3 basis, if it has one."""
    found = _basis(draft).get("law_enforcement")
    return found if isinstance(found, dict) else None


def general_fields(draft: State, flag: str) -> list[str]:
    """:func:`flagged`, of the datasets processed under the UK GDPR: all of them, unless
    every holder of a dataset is a competent authority and every purpose a law
    enforcement purpose (then it is all under Part 3, as ``agreements.regimes`` says)."""
    law = law_enforcement(draft)
    if law is None:
        return flagged(draft, flag)
    authorities = set(law.get("competent_authorities") or [])
    codes = {p.get("code") for p in draft.get("purposes") or [] if isinstance(p, dict)}
    other_purposes = codes - set(law.get("purposes") or [])
    return [f"{d['name']}.{f['name']}" for d in draft.get("datasets") or []
            if other_purposes or _holders(d) - authorities
            for f in d.get("fields") or [] if f.get(flag)]  # fmt: skip


def part_3_fields(draft: State, flag: str) -> list[str]:
    """:func:`flagged`, of the datasets a competent authority holds under Part 3."""
    law = law_enforcement(draft)
    if law is None:
        return []
    authorities = set(law.get("competent_authorities") or [])
    return [f"{d['name']}.{f['name']}" for d in draft.get("datasets") or []
            if _holders(d) & authorities for f in d.get("fields") or [] if f.get(flag)]  # fmt: skip


def _any_fields(draft: State) -> bool:
    return any(d.get("fields") for d in draft.get("datasets") or [])


def _condition(option: ScheduleOne) -> Choice:
    return Choice(f"{option.part}.{option.paragraph}",
                  f"Part {option.part} paragraph {option.paragraph}: {option.name}")  # fmt: skip


def _chosen(options: list[ScheduleOne], value: str) -> dict[str, object]:
    found = next(o for o in options if f"{o.part}.{o.paragraph}" == value)
    return found.model_dump()


# Article 6 --------------------------------------------------------------------------


PART_3_ONLY = Choice(
    "none", "None: all of it is law enforcement processing",
    "Every party is a competent authority, like a police force, and every purpose a law "
    "enforcement purpose: the Data Protection Act 2018 Part 3 applies instead.")  # fmt: skip


def _article_6_fields(_draft: State, _ctx: Context) -> list[Field]:
    bases = tuple(Choice(a.value, f"Article 6(1)({a.value[0]})", sentence(ARTICLE_6_WORDS[a]))
                  for a in Article6)  # fmt: skip
    return [
        Field("article_6", "Which UK GDPR Article 6 basis does the sharing rest on?", "radios",
              choices=(*bases, PART_3_ONLY), missing="Select the Article 6 lawful basis",
              hint="A public body sharing for its functions usually relies on public task, "
              "which needs a statutory gateway."),
        Field("explanation", "Why this basis applies", "textarea", max_length=4000,
              missing="Explain why the lawful basis applies"),
    ]  # fmt: skip


def outside_part_3(draft: State) -> str | None:
    """Why some of the sharing is under the UK GDPR (a party that is not a competent
    authority, a purpose that is not a law enforcement one), or None."""
    law = law_enforcement(draft) or {}
    authorities = law.get("competent_authorities") or []
    purposes = law.get("purposes") or []
    others = [p["org"] for p in draft.get("parties") or [] if p.get("org") not in authorities]
    codes = [p["code"] for p in draft.get("purposes") or [] if p.get("code") not in purposes]
    if not law:
        return "no party is a competent authority on the law enforcement processing page"
    if others:
        return f"{others[0]} is not a competent authority"
    if codes:
        return f"{codes[0]} is not a law enforcement purpose"
    return None


def _article_6_store(draft: State, values: Values, _ctx: Context) -> Errors:
    basis = {**_basis(draft), **values}
    if values["article_6"] == PART_3_ONLY.value:
        basis.pop("article_6")
        why = outside_part_3(draft) if law_enforcement(draft) is not None else None
        if why:  # not yet answered is not refused: the Part 3 page comes next
            return {"article_6": f"Some of the sharing is under the UK GDPR ({why}): select "
                    "its Article 6 basis"}  # fmt: skip
    try:
        LawfulBasis.model_validate(basis)
    except ValidationError as exc:
        return model_errors(exc, {"article_6": "article_6", "explanation": "explanation"})
    draft["lawful_basis"] = basis
    return {}


def _article_6_load(draft: State) -> Values:
    basis = _basis(draft)
    chosen = basis.get("article_6")
    if chosen is None and law_enforcement(draft) is not None and basis.get("explanation"):
        chosen = PART_3_ONLY.value
    return {"article_6": chosen, "explanation": basis.get("explanation")}


def _article_6_summary(draft: State) -> list[str]:
    chosen = _basis(draft).get("article_6")
    head = (f"Article 6(1)({str(chosen)[0]})" if chosen
            else "None: law enforcement processing only (DPA 2018 Part 3)")  # fmt: skip
    return [head, str(_basis(draft).get("explanation", ""))]


LAWFUL_BASIS = Task(
    "lawful-basis", "Lawful basis", _article_6_fields, _article_6_load, _article_6_store,
    _article_6_summary,
)  # fmt: skip


# Article 9 --------------------------------------------------------------------------


def _article_9_fields(_draft: State, _ctx: Context) -> list[Field]:
    choices = [Choice("none", "None", "No special category data is shared.")]
    choices += [Choice(c.value, f"Article 9(2)({c.value[0]})", sentence(ARTICLE_9_WORDS[c]))
                for c in Article9]  # fmt: skip
    conditions = tuple(_condition(o) for o in schedule_1_choices())
    return [
        Field("article_9", "Which condition allows the special category data to be shared?",
              "radios", choices=tuple(choices),
              missing="Select the Article 9 condition, or none"),
        Field("schedule_1", "For (b), (g), (h), (i) or (j): which Data Protection Act 2018 "
              "Schedule 1 condition?", "select", choices=conditions, required=False,
              hint="(b), (h), (i) and (j) need a condition in Part 1; (g) one in Part 2."),
    ]  # fmt: skip


def flag_lines(draft: State, flag: str, what: str) -> tuple[str, ...]:
    found, general = flagged(draft, flag), general_fields(draft, flag)
    if not found:
        return (f"None of the fields added so far is {what}.",)
    lines: tuple[str, ...] = (f"These fields are {what}: {', '.join(found)}.",)
    if general != found:
        lines += ("Only a competent authority uses the others, for law enforcement (Data "
                  "Protection Act 2018 Part 3), so only these need the condition: "
                  f"{', '.join(general) or 'none'}.",)  # fmt: skip
    return lines


def _article_9_load(draft: State) -> Values:
    basis = _basis(draft)
    chosen = basis.get("article_9")
    if chosen is None:
        none = _any_fields(draft) and not general_fields(draft, "special_category")
        return {"article_9": "none" if none else None}
    sch1 = basis.get("schedule_1")
    given = f"{sch1['part']}.{sch1['paragraph']}" if isinstance(sch1, dict) else None
    return {"article_9": chosen, "schedule_1": given}


def _article_9_store(draft: State, values: Values, _ctx: Context) -> Errors:
    basis = _basis(draft)
    chosen = values["article_9"]
    basis.pop("schedule_1", None)
    if chosen == "none":
        special = general_fields(draft, "special_category")
        if special:
            return {"article_9": f"{', '.join(special[:3])} are special category data: select "
                    "the condition that allows them to be shared"}  # fmt: skip
        basis.pop("article_9", None)
    else:
        condition = Article9(chosen)
        options = schedule_1_choices(condition)
        picked = values.get("schedule_1")
        allowed = {f"{o.part}.{o.paragraph}" for o in options}
        if options and picked not in allowed:
            return {"schedule_1": f"Article 9(2)({chosen[0]}) needs a Schedule 1 condition "
                    f"from Part {schedule_1_part(condition)}: select one"}  # fmt: skip
        basis["article_9"] = chosen
        if options:
            basis["schedule_1"] = _chosen(options, str(picked))
    draft["lawful_basis"] = basis
    return {}


def _article_9_summary(draft: State) -> list[str]:
    basis = _basis(draft)
    if not basis.get("article_9"):
        return ["None"]
    sch1 = basis.get("schedule_1")
    return [f"Article 9(2)({str(basis['article_9'])[0]})"] + (
        [f"Schedule 1 Part {sch1['part']} paragraph {sch1['paragraph']}: {sch1['name']}"]
        if isinstance(sch1, dict) else [])  # fmt: skip


SPECIAL_CATEGORY = Task(
    "special-category", "Special category data", _article_9_fields, _article_9_load,
    _article_9_store, _article_9_summary,
    lines=("UK GDPR Article 9: health, ethnicity and the other special categories may be "
           "shared only under one of its conditions. Most need a Data Protection Act 2018 "
           "Schedule 1 condition too.",),
)  # fmt: skip


# Article 10 -------------------------------------------------------------------------


def _article_10_fields(_draft: State, _ctx: Context) -> list[Field]:
    options = tuple(_condition(o) for o in schedule_1_choices(criminal=True))
    return [
        Field("article_10", "What allows the criminal offence data to be shared?", "radios",
              missing="Select what allows the criminal offence data to be shared, or none",
              choices=(
                  Choice("none", "None", "No criminal offence data is shared."),
                  Choice("official", "The sharing is under the control of official authority",
                         reveal=(Field("official_authority", "If under official authority: "
                                       "which law gives it?",
                                       missing="Enter the law that gives the authority",
                                       max_length=500),)),
                  Choice("schedule", "A Data Protection Act 2018 Schedule 1 condition",
                         reveal=(Field("schedule_1-criminal", "If a Schedule 1 condition: "
                                       "which one?", "select",
                                       choices=options,
                                       missing="Select the Schedule 1 condition"),)),
              )),
        Field("appropriate_policy_document", "Where is the appropriate policy document? "
              "(optional)", required=False, max_length=500,
              hint="Most Schedule 1 conditions need one: say where it is kept."),
    ]  # fmt: skip


def _article_10_load(draft: State) -> Values:
    given = _basis(draft).get("article_10")
    if not isinstance(given, dict):
        none = _any_fields(draft) and not general_fields(draft, "criminal_offence")
        return {"article_10": "none" if none else None}
    sch1 = given.get("schedule_1")
    return {
        "article_10": "schedule" if isinstance(sch1, dict) else "official",
        "official_authority": given.get("official_authority"),
        "schedule_1-criminal": f"{sch1['part']}.{sch1['paragraph']}" if isinstance(sch1, dict)
        else None,
        "appropriate_policy_document": given.get("appropriate_policy_document"),
    }  # fmt: skip


def _article_10_store(draft: State, values: Values, _ctx: Context) -> Errors:
    basis = _basis(draft)
    chosen = values["article_10"]
    if chosen == "none":
        criminal = general_fields(draft, "criminal_offence")
        if criminal:
            return {"article_10": f"{', '.join(criminal[:3])} are criminal offence data: select "
                    "what allows them to be shared"}  # fmt: skip
        basis.pop("article_10", None)
    else:
        made: dict[str, object] = (
            {"official_authority": values["official_authority"]} if chosen == "official"
            else {"schedule_1": _chosen(schedule_1_choices(criminal=True),
                                        values["schedule_1-criminal"])})  # fmt: skip
        if values["appropriate_policy_document"]:
            made["appropriate_policy_document"] = values["appropriate_policy_document"]
        basis["article_10"] = made
    draft["lawful_basis"] = basis
    return {}


def _article_10_summary(draft: State) -> list[str]:
    given = _basis(draft).get("article_10")
    if not isinstance(given, dict):
        return ["None"]
    sch1 = given.get("schedule_1")
    if isinstance(sch1, dict):
        return [f"Schedule 1 Part {sch1['part']} paragraph {sch1['paragraph']}: {sch1['name']}"]
    return [f"Under official authority: {given.get('official_authority')}"]


CRIMINAL_OFFENCE = Task(
    "criminal-offence", "Criminal offence data", _article_10_fields, _article_10_load,
    _article_10_store, _article_10_summary,
    lines=("UK GDPR Article 10: data about offences, allegations and convictions may be "
           "shared only under official authority or a Data Protection Act 2018 Schedule 1 "
           "condition.",),
)  # fmt: skip


# The statutory gateway and the opt-out ---------------------------------------------


def _gateway_fields(_draft: State, _ctx: Context) -> list[Field]:
    parts = (
        Field("act", "If yes: the Act", missing="Enter the Act, with its year", max_length=200,
              hint="Like Digital Economy Act 2017."),
        Field("part", "Part (optional)", required=False, max_length=20,
              classes="govuk-input--width-5"),
        Field("chapter", "Chapter (optional)", required=False, max_length=20,
              classes="govuk-input--width-5"),
        Field("section", "Section", missing="Enter the section that gives the power",
              max_length=200, classes="govuk-input--width-10", hint="Like 35, or 251B."),
        Field("description", "What it allows", "textarea", max_length=2000,
              missing="Say what the gateway allows"),
    )  # fmt: skip
    return [Field("has_gateway", "Does a law give the power, or the duty, to share?", "radios",
                  missing="Select yes if a law gives the power to share",
                  choices=(Choice("yes", "Yes", reveal=parts), Choice("no", "No")))]  # fmt: skip


def _gateway_load(draft: State) -> Values:
    gateway = draft.get("gateway")
    if not isinstance(gateway, dict):
        return {"has_gateway": "no" if "gateway" in draft else None}
    return {"has_gateway": "yes", **gateway}


def _gateway_store(draft: State, values: Values, _ctx: Context) -> Errors:
    if values["has_gateway"] == "no":
        basis = _basis(draft).get("article_6")
        if basis in NEEDS_GATEWAY:
            return {"has_gateway": f"Article 6(1)({str(basis)[0]}) rests on a power in law: "
                    "name the statutory gateway, or change the lawful basis"}  # fmt: skip
        draft["gateway"] = None
        return {}
    given = {k: values[k] for k in ("act", "part", "chapter", "section", "description")}
    try:
        gateway = Gateway.model_validate(given)
    except ValidationError as exc:
        return model_errors(exc, {k: k for k in given})
    draft["gateway"] = gateway.model_dump(mode="json", exclude_none=True)
    return {}


def _gateway_summary(draft: State) -> list[str]:
    g = draft.get("gateway")
    if not isinstance(g, dict):
        return ["None"]
    where = " ".join(f"{label} {g[k]}" for label, k in (("Part", "part"), ("Chapter", "chapter"))
                     if g.get(k))  # fmt: skip
    return [f"{g['act']} {where} section {g['section']}".replace("  ", " "), g["description"]]


GATEWAY = Task(
    "gateway", "Statutory gateway", _gateway_fields, _gateway_load, _gateway_store,
    _gateway_summary,
    lines=("A public body relying on public task or a legal obligation needs a law that gives "
           "it the power to share: the statutory gateway. The legal gateway finder suggests "
           "ones that may fit.",),
)  # fmt: skip


def _opt_out_store(draft: State, values: Values, _ctx: Context) -> Errors:
    try:
        made = NationalDataOptOut.model_validate(values)
    except ValidationError as exc:
        return model_errors(exc, {"applies": "applies", "explanation": "explanation"})
    draft["national_data_opt_out"] = made.model_dump(mode="json")
    return {}


OPT_OUT = Task(
    "opt-out", "National data opt-out",
    lambda _d, _c: [
        Field("applies", "Does the NHS national data opt-out apply?", "yes_no",
              missing="Select yes if the national data opt-out applies",
              hint="It applies to confidential patient information used for purposes beyond "
              "a person's own care, such as planning and research."),
        Field("explanation", "Why", "textarea", max_length=2000,
              missing="Explain why the national data opt-out does or does not apply"),
    ],
    lambda d: dict(d.get("national_data_opt_out") or {}), _opt_out_store,
    lambda d: [("Applies" if (d.get("national_data_opt_out") or {}).get("applies")
                else "Does not apply"),
               str((d.get("national_data_opt_out") or {}).get("explanation", ""))],
)  # fmt: skip
