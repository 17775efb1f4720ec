"""Usage metering from the audit log, on both stores, and ``accord usage report``.

The GP's log holds requests it decided (permitted, refused, refused before the caller
was known), shares and lookups it served, and answers it received, some just inside
December 2026 (UTC, its first and last microsecond) and some just outside. The hospital
is in the trust list, so its node id is reported as its organisation id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from accord.audit import DisclosureDecided
from accord.exchange import (
    CSV_COLUMNS,
    Received,
    Served,
    UsageError,
    fetch,
    month_range,
    usage,
)
from accord.store import Workspace
from tests.audit.support import record_at
from tests.cli.test_commands import run
from tests.exchange.support import Spec, federation, free_port, node

GP, HOSPITAL = "A81001", "RX1"
DECEMBER = datetime(2026, 12, 1, tzinfo=UTC)
JANUARY = datetime(2027, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)
MID = datetime(2026, 12, 15, 12, tzinfo=UTC)


def _decided(agreement: str, requester: str, permitted: bool) -> DisclosureDecided:
    return DisclosureDecided(agreement=agreement, requester=requester, purpose="risk",
                             permitted=permitted, dataset="registered-patients")  # fmt: skip


def _moved(cls: type[Served] | type[Received], kind: str, agreement: str, peer: str,
           records: int, size: int) -> Served | Received:  # fmt: skip
    recipient, provider = (peer, GP) if cls is Served else (GP, peer)
    return cls(kind=kind, agreement=agreement, recipient=recipient, provider=provider,
               dataset="registered-patients", records=records, bytes=size, format="arrow",
               request=f"req-{records}")  # fmt: skip


@pytest.fixture
def gp(tmp_path: Path, store_url: str) -> Iterator[Workspace]:
    fed = federation(tmp_path)
    ws = node(fed, Spec("gp", GP, "Riverside Medical Practice"), port=free_port(),
              store_url=store_url)  # fmt: skip
    node(fed, Spec("hospital", HOSPITAL, "Riverside Hospitals"), port=free_port()).close()
    fed.publish()
    fetch(ws, str(fed.list_path))
    for event, at in (
        (_decided("dsa-1", "hospital", True), DECEMBER),
        (_decided("dsa-1", "hospital", False), MID),
        (_decided("", "", False), MID),
        (_moved(Served, "share", "dsa-1", HOSPITAL, 100, 5_000), MID),
        (_moved(Served, "lookup", "dsa-1", HOSPITAL, 1, 300), JANUARY - TICK),
        (_moved(Received, "share", "dsa-2", HOSPITAL, 50, 2_500), MID),
        (_moved(Received, "share", "dsa-2", "ZZZ9", 7, 70), MID),
        # Just outside December, either side.
        (_decided("dsa-1", "hospital", True), DECEMBER - TICK),
        (_moved(Served, "share", "dsa-1", HOSPITAL, 1_000, 1_000), JANUARY),
    ):
        record_at(ws, event, at)
    yield ws
    ws.close()


HEADER = "month,agreement,party,direction,requests,permitted,refused,shares,lookups,records,bytes"
EXPECTED_CSV = f"""{HEADER}
2026-12,,,provided,1,0,1,0,0,0,0
2026-12,dsa-1,hospital,provided,2,1,1,1,1,101,5300
2026-12,dsa-2,ZZZ9,received,1,1,0,1,0,7,70
2026-12,dsa-2,hospital,received,1,1,0,1,0,50,2500
"""


def test_a_month_counts_requests_records_and_bytes_per_agreement_and_party(
    gp: Workspace,
) -> None:
    report = usage(gp, "2026-12")
    assert report.csv() == EXPECTED_CSV
    assert (report.node_id, report.org) == (GP, "gp")
    assert (report.since, report.until) == (DECEMBER, JANUARY)
    totals = report.totals()
    assert totals["provided"]["records"] == 101
    assert totals["provided"]["requests"] == 3
    assert totals["received"]["bytes"] == 2_570


def test_an_empty_month_is_the_header_alone(gp: Workspace) -> None:
    report = usage(gp, "2026-10")
    assert report.rows == ()
    assert report.csv() == ",".join(CSV_COLUMNS) + "\n"
    assert report.as_dict()["totals"]["provided"]["requests"] == 0


def test_the_months_either_side_hold_what_december_does_not(gp: Workspace) -> None:
    november = usage(gp, "2026-11").rows
    assert [(r.agreement, r.requests, r.permitted) for r in november] == [("dsa-1", 1, 1)]
    january = usage(gp, "2027-01").rows
    assert [(r.party, r.shares, r.records) for r in january] == [("hospital", 1, 1_000)]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-12", DECEMBER, JANUARY),
        ("2026-02", datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
        ("2024-02", datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)),
    ],
)
def test_a_month_is_its_first_microsecond_to_the_next_month_s_utc(
    text: str, start: datetime, end: datetime
) -> None:
    assert month_range(text) == (start, end)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "December", "0000-01",
                                  "2026-12-01", "", "２０２６-12"])  # fmt: skip
def test_a_month_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(UsageError, match="YYYY-MM"):
        month_range(text)


def test_the_report_command_writes_csv_json_and_a_table(gp: Workspace, tmp_path: Path) -> None:
    ws = str(gp.root)
    code, stdout, stderr = run("usage", "report", "--month", "2026-12", "--format", "csv",
                               "-w", ws)  # fmt: skip
    assert code == 0, stderr
    assert stdout == EXPECTED_CSV
    target = tmp_path / "usage.json"
    code, _, stderr = run("usage", "report", "--month", "2026-12", "--format", "json",
                          "--out", str(target), "-w", ws)  # fmt: skip
    assert code == 0, stderr
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["month"] == "2026-12"
    assert document["from"] == "2026-12-01T00:00:00+00:00"
    assert document["rows"][1] == {
        "agreement": "dsa-1", "party": "hospital", "direction": "provided", "requests": 2,
        "permitted": 1, "refused": 1, "shares": 1, "lookups": 1, "records": 101, "bytes": 5300,
    }  # fmt: skip
    assert target.stat().st_mode & 0o077 == 0
    code, stdout, stderr = run("usage", "report", "--month", "2026-12", "-w", ws)
    assert code == 0, stderr
    assert "dsa-1" in stdout
    assert "5,300" in stdout
    code, stdout, _ = run("usage", "report", "--month", "2026-10", "--json", "-w", ws)
    assert json.loads(stdout)["rows"] == []


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--month", "2026-13"), "--month"),
        (("--month", "next month"), "--month"),
        (("--month", "2026-12", "--format", "xml"), "--format"),
        (("--month", "2026-12", "--format", "table", "--out", "{tmp}/u.txt"), "--format"),
        (("--month", "2026-12", "--format", "csv", "--json"), "--json"),
    ],
)
def test_a_bad_option_is_refused_naming_it_and_writes_nothing(
    gp: Workspace, tmp_path: Path, args: tuple[str, ...], named: str
) -> None:
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, stdout, stderr = run("usage", "report", *filled, "-w", str(gp.root))
    assert code == 2
    assert named in stderr
    assert "Traceback" not in stdout + stderr
    assert not (tmp_path / "u.txt").exists()
