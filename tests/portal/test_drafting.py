"""The drafting journey's tasks without a browser: every page shows an agreement's own
answers and saves them back unchanged (so "Change this draft" keeps what it does not
touch, to the byte that is signed), for the worked example and the police one with its
DPA 2018 Part 3 basis; and the law's choices are the agreement's own."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from starlette.datastructures import FormData

from accord.agreements import Agreement, digest, load, parse, suppression_presets
from accord.portal import drafting_rows as rows
from accord.portal.deps import Form
from accord.portal.drafting import Collection, Context, field_questions, load_field, make_field
from accord.portal.questions import Field, every_field, read, shown
from accord.portal.routes.drafting import TASKS, draft_of
from tests.agreements.support import example

DATA = Path(__file__).resolve().parents[1] / "agreements" / "data"
CTX = Context("gp", True, lambda _: False, lambda _: None, suppression_presets())


def as_form(fields: list[Field], values: dict[str, Any]) -> Form:
    """What the browser sends back for a page showing ``values``, untouched."""
    pairs: list[tuple[str, str]] = []
    for name, value in shown(fields, values).items():
        if isinstance(value, dict):
            pairs += [(f"{name}-{part}", v) for part, v in value.items()]
        elif isinstance(value, list):
            pairs += [(name, v) for v in value]
        elif value != "":
            pairs.append((name, value))
    return Form(FormData(pairs))


def resaved(draft: dict[str, Any]) -> dict[str, Any]:
    """Every page of the draft shown and saved again, as a steward clicking through."""
    out = copy.deepcopy(draft)
    for task in TASKS.values():
        if isinstance(task, Collection):
            items = task.items(out)
            for index, item in enumerate(items):
                fields = task.fields(out, CTX, index)
                values, errors = read(fields, as_form(fields, task.load(out, index, item)))
                assert errors == {}, (task.slug, errors)
                made, errors = task.make(out, values, CTX, index)
                assert errors == {}, (task.slug, errors)
                items[index] = made
            task.put(out, items)
            continue
        fields = task.fields(out, CTX)
        values, errors = read(fields, as_form(fields, task.load(out)))
        assert errors == {}, (task.slug, errors)
        assert task.store(out, values, CTX) == {}, task.slug
    for index, dataset in enumerate(out["datasets"]):
        for number, item in enumerate(list(dataset["fields"])):
            fields = field_questions(out, CTX, index)
            values, errors = read(fields, as_form(fields, load_field(dataset, item)))
            made, errors = make_field(dataset, values, number)
            assert errors == {}, errors
            dataset["fields"][number] = made
        for number, condition in enumerate(list(dataset.get("row_conditions") or [])):
            fields = rows.questions(dataset)
            values, errors = read(fields, as_form(fields, rows.load(condition)))
            assert errors == {}, errors
            made, errors = rows.make(values)
            assert errors == {}, errors
            dataset["row_conditions"][number] = made
    return out


@pytest.mark.parametrize("agreement", [example(), load(DATA / "families-police.yaml")],
                         ids=["admission-risk", "families-police"])  # fmt: skip
def test_every_page_saves_an_agreement_s_answers_back_unchanged(agreement: Agreement) -> None:
    again = parse(resaved(draft_of(agreement)))
    assert digest(again) == digest(agreement)


def test_a_new_draft_of_every_part_has_a_page_that_can_start_empty() -> None:
    draft: dict[str, Any] = {"parties": [{"org": "gp", "name": "GP", "role": "controller"}]}
    for task in TASKS.values():
        fields = task.fields(draft, CTX, 0) if isinstance(task, Collection) else task.fields(
            draft, CTX)  # fmt: skip
        assert fields
        assert all(f.missing or not f.required for f in every_field(fields)), task.slug
