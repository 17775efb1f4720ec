"""The policy decision: each deny reason, obligations on a permit, and deny by default.

The property test builds random sets of agreements and random requests and checks the
decision against a plain statement of the rules: a request is permitted exactly when
one agreement allows every part of it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.agreements import (
    RECEIVING_ROLES,
    Agreement,
    Kitemark,
    ObligationKind,
    PolicyIndex,
    Request,
    Status,
    Usage,
    activate,
    parse,
    policy_index,
    record,
    revoke,
    suspend,
)
from accord.store import Workspace
from tests.agreements.support import IN_DATE, example, example_data, org_keys, signed_by_all, trust

EXAMPLE = example()
ID = EXAMPLE.id
INDEX = PolicyIndex.build([(EXAMPLE, Status.ACTIVE)])
GOOD = Request(requester="hospital", purpose="admission-risk-stratification",
               dataset="registered-patients", fields=("nhs_number", "sex", "postcode_district"),
               kitemark=Kitemark.GOLD, on=IN_DATE, rows=5_000)  # fmt: skip


def test_a_request_inside_the_agreement_is_permitted_with_obligations() -> None:
    decision = INDEX.decide(GOOD)
    assert decision.permit
    assert decision.codes == ("permitted",)
    assert decision.fields == GOOD.fields
    assert (decision.agreement_id, decision.version) == (ID, 1)
    kinds = {o.kind: o for o in decision.obligations}
    assert kinds[ObligationKind.PSEUDONYMISE].fields == ("nhs_number",)
    assert ObligationKind.APPLY_NATIONAL_DATA_OPT_OUT in kinds
    assert kinds[ObligationKind.RETAIN].value == 365


def test_aggregate_fields_carry_the_suppression_preset() -> None:
    decision = INDEX.decide(replace(GOOD, requester="gp", dataset="admissions",
                                    fields=("admissions",)))  # fmt: skip
    kinds = {o.kind: o for o in decision.obligations}
    assert kinds[ObligationKind.AGGREGATE_ONLY].fields == ("admissions",)
    assert kinds[ObligationKind.SUPPRESS_SMALL_NUMBERS].value == "hes"


def _with_processor() -> Agreement:
    data = example_data()
    data["parties"].append({"org": "analytics", "name": "Analytics Ltd", "role": "processor"})
    return parse(data)


@pytest.mark.parametrize(
    ("change", "index", "code", "words"),
    [
        ({"requester": "police"}, INDEX, "not_a_party", "not a party to any agreement"),
        ({"agreement_id": "nope"}, INDEX, "unknown_agreement", "'nope'"),
        ({"requester": "gp"}, INDEX, "wrong_role", "not a recipient of 'registered-patients'"),
        ({"requester": "analytics", "agreement_id": ID},
         PolicyIndex.build([(_with_processor(), Status.ACTIVE)]), "wrong_role", "processor"),
        ({}, PolicyIndex.build([(EXAMPLE, Status.SUSPENDED)]), "not_active", "is suspended"),
        ({}, PolicyIndex.build([(EXAMPLE, Status.REVOKED)]), "not_active", "is revoked"),
        ({}, PolicyIndex.build([(EXAMPLE, Status.SIGNED)]), "not_active", "is signed"),
        ({"on": date(2026, 3, 31)}, INDEX, "not_in_date", "starts on 2026-04-01"),
        ({"on": date(2029, 3, 31)}, INDEX, "not_in_date", "expired on 2029-03-31"),
        ({"purpose": "marketing"}, INDEX, "purpose_not_named", "'marketing'"),
        ({"dataset": "prescriptions"}, INDEX, "dataset_not_covered", "'prescriptions'"),
        ({"dataset": "prescriptions", "agreement_id": ID}, INDEX, "dataset_not_covered",
         "does not cover dataset"),
        ({"provider": "council"}, INDEX, "dataset_not_covered", "not from 'council'"),
        ({"fields": ("nhs_number", "ethnicity")}, INDEX, "field_not_covered", "ethnicity"),
        ({"fields": ()}, INDEX, "field_not_covered", "names no fields"),
        ({"kitemark": Kitemark.BRONZE}, INDEX, "kitemark_below_minimum", "needs silver"),
        ({"kitemark": Kitemark.NOT_YET_RATED}, INDEX, "kitemark_below_minimum", "not_yet_rated"),
        ({"rows": 100_001}, INDEX, "limit_exceeded", "100000 per request"),
        ({"usage": Usage(requests=31)}, INDEX, "limit_exceeded", "31 requests made this month"),
    ],
)  # fmt: skip
def test_each_deny_reason(change: dict[str, Any], index: PolicyIndex, code: str,
                          words: str) -> None:  # fmt: skip
    decision = index.decide(replace(GOOD, **change))
    assert not decision.permit
    assert decision.fields == ()
    assert decision.obligations == ()
    assert code in decision.codes
    assert any(words in str(r) for r in decision.reasons if r.code == code), decision.reasons


def test_a_denial_lists_every_failed_check() -> None:
    decision = INDEX.decide(replace(GOOD, purpose="marketing", kitemark=Kitemark.BRONZE))
    assert decision.codes == ("purpose_not_named", "kitemark_below_minimum")


def test_rows_per_period_limit() -> None:
    data = example_data()
    data["limits"]["max_rows_per_period"] = 1_000
    index = PolicyIndex.build([(parse(data), Status.ACTIVE)])
    assert index.decide(replace(GOOD, rows=600, usage=Usage(rows=400))).permit
    denied = index.decide(replace(GOOD, rows=600, usage=Usage(rows=401)))
    assert denied.codes == ("limit_exceeded",)


def test_the_active_version_decides_over_a_newer_draft() -> None:
    draft = EXAMPLE.model_copy(update={"version": 2, "purposes": EXAMPLE.purposes[:0]})
    index = PolicyIndex.build([(draft, Status.DRAFT), (EXAMPLE, Status.ACTIVE)])
    assert index.decide(GOOD).permit


def test_decisions_from_the_store_follow_the_lifecycle(workspace: Workspace) -> None:
    keys = org_keys("gp", "hospital")
    trust(workspace, keys)
    record(workspace, signed_by_all(EXAMPLE, keys))
    assert policy_index(workspace).decide(GOOD).codes == ("not_active",)
    activate(workspace, ID, on=IN_DATE)
    assert policy_index(workspace).decide(GOOD).permit
    suspend(workspace, ID, "incident")
    assert policy_index(workspace).decide(GOOD).codes == ("not_active",)
    activate(workspace, ID, on=IN_DATE)
    revoke(workspace, ID, "ended")
    assert policy_index(workspace).decide(GOOD).codes == ("not_active",)


# --- deny by default, whatever the combination ------------------------------------------

ORGS = ["gp", "hospital", "council", "police"]
OUTSIDERS = ["stranger"]
PURPOSES = ["p1", "p2", "p3"]
DATASETS = ["patients", "admissions", "residents"]
FIELDS = ["nhs_number", "sex", "dob", "postcode", "diagnosis"]
BASE = date(2026, 1, 1)
ROLES = ["controller", "joint_controller", "processor", "recipient"]
KITEMARKS = list(Kitemark)


@st.composite
def agreements(draw: st.DrawFn, number: int) -> tuple[Agreement, Status]:
    orgs = draw(st.lists(st.sampled_from(ORGS), min_size=2, max_size=4, unique=True))
    roles = ["controller", *draw(st.lists(st.sampled_from(ROLES), min_size=len(orgs) - 1,
                                          max_size=len(orgs) - 1))]  # fmt: skip
    parties = [{"org": o, "name": o.title(), "role": r} for o, r in zip(orgs, roles, strict=True)]
    datasets = []
    for name in draw(st.lists(st.sampled_from(DATASETS), min_size=1, max_size=3, unique=True)):
        provider = draw(st.sampled_from(orgs))
        eligible = [o for o, r in zip(orgs, roles, strict=True)
                    if o != provider and r in RECEIVING_ROLES]  # fmt: skip
        if not eligible:
            continue
        fields = draw(st.lists(st.sampled_from(FIELDS), min_size=1, unique=True))
        treatments = draw(st.lists(st.sampled_from(["identifying", "pseudonymised", "aggregate"]),
                                   min_size=len(fields), max_size=len(fields)))  # fmt: skip
        datasets.append({
            "name": name, "provider": provider, "data_subjects": ["People"],
            "recipients": draw(st.lists(st.sampled_from(eligible), min_size=1, unique=True)),
            "fields": [{"name": f, "treatment": t}
                       for f, t in zip(fields, treatments, strict=True)],
            "suppression": "preset", "minimum_kitemark": draw(st.sampled_from(KITEMARKS)),
        })  # fmt: skip
    if not datasets:
        datasets = [{"name": "patients", "provider": orgs[0], "recipients": [orgs[0]]}]
    start = BASE + timedelta(days=draw(st.integers(0, 60)))
    data = example_data()
    data["contacts"] = [{**c, "org": orgs[0]} for c in data["contacts"]]
    limit = st.none() | st.integers(1, 60)
    data.update(
        id=f"a{number}", parties=parties, datasets=datasets,
        purposes=[{"code": p, "description": p}
                  for p in draw(st.lists(st.sampled_from(PURPOSES), min_size=1, unique=True))],
        dates={"start": start, "review": start,
               "expiry": start + timedelta(days=draw(st.integers(1, 90)))},
        limits={"max_rows_per_request": draw(limit), "max_requests_per_period": draw(limit),
                "max_rows_per_period": draw(limit)},
    )  # fmt: skip
    try:
        agreement = parse(data)
    except Exception:
        return draw(agreements(number))  # an invalid combination (a provider as recipient)
    return agreement, draw(st.sampled_from([Status.ACTIVE, Status.ACTIVE, *Status]))


requests = st.builds(
    Request,
    requester=st.sampled_from(ORGS + OUTSIDERS),
    purpose=st.sampled_from([*PURPOSES, "other"]),
    dataset=st.sampled_from([*DATASETS, "other"]),
    fields=st.lists(st.sampled_from([*FIELDS, "extra"]), max_size=4).map(tuple),
    kitemark=st.sampled_from(KITEMARKS),
    on=st.integers(-5, 160).map(lambda d: BASE + timedelta(days=d)),
    rows=st.integers(0, 80),
    usage=st.builds(Usage, requests=st.integers(0, 70), rows=st.integers(0, 80)),
    agreement_id=st.none() | st.sampled_from(["a0", "a1", "a2", "nope"]),
    provider=st.none() | st.sampled_from(ORGS),
)


def allowed_by(a: Agreement, status: Status, r: Request) -> bool:
    """The rules, stated plainly and independently of the index."""
    party = a.party(r.requester)
    dataset = next((d for d in a.datasets if d.name == r.dataset), None)
    lim = a.limits
    return (
        status is Status.ACTIVE
        and r.agreement_id in (None, a.id)
        and a.dates.start <= r.on < a.dates.expiry
        and party is not None and party.role in RECEIVING_ROLES
        and r.purpose in {p.code for p in a.purposes}
        and dataset is not None
        and r.provider in (None, dataset.provider)
        and r.requester in dataset.recipients
        and len(r.fields) > 0 and set(r.fields) <= {f.name for f in dataset.fields}
        and r.kitemark.rank >= dataset.minimum_kitemark.rank
        and (lim.max_rows_per_request is None or r.rows <= lim.max_rows_per_request)
        and (lim.max_requests_per_period is None
             or r.usage.requests < lim.max_requests_per_period)
        and (lim.max_rows_per_period is None
             or r.usage.rows + r.rows <= lim.max_rows_per_period)
    )  # fmt: skip


@st.composite
def universes(draw: st.DrawFn) -> list[tuple[Agreement, Status]]:
    return [draw(agreements(i)) for i in range(draw(st.integers(0, 3)))]


@st.composite
def near(draw: st.DrawFn, universe: list[tuple[Agreement, Status]]) -> Request:
    """A request made to fit one agreement, then with some of its parts drawn at random."""
    agreement, _ = draw(st.sampled_from(universe))
    dataset = draw(st.sampled_from(agreement.datasets))
    fitting = Request(
        requester=draw(st.sampled_from(dataset.recipients)),
        purpose=draw(st.sampled_from([p.code for p in agreement.purposes])),
        dataset=dataset.name,
        fields=tuple(draw(st.lists(st.sampled_from([f.name for f in dataset.fields]),
                                   min_size=1, max_size=3))),
        kitemark=Kitemark.GOLD,
        on=agreement.dates.start + timedelta(days=draw(st.integers(0, 30))),
        rows=draw(st.integers(0, 3)),
        agreement_id=draw(st.sampled_from([None, agreement.id])),
    )  # fmt: skip
    noise = draw(requests)
    swapped = draw(st.sets(st.sampled_from(list(Request.__dataclass_fields__)), max_size=2))
    return replace(fitting, **{name: getattr(noise, name) for name in swapped})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(universes(), st.lists(requests, min_size=1, max_size=10), st.data())
def test_no_request_outside_an_agreement_is_ever_permitted(
    universe: list[tuple[Agreement, Status]], batch: list[Request], data: st.DataObject
) -> None:
    if universe:
        batch += data.draw(st.lists(near(universe), min_size=1, max_size=15))
    index = PolicyIndex.build(universe)
    for request in batch:
        decision = index.decide(request)
        expected = any(allowed_by(a, s, request) for a, s in universe)
        assert decision.permit == expected, (request, decision)
        if decision.permit:
            agreement = next(a for a, _ in universe if a.id == decision.agreement_id)
            assert allowed_by(agreement, Status.ACTIVE, request)
            assert decision.fields == tuple(dict.fromkeys(request.fields))
        else:
            assert decision.reasons
            assert decision.fields == ()
            assert decision.obligations == ()
