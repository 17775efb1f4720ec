"""``openlineage``: the run events behind a dataset, as OpenLineage ``RunEvent`` documents."""

from __future__ import annotations

from accord.catalog.formats.registry import ExportFormat, register_format
from accord.catalog.models import Entry, EventType, RunEvent
from accord.catalog.openlineage import to_json


@register_format
class OpenLineageExport(ExportFormat):
    """A JSON array of every run upstream of the dataset: ``START`` (when known), then
    ``COMPLETE``, oldest run first; what an OpenLineage consumer (Marquez, DataHub) ingests."""

    name = "openlineage"
    standard = "OpenLineage 2-0-2 RunEvent"
    filename = "openlineage.json"

    def render(self, entry: Entry) -> str:
        events = []
        for run in entry.lineage.runs:
            if run.started_at is not None:
                start = RunEvent(EventType.START, run.started_at, run.run_id, run.job,
                                 run.inputs, (), run.run_facets)  # fmt: skip
                events.append(to_json(start))
            events.append(to_json(run))
        return self.json(events)
