"""``prov``: a dataset's provenance as W3C PROV-JSON.

Each dataset version in the lineage is an entity, each completed run an activity, each
node that ran jobs (the job namespace) an agent; ``used``, ``wasGeneratedBy``,
``wasDerivedFrom`` (every output from every input of its run) and ``wasAssociatedWith``
relate them. Identifiers are qualified names: one prefix per dataset namespace,
``run:`` for run ids (UUIDs), ``agent:`` for nodes.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from accord.catalog.formats.registry import ExportFormat, register_format
from accord.catalog.models import DatasetRef, Entry, RunEvent

SAFE = "-_.~"


class _Names:
    """Qualified names for datasets and agents, declaring a prefix per namespace."""

    def __init__(self) -> None:
        self.prefix: dict[str, str] = {
            "accord": "https://accord.example/ns/catalog#",
            "run": "urn:uuid:",
            "agent": "urn:accord:agent:",
        }
        self._namespaces: dict[str, str] = {}

    def dataset(self, ref: DatasetRef) -> str:
        short = self._namespaces.get(ref.namespace)
        if short is None:
            short = self._namespaces[ref.namespace] = f"ns{len(self._namespaces) + 1}"
            self.prefix[short] = ref.namespace.rstrip("/") + "/"
        local = quote(ref.name, safe=SAFE)
        return f"{short}:{local}.{ref.version}" if ref.version else f"{short}:{local}"

    @staticmethod
    def agent(namespace: str) -> str:
        return f"agent:{quote(namespace, safe=SAFE)}"


def _literal(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) else json.dumps(value)


@register_format
class Prov(ExportFormat):
    """PROV-JSON: entities, activities, agents and the four relations between them."""

    name = "prov"
    standard = "W3C PROV-JSON (PROV-DM)"
    filename = "prov.json"

    def render(self, entry: Entry) -> str:
        names = _Names()
        doc: dict[str, dict[str, Any]] = {k: {} for k in (
            "entity", "activity", "agent", "used", "wasGeneratedBy", "wasDerivedFrom",
            "wasAssociatedWith")}  # fmt: skip
        for ref in entry.lineage.subjects:
            doc["entity"][names.dataset(ref)] = _entity(ref)
        for run in entry.lineage.runs:
            _add_run(doc, names, run)
        return self.json({"prefix": names.prefix, **{k: v for k, v in doc.items() if v}})


def _entity(ref: DatasetRef) -> dict[str, Any]:
    found: dict[str, Any] = {"prov:label": ref.label, "accord:namespace": ref.namespace,
                             "accord:name": ref.name}  # fmt: skip
    if ref.version:
        found["accord:version"] = ref.version
    rows = ref.facets.get("outputStatistics", {}).get("rowCount")
    if isinstance(rows, int):
        found["accord:rows"] = rows
    return found


def _add_run(doc: dict[str, dict[str, Any]], names: _Names, run: RunEvent) -> None:
    activity = f"run:{run.run_id}"
    ended = run.event_time.isoformat()
    attributes: dict[str, Any] = {"prov:label": run.job.name, "prov:endTime": ended,
                                  "accord:job": f"{run.job.namespace} {run.job.name}"}  # fmt: skip
    if run.started_at is not None:
        attributes["prov:startTime"] = run.started_at.isoformat()
    for key, value in run.run_facets.items():
        attributes[f"accord:{quote(key, safe=SAFE)}"] = _literal(value)
    doc["activity"][activity] = attributes
    agent = names.agent(run.job.namespace)
    doc["agent"][agent] = {"prov:type": "prov:SoftwareAgent", "prov:label": run.job.namespace}
    _relate(doc, "wasAssociatedWith", {"prov:activity": activity, "prov:agent": agent})
    for ref in run.inputs:
        doc["entity"].setdefault(names.dataset(ref), _entity(ref))
        _relate(doc, "used", {"prov:activity": activity, "prov:entity": names.dataset(ref)})
    for out in run.outputs:
        made = names.dataset(out)
        doc["entity"][made] = {**doc["entity"].get(made, {}), **_entity(out)}
        _relate(doc, "wasGeneratedBy", {"prov:entity": made, "prov:activity": activity,
                                         "prov:time": ended})  # fmt: skip
        for ref in run.inputs:
            _relate(doc, "wasDerivedFrom", {"prov:generatedEntity": made,
                                            "prov:usedEntity": names.dataset(ref),
                                            "prov:activity": activity})  # fmt: skip


def _relate(doc: dict[str, dict[str, Any]], relation: str, attributes: dict[str, Any]) -> None:
    doc[relation][f"_:{relation}{len(doc[relation]) + 1}"] = attributes
