"""The legal gateway finder (stewards and approvers): a GOV.UK question journey, then the
lawful bases and statutory gateways that may fit, guidance and not legal advice.

One question per page, in order: each party (its kind and name, then whether it is a
public body, then "add another?"), the purposes, special category data, criminal
offence data, whether the data leaves the public sector; then check your answers and
the answer, which can start an agreement draft pre-filled from it (``drafting``). The
answers are kept on the server by session (``questions``); each page checks what it is
sent against the rules in force (the shipped ones and the node's own, read again at
every request), and a page reached before its turn sends the browser to the first
question not yet answered. Finding a gateway uses no personal data: nothing is recorded.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from accord.accounts import Role, StaffSession
from accord.agreements import (
    GATEWAY_NOTICE,
    GatewayAnswers,
    GatewayProposal,
    GatewayRules,
    GatewayRulesInvalid,
    find_gateways,
    load_gateway_rules,
    prefill,
)
from accord.portal import questions
from accord.portal.areas import Area, register_area
from accord.portal.deps import FormFields, PortalDep, portal_router, redirect, render, require
from accord.portal.errors import BadRequest
from accord.portal.questions import Choice, Field
from accord.portal.routes.drafting import start_from_gateways

router = portal_router()
AREA = register_area(Area(
    title="Legal gateway finder", href="/staff/gateways",
    description="Answer a few questions about a sharing to see the lawful bases and "
    "statutory gateways that may fit, then start an agreement from them.",
    roles=frozenset({Role.STEWARD, Role.APPROVER}), order=30,
))  # fmt: skip
Finder = Annotated[StaffSession, Depends(require(Role.STEWARD, Role.APPROVER))]
HOME = AREA.href
JOURNEY = "gateways"
MAX_PARTIES = 20
MAX_PURPOSES = 10
PAGE = "questions/page.html"


def _rules(portal: PortalDep) -> GatewayRules:
    try:
        return load_gateway_rules(workspace=portal.ws)
    except GatewayRulesInvalid as exc:
        raise BadRequest(
            "This node's own gateway rules have problems, so the finder cannot run. Ask "
            f"the node's operator to check them with 'accord agreement gateway-rules'. {exc}"
        ) from None


RulesDep = Annotated[GatewayRules, Depends(_rules)]


def _answers(request: Request, rules: GatewayRules) -> dict[str, Any]:
    """The kept answers, less anything the rules in force no longer define."""
    kept = questions.load(request, JOURNEY)
    parties = [p for p in kept.get("parties", []) if isinstance(p, dict)
               and p.get("kind") in rules.party_kinds][:MAX_PARTIES]  # fmt: skip
    purposes = [p for p in kept.get("purposes", []) if p in rules.purposes]
    return {**kept, "parties": parties, "purposes": purposes}


def _next(answers: dict[str, Any]) -> str:
    """The first question not yet answered, else check your answers."""
    parties = answers["parties"]
    if not parties:
        return f"{HOME}/parties/add"
    for n, party in enumerate(parties, 1):
        if party.get("public_body") is None:
            return f"{HOME}/parties/{n}/public"
    if not answers.get("parties_done") or len(parties) < 2:
        return f"{HOME}/parties"
    if not answers["purposes"]:
        return f"{HOME}/purposes"
    for key, page in FLAGS:
        if answers.get(key) is None:
            return f"{HOME}/{page}"
    return f"{HOME}/check"


def _party_label(party: dict[str, Any], rules: GatewayRules) -> str:
    kind = rules.party_kinds[party["kind"]].name
    return f"{party['name']} ({kind})" if party.get("name") else kind


# The start page ---------------------------------------------------------------------


@router.get(HOME, response_model=None)
def start(request: Request, staff: Finder, rules: RulesDep) -> HTMLResponse:
    answers = _answers(request, rules)
    return render(request, "gateways/start.html", session=staff, notice_text=GATEWAY_NOTICE,
                  started=bool(answers["parties"]), first=_next(answers))  # fmt: skip


@router.post(f"{HOME}/restart", response_model=None)
def restart(request: Request, _staff: Finder) -> RedirectResponse:
    questions.forget(request, JOURNEY)
    return redirect(f"{HOME}/parties/add")


# The parties ------------------------------------------------------------------------


def _party_fields(rules: GatewayRules) -> list[Field]:
    kinds = tuple(Choice(k.id, k.name, k.description or "") for k in rules.party_kinds.values())
    return [
        Field("kind", "What kind of organisation is this party?", "radios", choices=kinds,
              missing="Select what kind of organisation the party is"),
        Field("name", "Its name (optional)", required=False, max_length=200,
              hint="For example, Riverside Council. The answer uses it to name the party.",
              classes="govuk-!-width-two-thirds"),
    ]  # fmt: skip


def _party_number(answers: dict[str, Any], number: int, *, adding: bool = False) -> int:
    limit = min(len(answers["parties"]) + (1 if adding else 0), MAX_PARTIES)
    if not 1 <= number <= limit:
        raise HTTPException(404)
    return number


@router.get(f"{HOME}/parties", response_model=None)
def parties(request: Request, _staff: Finder, rules: RulesDep) -> HTMLResponse | RedirectResponse:
    answers = _answers(request, rules)
    if not answers["parties"]:
        return redirect(f"{HOME}/parties/add")
    return _parties_page(request, answers, rules, {}, "")


def _parties_page(
    request: Request, answers: dict[str, Any], rules: GatewayRules, errors: dict[str, str],
    more: str, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    rows = [(n, _party_label(p, rules), "Yes" if p.get("public_body") else "No")
            for n, p in enumerate(answers["parties"], 1)]  # fmt: skip
    return render(request, "gateways/parties.html", status_code=status, errors=errors,
                  rows=rows, more=more, full=len(rows) >= MAX_PARTIES)  # fmt: skip


@router.post(f"{HOME}/parties", response_model=None)
def parties_done(request: Request, _staff: Finder, rules: RulesDep,
                 fields: FormFields) -> HTMLResponse | RedirectResponse:  # fmt: skip
    answers = _answers(request, rules)
    more = fields.get("more")
    errors = {}
    if more not in ("yes", "no"):
        errors["more"] = "Select yes if you need to add another party"
    elif more == "yes" and len(answers["parties"]) >= MAX_PARTIES:
        errors["more"] = f"You can add at most {MAX_PARTIES} parties"
    elif more == "no" and len(answers["parties"]) < 2:
        errors["more"] = "Add at least two parties: the one sharing the data and one receiving it"
    if errors:
        return _parties_page(request, answers, rules, errors, more, 400)
    if more == "yes":
        return redirect(f"{HOME}/parties/add")
    questions.keep(request, JOURNEY, {**answers, "parties_done": True})
    return redirect(_next({**answers, "parties_done": True}))


@router.get(f"{HOME}/parties/add", response_model=None)
def add_party(request: Request, _staff: Finder, rules: RulesDep) -> HTMLResponse:
    answers = _answers(request, rules)
    if len(answers["parties"]) >= MAX_PARTIES:
        raise BadRequest(f"You can add at most {MAX_PARTIES} parties.")
    return _party_page(request, rules, len(answers["parties"]) + 1, {}, {})


@router.get(f"{HOME}/parties/{{number}}", response_model=None)
def change_party(request: Request, _staff: Finder, rules: RulesDep, number: int) -> HTMLResponse:
    answers = _answers(request, rules)
    party = answers["parties"][_party_number(answers, number) - 1]
    return _party_page(request, rules, number, questions.shown(_party_fields(rules), party), {})


def _party_page(request: Request, rules: GatewayRules, number: int, shown: dict[str, Any],
                errors: dict[str, str], status: int = 200) -> HTMLResponse:  # fmt: skip
    fields = _party_fields(rules)
    return render(request, PAGE, status_code=status, errors=errors, title=f"Party {number}",
                  caption="Who is sharing", fields=fields,
                  shown=shown or questions.shown(fields, {}),
                  lines=["Tell us about each organisation that gives or receives the data, "
                         "one at a time."],
                  action=f"{HOME}/parties/{number}", back=f"{HOME}/parties")  # fmt: skip


@router.post(f"{HOME}/parties/{{number}}", response_model=None)
def save_party(request: Request, _staff: Finder, rules: RulesDep, number: int,
               fields: FormFields) -> HTMLResponse | RedirectResponse:  # fmt: skip
    answers = _answers(request, rules)
    index = _party_number(answers, number, adding=True) - 1
    asked = _party_fields(rules)
    values, errors = questions.read(asked, fields)
    if errors:
        return _party_page(request, rules, number, questions.raw(asked, fields), errors, 400)
    party = {"kind": values["kind"], "name": values["name"], "public_body": None}
    listed = list(answers["parties"])
    if index < len(listed):
        kept = listed[index]
        same_kind = kept.get("kind") == party["kind"]
        party["public_body"] = kept.get("public_body") if same_kind else None
        listed[index] = party
    else:
        listed.append(party)
    questions.keep(request, JOURNEY, {**answers, "parties": listed})
    return redirect(f"{HOME}/parties/{index + 1}/public")


def _public_field(party: dict[str, Any], rules: GatewayRules) -> Field:
    kind = rules.party_kinds[party["kind"]]
    usual = "usually is" if kind.public_body else "usually is not"
    return Field("public_body", f"Is {party.get('name') or 'this ' + kind.name.lower()} a public "
                 "body?", "yes_no", missing="Select yes if the party is a public body",
                 hint=f"A {kind.name.lower()} {usual} a public body. A public body is one that "
                 "carries out functions of a public nature, such as a council, an NHS body or "
                 "a police force.")  # fmt: skip


@router.get(f"{HOME}/parties/{{number}}/public", response_model=None)
def public_body(request: Request, _staff: Finder, rules: RulesDep, number: int) -> HTMLResponse:
    answers = _answers(request, rules)
    party = answers["parties"][_party_number(answers, number) - 1]
    given = party.get("public_body")
    usual = rules.party_kinds[party["kind"]].public_body
    field = _public_field(party, rules)
    shown = questions.shown([field], {"public_body": usual if given is None else given})
    return _public_page(request, number, field, shown, {})


def _public_page(request: Request, number: int, field: Field, shown: dict[str, Any],
                 errors: dict[str, str], status: int = 200) -> HTMLResponse:  # fmt: skip
    return render(request, PAGE, status_code=status, errors=errors, title=field.label,
                  caption=f"Party {number}", fields=[field], shown=shown,
                  action=f"{HOME}/parties/{number}/public",
                  back=f"{HOME}/parties/{number}")  # fmt: skip


@router.post(f"{HOME}/parties/{{number}}/public", response_model=None)
def save_public_body(request: Request, _staff: Finder, rules: RulesDep, number: int,
                     fields: FormFields) -> HTMLResponse | RedirectResponse:  # fmt: skip
    answers = _answers(request, rules)
    index = _party_number(answers, number) - 1
    field = _public_field(answers["parties"][index], rules)
    values, errors = questions.read([field], fields)
    if errors:
        return _public_page(request, number, field, questions.raw([field], fields), errors, 400)
    listed = list(answers["parties"])
    listed[index] = {**listed[index], "public_body": values["public_body"]}
    kept = {**answers, "parties": listed}
    questions.keep(request, JOURNEY, kept)
    return redirect(_next(kept))


@router.post(f"{HOME}/parties/{{number}}/remove", response_model=None)
def remove_party(request: Request, _staff: Finder, rules: RulesDep, number: int,
                 ) -> RedirectResponse:  # fmt: skip
    answers = _answers(request, rules)
    index = _party_number(answers, number) - 1
    listed = [p for i, p in enumerate(answers["parties"]) if i != index]
    questions.keep(request, JOURNEY, {**answers, "parties": listed, "parties_done": False})
    return redirect(f"{HOME}/parties")


# The other questions ----------------------------------------------------------------

FLAGS = (
    ("special_category", "special-category"),
    ("criminal_offence", "criminal-offence"),
    ("leaves_public_sector", "public-sector"),
)
FLAG_FIELDS = {
    "special_category": Field(
        "special_category", "Will you share special category data?", "yes_no",
        missing="Select yes if you will share special category data",
        hint="Information about health, racial or ethnic origin, religion, sex life or sexual "
        "orientation, political opinions, trade union membership, genetics or biometrics."),
    "criminal_offence": Field(
        "criminal_offence", "Will you share criminal offence data?", "yes_no",
        missing="Select yes if you will share criminal offence data",
        hint="Information about offences, allegations, proceedings, convictions or sentences."),
    "leaves_public_sector": Field(
        "leaves_public_sector", "Will an organisation outside the public sector receive the "
        "data?", "yes_no", missing="Select yes if the data will leave the public sector",
        hint="For example a charity, a housing association or a utility company."),
}  # fmt: skip
ORDER = ["purposes", *(key for key, _ in FLAGS)]
PAGES = {"purposes": "purposes", **dict(FLAGS)}


def _purpose_field(rules: GatewayRules) -> Field:
    choices = tuple(Choice(p.id, p.name, p.description) for p in rules.purposes.values())
    return Field("purposes", "What is the data being shared for?", "checkboxes",
                 choices=choices, hint="Select all that apply.",
                 missing="Select what the data is being shared for")  # fmt: skip


def _too_early(answers: dict[str, Any], key: str) -> bool:
    """Whether a question before ``key`` is still unanswered."""
    first = _next(answers).removeprefix(f"{HOME}/")
    if first == "check":
        return False
    earlier = [PAGES[k] for k in ORDER[: ORDER.index(key)]]
    return first.startswith("parties") or first in earlier


def _question(key: str, rules: GatewayRules) -> Field:
    return _purpose_field(rules) if key == "purposes" else FLAG_FIELDS[key]


def _back(key: str) -> str:
    at = ORDER.index(key)
    return f"{HOME}/parties" if at == 0 else f"{HOME}/{PAGES[ORDER[at - 1]]}"


def _question_page(request: Request, key: str, field: Field, shown: dict[str, Any],
                   errors: dict[str, str], status: int = 200) -> HTMLResponse:  # fmt: skip
    return render(request, PAGE, status_code=status, errors=errors, title=field.label,
                  caption="About the sharing", fields=[field], shown=shown,
                  action=f"{HOME}/{PAGES[key]}", back=_back(key))  # fmt: skip


def _ask(key: str) -> None:
    page = PAGES[key]

    @router.get(f"{HOME}/{page}", name=f"gateways-{page}", response_model=None)
    def ask(request: Request, _staff: Finder, rules: RulesDep) -> HTMLResponse | RedirectResponse:
        answers = _answers(request, rules)
        if _too_early(answers, key):
            return redirect(_next(answers))
        field = _question(key, rules)
        return _question_page(request, key, field, questions.shown([field], answers), {})

    @router.post(f"{HOME}/{page}", name=f"gateways-{page}-save", response_model=None)
    def save(request: Request, _staff: Finder, rules: RulesDep,
             fields: FormFields) -> HTMLResponse | RedirectResponse:  # fmt: skip
        answers = _answers(request, rules)
        field = _question(key, rules)
        values, errors = questions.read([field], fields)
        if errors:
            return _question_page(request, key, field, questions.raw([field], fields), errors,
                                  400)  # fmt: skip
        if key == "purposes" and len(values[key]) > MAX_PURPOSES:
            errors = {key: f"Select at most {MAX_PURPOSES} purposes"}
            return _question_page(request, key, field, questions.raw([field], fields), errors,
                                  400)  # fmt: skip
        kept = {**answers, key: values[key]}
        questions.keep(request, JOURNEY, kept)
        return redirect(_next(kept))


for _key in ORDER:
    _ask(_key)


# Check your answers, and the answer -------------------------------------------------


def _complete(request: Request, rules: GatewayRules) -> tuple[GatewayAnswers | None, str]:
    """The answers, checked as the finder checks them, or where to go to finish them."""
    answers = _answers(request, rules)
    following = _next(answers)
    if not following.endswith("/check"):
        return None, following
    given = {key: answers[key] for key in ORDER}
    parties = [{k: v for k, v in p.items() if v is not None} for p in answers["parties"]]
    try:
        return GatewayAnswers.model_validate({**given, "parties": parties}), following
    except ValidationError:
        questions.forget(request, JOURNEY)
        return None, f"{HOME}/parties/add"


@router.get(f"{HOME}/check", response_model=None)
def check(request: Request, _staff: Finder, rules: RulesDep) -> HTMLResponse | RedirectResponse:
    answers, following = _complete(request, rules)
    if answers is None:
        return redirect(following)
    return render(request, "gateways/check.html", summary=_summary(answers, rules))


def _summary(answers: GatewayAnswers, rules: GatewayRules) -> list[dict[str, Any]]:
    """The summary list's rows: each answer with where to change it."""
    rows: list[dict[str, Any]] = [
        {"key": f"Party {n}", "value": _party_label(p.model_dump(), rules)
         + (", a public body" if p.public_body else ", not a public body"),
         "href": f"{HOME}/parties/{n}", "hidden": f"party {n}"}
        for n, p in enumerate(answers.parties, 1)
    ]  # fmt: skip
    rows.append({"key": "Purposes", "href": f"{HOME}/purposes", "hidden": "the purposes",
                 "lines": [rules.purposes[p].name for p in answers.purposes]})  # fmt: skip
    for key, page in FLAGS:
        rows.append({"key": FLAG_FIELDS[key].label, "hidden": FLAG_FIELDS[key].label.lower(),
                     "value": "Yes" if getattr(answers, key) else "No",
                     "href": f"{HOME}/{page}"})  # fmt: skip
    return rows


@router.get(f"{HOME}/answer", response_model=None)
def answer(request: Request, staff: Finder, rules: RulesDep) -> HTMLResponse | RedirectResponse:
    answers, following = _complete(request, rules)
    if answers is None:
        return redirect(following)
    proposal = find_gateways(answers, rules)
    return render(request, "gateways/answer.html", proposal=proposal, rules=rules,
                  summary=_summary(answers, rules), can_draft=staff.holds(Role.STEWARD),
                  parties=[_party_label(p.model_dump(), rules) for p in answers.parties],
                  sections=_sections(proposal))  # fmt: skip


def _sections(proposal: GatewayProposal) -> list[tuple[str, str, list[Any]]]:
    """Each kind of proposal: its heading, what it is, and the items, best first."""
    return [
        ("Lawful basis", "UK GDPR Article 6: every sharing of personal data needs one.",
         list(proposal.article_6)),
        ("Special category data", "UK GDPR Article 9, with the Data Protection Act 2018 "
         "Schedule 1 condition it needs.", list(proposal.article_9)),
        ("Criminal offence data", "UK GDPR Article 10, with the Data Protection Act 2018 "
         "Schedule 1 condition or the official authority it rests on.",
         list(proposal.article_10)),
        ("Statutory gateways", "The laws that give the power, or the duty, to share.",
         list(proposal.gateways)),
    ]  # fmt: skip


@router.post(f"{HOME}/draft", response_model=None)
def draft(request: Request, _staff: Annotated[StaffSession, Depends(require(Role.STEWARD))],
          rules: RulesDep) -> HTMLResponse | RedirectResponse:  # fmt: skip
    answers, following = _complete(request, rules)
    if answers is None:
        return redirect(following)
    proposal = find_gateways(answers, rules)
    return redirect(start_from_gateways(request, prefill(proposal), proposal.purposes))
