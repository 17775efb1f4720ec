"""The drafting journey's tasks: what each page asks, and how its answers become the
fields of an agreement (every field of the ICO checklist the agreement model has).

The draft is kept as the agreement's own JSON data (what :class:`~accord.agreements.
Agreement` reads), filled in task by task. A :class:`Task` is one question page (the
lawful basis, the dates ...); a :class:`Collection` is a list the steward adds to one
item at a time (parties, contacts, purposes, datasets, and each dataset's fields). Each
reads its fields' typed values (``questions``) and checks them with the agreement's own
models, so a page refuses what the agreement would, naming the field; the rules that
span the whole agreement are checked again when it is saved (``routes/drafting``).
The wording of the law's choices comes from the agreements face (its vocabulary).
The tasks that ask about the law are in ``drafting_law``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from accord.agreements import (
    RECEIVING_ROLES,
    ROLE_WORDS,
    TREATMENT_WORDS,
    Contact,
    ContactRole,
    DataField,
    Kitemark,
    Party,
    Purpose,
    Role,
    Treatment,
)
from accord.portal.questions import Choice, Field, model_errors
from accord.store import MAX_NAME, is_name

State = dict[str, Any]
"""The agreement being drafted, as the JSON data the agreement model reads."""
Values = dict[str, Any]
Errors = dict[str, str]
NAME_HINT = "Use lower case letters, digits and hyphens, like {example}."
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Context:
    """What a task may need to know about the node it is drafted on."""

    own_org: str
    editing: bool
    held: Callable[[str], bool]
    """Whether this node already holds an agreement of that id."""
    columns: Callable[[str], list[str] | None]
    """The columns of one of this node's datasets (None: it holds no such dataset)."""
    presets: dict[str, str]


@dataclass(frozen=True)
class Task:
    """One question page of the draft."""

    slug: str
    title: str
    fields: Callable[[State, Context], list[Field]]
    load: Callable[[State], Values]
    store: Callable[[State, Values, Context], Errors]
    """Put the answers into the draft (a copy the caller keeps only without errors)."""
    summary: Callable[[State], list[str]]
    lines: tuple[str, ...] = ()
    needs: str = ""
    """The lists the draft must have before this task can start, by a space
    (``parties purposes``)."""


@dataclass(frozen=True)
class Collection:
    """A list of the draft the steward adds to one item at a time."""

    slug: str
    title: str
    noun: str
    minimum: int
    maximum: int
    fields: Callable[[State, Context, int], list[Field]]
    """The item page's fields (for the item at this index of the list)."""
    load: Callable[[State, int, dict[str, Any]], Values]
    make: Callable[[State, Values, Context, int], tuple[dict[str, Any], Errors]]
    describe: Callable[[dict[str, Any]], tuple[str, str]]
    summary: Callable[[State], list[str]]
    lines: tuple[str, ...] = ()
    needs: str = ""
    key: str = ""
    """Where the list is in the draft (default: the slug)."""

    def items(self, draft: State, parent: int | None = None) -> list[dict[str, Any]]:
        holder = draft if parent is None else draft["datasets"][parent]
        found = holder.get(self.key or self.slug) or []
        return [i for i in found if isinstance(i, dict)]

    def put(self, draft: State, items: list[dict[str, Any]], parent: int | None = None) -> None:
        holder = draft if parent is None else draft["datasets"][parent]
        holder[self.key or self.slug] = items


def sentence(text: str) -> str:
    """``text`` with its first letter a capital (the rest as written: "UK" stays)."""
    return text[:1].upper() + text[1:]


def _name_error(value: str, what: str, example: str) -> str | None:
    if is_name(value):
        return None
    if len(value) > MAX_NAME:
        return f"{what} must be {MAX_NAME} characters or fewer"
    return (
        f"{what} must use only lower case letters, digits, dots, hyphens and underscores, "
        f"starting with a letter or digit, like {example}"
    )


def _parties(draft: State) -> list[dict[str, Any]]:
    return [p for p in draft.get("parties") or [] if isinstance(p, dict)]


def party_choices(draft: State) -> tuple[Choice, ...]:
    return tuple(Choice(str(p["org"]), f"{p['name']} ({p['org']})") for p in _parties(draft))


def _clash(items: list[dict[str, Any]], index: int, key: str, value: str) -> bool:
    return any(i != index and item.get(key) == value for i, item in enumerate(items))


# About ------------------------------------------------------------------------------


def _about_fields(_draft: State, ctx: Context) -> list[Field]:
    fields = [Field("title", "Title", missing="Enter the agreement's title", max_length=300,
                    hint="Say what is shared, between whom and why, in plain words.")]  # fmt: skip
    if not ctx.editing:
        fields.append(Field(
            "id", "Reference", missing="Enter a reference for the agreement", code=True,
            classes="govuk-!-width-two-thirds",
            hint="What requests and the log call it. "
            + NAME_HINT.format(example="gp-hospital-admission-risk")
            + " It cannot be changed later."))  # fmt: skip
    return fields


def _about_store(draft: State, values: Values, ctx: Context) -> Errors:
    draft["title"] = values["title"]
    if ctx.editing:
        return {}
    problem = _name_error(values["id"], "The reference", "gp-hospital-admission-risk")
    if problem:
        return {"id": problem}
    if ctx.held(values["id"]):
        return {"id": f"This node already holds an agreement called {values['id']}: choose "
                "another reference, or change that agreement from its page"}  # fmt: skip
    draft["id"], draft["version"] = values["id"], draft.get("version") or 1
    return {}


ABOUT = Task(
    "about", "Name the agreement", _about_fields,
    lambda d: {"title": d.get("title"), "id": d.get("id")}, _about_store,
    lambda d: [f"{d.get('title', '')}", f"Reference: {d.get('id', '')}"],
)  # fmt: skip


# Parties ----------------------------------------------------------------------------


def _party_fields(_draft: State, ctx: Context, _index: int) -> list[Field]:
    roles = tuple(
        Choice(r.value, r.value.replace("_", " ").capitalize(), ROLE_WORDS[r]) for r in Role
    )
    return [
        Field("org", "Organisation id", missing="Enter the organisation's id", code=True,
              classes="govuk-!-width-two-thirds",
              hint=f"Its Accord node's name. This node's organisation is {ctx.own_org}."),
        Field("name", "Legal name", missing="Enter the organisation's legal name",
              max_length=300, hint="For example, Riverside Hospitals NHS Foundation Trust."),
        Field("role", "Its role in the sharing", "radios", choices=roles,
              missing="Select the organisation's role"),
        Field("ico_registration", "ICO registration number (optional)", required=False,
              max_length=40, classes="govuk-input--width-10",
              hint="Its number in the ICO's register of fee payers, like Z1234567."),
    ]  # fmt: skip


def _party_load(draft: State, _index: int, item: dict[str, Any]) -> Values:
    if not item and not _parties(draft):
        return {"org": None}
    return dict(item)


def _make_party(draft: State, values: Values, _ctx: Context, index: int
                ) -> tuple[dict[str, Any], Errors]:  # fmt: skip
    problem = _name_error(values["org"], "The organisation id", "riverside-gp")
    if problem:
        return {}, {"org": problem}
    if _clash(_parties(draft), index, "org", values["org"]):
        return {}, {"org": f"{values['org']} is already a party"}
    try:
        party = Party.model_validate(values)
    except ValidationError as exc:
        return {}, model_errors(exc, {k: k for k in values})
    return party.model_dump(mode="json", exclude_none=True), {}


PARTIES = Collection(
    "parties", "Parties", "party", 2, 20, _party_fields, _party_load, _make_party,
    lambda p: (str(p.get("name")), f"{p.get('org')}: {str(p.get('role', '')).replace('_', ' ')}"),
    lambda d: [f"{p['name']} ({p['org']}), {p['role'].replace('_', ' ')}" for p in _parties(d)],
    lines=("Add every organisation that provides or receives the data, including this one. "
           "At least one must be a controller.",),
)  # fmt: skip


# Contacts ---------------------------------------------------------------------------


def _contact_fields(draft: State, _ctx: Context, _index: int) -> list[Field]:
    roles = tuple(Choice(r.value, r.value.replace("_", " ").capitalize()) for r in ContactRole)
    return [
        Field("org", "Which party do they work for?", "radios", choices=party_choices(draft),
              missing="Select the party they work for"),
        Field("role", "Their role", "radios", choices=roles, missing="Select their role"),
        Field("name", "Full name", missing="Enter their full name", max_length=200),
        Field("email", "Email address", missing="Enter their email address", max_length=254,
              hint="A work address, like dpo@riverside-practice.nhs.uk."),
        Field("phone", "Telephone number (optional)", required=False, max_length=40,
              classes="govuk-input--width-20"),
    ]  # fmt: skip


def _make_contact(_draft: State, values: Values, _ctx: Context, _index: int
                  ) -> tuple[dict[str, Any], Errors]:  # fmt: skip
    if not EMAIL.match(values["email"]):
        return {}, {"email": "Enter an email address in the correct format, like "
                    "name@example.nhs.uk"}  # fmt: skip
    try:
        contact = Contact.model_validate(values)
    except ValidationError as exc:
        return {}, model_errors(exc, {k: k for k in values})
    return contact.model_dump(mode="json", exclude_none=True), {}


CONTACTS = Collection(
    "contacts", "Contacts", "contact", 1, 30, _contact_fields,
    lambda _d, _i, item: dict(item), _make_contact,
    lambda c: (str(c.get("name")), f"{str(c.get('role', '')).replace('_', ' ')}, "
               f"{c.get('org')}, {c.get('email')}"),
    lambda d: [f"{c['name']}, {c['role'].replace('_', ' ')} ({c['org']})"
               for c in d.get("contacts") or []],
    lines=("Name the people to contact about the agreement: the data protection officer, "
           "the senior information risk owner or Caldicott guardian of each party.",),
    needs="parties",
)  # fmt: skip


# Purposes and benefits --------------------------------------------------------------


def _purpose_fields(_draft: State, _ctx: Context, _index: int) -> list[Field]:
    return [
        Field("code", "Reference", missing="Enter a reference for the purpose", code=True,
              classes="govuk-!-width-two-thirds",
              hint="What a request for data names. " + NAME_HINT.format(
                  example="admission-risk-stratification")),
        Field("description", "What the data is used for", "textarea", max_length=2000,
              missing="Say what the data is used for"),
    ]  # fmt: skip


def _make_purpose(draft: State, values: Values, _ctx: Context, index: int
                  ) -> tuple[dict[str, Any], Errors]:  # fmt: skip
    problem = _name_error(values["code"], "The reference", "admission-risk-stratification")
    if problem:
        return {}, {"code": problem}
    if _clash(draft.get("purposes") or [], index, "code", values["code"]):
        return {}, {"code": f"There is already a purpose called {values['code']}"}
    try:
        purpose = Purpose.model_validate(values)
    except ValidationError as exc:
        return {}, model_errors(exc, {k: k for k in values})
    return purpose.model_dump(mode="json"), {}


PURPOSES = Collection(
    "purposes", "Purposes", "purpose", 1, 10, _purpose_fields,
    lambda _d, _i, item: dict(item), _make_purpose,
    lambda p: (str(p.get("code")), str(p.get("description"))),
    lambda d: [f"{p['code']}: {p['description']}" for p in d.get("purposes") or []],
    lines=("Why the data is shared. Each purpose has a reference that requests name.",),
)  # fmt: skip


def _benefits_store(draft: State, values: Values, _ctx: Context) -> Errors:
    draft["benefits"] = values["benefits"]
    return {}


BENEFITS = Task(
    "benefits", "Benefits",
    lambda _d, _c: [Field("benefits", "What good will the sharing do?", "lines",
                        missing="Enter at least one benefit",
                        hint="One benefit per line, like: Fewer emergency admissions for "
                        "patients with several long-term conditions.")],
    lambda d: {"benefits": d.get("benefits")}, _benefits_store,
    lambda d: list(d.get("benefits") or []),
)  # fmt: skip


# Datasets and their fields ----------------------------------------------------------


def _dataset_fields(draft: State, ctx: Context, _index: int) -> list[Field]:
    parties = party_choices(draft)
    marks = tuple(Choice(k.value, k.value.replace("_", " ").capitalize()) for k in Kitemark)
    presets = (Choice("none", "None", "No field is shared only as counts."),
               *(Choice(n, n.upper(), sentence(d)) for n, d in ctx.presets.items()))  # fmt: skip
    return [
        Field("name", "Dataset name", missing="Enter the dataset's name", code=True,
              classes="govuk-!-width-two-thirds",
              hint="Its name on the node that provides it. " + NAME_HINT.format(
                  example="admissions")),
        Field("provider", "Which party provides it?", "radios", choices=parties,
              missing="Select the party that provides the dataset"),
        Field("recipients", "Which parties receive it?", "checkboxes", choices=parties,
              missing="Select the parties that receive the dataset",
              hint="Select all that apply. Not the provider."),
        Field("data_subjects", "Whose data is it?", "lines",
              missing="Enter whose data the dataset holds",
              hint="One group of people per line, like: Patients admitted to the trust's "
              "hospitals."),
        Field("minimum_kitemark", "The lowest data quality kitemark it may have", "radios",
              choices=marks, missing="Select the lowest kitemark the dataset may have",
              hint="Requests are refused while the dataset's own kitemark is lower."),
        Field("suppression", "Small-number suppression", "radios", choices=presets,
              missing="Select how small numbers are suppressed",
              hint="Needed when a field is shared only as counts."),
        Field("lookups", "May the recipients also look up one person at a time?", "yes_no",
              missing="Select yes if the recipients may look up one person at a time"),
    ]  # fmt: skip


def _dataset_load(_draft: State, _index: int, item: dict[str, Any]) -> Values:
    if not item:
        return {"suppression": "none", "lookups": False}
    return {**item, "suppression": item.get("suppression") or "none",
            "lookups": bool(item.get("lookups"))}  # fmt: skip


def _make_dataset(draft: State, values: Values, _ctx: Context, index: int
                  ) -> tuple[dict[str, Any], Errors]:  # fmt: skip
    problem = _name_error(values["name"], "The dataset name", "admissions")
    if problem:
        return {}, {"name": problem}
    if _clash(draft.get("datasets") or [], index, "name", values["name"]):
        return {}, {"name": f"There is already a dataset called {values['name']}"}
    if values["provider"] in values["recipients"]:
        return {}, {"recipients": "The party that provides the dataset cannot also receive it"}
    roles = {p["org"]: p.get("role") for p in _parties(draft)}
    for org in values["recipients"]:
        if roles.get(org) not in {r.value for r in RECEIVING_ROLES}:
            return {}, {"recipients": f"{org} is a processor, which cannot receive data for "
                        "its own use: make it a controller or recipient first"}  # fmt: skip
    datasets = draft.get("datasets") or []
    held = datasets[index] if index < len(datasets) else {}
    kept = ("fields", "quasi_identifiers", "row_conditions")  # what other pages give it
    item = {**{k: v for k, v in held.items() if k in kept},
            **{k: v for k, v in values.items() if k not in ("suppression", "lookups")}}  # fmt: skip
    if values["suppression"] != "none":
        item["suppression"] = values["suppression"]
    if values["lookups"]:
        item["lookups"] = True
    return item, {}


def _rows_shared(dataset: dict[str, Any]) -> str:
    count = len(dataset.get("row_conditions") or [])
    return "every row" if not count else f"rows meeting {count} condition{'s' * (count > 1)}"


DATASETS = Collection(
    "datasets", "Data shared", "dataset", 1, 20, _dataset_fields, _dataset_load, _make_dataset,
    lambda d: (str(d.get("name")), f"from {d.get('provider')} to "
               f"{', '.join(d.get('recipients') or [])}; {len(d.get('fields') or [])} fields; "
               + _rows_shared(d)),
    lambda d: [f"{s['name']}: from {s['provider']} to {', '.join(s['recipients'])}: "
               + ", ".join(f"{f['name']} ({f['treatment']})" for f in s.get("fields") or [])
               + f"; {_rows_shared(s)}" for s in d.get("datasets") or []],
    lines=("Add each dataset that is shared, then the fields of each and which of its rows "
           "may be shared.",),
    needs="parties",
)  # fmt: skip

FLAGS = (
    Choice("special_category", "Special category data",
           "Health, ethnicity, religion and the other UK GDPR Article 9 categories."),
    Choice("criminal_offence", "Criminal offence data",
           "Offences, allegations, proceedings, convictions (UK GDPR Article 10)."),
    Choice("quasi_identifier", "Could identify someone in combination with other fields",
           "Like a date of birth, sex or postcode district."),
)  # fmt: skip


def field_questions(draft: State, ctx: Context, index: int) -> list[Field]:
    treatments = tuple(Choice(t.value, t.value.capitalize(), TREATMENT_WORDS[t]) for t in Treatment)
    dataset = draft["datasets"][index]
    hint = "The column's name in the dataset, like postcode_district."
    columns = ctx.columns(dataset["name"]) if dataset.get("provider") == ctx.own_org else None
    if columns:
        hint += f" Columns of {dataset['name']} on this node: {', '.join(columns)}."
    return [
        Field("name", "Field name", missing="Enter the field's name", code=True,
              classes="govuk-!-width-two-thirds", hint=hint),
        Field("treatment", "How is it shared?", "radios", choices=treatments,
              missing="Select how the field is shared"),
        Field("flags", "Which of these apply?", "checkboxes", choices=FLAGS, required=False,
              hint="Select all that apply."),
        Field("description", "Description (optional)", required=False, max_length=500),
    ]  # fmt: skip


def load_field(dataset: dict[str, Any], item: dict[str, Any]) -> Values:
    flags = [k for k in ("special_category", "criminal_offence") if item.get(k)]
    if item and item.get("name") in (dataset.get("quasi_identifiers") or []):
        flags.append("quasi_identifier")
    return {**item, "flags": flags}


def make_field(dataset: dict[str, Any], values: Values, index: int
               ) -> tuple[dict[str, Any], Errors]:  # fmt: skip
    """A field of ``dataset`` (its quasi-identifiers updated), or the errors."""
    problem = _name_error(values["name"], "The field name", "postcode_district")
    if problem:
        return {}, {"name": problem}
    if _clash(dataset.get("fields") or [], index, "name", values["name"]):
        return {}, {"name": f"{dataset['name']} already has a field called {values['name']}"}
    given = {k: values[k] for k in ("name", "treatment", "description")}
    given.update({k: k in values["flags"] for k in ("special_category", "criminal_offence")})
    try:
        made = DataField.model_validate(given)
    except ValidationError as exc:
        return {}, model_errors(exc, {"treatment": "treatment", "": "name"})
    fields = dataset.get("fields") or []
    old = fields[index]["name"] if index < len(fields) else None
    quasi = [q for q in dataset.get("quasi_identifiers") or [] if q not in (old, made.name)]
    if "quasi_identifier" in values["flags"]:
        quasi.append(made.name)
    dataset["quasi_identifiers"] = quasi
    return made.model_dump(mode="json", exclude_defaults=True), {}
