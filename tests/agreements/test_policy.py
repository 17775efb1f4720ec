"""The policy decision: each deny reason, obligations on a permit, and deny by default.

The property test builds random sets of agreements and random requests and checks the
decision against a plain statement of the rules: a request is permitted exactly when
one agreement allows every part of it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from accord import privacy
from accord.agreements import (
    RECEIVING_ROLES,
    Agreement,
    Article6,
    Basis,
    Kitemark,
    ObligationKind,
    PolicyIndex,
    Regime,
    Request,
    Section35,
    Status,
    Usage,
    activate,
    node_key,
    parse,
    policy_index,
    record,
    revoke,
    suspend,
)
from accord.cli import app
from accord.quality import assess
from accord.sources import ingest
from accord.store import Workspace, init_workspace
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


# --- row conditions and the lawful basis ride on the permit --------------------------------

POLICE = parse(yaml.safe_load((Path(__file__).parent / "data" / "families-police.yaml")
                              .read_text("utf-8")))  # fmt: skip
POLICE_INDEX = PolicyIndex.build([(POLICE, Status.ACTIVE)])
TO_POLICE = Request(requester="police", purpose="crime-prevention", dataset="families",
                    fields=("record_id", "health_needs"), kitemark=Kitemark.BRONZE,
                    on=IN_DATE)  # fmt: skip


def test_row_conditions_are_an_obligation_on_the_permit() -> None:
    decision = POLICE_INDEX.decide(TO_POLICE)
    assert decision.permit
    [rows] = [o for o in decision.obligations if o.kind is ObligationKind.RESTRICT_ROWS]
    assert rows.fields == ("in_programme", "postcode_district", "date_of_birth")
    assert rows.conditions == tuple(POLICE.datasets[0].row_conditions)
    # A dataset without conditions carries none.
    assert ObligationKind.RESTRICT_ROWS not in {o.kind for o in INDEX.decide(GOOD).obligations}


@pytest.mark.parametrize(
    ("requester", "purpose", "dataset", "regime", "basis"),
    [
        ("police", "crime-prevention", "families", Regime.LAW_ENFORCEMENT, Section35.TASK),
        ("police", "family-support", "families", Regime.GENERAL, Article6.PUBLIC_TASK),
        ("council", "crime-prevention", "incidents", Regime.GENERAL, Article6.PUBLIC_TASK),
        ("council", "family-support", "incidents", Regime.GENERAL, Article6.PUBLIC_TASK),
    ],
)
def test_the_permit_names_the_basis_of_the_recipients_processing(
    requester: str, purpose: str, dataset: str, regime: Regime, basis: Article6 | Section35
) -> None:
    decision = POLICE_INDEX.decide(replace(TO_POLICE, requester=requester, purpose=purpose,
                                           dataset=dataset, fields=("record_id",)))  # fmt: skip
    assert decision.permit, decision.reasons
    assert decision.basis == Basis(regime, basis)
    assert INDEX.decide(GOOD).basis == Basis(Regime.GENERAL, Article6.PUBLIC_TASK)


def test_a_permit_becomes_privacys_disclosure_and_row_filters(tmp_path: Path) -> None:
    """What the exchange will do: the permit's basis and row conditions, in privacy's terms."""
    decision = POLICE_INDEX.decide(TO_POLICE)
    assert decision.basis is not None
    [rows] = [o for o in decision.obligations if o.kind is ObligationKind.RESTRICT_ROWS]
    filters = tuple(
        privacy.RowFilter(c.field, privacy.RowOperator(c.operator),
                          tuple(c.value) if isinstance(c.value, list) else c.value)
        for c in rows.conditions
    )  # fmt: skip
    basis = {Section35.CONSENT: privacy.LawfulBasis.LAW_ENFORCEMENT_CONSENT,
             Section35.TASK: privacy.LawfulBasis.LAW_ENFORCEMENT_TASK}[decision.basis.basis]  # type: ignore[index]  # fmt: skip
    facts = privacy.Disclosure(POLICE.id, basis, TO_POLICE.purpose, privacy.Output.IDENTIFIABLE)
    conn = duckdb.connect()
    conn.execute("CREATE TABLE families (record_id VARCHAR, nhs_number VARCHAR, "
                 "in_programme BOOLEAN, postcode_district VARCHAR, date_of_birth DATE, "
                 "health_needs VARCHAR)")  # fmt: skip
    conn.execute("INSERT INTO families VALUES ('in', '9434765919', true, 'RV2', '2012-05-01', 'a'),"
                 "('not-in-programme', '9434765919', false, 'RV2', '2012-05-01', 'b'),"
                 "('elsewhere', '9434765919', true, 'XX9', '2012-05-01', 'c'),"
                 "('adult', '9434765919', true, 'RV1', '1990-05-01', 'd')")  # fmt: skip
    registers = privacy.Registers({"national": ["9434765919"], "objection": ["9434765919"]},
                                  bytes(32))  # fmt: skip
    kept = privacy.Minimisation(decision.fields, rows=filters)
    done = privacy.disclose(conn, "families", tmp_path / "out.parquet", facts, kept, registers)
    # Neither register reaches a law enforcement disclosure; the conditions keep one row.
    assert [r.applies for r in done.rulings] == [False, False]
    assert (done.rows_out, done.outside_conditions) == (1, 3)
    assert conn.execute(f"SELECT * FROM '{tmp_path / 'out.parquet'}'").fetchall() == [("in", "a")]


def _council(root: Path, store_url: str) -> Workspace:
    """The council's node, holding the families dataset the police example names, assessed."""
    ws = init_workspace(root / "council", "council", store_url=store_url)
    (root / "families.csv").write_text(
        "id,dob,postcode,in_programme,health_needs\n"
        "1,2010-02-13,RV1 4AP,true,asthma\n2,2012-03-24,RV9 1AA,false,\n",
        encoding="utf-8",
    )  # fmt: skip
    (root / "families.yaml").write_text(
        "fields: {record_id: id, date_of_birth: dob, postcode: postcode}\n"
        "attributes: [in_programme, health_needs]\n", encoding="utf-8")  # fmt: skip
    ingest(ws, str(root / "families.csv"), root / "families.yaml", "families")
    assess(ws, "families")
    return ws


def test_decide_shows_the_row_conditions_and_the_basis(tmp_path: Path, store_url: str) -> None:
    workspace = _council(tmp_path, store_url)
    keys = org_keys("council", "police")
    trust(workspace, {"police": keys["police"]})
    keys["council"] = node_key(workspace)
    record(workspace, signed_by_all(POLICE, keys))
    activate(workspace, POLICE.id, on=IN_DATE)
    result = CliRunner().invoke(app, [
        "agreement", "decide", "-w", str(workspace.root), "--requester", "police",
        "--purpose", "crime-prevention", "--dataset", "families", "--fields", "record_id",
        "--on", IN_DATE.isoformat(), "--json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["basis"] == {"regime": "law_enforcement",
                                 "basis": "b_competent_authority_task"}  # fmt: skip
    [rows] = [o for o in decision["obligations"] if o["kind"] == "restrict_rows"]
    assert rows["conditions"][1] == {"field": "postcode_district", "operator": "in",
                                     "value": ["RV1", "RV2", "RV3"]}  # fmt: skip
    text = CliRunner().invoke(app, [
        "agreement", "decide", "-w", str(workspace.root), "--requester", "police",
        "--purpose", "crime-prevention", "--dataset", "families", "--fields", "record_id",
        "--on", IN_DATE.isoformat()]).stdout  # fmt: skip
    assert "obligation restrict_rows: in_programme is true; postcode_district is one of" in text
    workspace.close()
    assert "basis: law_enforcement b_competent_authority_task" in text
