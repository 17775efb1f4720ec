"""The drafting journey's tasks about how the data is looked after and for how long:
retention and deletion, security, volume limits, the dates, people's rights and
international transfers. Each checks its answers with the agreement's own model for
that part (and the dates their order, as the agreement does), naming the field.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from accord.agreements import Dates, IndividualRights, Limits, Period, Retention, Security
from accord.portal.drafting import Context, Errors, State, Task, Values
from accord.portal.questions import Choice, Field, model_errors


def _part(draft: State, key: str) -> dict[str, Any]:
    found = draft.get(key)
    return dict(found) if isinstance(found, dict) else {}


def _storing(key: str, model: type[BaseModel], names: dict[str, str]) -> Any:
    """A task's store: the answers checked by ``model`` and kept as the draft's ``key``."""

    def store(draft: State, values: Values, _ctx: Context) -> Errors:
        try:
            made = model.model_validate({k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            return model_errors(exc, names)
        draft[key] = made.model_dump(mode="json", exclude_none=True)
        return {}

    return store


RETENTION = Task(
    "retention", "Retention and deletion",
    lambda _d, _c: [
        Field("period_days", "How many days may the recipients keep the data?", "number",
              missing="Enter how many days the recipients may keep the data", maximum=36_500,
              classes="govuk-input--width-5", hint="For example, 365 for a year."),
        Field("deletion", "How is the data deleted, and how is that shown?", "textarea",
              max_length=2000, missing="Say how the data is deleted"),
    ],
    lambda d: _part(d, "retention"),
    _storing("retention", Retention, {"period_days": "period_days", "deletion": "deletion"}),
    lambda d: [f"{_part(d, 'retention').get('period_days')} days",
               str(_part(d, "retention").get("deletion", ""))],
)  # fmt: skip

SECURITY = Task(
    "security", "Security",
    lambda _d, _c: [
        Field("standard", "Which security standard do the parties meet? (optional)",
              required=False, max_length=300,
              hint="Like Data Security and Protection Toolkit, Standards Met."),
        Field("measures", "What security measures are in place?", "lines",
              missing="Enter at least one security measure",
              hint="One measure per line, like: Access by named staff only, every access "
              "audited."),
    ],
    lambda d: _part(d, "security"),
    _storing("security", Security, {"standard": "standard", "measures": "measures"}),
    lambda d: [str(_part(d, "security").get("standard") or "No standard named"),
               *_part(d, "security").get("measures", [])],
)  # fmt: skip


def _limit(name: str, label: str) -> Field:
    return Field(name, label, "number", required=False, classes="govuk-input--width-10",
                 hint="Leave empty for no limit.")  # fmt: skip


LIMITS = Task(
    "limits", "Limits",
    lambda _d, _c: [
        Field("period", "Count the limits per", "radios", missing="Select the period",
              choices=tuple(Choice(p.value, p.value.capitalize()) for p in Period)),
        _limit("max_rows_per_request", "Most records in one request (optional)"),
        _limit("max_requests_per_period", "Most requests in a period (optional)"),
        _limit("max_rows_per_period", "Most records in a period (optional)"),
        Field("frequency", "How often is data expected to be shared? (optional)",
              required=False, max_length=200, hint="Like: a daily extract."),
    ],
    lambda d: {"period": "month", **_part(d, "limits")},
    _storing("limits", Limits, {k: k for k in ("period", "max_rows_per_request",
                                               "max_requests_per_period",
                                               "max_rows_per_period", "frequency")}),
    lambda d: [f"Counted per {_part(d, 'limits').get('period', 'month')}"] + [
        f"{label}: {_part(d, 'limits').get(k) or 'no limit'}" for label, k in (
            ("Records a request", "max_rows_per_request"),
            ("Requests a period", "max_requests_per_period"),
            ("Records a period", "max_rows_per_period"))],
)  # fmt: skip


def _dates_store(draft: State, values: Values, _ctx: Context) -> Errors:
    start, review, expiry = values["start"], values["review"], values["expiry"]
    if review < start:
        return {"review-day": "The review date must be the same as or after the start date"}
    if expiry <= start:
        return {"expiry-day": "The expiry date must be after the start date"}
    if review > expiry:
        return {"review-day": "The review date must be before the expiry date"}
    made = Dates(start=start, review=review, expiry=expiry)
    draft["dates"] = made.model_dump(mode="json")
    return {}


def _long(value: object) -> str:
    day = date.fromisoformat(str(value))
    return f"{day.day} {day:%B %Y}"


def _dates_load(draft: State) -> Values:
    return {k: date.fromisoformat(v) for k, v in _part(draft, "dates").items()
            if isinstance(v, str)}  # fmt: skip


DATES = Task(
    "dates", "Dates",
    lambda _d, _c: [
        Field("start", "When may sharing start?", "date", hint="For example, 1 4 2027",
              missing="Enter the date sharing may start"),
        Field("review", "When will the agreement be reviewed?", "date",
              missing="Enter the date the agreement will be reviewed",
              hint="Usually a year after it starts."),
        Field("expiry", "When does the agreement end?", "date",
              missing="Enter the date the agreement ends",
              hint="No data is shared on or after this date."),
    ],
    _dates_load, _dates_store,
    lambda d: [f"{label} {_long(_part(d, 'dates').get(k))}" for label, k in (
        ("Starts", "start"), ("Review", "review"), ("Ends", "expiry"))],
)  # fmt: skip

RIGHTS = Task(
    "rights", "People's rights",
    lambda _d, _c: [
        Field("privacy_notice", "Where is the privacy notice published?", max_length=500,
              missing="Say where the privacy notice is published",
              hint="A web address, or where people can find it."),
        Field("subject_access", "How are subject access requests handled?", "textarea",
              max_length=2000, missing="Say how subject access requests are handled"),
        Field("objection", "How are objections and opt-outs handled?", "textarea",
              max_length=2000, missing="Say how objections and opt-outs are handled"),
        Field("complaints", "How can people complain?", "textarea", max_length=2000,
              missing="Say how people can complain"),
    ],
    lambda d: _part(d, "individual_rights"),
    _storing("individual_rights", IndividualRights,
             {k: k for k in ("privacy_notice", "subject_access", "objection", "complaints")}),
    lambda d: [f"Privacy notice: {_part(d, 'individual_rights').get('privacy_notice', '')}"],
)  # fmt: skip


def _transfers_store(draft: State, values: Values, _ctx: Context) -> Errors:
    draft["international_transfers"] = values["transfers"] if values["outside"] == "yes" else []
    return {}


def _transfers_load(draft: State) -> Values:
    given = draft.get("international_transfers")
    if given is None:
        return {"outside": None}
    return {"outside": "yes" if given else "no", "transfers": given}


TRANSFERS = Task(
    "transfers", "International transfers",
    lambda _d, _c: [Field(
        "outside", "Will any of the data go outside the UK?", "radios",
        missing="Select yes if any of the data will go outside the UK",
        choices=(Choice("yes", "Yes", reveal=(Field(
                     "transfers", "If yes: where does it go, and under what safeguards?",
                     "lines",
                     missing="Say where the data goes and under what safeguards",
                     hint="One transfer per line."),)),
                 Choice("no", "No")))],
    _transfers_load, _transfers_store,
    lambda d: list(d.get("international_transfers") or []) or ["None: the data stays in the UK"],
)  # fmt: skip
