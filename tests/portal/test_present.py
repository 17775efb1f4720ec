"""The words the staff pages use for runs and audit entries."""

from __future__ import annotations

from datetime import UTC, datetime

from accord import audit, catalog
from accord.portal.present import event_fields, event_meaning, event_summary, run_line

AT = datetime(2026, 11, 10, 9, tzinfo=UTC)
HERE = catalog.DatasetRef("accord://gp", "patients", "sha256:" + "a" * 64)


def run(job: str, facets: dict[str, object], *, job_facets: dict[str, object] | None = None
        ) -> catalog.RunEvent:  # fmt: skip
    return catalog.RunEvent(catalog.EventType.COMPLETE, AT, catalog.RunId("r"),
                            catalog.Job("accord://gp", job, job_facets or {}), (HERE,),
                            (catalog.DatasetRef("accord://hospital", "gp.patients"),),
                            facets)  # fmt: skip


def test_a_share_a_receipt_an_ingest_and_a_linkage_run_in_plain_words() -> None:
    shared = run(
        "exchange.share",
        {"accordShare": {"recipientOrg": "hospital", "agreement": "dsa-1", "rows": 1200}},
    )
    line = run_line(shared)
    assert line.title == "Shared with hospital"
    assert dict(line.details) == {
        "Agreement": "dsa-1",
        "Rows": "1,200",
        "Read": "patients (gp)",
        "Made": "gp.patients (hospital)",
    }
    assert run_line(run("exchange.receive", {"accordShare": {"providerOrg": "council"}})
                    ).title == "Received from council"  # fmt: skip
    ingest = run_line(run("ingest", {}, job_facets={"accordSource": {
        "kind": "sql", "source": "postgresql://gp/db", "rowsRead": 5, "rowsQuarantined": 1,
        "asOf": "2026-01-31"}}))  # fmt: skip
    assert ingest.title == "Read from a database"
    assert "Read" not in dict(ingest.details)  # its source is named already
    assert dict(ingest.details)["Rows put in quarantine"] == "1"
    assert run_line(run("linkage.link", {})).title == "Linked with other data"
    assert run_line(run("linkage.dedupe", {})).title == "Deduplicated"
    assert run_line(run("something.else", {})).title == "Run of something.else"


def test_an_entry_in_one_line_and_field_by_field() -> None:
    decided = audit.DisclosureDecided(agreement="dsa-1", requester="council", purpose="care",
                                      permitted=False, reasons=("expired",))  # fmt: skip
    assert event_summary(decided) == (
        "agreement dsa-1; requester council; purpose care; permitted no"
    )
    fields = dict(event_fields(decided))
    assert fields["reasons"] == "expired"
    assert "dataset" not in fields  # empty: left out
    assert event_meaning("disclosure.decided") == (
        "A request to share data was permitted or denied, with the reasons."
    )
    assert event_meaning("no.such") == "An event of a type this node does not know."


def test_a_linkage_run_says_how_it_ran_and_what_it_found() -> None:
    made = (catalog.DatasetRef("file://gp", "/srv/out/pairs.csv", "b" * 64),)
    facts = {"task": "link", "mode": "private", "engine": "duckdb", "pairs": 1234,
             "records": 5000, "auditEvent": "linkage.run"}  # fmt: skip
    linked = run("linkage.link", {"accordLinkage": facts})
    line = run_line(catalog.RunEvent(linked.event_type, AT, linked.run_id, linked.job,
                                     linked.inputs, made, linked.run_facets))  # fmt: skip
    assert dict(line.details) == {
        "Mode": "private", "Engine": "duckdb", "Records read": "5,000",
        "Pairs linked": "1,234", "Read": "patients (gp)",
        "Made": "/srv/out/pairs.csv (a file on gp)",
    }  # fmt: skip
    deduped = run_line(run("linkage.dedupe", {"accordLinkage": {
        **facts, "task": "dedupe", "clusters": 4000, "pairs": 1000}}))  # fmt: skip
    assert dict(deduped.details)["People found"] == "4,000"
    assert dict(deduped.details)["Duplicate records"] == "1,000"
    assert "Pairs linked" not in dict(deduped.details)


def test_a_source_kind_takes_its_article() -> None:
    def read_from(kind: str) -> str:
        return run_line(run("ingest", {}, job_facets={"accordSource": {"kind": kind}})).title

    assert read_from("excel") == "Read from an excel file"
    assert read_from("csv") == "Read from a csv file"
