"""What the catalogue holds: a dataset's description, its versions, and run events.

:class:`DatasetMetadata` is the YAML a data steward writes (validated with pydantic, so a
mistake names its key); :class:`Version` is one snapshot with its quality result;
:class:`RunEvent` with :class:`Job` and :class:`DatasetRef` is an OpenLineage-style run
event; :class:`Lineage` is the upstream graph of some datasets; :class:`Entry` is all
of it for one dataset, what every export format renders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from accord.catalog.types import RunId
from accord.quality import Dimension, Kitemark

Text = Annotated[str, Field(min_length=1)]
Frequency = Literal[
    "triennial", "biennial", "annual", "semiannual", "threeTimesAYear", "quarterly",
    "bimonthly", "monthly", "semimonthly", "biweekly", "threeTimesAMonth", "weekly",
    "semiweekly", "threeTimesAWeek", "daily", "continuous", "irregular",
]  # fmt: skip
"""The Dublin Core collection frequency terms (``freq:``), as the UK model requires."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Strict):
    """Who answers questions about the dataset: a team, not a person."""

    name: Text
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    telephone: str | None = None


class Owner(_Strict):
    """The organisation that collects the data (``dct:creator``) and its contact point."""

    organisation: Text
    identifier: str | None = None
    """A URI for the organisation, e.g. its GOV.UK organisation page or ODS code URI."""
    contact: Contact


class FieldDefinition(_Strict):
    """What one column means; ``accord catalog describe`` refuses columns the data lacks."""

    description: Text
    title: str | None = None
    unit: str | None = None


class Temporal(_Strict):
    """The period the records are about."""

    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Temporal:
        if self.start and self.end and self.end < self.start:
            raise ValueError("end is before start")
        return self


class Spatial(_Strict):
    """The area the records are about: a label, and a URI such as an ONS geography code's."""

    label: Text
    uri: str | None = None


class DatasetMetadata(_Strict):
    """A dataset's description, as written in ``accord catalog describe DATASET --from FILE``."""

    title: Text
    summary: Annotated[str, Field(max_length=250)] | None = None
    description: Text
    owner: Owner
    publisher: str | None = None
    """The organisation making the dataset available; default: the owner."""
    fields: dict[str, FieldDefinition] = {}
    collection_method: Text
    assumptions: list[Text] = []
    limitations: list[Text] = []
    update_frequency: Frequency
    legal_basis: Text
    """The lawful basis the data was collected under, e.g. UK GDPR Art 6(1)(e), Art 9(2)(h)."""
    special_category: bool
    temporal: Temporal | None = None
    spatial: Spatial | None = None
    keywords: list[Text] = []
    licence: Text = "DATA_SHARE_AGREEMENT"
    access_rights: Literal["INTERNAL", "OPEN", "COMMERCIAL"] = "INTERNAL"
    security_classification: Literal["OFFICIAL", "SECRET", "TOP_SECRET", "NOT_APPLICABLE"] = (
        "OFFICIAL"
    )

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        """``column: text`` is short for ``column: {description: text}``."""
        if not isinstance(value, dict):
            return value
        return {k: {"description": v} if isinstance(v, str) else v for k, v in value.items()}

    @property
    def publisher_name(self) -> str:
        return self.publisher or self.owner.organisation


@dataclass(frozen=True)
class Column:
    """A column of a snapshot file, with its Table Schema type."""

    name: str
    type: str


@dataclass(frozen=True)
class Version:
    """One snapshot of a dataset, with the newest quality assessment of it, if any."""

    version: int
    content_hash: str
    path: str
    bytes: int
    rows: int
    read_rows: int
    quarantined_rows: int
    source: str
    source_kind: str
    as_of: date
    created_at: datetime
    columns: tuple[Column, ...] = ()
    unique_record_id: bool = False
    kitemark: Kitemark | None = None
    scores: Mapping[Dimension, float] = field(default_factory=dict)
    assessed_at: datetime | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    """Carried source columns: the name in the snapshot -> the source's own spelling."""


class EventType(StrEnum):
    """The OpenLineage run states Accord records."""

    START = "START"
    COMPLETE = "COMPLETE"
    FAIL = "FAIL"
    ABORT = "ABORT"


@dataclass(frozen=True, eq=True)
class DatasetRef:
    """A dataset in lineage: OpenLineage's namespace and name, and the version used or made.

    Accord's own datasets are in namespace ``accord://NODE``, versioned by content hash.
    """

    namespace: str
    name: str
    version: str | None = None
    facets: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.namespace, self.name, self.version)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version[:12]}" if self.version else self.name


@dataclass(frozen=True)
class Job:
    """What ran: ``accord://NODE`` and ``ingest``, ``linkage.link``, ``exchange.share``…"""

    namespace: str
    name: str
    facets: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class RunEvent:
    """An OpenLineage-style run event: a run of a job reading inputs and writing outputs."""

    event_type: EventType
    event_time: datetime
    run_id: RunId
    job: Job
    inputs: tuple[DatasetRef, ...] = ()
    outputs: tuple[DatasetRef, ...] = ()
    run_facets: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    started_at: datetime | None = None


@dataclass(frozen=True)
class Lineage:
    """The completed runs that made some datasets, and the runs upstream of those, oldest first."""

    subjects: tuple[DatasetRef, ...]
    runs: tuple[RunEvent, ...]

    def producer(self, ref: DatasetRef) -> RunEvent | None:
        """The run that made ``ref``; without a version, the newest run that made its name."""
        found = [r for r in self.runs if any(_same(o, ref) for o in r.outputs)]
        return found[-1] if found else None

    def inputs_of(self, ref: DatasetRef) -> tuple[DatasetRef, ...]:
        run = self.producer(ref)
        return run.inputs if run else ()


def _same(made: DatasetRef, wanted: DatasetRef) -> bool:
    return (made.namespace, made.name) == (wanted.namespace, wanted.name) and (
        wanted.version is None or made.version == wanted.version
    )


@dataclass(frozen=True)
class Entry:
    """Everything the catalogue knows of one dataset: what the export formats render."""

    name: str
    namespace: str
    node: str
    metadata: DatasetMetadata | None
    versions: tuple[Version, ...]
    lineage: Lineage

    @property
    def iri(self) -> str:
        """A stable identifier for the dataset: ``urn:accord:NODE:dataset:NAME``."""
        return f"urn:accord:{quote(self.node, safe='')}:dataset:{quote(self.name, safe='')}"
