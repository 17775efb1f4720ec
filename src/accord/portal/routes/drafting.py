"""Drafting an agreement (stewards): a GOV.UK task list of question pages that ends in a
valid agreement, checked, then saved as a draft through the agreements context.

The task list (``/staff/agreements/draft``) leads to each task (``drafting``,
``drafting_law``, ``drafting_terms``): a question page, or a list added to one item at a
time (parties, contacts, purposes, datasets and each dataset's fields). The draft is
kept on the server by session (``questions``) as the agreement's own JSON data; each
page checks what it is sent with the agreement's models. Check your answers builds the
whole agreement (the model's every rule, and the privacy presets); saving records it
with ``agreements.record`` (``agreement.recorded`` in the log, the steward's role as
``by_role``). A draft can start from the legal gateway finder's answer
(:func:`start_from_gateways`), or from a saved draft to change it (``agreements``).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException

from accord.agreements import (
    Agreement,
    AgreementError,
    AgreementInvalid,
    AgreementNotFound,
    ProposedPurpose,
    dataset_columns,
    dataset_problems,
    get,
    own_org,
    parse,
    preset_problems,
    record,
    suppression_presets,
)
from accord.portal import drafting_enforcement as enforcement
from accord.portal import drafting_law as law
from accord.portal import drafting_terms as terms
from accord.portal import questions
from accord.portal.deps import FormFields, PortalDep, Steward, portal_router, redirect, render
from accord.portal.drafting import ABOUT as ABOUT_TASK
from accord.portal.drafting import (
    BENEFITS,
    CONTACTS,
    DATASETS,
    PARTIES,
    PURPOSES,
    Collection,
    Context,
    Task,
)
from accord.portal.questions import Notice

router = portal_router()
HOME = "/staff/agreements/draft"
JOURNEY = "draft"
BY_ROLE = "data steward"
PAGE = "questions/page.html"
GROUPS: list[tuple[str, list[Task | Collection]]] = [
    ("About the agreement", [ABOUT_TASK, PARTIES, CONTACTS]),
    ("What is shared, and why", [PURPOSES, BENEFITS, DATASETS]),
    ("The law", [law.LAWFUL_BASIS, enforcement.LAW_ENFORCEMENT, law.SPECIAL_CATEGORY,
                 law.CRIMINAL_OFFENCE, law.GATEWAY, law.OPT_OUT]),
    ("How the data is looked after", [terms.RETENTION, terms.SECURITY, terms.LIMITS]),
    ("Dates and rights", [terms.DATES, terms.RIGHTS, terms.TRANSFERS]),
]  # fmt: skip
TASKS: dict[str, Task | Collection] = {t.slug: t for _, group in GROUPS for t in group}
PLACES = {"id": "about", "title": "about", "version": "about", "national_data_opt_out": "opt-out",
          "individual_rights": "rights", "international_transfers": "transfers"}  # fmt: skip
LAW_PLACES = {"article_9": "special-category", "schedule_1": "special-category",
              "article_10": "criminal-offence",
              "law_enforcement": "law-enforcement"}  # fmt: skip


def journey_of(request: Request) -> dict[str, Any]:
    kept = questions.load(request, JOURNEY)
    draft = kept.get("draft")
    return {"draft": draft if isinstance(draft, dict) else {},
            "done": [d for d in kept.get("done", []) if d in TASKS],
            "editing": kept.get("editing"), "prefilled": kept.get("prefilled", [])}  # fmt: skip


def keep_journey(request: Request, journey: dict[str, Any]) -> None:
    questions.keep(request, JOURNEY, journey)


def context_of(portal: PortalDep, journey: dict[str, Any]) -> Context:
    def held(agreement_id: str) -> bool:
        try:
            get(portal.ws, agreement_id)
        except AgreementNotFound:
            return False
        return True

    def columns(name: str) -> list[str] | None:
        return dataset_columns(portal.ws, name)

    return Context(own_org(portal.ws), bool(journey["editing"]), held, columns,
                   suppression_presets())  # fmt: skip


def _task(slug: str) -> Task | Collection:
    found = TASKS.get(slug)
    if found is None:
        raise HTTPException(404)
    return found


def _blocked(task: Task | Collection, draft: dict[str, Any]) -> bool:
    return not all(draft.get(need) for need in task.needs.split())


def draft_of(agreement: Agreement) -> dict[str, Any]:
    """A stored agreement as the journey's draft: its own JSON data, with the answers
    "none" that its pages show again (no gateway, no law enforcement processing)."""
    draft = agreement.model_dump(mode="json", exclude={"signatures"}, exclude_none=True)
    draft.setdefault("gateway", None)
    draft["lawful_basis"].setdefault("law_enforcement", None)
    return draft


def change(request: Request, agreement: Agreement) -> str:
    """Start changing a stored draft version: every part completed, its id fixed; where
    to go next (the task list)."""
    editing = {"id": agreement.id, "version": agreement.version}
    keep_journey(request, {"draft": draft_of(agreement), "done": list(TASKS), "prefilled": [],
                           "editing": editing})  # fmt: skip
    return HOME


def start_from_gateways(request: Request, fields: dict[str, Any],
                        purposes: list[ProposedPurpose]) -> str:  # fmt: skip
    """Fill the draft in progress (or a new one) with the gateway finder's ``fields``;
    where to go next (the task list, saying what was filled in)."""
    journey = journey_of(request)
    filled = ["purposes", "lawful-basis", "gateway", "opt-out"]
    basis = fields.get("lawful_basis", {})
    filled += [slug for key, slug in LAW_PLACES.items() if key in basis and key != "schedule_1"]
    journey["draft"] = {**journey["draft"], **fields}
    journey["done"] = [d for d in journey["done"] if d not in filled]
    journey["prefilled"] = [s for s in filled if s in TASKS and (s != "opt-out" or
                            "national_data_opt_out" in fields)]  # fmt: skip
    keep_journey(request, journey)
    names = ", ".join(TASKS[s].title.lower() for s in journey["prefilled"])
    questions.notify(request, Notice(
        "Filled in from the legal gateway finder",
        [f"For {', '.join(p.name.lower() for p in purposes)}: the {names}. Check each one: "
         "the finder gives guidance, not legal advice."]))  # fmt: skip
    return HOME


# The task list ----------------------------------------------------------------------


@router.get(HOME, response_model=None)
def task_list(request: Request, staff: Steward) -> HTMLResponse:
    journey = journey_of(request)
    draft, done = journey["draft"], journey["done"]
    groups = []
    for heading, tasks in GROUPS:
        items = []
        for task in tasks:
            state = ("done" if task.slug in done else "blocked" if _blocked(task, draft)
                     else "check" if task.slug in journey["prefilled"] else "todo")  # fmt: skip
            items.append({"title": task.title, "href": f"{HOME}/{task.slug}", "state": state})
        groups.append((heading, items))
    return render(request, "drafting/tasks.html", session=staff, groups=groups,
                  complete=len(done), total=len(TASKS), notice=questions.notice(request),
                  editing=journey["editing"], title=draft.get("title"))  # fmt: skip


@router.post(f"{HOME}/discard", response_model=None)
def discard(request: Request, _staff: Steward) -> RedirectResponse:
    questions.forget(request, JOURNEY)
    return redirect("/staff/agreements")


# A task's page ----------------------------------------------------------------------


def _task_page(request: Request, task: Task, ctx: Context, draft: dict[str, Any],
               shown: dict[str, Any] | None, errors: dict[str, str],
               status: int = 200) -> HTMLResponse:  # fmt: skip
    fields = task.fields(draft, ctx)
    lines = list(task.lines)
    if task is law.SPECIAL_CATEGORY:
        lines += law.flag_lines(draft, "special_category", "special category data")
    if task is law.CRIMINAL_OFFENCE:
        lines += law.flag_lines(draft, "criminal_offence", "criminal offence data")
    return render(request, PAGE, status_code=status, errors=errors, title=task.title,
                  caption="Draft an agreement", fields=fields, lines=lines,
                  shown=shown if shown is not None else questions.shown(fields, task.load(draft)),
                  action=f"{HOME}/{task.slug}", back=HOME, button="Save and continue")  # fmt: skip


@router.get(f"{HOME}/check", response_model=None)
def check(request: Request, portal: PortalDep, _staff: Steward) -> HTMLResponse:
    return _check_page(request, portal, journey_of(request))


@router.post(f"{HOME}/check", response_model=None)
def save(request: Request, portal: PortalDep, _staff: Steward,
         ) -> HTMLResponse | RedirectResponse:  # fmt: skip
    journey = journey_of(request)
    agreement, _ = _problems(journey)
    if agreement is None:
        return _check_page(request, portal, journey)
    editing = journey["editing"]
    if not editing and context_of(portal, journey).held(agreement.id):
        return _check_page(request, portal, journey, {"task-about": f"Name the agreement: this "
                           f"node already holds an agreement called {agreement.id}"})  # fmt: skip
    try:
        stored = record(portal.ws, agreement, by_role=BY_ROLE)
    except AgreementError as exc:
        return _check_page(request, portal, journey, {"task-about": str(exc)})
    questions.forget(request, JOURNEY)
    questions.notify(request, Notice("Draft saved", [
        f"{agreement.title} is saved on this node as a draft (version {agreement.version}). "
        "Nobody has signed it yet: an approver proposes it to the other parties."]))  # fmt: skip
    shown = stored.agreement
    # The next version of a signed agreement is not its current one: name the version.
    at = f"?version={shown.version}" if shown.version > 1 else ""
    return redirect(f"/staff/agreements/id/{shown.id}{at}")


@router.get(f"{HOME}/{{slug}}", response_model=None)
def task_page(request: Request, portal: PortalDep, _staff: Steward,
              slug: str) -> HTMLResponse | RedirectResponse:  # fmt: skip
    task, journey = _task(slug), journey_of(request)
    if _blocked(task, journey["draft"]):
        return redirect(HOME)
    ctx = context_of(portal, journey)
    if isinstance(task, Collection):
        return _list_page(request, task, journey, {})
    return _task_page(request, task, ctx, journey["draft"], None, {})


@router.post(f"{HOME}/{{slug}}", response_model=None)
def save_task(request: Request, portal: PortalDep, _staff: Steward, slug: str,
              fields: FormFields) -> HTMLResponse | RedirectResponse:  # fmt: skip
    task, journey = _task(slug), journey_of(request)
    if _blocked(task, journey["draft"]):
        return redirect(HOME)
    if isinstance(task, Collection):
        return _finish_list(request, task, journey)
    ctx = context_of(portal, journey)
    draft = dict(journey["draft"])
    asked = task.fields(draft, ctx)
    values, errors = questions.read(asked, fields)
    if not errors:
        errors = task.store(draft, values, ctx)
    if errors:
        return _task_page(request, task, ctx, journey["draft"], questions.raw(asked, fields),
                          errors, 400)  # fmt: skip
    _done(request, journey, draft, task.slug)
    return redirect(HOME)


def _done(request: Request, journey: dict[str, Any], draft: dict[str, Any], slug: str) -> None:
    journey["draft"] = draft
    journey["done"] = [*[d for d in journey["done"] if d != slug], slug]
    journey["prefilled"] = [p for p in journey["prefilled"] if p != slug]
    keep_journey(request, journey)


# The lists: parties, contacts, purposes, datasets -----------------------------------


def _list_page(request: Request, task: Collection, journey: dict[str, Any],
               errors: dict[str, str], status: int = 200) -> HTMLResponse:  # fmt: skip
    items = task.items(journey["draft"])
    rows = [(n, *task.describe(item)) for n, item in enumerate(items, 1)]
    return render(request, "drafting/collection.html", status_code=status, errors=errors,
                  task=task, rows=rows, base=f"{HOME}/{task.slug}", back=HOME,
                  can_add=len(items) < task.maximum, datasets=task is DATASETS)  # fmt: skip


def _finish_list(request: Request, task: Collection, journey: dict[str, Any]
                 ) -> HTMLResponse | RedirectResponse:  # fmt: skip
    items = task.items(journey["draft"])
    problem = ""
    if len(items) < task.minimum:
        problem = (
            f"Add at least {task.minimum} {task.noun if task.minimum == 1 else task.title.lower()}"
        )
    elif task is DATASETS:
        bare = [d["name"] for d in items if not d.get("fields")]
        counted = [d["name"] for d in items if not d.get("suppression") and any(
            f.get("treatment") == "aggregate" for f in d.get("fields") or [])]  # fmt: skip
        if bare:
            problem = f"Add the fields of {', '.join(bare)}"
        elif counted:
            problem = (f"{', '.join(counted)} shares fields only as counts: change it to "
                       "choose how small numbers are suppressed")  # fmt: skip
    if problem:
        return _list_page(request, task, journey, {"add": problem}, 400)
    _done(request, journey, journey["draft"], task.slug)
    return redirect(HOME)


def _index(items: list[Any], number: int, *, adding: bool = False) -> int:
    if not 1 <= number <= len(items) + (1 if adding else 0):
        raise HTTPException(404)
    return number - 1


def _item_page(request: Request, task: Collection, ctx: Context, draft: dict[str, Any],
               number: int, shown: dict[str, Any], errors: dict[str, str],
               status: int = 200) -> HTMLResponse:  # fmt: skip
    fields = task.fields(draft, ctx, number - 1)
    adding = number > len(task.items(draft))
    title = f"Add a {task.noun}" if adding else f"Change {task.noun} {number}"
    return render(request, PAGE, status_code=status, errors=errors, title=title,
                  caption=task.title, fields=fields, shown=shown,
                  action=f"{HOME}/{task.slug}/{number}", back=f"{HOME}/{task.slug}",
                  button="Save and continue")  # fmt: skip


def _collection(slug: str) -> Collection:
    task = _task(slug)
    if not isinstance(task, Collection):
        raise HTTPException(404)
    return task


@router.get(f"{HOME}/{{slug}}/add", response_model=None)
def add_item(request: Request, portal: PortalDep, _staff: Steward,
             slug: str) -> HTMLResponse | RedirectResponse:  # fmt: skip
    task, journey = _collection(slug), journey_of(request)
    draft = journey["draft"]
    if _blocked(task, draft) or len(task.items(draft)) >= task.maximum:
        return redirect(f"{HOME}/{slug}")
    number = len(task.items(draft)) + 1
    ctx = context_of(portal, journey)
    shown = questions.shown(task.fields(draft, ctx, number - 1), task.load(draft, number - 1, {}))
    if task is PARTIES and number == 1:
        shown["org"] = ctx.own_org
    return _item_page(request, task, ctx, draft, number, shown, {})


@router.get(f"{HOME}/{{slug}}/{{number:int}}", response_model=None)
def change_item(request: Request, portal: PortalDep, _staff: Steward, slug: str,
                number: int) -> HTMLResponse:  # fmt: skip
    task, journey = _collection(slug), journey_of(request)
    draft = journey["draft"]
    items = task.items(draft)
    index = _index(items, number)
    ctx = context_of(portal, journey)
    values = task.load(draft, index, items[index])
    return _item_page(request, task, ctx, draft, number,
                      questions.shown(task.fields(draft, ctx, index), values), {})  # fmt: skip


@router.post(f"{HOME}/{{slug}}/{{number:int}}", response_model=None)
def save_item(request: Request, portal: PortalDep, _staff: Steward, slug: str, number: int,
              fields: FormFields) -> HTMLResponse | RedirectResponse:  # fmt: skip
    task, journey = _collection(slug), journey_of(request)
    draft = dict(journey["draft"])
    if _blocked(task, draft):
        return redirect(HOME)
    items = task.items(draft)
    index = _index(items, number, adding=len(items) < task.maximum)
    ctx = context_of(portal, journey)
    asked = task.fields(draft, ctx, index)
    values, errors = questions.read(asked, fields)
    item: dict[str, Any] = {}
    if not errors:
        item, errors = task.make(draft, values, ctx, index)
    if errors:
        return _item_page(request, task, ctx, journey["draft"], number,
                          questions.raw(asked, fields), errors, 400)  # fmt: skip
    items = [*items[:index], item, *items[index + 1 :]]
    task.put(draft, items)
    journey["done"] = [d for d in journey["done"] if d != task.slug]
    journey["draft"] = draft
    keep_journey(request, journey)
    if task is DATASETS and not item.get("fields"):
        return redirect(f"{HOME}/datasets/{index + 1}/fields")
    return redirect(f"{HOME}/{task.slug}")


@router.post(f"{HOME}/{{slug}}/{{number:int}}/remove", response_model=None)
def remove_item(request: Request, _staff: Steward, slug: str, number: int,
                ) -> RedirectResponse:  # fmt: skip
    task, journey = _collection(slug), journey_of(request)
    draft = dict(journey["draft"])
    items = task.items(draft)
    index = _index(items, number)
    task.put(draft, [item for i, item in enumerate(items) if i != index])
    journey["draft"] = draft
    journey["done"] = [d for d in journey["done"] if d != task.slug]
    keep_journey(request, journey)
    return redirect(f"{HOME}/{task.slug}")


# Check your answers, and save -------------------------------------------------------


def _place(where: str) -> str:
    head, _, rest = where.partition(".")
    if head == "lawful_basis":
        return LAW_PLACES.get(rest.split(".")[0], "lawful-basis")
    return PLACES.get(head, head if head in TASKS else "about")


def _problems(journey: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    """The agreement the draft makes, or None; and the errors, by the task to fix them:
    "complete" for a task not done, else the first thing the agreement refuses in it."""
    agreement = None
    try:
        agreement = parse({**journey["draft"], "signatures": []}, "the draft")
        problems = preset_problems(agreement)
    except AgreementInvalid as exc:
        problems = exc.problems
    found: dict[str, list[str]] = {}
    for where, what in problems:
        found.setdefault(_place(where), []).append(f"{what} ({where})")
    errors = {}
    for slug, task in TASKS.items():
        messages = found.get(slug, [])
        if slug not in journey["done"]:
            errors[f"task-{slug}"] = f"{task.title}: complete this part"
        elif messages:
            more = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
            errors[f"task-{slug}"] = f"{task.title}: {messages[0]}{more}"
    return (agreement if not errors else None), errors


def _check_page(request: Request, portal: PortalDep, journey: dict[str, Any],
                extra: dict[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    agreement, errors = _problems(journey)
    errors.update(extra or {})
    draft = journey["draft"]
    done = set(journey["done"])
    rows = [(heading, [(t.slug, t.title, _summary(t, draft) if t.slug in done
                        else ["Not completed yet"]) for t in tasks])
            for heading, tasks in GROUPS]  # fmt: skip
    misfits = dataset_problems(portal.ws, agreement, own_org(portal.ws)) if agreement else []
    own = own_org(portal.ws)
    outside = agreement is not None and agreement.party(own) is None
    return render(request, "drafting/check.html", status_code=400 if errors else 200,
                  errors=errors, rows=rows, misfits=misfits, own=own, outside=outside,
                  editing=journey["editing"], ready=agreement is not None)  # fmt: skip


def _summary(task: Task | Collection, draft: dict[str, Any]) -> list[str]:
    try:
        return [line for line in task.summary(draft) if line] or ["Not given"]
    except (KeyError, TypeError, IndexError, AttributeError, ValueError):
        return ["Not finished"]  # a part changed since it was completed: the errors say how
