"""The protocol's objects: what a provider sends, what the linking party returns."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from accord.linkage.errors import BadEncoding

PROTOCOL = "accord-linkage/1"


class Mode(StrEnum):
    """``private``: keyed tokens and Bloom filters only; ``plaintext``: standardised values."""

    PRIVATE = "private"
    PLAINTEXT = "plaintext"


@dataclass(frozen=True)
class LinkOptions:
    """How the linking party decides."""

    threshold: float = 0.9
    """Pairs at or above this match probability are the same person."""
    one_to_one: bool = True
    """Each record in at most one pair (``link``); off for ``--many-to-many``."""
    seed: int = 20261122
    """Seeds Splink's sampling, so a re-run on the same data decides the same."""
    report: Path | None = None
    """Where the linking party writes its report (charts, estimates, pairs to review)."""
    linkage_ids: bool = False
    """Give every reference a linkage id (``Matched.ids``), keeping earlier ones."""
    labels: Path | None = None
    """Clerical labels by reference (``labels.to_refs``): they move the threshold and
    are decided as labelled."""
    nhs_numbers_reused: bool = False
    """The sources give one valid NHS number to several people: two records whose valid
    numbers differ may then be one person (``constraints``)."""


@dataclass(frozen=True)
class Encoded:
    """One provider's records as the linking party receives them: an opaque reference per
    record and its comparison features, in a Parquet file with a manifest beside it."""

    path: Path
    party: str
    run: str
    mode: Mode
    features: tuple[str, ...]
    rows: int

    def manifest(self) -> Path:
        return self.path.with_suffix(".json")

    def write_manifest(self) -> None:
        data = {k: v for k, v in asdict(self).items() if k != "path"}
        data["protocol"] = PROTOCOL
        self.manifest().write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Encoded:
        """The encoded file at ``path``, checked against its manifest."""
        try:
            data = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            if data.pop("protocol") != PROTOCOL:
                raise BadEncoding(f"{path}: not {PROTOCOL}")
            return cls(path=path, party=str(data["party"]), run=str(data["run"]),
                       mode=Mode(data["mode"]), features=tuple(data["features"]),
                       rows=int(data["rows"]))  # fmt: skip
        except (OSError, KeyError, ValueError) as exc:
            raise BadEncoding(f"{path}: no valid manifest beside it ({exc})") from exc


@dataclass(frozen=True)
class References:
    """A provider's own table from the opaque references of one run to its record ids.

    Never leaves the provider."""

    path: Path
    party: str
    run: str


@dataclass(frozen=True)
class BlockingRecall:
    """The estimate, and each rule's recall among the pairs the other rules found."""

    estimate: float
    rules: dict[str, float | None]
    """Each rule (``l.a = r.a AND ...``) and its recall; None where no other rule found
    a pair to measure it on (it then counts for nothing in the estimate)."""

    def to_json(self) -> dict[str, object]:
        rules = {k: None if v is None else round(v, 4) for k, v in self.rules.items()}
        return {"estimate": round(self.estimate, 4), "rules": rules}


@dataclass(frozen=True)
class Matched:
    """The linking party's decisions: pairs of references with their match probability."""

    path: Path
    """Parquet: ``left_ref, right_ref, match_probability, match_weight``."""
    pairs: int
    scored: int
    """Pairs scored: every candidate pair the blocking rules brought together, each given
    a probability by the model, of which ``pairs`` were decided to match."""
    ids: Path | None = None
    """With ``LinkOptions.linkage_ids``, Parquet: ``side, ref, linkage_id`` for every
    reference of both sides: a pair shares one id; a record keeps its earlier id wherever
    the decisions allow."""
    threshold: float = 0.9
    """The threshold the decisions used (moved by labels, if any)."""
    labels: int = 0
    """Labelled pairs the model scored, of those given (``LinkOptions.labels``)."""
    blocking_recall: BlockingRecall | None = None
    kept_apart: int = 0
    """Pairs at or over the threshold dropped because their valid NHS numbers differ."""


@dataclass(frozen=True)
class Clustered:
    """One source's references grouped into people (dedupe)."""

    path: Path
    """Parquet: ``ref, cluster_ref`` (the smallest reference of the cluster)."""
    records: int
    clusters: int
    scored: int = 0
    """Pairs scored, as for ``Matched.scored``."""
    kept_apart: int = 0
    """Joins refused because they would put two different valid NHS numbers in a cluster."""
