"""Shares and lookups between real ``accord serve`` processes on 127.0.0.1.

The GP (A81001) asks the hospital (RX1) for ``admissions`` under the worked example
agreement (lookups allowed for that dataset), as the recipient's :class:`Client` and
as any RFC 9421 client would. The hospital holds one person who opted out. Every
refusal is a problem document with its stable type and a denied ``disclosure.decided``
in the hospital's log; a retried request is answered once; a provider killed mid-share
delivers once after it restarts.
"""

from __future__ import annotations

import io
import json
import signal
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import pyarrow.ipc as ipc
import pytest

from accord import audit
from accord.agreements import (
    activate,
    expire_due,
    node_key,
    revoke,
    sign_in_workspace,
    suspend,
)
from accord.catalog import DatasetRef, lineage, snapshot_ref
from accord.exchange import (
    PROBLEM_BASE,
    Client,
    LookupRequest,
    PeerUnreachable,
    RequestRefused,
    ShareRequest,
    fetch,
)
from accord.privacy import register_opt_out, withdraw_opt_out
from accord.sources import get_snapshot
from accord.store import Workspace, open_workspace
from tests.agreements.support import example_data
from tests.exchange.support import (
    Federation,
    Server,
    Spec,
    agreed,
    federation,
    free_port,
    named,
    node,
    reasons,
    running,
    signed,
)
from tests.postgres import scratch_database

GP, HOSPITAL = "A81001", "RX1"
AGREEMENT = "gp-hospital-admission-risk"
PURPOSE = "admission-risk-stratification"
PEOPLE = 40
STAFF = {"by_role": "dpo", "reason": "the patient's objection"}


def nhs_number(n: int) -> str:
    """A valid NHS number (its check digit right), outside the test range."""
    while True:
        base = f"{943400000 + n:09d}"
        total = sum(int(d) * w for d, w in zip(base, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            return base + "0"
        if check != 10:
            return base + str(check)
        n += 10_000


NUMBERS = [nhs_number(i) for i in range(PEOPLE)]
OPTED_OUT = NUMBERS[3]


@dataclass
class World:
    fed: Federation
    gp: Workspace
    hospital: Workspace
    servers: dict[str, Server]
    ports: dict[str, int]
    workers: int
    stack: ExitStack

    def hospital_serving(self) -> Server:
        """The hospital's server: the module's, or, after a test killed it, a new one on its
        port (the trust list names the port), kept for the tests after it."""
        server = self.servers["hospital"]
        if server.process.poll() is None:
            return server
        server = self.stack.enter_context(
            running(self.hospital.root, self.ports["hospital"], workers=self.workers)
        )
        self.servers["hospital"] = server
        return server


def _agree(gp: Workspace, hospital: Workspace) -> None:
    agreed(gp, hospital, NUMBERS, lookups=True)
    assert register_opt_out(hospital, "national", OPTED_OUT, **STAFF)


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The provider (the hospital) on SQLite with one worker, and on PostgreSQL with four
    uvicorn workers, as production runs."""
    root = tmp_path_factory.mktemp("sharing")
    fed = federation(root)
    ports = {org: free_port() for org in ("gp", "hospital")}
    gp = node(fed, Spec("gp", GP, "Riverside Medical Practice"), port=ports["gp"])
    with ExitStack() as databases:
        store_url, workers = None, 1
        if request.param == "postgresql":
            server = request.getfixturevalue("postgres_server")
            store_url, workers = databases.enter_context(scratch_database(server)), 4
        hospital = node(
            fed,
            Spec("hospital", HOSPITAL, "Riverside Hospitals"),
            port=ports["hospital"],
            store_url=store_url,
        )
        yield from _serve(fed, gp, hospital, ports, workers)


def _serve(
    fed: Federation, gp: Workspace, hospital: Workspace, ports: dict[str, int], workers: int
) -> Iterator[World]:
    fed.publish()
    for ws in (gp, hospital):
        fetch(ws, str(fed.list_path))
    _agree(gp, hospital)
    with ExitStack() as stack:
        servers = {
            "gp": stack.enter_context(running(gp.root, ports["gp"])),
            "hospital": stack.enter_context(
                running(hospital.root, ports["hospital"], workers=workers)
            ),
        }
        yield World(fed, gp, hospital, servers, ports, workers, stack)
    for ws in (gp, hospital):
        ws.close()


def _kill_hard(pid: int) -> None:
    """SIGKILL the server and its uvicorn workers at once, as a machine that loses power
    would stop them (a killed supervisor alone leaves its workers serving)."""
    process = psutil.Process(pid)
    for each in [*process.children(recursive=True), process]:
        with suppress(psutil.NoSuchProcess):
            each.send_signal(signal.SIGKILL)


def context(**changes: str) -> dict[str, str]:
    return {"agreement": AGREEMENT, "purpose": PURPOSE, "role": "care-coordinator",
            "case": "RISK/2026/7", **changes}  # fmt: skip


def share_request(**changes: Any) -> ShareRequest:
    document: dict[str, Any] = {"context": context(), "dataset": "admissions", **changes}
    return ShareRequest.model_validate(document)


def post(world: World, path: str, body: bytes, **headers: str) -> httpx.Response:
    """A signed POST from the GP, as any RFC 9421 client would send it."""
    request = signed("POST", f"http://127.0.0.1:{world.ports['hospital']}{path}",
                     node_id=GP, key=node_key(world.gp), body=body)  # fmt: skip
    request.headers.update(headers)
    with httpx.Client(timeout=60) as http:
        return http.send(request)


def test_a_share_is_kept_as_a_snapshot_with_its_lineage_on_both_sides(world: World) -> None:
    with Client(world.gp) as client:
        got = client.share(HOSPITAL, share_request(), fmt="arrow")
    assert (got.provider, got.records) == (HOSPITAL, PEOPLE - 1)  # one opted out
    kept = get_snapshot(world.gp.engine, "hospital.admissions", got.snapshot.version)
    assert kept.rows == PEOPLE - 1
    assert kept.source_kind == "exchange"
    assert HOSPITAL in kept.source
    assert AGREEMENT in kept.source
    assert got.request in kept.source
    with open_workspace(world.gp.root) as ws:
        upstream = lineage(ws, [snapshot_ref(ws, "hospital.admissions")])
    assert "accord://hospital" in json.dumps(upstream, default=str)
    received = named(world.gp, "exchange.received")[-1]
    assert (received["provider"], received["records"], received["format"]) == (
        HOSPITAL,
        PEOPLE - 1,
        "arrow",
    )
    served = [s for s in named(world.hospital, "exchange.served") if s["request"] == got.request]
    assert len(served) == 1
    assert (served[0]["recipient"], served[0]["bytes"]) == (GP, got.bytes)
    with open_workspace(world.hospital.root) as ws:
        made = DatasetRef("accord://gp", "hospital.admissions")
        provided = json.dumps(lineage(ws, [made]), default=str)
    assert "exchange.share" in provided
    assert got.request in provided


def test_the_extract_is_minimised_pseudonymised_and_withholds_the_opted_out(
    world: World,
) -> None:
    response = post(world, "/api/v1/shares", share_request().model_dump_json().encode(),
                    Accept="application/vnd.apache.arrow.stream")  # fmt: skip
    assert response.status_code == 200, response.text
    table = ipc.open_stream(io.BytesIO(response.content)).read_all()
    assert table.column_names == ["record_id", "nhs_number", "admission_date", "ward"]
    numbers = table.column("nhs_number").to_pylist()
    assert all(n.startswith("P1-") for n in numbers)
    assert not set(numbers) & set(NUMBERS)
    assert table.num_rows == PEOPLE - 1
    assert OPTED_OUT.encode() not in response.content


def test_csv_by_accept_and_406_for_other_formats(world: World) -> None:
    body = share_request(fields=["admission_date", "ward"]).model_dump_json().encode()
    response = post(world, "/api/v1/shares", body, Accept="text/csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == '"admission_date","ward"'
    assert len(lines) == PEOPLE
    refused = post(world, "/api/v1/shares", body, Accept="application/xml")
    assert refused.status_code == 406
    assert refused.json()["type"] == PROBLEM_BASE + "not-acceptable"
    with Client(world.gp) as client:
        got = client.share(HOSPITAL, share_request(fields=["ward"]), fmt="csv")
    assert got.records == PEOPLE - 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"context": context(purpose="research")}, "purpose-not-named"),
        ({"fields": ["postcode"]}, "field-not-covered"),
        ({"fields": ["admissions"]}, "aggregate-only"),
        ({"dataset": "prescriptions"}, "dataset-not-covered"),
        ({"context": context(agreement="no-such-agreement")}, "unknown-agreement"),
        ({"filters": [{"field": "nhs_number", "operator": "equals", "value": "1"}]},
         "filter-not-allowed"),
    ],
)  # fmt: skip
def test_each_refusal_has_its_type_and_is_recorded_denied(
    world: World, changes: dict[str, Any], code: str
) -> None:
    before = len(named(world.hospital, "disclosure.decided"))
    received = len(named(world.gp, "exchange.received"))
    with Client(world.gp) as client, pytest.raises(RequestRefused) as refused:
        client.share(HOSPITAL, share_request(**changes))
    assert refused.value.code == code
    assert HOSPITAL in str(refused.value)
    decided = named(world.hospital, "disclosure.decided")[before:]
    assert len(decided) == 1
    assert decided[0]["permitted"] is False
    assert len(named(world.gp, "exchange.received")) == received  # nothing was received


def test_below_the_minimum_kitemark_is_refused(world: World) -> None:
    """The GP's registered-patients is rated bronze; the agreement needs silver."""
    request = ShareRequest.model_validate(
        {"context": context(), "dataset": "registered-patients", "fields": ["sex"]}
    )
    with Client(world.hospital) as client, pytest.raises(RequestRefused) as refused:
        client.share(GP, request)
    assert refused.value.code == "kitemark-below-minimum"
    denied = [d for d in named(world.gp, "disclosure.decided") if not d["permitted"]]
    assert any("kitemark_below_minimum" in r for d in denied for r in d["reasons"])


def test_a_retry_with_the_same_key_gets_the_same_bytes_and_is_disclosed_once(
    world: World,
) -> None:
    key = uuid.uuid4().hex
    body = share_request(fields=["nhs_number", "ward"]).model_dump_json().encode()
    first = post(world, "/api/v1/shares", body, **{"Idempotency-Key": key})
    disclosed = len(named(world.hospital, "records.disclosed"))
    decided = len(named(world.hospital, "disclosure.decided"))
    again = post(world, "/api/v1/shares", body, **{"Idempotency-Key": key})
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert first.headers["content-digest"] == again.headers["content-digest"]
    assert len(named(world.hospital, "records.disclosed")) == disclosed
    assert len(named(world.hospital, "disclosure.decided")) == decided
    other = share_request(fields=["ward"]).model_dump_json().encode()
    reused = post(world, "/api/v1/shares", other, **{"Idempotency-Key": key})
    assert reused.status_code == 422
    assert reused.json()["type"] == PROBLEM_BASE + "idempotency-key-reused"
    bad = post(world, "/api/v1/shares", body, **{"Idempotency-Key": "../../keys"})
    assert bad.status_code == 400


def lookup_request(**person: str) -> LookupRequest:
    return LookupRequest.model_validate(
        {"context": context(), "dataset": "admissions", "person": person}
    )


def test_a_lookup_answers_one_person_recorded(world: World) -> None:
    before = len(named(world.hospital, "records.disclosed"))
    with Client(world.gp) as client:
        found = client.lookup(HOSPITAL, lookup_request(nhs_number=NUMBERS[5]))
        spaced = client.lookup(HOSPITAL, lookup_request(
            nhs_number=f"{NUMBERS[5][:3]} {NUMBERS[5][3:6]} {NUMBERS[5][6:]}"))  # fmt: skip
        withheld = client.lookup(HOSPITAL, lookup_request(nhs_number=OPTED_OUT))
        nobody = client.lookup(HOSPITAL, lookup_request(nhs_number=nhs_number(9999)))
    assert len(found.records) == 1
    assert found.records[0]["nhs_number"].startswith("P1-")
    assert spaced.records == found.records
    assert withheld.records == nobody.records == []
    assert len(named(world.hospital, "records.disclosed")) == before + 2
    served = [s for s in named(world.hospital, "exchange.served") if s["kind"] == "lookup"]
    assert len(served) >= 4


def test_lookups_asking_for_many_sets_of_fields_get_the_same_rows(world: World) -> None:
    # A worker keeps an index of the rows in scope for a few sets of fields; lookups
    # asking for others run the query: the same records either way, each set asked
    # for answering the fields of the whole answer it names.
    fields = ["nhs_number", "admission_date", "ward"]  # admissions: aggregate only
    sets = [fields[:1], fields[:2], fields, fields[1:], fields[2:], fields[::2], fields[1:2]]
    with Client(world.gp) as client:
        whole = client.lookup(HOSPITAL, lookup_request(nhs_number=NUMBERS[10])).records
        assert len(whole) == 1
        for asked in sets * 2:  # each set twice: the second time from the index or not
            request = LookupRequest.model_validate({
                **lookup_request(nhs_number=NUMBERS[10]).model_dump(), "fields": asked,
            })  # fmt: skip
            got = client.lookup(HOSPITAL, request).records
            assert got == [{f: whole[0][f] for f in asked}], asked


def test_an_opt_out_registered_while_serving_holds_at_the_next_lookup(world: World) -> None:
    # The serving workers keep the registers as tables of the loaded snapshot: a change
    # made by another process replaces them before the next lookup reads them.
    asked = lookup_request(nhs_number=NUMBERS[6])
    with Client(world.gp) as client:
        assert len(client.lookup(HOSPITAL, asked).records) == 1
        assert register_opt_out(world.hospital, "national", NUMBERS[6], **STAFF)
        assert client.lookup(HOSPITAL, asked).records == []
        assert withdraw_opt_out(world.hospital, "national", NUMBERS[6], **STAFF)
        assert len(client.lookup(HOSPITAL, asked).records) == 1


def test_a_lookup_the_agreement_does_not_allow_is_refused(world: World) -> None:
    request = LookupRequest.model_validate({
        "context": context(), "dataset": "registered-patients",
        "person": {"nhs_number": NUMBERS[0]},
    })  # fmt: skip
    with Client(world.hospital) as client, pytest.raises(RequestRefused) as refused:
        client.lookup(GP, request)
    assert refused.value.code == "lookups-not-allowed"
    denied = [d for d in named(world.gp, "disclosure.decided") if not d["permitted"]]
    assert any("lookups-not-allowed" in r for d in denied for r in d["reasons"])


def test_a_replayed_lookup_is_refused_and_recorded_its_person_disclosed_once(
    world: World,
) -> None:
    # A lookup's nonce is kept in the commit of its records (one pass of the store's
    # writer): a replay, sent after the answer or at the same moment, is refused, and
    # what the refused copy did is not in the log; a refused lookup's nonce is kept too.
    url = f"http://127.0.0.1:{world.ports['hospital']}/api/v1/lookups"

    def lookup(number: str, dataset: str = "admissions") -> httpx.Request:
        body = lookup_request(nhs_number=number).model_dump(mode="json", exclude_none=True)
        data = json.dumps({**body, "dataset": dataset}).encode()
        return signed("POST", url, node_id=GP, key=node_key(world.gp), body=data)

    def outcome(response: httpx.Response) -> tuple[int, str]:
        return response.status_code, response.json().get("code", "answered")

    disclosed = len(named(world.hospital, "records.disclosed"))
    decided = len(named(world.hospital, "disclosure.decided"))
    replays = len(reasons(world.hospital, "replayed"))
    request = lookup(NUMBERS[8])
    twice = lookup(NUMBERS[9])
    refused = lookup(NUMBERS[8], dataset="no-such-dataset")
    with httpx.Client(timeout=60) as http, ThreadPoolExecutor(2) as pool:
        first, again = http.send(request), http.send(request)
        both = sorted(outcome(r) for r in pool.map(http.send, [twice, twice]))
        refusals_ = [outcome(http.send(refused)) for _ in range(2)]
    assert outcome(first) == (200, "answered")
    assert outcome(again) == (401, "replayed")
    assert both == [(200, "answered"), (401, "replayed")]
    assert refusals_[1] == (401, "replayed")
    assert refusals_[0][0] in (403, 404)
    assert len(named(world.hospital, "records.disclosed")) == disclosed + 2
    # One decision a request: two answered, one refused for its dataset, three replays.
    assert len(named(world.hospital, "disclosure.decided")) == decided + 6
    assert len(reasons(world.hospital, "replayed")) == replays + 3
    with open_workspace(world.hospital.root) as ws:
        audit.verify(ws)


def test_a_lookup_s_entries_are_durable_before_its_answer_leaves(world: World) -> None:
    # Its decision, the person disclosed and the lookup served commit (synchronous=FULL,
    # nonce with them) before the answer is sent: a provider SIGKILLed the moment the
    # answer arrives loses none of them. A second server on the hospital's workspace (a
    # worker of its own), so the module's server goes on serving the other tests.
    key = uuid.uuid4().hex
    body = lookup_request(nhs_number=NUMBERS[7]).model_dump_json(exclude_none=True).encode()
    # Signed for the hospital's URL in the trust list: a node verifies the target URI
    # from its own base URL, whichever of its processes takes the request.
    raw = signed("POST", f"http://127.0.0.1:{world.ports['hospital']}/api/v1/lookups",
                 node_id=GP, key=node_key(world.gp), body=body)  # fmt: skip
    with running(world.hospital.root, free_port()) as server, httpx.Client(timeout=60) as http:
        request = httpx.Request("POST", f"{server.url}/api/v1/lookups", content=body,
                                headers={**raw.headers, "Idempotency-Key": key})  # fmt: skip
        response = http.send(request)
        _kill_hard(server.process.pid)
        server.process.wait(timeout=20)
    assert response.status_code == 200
    assert len(response.json()["records"]) == 1
    with open_workspace(world.hospital.root) as ws:
        audit.flush(ws)  # what was staged and not yet appended, if anything
        audit.verify(ws)
    served = [s for s in named(world.hospital, "exchange.served") if s["request"] == key]
    assert len(served) == 1
    decided = named(world.hospital, "disclosure.decided")
    disclosed = named(world.hospital, "records.disclosed")
    assert decided[-1]["permitted"]
    assert disclosed[-1]["source"] == f"{GP} case RISK/2026/7"


def test_a_provider_killed_mid_share_delivers_once_after_it_restarts(world: World) -> None:
    key = uuid.uuid4().hex
    disclosed = len(named(world.hospital, "records.disclosed"))
    request = share_request(fields=["nhs_number", "admission_date"])
    body = request.model_dump_json(exclude_none=True).encode()
    server = world.servers["hospital"]
    raw = signed("POST", f"{server.url}/api/v1/shares", node_id=GP, key=node_key(world.gp),
                 body=body)  # fmt: skip
    raw.headers.update({"Idempotency-Key": key, "Accept": "application/vnd.apache.arrow.stream"})
    with httpx.Client(timeout=60) as http:
        response = http.send(raw, stream=True)
        assert response.status_code == 200
        _kill_hard(server.process.pid)
        server.process.wait(timeout=20)
        response.close()
    snapshots = len(named(world.gp, "exchange.received"))
    with Client(world.gp) as client, pytest.raises(PeerUnreachable) as down:
        client.share(HOSPITAL, request, idempotency_key=key)
    assert HOSPITAL in str(down.value)
    assert "connection failed" in str(down.value)
    assert len(named(world.gp, "exchange.received")) == snapshots
    world.hospital_serving()
    with Client(world.gp) as client:
        got = client.share(HOSPITAL, request, idempotency_key=key)
        again = client.share(HOSPITAL, request, idempotency_key=key)
    assert got.records == again.records == PEOPLE - 1
    with open_workspace(world.hospital.root) as ws:
        audit.verify(ws)  # raises on any inconsistency
    served = [s for s in named(world.hospital, "exchange.served") if s["request"] == key]
    assert len(served) == 1
    # One set: a records.disclosed per person of the one disclosure, none for the retries.
    assert len(named(world.hospital, "records.disclosed")) - disclosed == PEOPLE - 1


def test_share_list_shows_both_directions(world: World, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from accord.cli import app

    result = CliRunner().invoke(app, ["share", "list", "-w", str(world.gp.root), "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert any(s["direction"] == "received" and s["provider"] == HOSPITAL for s in listed)


def _refusal(world: World, ask: Any) -> str:
    world.hospital_serving()
    with Client(world.gp) as client, pytest.raises(RequestRefused) as refused:
        ask(client)
    return refused.value.code


def _signed_and_active(world: World, data: dict[str, Any]) -> None:
    """The agreement ``data`` signed by both nodes and activated on each."""
    from accord.agreements import parse

    agreement, _ = sign_in_workspace(world.gp, parse(data))
    both, _ = sign_in_workspace(world.hospital, agreement)
    sign_in_workspace(world.gp, both)
    for ws in (world.gp, world.hospital):
        activate(ws, agreement.id)


def test_an_agreement_out_of_date_is_refused_not_in_date_and_recorded(world: World) -> None:
    # Signed by both and active, but not in date: the decision is dated, over the API as
    # in the policy (an agreement that has expired cannot be activated, and one that
    # expires while active is refused by the same date test: tests/agreements/
    # test_policy.py, "expired on"). Here: one whose sharing starts tomorrow.
    data = example_data()
    data["id"] = "gp-hospital-next"
    tomorrow = date.today() + timedelta(days=1)
    data["dates"] = {"start": tomorrow, "review": tomorrow + timedelta(days=180),
                     "expiry": tomorrow + timedelta(days=365)}  # fmt: skip
    _signed_and_active(world, data)
    before = len(named(world.hospital, "disclosure.decided"))
    asked = share_request(context=context(agreement="gp-hospital-next"))
    assert _refusal(world, lambda c: c.share(HOSPITAL, asked)) == "agreement-not-in-date"
    (decided,) = named(world.hospital, "disclosure.decided")[before:]
    assert decided["permitted"] is False
    assert any(f"starts on {tomorrow}" in r for r in decided["reasons"])


def test_an_expired_agreement_is_refused_and_recorded(world: World) -> None:
    # Active and in use, then past its expiry date: the expiry sweep (`expire_due`, run
    # as of the expiry date, as a node's nightly run would be) records it expired, and
    # the server refuses every request under it from then on, on the record.
    data = example_data()
    data["id"] = "gp-hospital-ended"
    data["datasets"][1]["lookups"] = True
    today = date.today()
    data["dates"] = {"start": today, "review": today + timedelta(days=10),
                     "expiry": today + timedelta(days=20)}  # fmt: skip
    _signed_and_active(world, data)
    under = context(agreement="gp-hospital-ended")
    world.hospital_serving()
    with Client(world.gp) as client:
        assert client.share(HOSPITAL, share_request(context=under)).records  # in use
    ended = expire_due(world.hospital, today + timedelta(days=20), by_role="scheduler")
    assert [e.agreement.id for e in ended] == ["gp-hospital-ended"]
    before = len(named(world.hospital, "disclosure.decided"))
    asked = share_request(context=under)
    lookup = LookupRequest.model_validate(
        {"context": under, "dataset": "admissions", "person": {"nhs_number": NUMBERS[0]}}
    )
    assert _refusal(world, lambda c: c.share(HOSPITAL, asked)) == "agreement-not-active"
    assert _refusal(world, lambda c: c.lookup(HOSPITAL, lookup)) == "agreement-not-active"
    refused = named(world.hospital, "disclosure.decided")[before:]
    assert [d["permitted"] for d in refused] == [False, False]
    assert all("expired" in " ".join(d["reasons"]) for d in refused), refused


def test_a_suspended_agreement_stops_shares_and_lookups_at_once_until_resumed(
    world: World,
) -> None:
    """Suspended on the provider, every worker refuses at once (the PostgreSQL run has
    four), each refusal recorded; resumed, the same request is answered again."""
    lookup = lookup_request(nhs_number=NUMBERS[0])
    denied_before = sum(not d["permitted"] for d in named(world.hospital, "disclosure.decided"))
    suspend(world.hospital, AGREEMENT, "a breach under investigation", by_role="dpo")
    try:
        for _ in range(3):  # more than one worker answers
            assert _refusal(world, lambda c: c.share(HOSPITAL, share_request())) == (
                "agreement-not-active"
            )
            assert _refusal(world, lambda c: c.lookup(HOSPITAL, lookup)) == "agreement-not-active"
    finally:
        activate(world.hospital, AGREEMENT, by_role="dpo")
    denied = sum(not d["permitted"] for d in named(world.hospital, "disclosure.decided"))
    assert denied - denied_before == 6
    world.hospital_serving()
    with Client(world.gp) as client:
        assert client.lookup(HOSPITAL, lookup).records


def test_a_revoked_agreement_refuses_every_request_after(world: World) -> None:
    # Last in the module: a revocation is for good.
    revoke(world.hospital, AGREEMENT, "the partnership ended", by_role="dpo")
    assert _refusal(world, lambda c: c.share(HOSPITAL, share_request())) == ("agreement-not-active")
    lookup = lookup_request(nhs_number=NUMBERS[0])
    assert _refusal(world, lambda c: c.lookup(HOSPITAL, lookup)) == "agreement-not-active"
