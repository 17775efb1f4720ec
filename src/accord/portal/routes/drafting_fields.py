"""Drafting an agreement: the fields of each dataset and its row conditions (stewards),
each a list added to one item at a time under its dataset
(``/staff/agreements/draft/datasets/N/fields``, then ``.../datasets/N/rows``).

Each field is checked as the agreement checks it (``drafting.make_field``): a name in
the identifier pattern, once per dataset, how it is shared, whether it is special
category or criminal offence data, and whether it could identify someone in combination
(the dataset's quasi-identifiers). On this node's own datasets the page lists the
columns the field may name. Each row condition (``drafting_rows``) names one of the
dataset's fields; none means every row may be shared.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException

from accord.portal import drafting_rows as rows
from accord.portal import questions
from accord.portal.deps import FormFields, PortalDep, Steward, portal_router, redirect, render
from accord.portal.drafting import field_questions, load_field, make_field
from accord.portal.routes.drafting import HOME, PAGE, context_of, journey_of, keep_journey

router = portal_router()
MAX_FIELDS = 100


def _dataset(journey: dict[str, Any], number: int) -> tuple[int, dict[str, Any]]:
    datasets = journey["draft"].get("datasets") or []
    if not 1 <= number <= len(datasets) or not isinstance(datasets[number - 1], dict):
        raise HTTPException(404)
    return number - 1, dict(datasets[number - 1])


def _items(dataset: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The dataset's list ``key`` (its fields, its row conditions) as the journey holds it."""
    return [item for item in dataset.get(key) or [] if isinstance(item, dict)]


def _fields(dataset: dict[str, Any]) -> list[dict[str, Any]]:
    return _items(dataset, "fields")


def _removed(
    journey: dict[str, Any], number: int, key: str, position: int
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """Dataset ``number`` with item ``position`` (from 1) of its list ``key`` taken out
    (not stored yet): its index, the dataset, the item; 404 when there is no such item."""
    index, dataset = _dataset(journey, number)
    held = _items(dataset, key)
    if not 1 <= position <= len(held):
        raise HTTPException(404)
    dataset[key] = [item for i, item in enumerate(held) if i != position - 1]
    return index, dataset, held[position - 1]


def _base(number: int) -> str:
    return f"{HOME}/datasets/{number}/fields"


def _store(request: Request, journey: dict[str, Any], index: int, dataset: dict[str, Any]) -> None:
    draft = dict(journey["draft"])
    datasets = list(draft["datasets"])
    datasets[index] = dataset
    draft["datasets"] = datasets
    journey["draft"] = draft
    journey["done"] = [d for d in journey["done"] if d != "datasets"]
    keep_journey(request, journey)


@router.get(f"{HOME}/datasets/{{number:int}}/fields", response_model=None)
def fields_list(request: Request, _staff: Steward, number: int) -> HTMLResponse:
    _, dataset = _dataset(journey_of(request), number)
    return _list(request, number, dataset, {})


def _list(request: Request, number: int, dataset: dict[str, Any], errors: dict[str, str],
          status: int = 200) -> HTMLResponse:  # fmt: skip
    quasi = set(dataset.get("quasi_identifiers") or [])
    rows = [(n, f["name"], ", ".join(
        [str(f.get("treatment"))] + [label for key, label in (
            ("special_category", "special category"), ("criminal_offence", "criminal offence"))
            if f.get(key)] + (["could identify in combination"] if f["name"] in quasi else [])))
        for n, f in enumerate(_fields(dataset), 1)]  # fmt: skip
    return render(request, "drafting/fields.html", status_code=status, errors=errors,
                  dataset=dataset, rows=rows, base=_base(number),
                  can_add=len(rows) < MAX_FIELDS)  # fmt: skip


@router.post(f"{HOME}/datasets/{{number:int}}/fields", response_model=None)
def fields_done(request: Request, _staff: Steward, number: int,
                ) -> HTMLResponse | RedirectResponse:  # fmt: skip
    _, dataset = _dataset(journey_of(request), number)
    if not _fields(dataset):
        return _list(request, number, dataset, {"add": f"Add at least one field of "
                                                       f"{dataset.get('name')}"}, 400)  # fmt: skip
    return redirect(_rows_base(number))


def _page(request: Request, number: int, field_number: int, asked: list[Any],
          shown: dict[str, Any], errors: dict[str, str], adding: bool,
          status: int = 200) -> HTMLResponse:  # fmt: skip
    title = "Add a field" if adding else f"Change field {field_number}"
    return render(request, PAGE, status_code=status, errors=errors, title=title,
                  caption="Data shared", fields=asked, shown=shown,
                  action=f"{_base(number)}/{field_number}", back=_base(number),
                  button="Save and continue")  # fmt: skip


@router.get(f"{HOME}/datasets/{{number:int}}/fields/add", response_model=None)
def add_field(request: Request, portal: PortalDep, _staff: Steward,
              number: int) -> HTMLResponse | RedirectResponse:  # fmt: skip
    journey = journey_of(request)
    index, dataset = _dataset(journey, number)
    count = len(_fields(dataset))
    if count >= MAX_FIELDS:
        return redirect(_base(number))
    asked = field_questions(journey["draft"], context_of(portal, journey), index)
    return _page(request, number, count + 1, asked, questions.shown(asked, {}), {}, True)


@router.get(f"{HOME}/datasets/{{number:int}}/fields/{{field_number:int}}", response_model=None)
def change_field(request: Request, portal: PortalDep, _staff: Steward, number: int,
                 field_number: int) -> HTMLResponse:  # fmt: skip
    journey = journey_of(request)
    index, dataset = _dataset(journey, number)
    fields = _fields(dataset)
    if not 1 <= field_number <= len(fields):
        raise HTTPException(404)
    asked = field_questions(journey["draft"], context_of(portal, journey), index)
    values = load_field(dataset, fields[field_number - 1])
    return _page(request, number, field_number, asked, questions.shown(asked, values), {}, False)


@router.post(f"{HOME}/datasets/{{number:int}}/fields/{{field_number:int}}", response_model=None)
def save_field(
    request: Request, portal: PortalDep, _staff: Steward, number: int, field_number: int,
    fields: FormFields,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    journey = journey_of(request)
    index, dataset = _dataset(journey, number)
    held = _fields(dataset)
    if not 1 <= field_number <= min(len(held) + 1, MAX_FIELDS):
        raise HTTPException(404)
    asked = field_questions(journey["draft"], context_of(portal, journey), index)
    values, errors = questions.read(asked, fields)
    item: dict[str, Any] = {}
    if not errors:
        item, errors = make_field(dataset, values, field_number - 1)
    if errors:
        return _page(request, number, field_number, asked, questions.raw(asked, fields), errors,
                     field_number > len(held), 400)  # fmt: skip
    dataset["fields"] = [*held[: field_number - 1], item, *held[field_number:]]
    _store(request, journey, index, dataset)
    return redirect(_base(number))


@router.post(
    f"{HOME}/datasets/{{number:int}}/fields/{{field_number:int}}/remove", response_model=None
)
def remove_field(request: Request, _staff: Steward, number: int, field_number: int,
                 ) -> RedirectResponse:  # fmt: skip
    journey = journey_of(request)
    index, dataset, field = _removed(journey, number, "fields", field_number)
    gone = field["name"]
    dataset["quasi_identifiers"] = [q for q in dataset.get("quasi_identifiers") or [] if q != gone]
    _store(request, journey, index, dataset)
    return redirect(_base(number))


# Row conditions ---------------------------------------------------------------------


def _rows_base(number: int) -> str:
    return f"{HOME}/datasets/{number}/rows"


def _conditions(dataset: dict[str, Any]) -> list[dict[str, Any]]:
    return _items(dataset, "row_conditions")


@router.get(f"{HOME}/datasets/{{number:int}}/rows", response_model=None)
def rows_list(request: Request, _staff: Steward, number: int) -> HTMLResponse:
    _, dataset = _dataset(journey_of(request), number)
    listed = [(n, rows.summary(c)) for n, c in enumerate(_conditions(dataset), 1)]
    return render(request, "drafting/rows.html", dataset=dataset, rows=listed,
                  base=_rows_base(number), fields=_base(number),
                  can_add=bool(_fields(dataset)) and len(listed) < rows.MAX_CONDITIONS)  # fmt: skip


@router.post(f"{HOME}/datasets/{{number:int}}/rows", response_model=None)
def rows_done(request: Request, _staff: Steward, number: int) -> RedirectResponse:
    _dataset(journey_of(request), number)
    return redirect(f"{HOME}/datasets")


def _row_page(request: Request, number: int, row_number: int, asked: list[Any],
              shown: dict[str, Any], errors: dict[str, str], adding: bool,
              status: int = 200) -> HTMLResponse:  # fmt: skip
    title = "Add a row condition" if adding else f"Change row condition {row_number}"
    return render(request, PAGE, status_code=status, errors=errors, title=title,
                  caption="Rows shared", fields=asked, shown=shown,
                  lines=["A row is shared only if it meets every condition. A blank value "
                         "meets none."],
                  action=f"{_rows_base(number)}/{row_number}", back=_rows_base(number),
                  button="Save and continue")  # fmt: skip


@router.get(f"{HOME}/datasets/{{number:int}}/rows/add", response_model=None)
def add_row(request: Request, _staff: Steward, number: int) -> HTMLResponse | RedirectResponse:
    _, dataset = _dataset(journey_of(request), number)
    count = len(_conditions(dataset))
    if count >= rows.MAX_CONDITIONS or not _fields(dataset):
        return redirect(_rows_base(number))
    asked = rows.questions(dataset)
    return _row_page(request, number, count + 1, asked, questions.shown(asked, {}), {}, True)


@router.get(f"{HOME}/datasets/{{number:int}}/rows/{{row_number:int}}", response_model=None)
def change_row(request: Request, _staff: Steward, number: int, row_number: int) -> HTMLResponse:
    _, dataset = _dataset(journey_of(request), number)
    held = _conditions(dataset)
    if not 1 <= row_number <= len(held):
        raise HTTPException(404)
    asked = rows.questions(dataset)
    values = rows.load(held[row_number - 1])
    return _row_page(request, number, row_number, asked, questions.shown(asked, values), {},
                     False)  # fmt: skip


@router.post(f"{HOME}/datasets/{{number:int}}/rows/{{row_number:int}}", response_model=None)
def save_row(request: Request, _staff: Steward, number: int, row_number: int,
             fields: FormFields) -> HTMLResponse | RedirectResponse:  # fmt: skip
    journey = journey_of(request)
    index, dataset = _dataset(journey, number)
    held = _conditions(dataset)
    if not 1 <= row_number <= min(len(held) + 1, rows.MAX_CONDITIONS) or not _fields(dataset):
        raise HTTPException(404)
    asked = rows.questions(dataset)
    values, errors = questions.read(asked, fields)
    item: dict[str, Any] = {}
    if not errors:
        item, errors = rows.make(values)
    if errors:
        return _row_page(request, number, row_number, asked, questions.raw(asked, fields),
                         errors, row_number > len(held), 400)  # fmt: skip
    dataset["row_conditions"] = [*held[: row_number - 1], item, *held[row_number:]]
    _store(request, journey, index, dataset)
    return redirect(_rows_base(number))


@router.post(f"{HOME}/datasets/{{number:int}}/rows/{{row_number:int}}/remove", response_model=None)
def remove_row(request: Request, _staff: Steward, number: int, row_number: int,
               ) -> RedirectResponse:  # fmt: skip
    journey = journey_of(request)
    index, dataset, _ = _removed(journey, number, "row_conditions", row_number)
    _store(request, journey, index, dataset)
    return redirect(_rows_base(number))
