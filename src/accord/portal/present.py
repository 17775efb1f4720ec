"""What the staff pages say about the contexts' values, in plain English.

:func:`run_line` turns a run in a dataset's provenance (an ingest, a share, a receipt, a
linkage run) into a title and its details; :func:`event_meaning`, :func:`event_summary`
and :func:`event_fields` say what an audit entry is about. Words only: no page logic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accord import audit, catalog

SUMMARY_FIELDS = ("agreement", "recipient", "requester", "dataset", "purpose", "permitted",
                  "user", "by_role")  # fmt: skip
"""The fields an entry's one-line summary names, in this order, when it has them."""
LABELS = {
    "by_role": "staff role", "recipient_role": "recipient's role", "hidden_until":
    "hidden from the person until", "hidden_reason": "why it is hidden", "person":
    "person (pseudonym)", "legal_basis": "legal basis", "content_hash": "content hash",
}  # fmt: skip


@dataclass(frozen=True)
class RunLine:
    """One run in a dataset's provenance, as a page shows it."""

    at: datetime
    title: str
    details: tuple[tuple[str, str], ...]


def run_line(run: catalog.RunEvent) -> RunLine:
    """A run in the words of the provenance section."""
    job = run.job.name
    shared: Mapping[str, Any] = run.run_facets.get("accordShare") or {}
    details: list[tuple[str, str]] = []
    if job == "ingest":
        source: Mapping[str, Any] = run.job.facets.get("accordSource") or {}
        title = f"Read from {_source_kind(str(source.get('kind', '')))}"
        details = [("Source", str(source.get("source", ""))),
                   ("Rows read", f"{int(source.get('rowsRead', 0)):,}"),
                   ("Rows put in quarantine", f"{int(source.get('rowsQuarantined', 0)):,}"),
                   ("Reference date", str(source.get("asOf", "")))]  # fmt: skip
    elif job == "exchange.share":
        title = f"Shared with {shared.get('recipientOrg') or shared.get('recipient') or 'a node'}"
        details = [*_share_details(shared), ("Rows", f"{int(shared.get('rows', 0)):,}")]
    elif job == "exchange.receive":
        title = f"Received from {shared.get('providerOrg') or shared.get('provider') or 'a node'}"
        details = _share_details(shared)
    elif job.startswith("linkage."):
        title = "Linked with other data" if job != "linkage.dedupe" else "Deduplicated"
        details = _linkage_details(run.run_facets.get("accordLinkage") or {})
    else:
        title = f"Run of {job}"
    if job != "ingest":  # an ingest's input is its source, named above
        details.append(("Read", ", ".join(_ref(r) for r in run.inputs)))
    details.append(("Made", ", ".join(_ref(r) for r in run.outputs)))
    return RunLine(run.event_time, title, tuple((k, v) for k, v in details if v))


def _linkage_details(facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A linkage run's facts (its ``accordLinkage`` facet): how it ran, what it found."""
    found = [("Mode", str(facts.get("mode", ""))), ("Engine", str(facts.get("engine", ""))),
             ("Records read", _count(facts.get("records")))]  # fmt: skip
    if facts.get("task") == "dedupe":
        return [*found, ("People found", _count(facts.get("clusters"))),
                ("Duplicate records", _count(facts.get("pairs")))]  # fmt: skip
    return [*found, ("Pairs linked", _count(facts.get("pairs")))]


def _count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else ""


def _source_kind(kind: str) -> str:
    article = "an" if kind[:1] in ("a", "e", "i", "o", "u") else "a"
    return {"sql": "a database", "exchange": "another node"}.get(kind, f"{article} {kind} file")


def _share_details(shared: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [("Agreement", str(shared.get("agreement", ""))),
            ("Purpose", str(shared.get("purpose", ""))),
            ("Recipient's role", str(shared.get("role", "")))]  # fmt: skip


def _ref(ref: catalog.DatasetRef) -> str:
    if ref.namespace.startswith("file://"):  # a file on a node: its path says the rest
        return f"{ref.name} (a file on {ref.namespace.removeprefix('file://')})"
    where = ref.namespace.removeprefix("accord://")
    return f"{ref.name} ({where})" if ref.namespace else ref.name


def event_meaning(name: str) -> str:
    """What an event type records: the first line of its docstring."""
    cls = audit.EVENT_TYPES.get(name)
    doc = (cls.__doc__ or "") if cls is not None else ""
    first = " ".join(doc.strip().split("\n\n")[0].split())
    return first or "An event of a type this node does not know."


def label(field: str) -> str:
    return LABELS.get(field, field.replace("_", " "))


def value(shown: object) -> str:
    if isinstance(shown, bool):
        return "yes" if shown else "no"
    if isinstance(shown, list | tuple):
        return ", ".join(str(v) for v in shown) or "none"
    if isinstance(shown, dict):
        return ", ".join(f"{k} {v}" for k, v in shown.items()) or "none"
    return f"{shown:,}" if isinstance(shown, int) else str(shown)


def event_fields(event: audit.Event) -> list[tuple[str, str]]:
    """Every field of an event, labelled, in the event's own order (empty ones left out)."""
    return [(label(k), value(v)) for k, v in event.fields().items() if v not in ("", None)]


def event_summary(event: audit.Event) -> str:
    """The few fields that say what an entry is about, on one line."""
    found = event.fields()
    return "; ".join(f"{label(k)} {value(found[k])}" for k in SUMMARY_FIELDS
                     if found.get(k) not in ("", None))  # fmt: skip
