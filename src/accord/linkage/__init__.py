"""Record linkage between organisations, in the clear or privacy-preserving.

Public face, the protocol the exchange will carry: :func:`encode` (a provider's
standardised records to an :class:`Encoded` file and the :class:`References` it keeps),
:func:`match` (the linking party: two encodings to :class:`Matched` pairs of
references) and :func:`write_pairs` (the providers: references back to record ids);
:class:`Mode`, :class:`LinkOptions`, :func:`new_secret`; errors under
:class:`LinkageError`; :func:`link`, the whole protocol in one process for two sources
(``accord link``), and :func:`dedupe` with :func:`cluster` for one source
(``accord dedupe``); a side of either is a source read through its mapping or a
dataset of the workspace (:class:`DatasetSource`, ``dataset:NAME`` as text), and what
it read is a :class:`Side`. Inside: ``encoding`` (features, keyed tokens, Bloom
filters), ``model`` (Splink settings chosen from the features), ``engines`` (the Splink
backends the linking party may run on, registered in :data:`ENGINES`: DuckDB, Spark),
``matching``, ``resolve``, ``inputs`` (what a side reads), ``provenance`` (a run's
derivation in the catalogue's lineage).
"""

from typing import TYPE_CHECKING

from accord.linkage.encoding import encode, new_secret
from accord.linkage.engines import ENGINES, DuckDBEngine, Engine, SparkEngine, open_engine
from accord.linkage.errors import BadEncoding, BadSource, LinkageError, NothingToCompare
from accord.linkage.inputs import DATASET_PREFIX, DatasetSource, Side
from accord.linkage.models import Clustered, Encoded, LinkOptions, Matched, Mode, References
from accord.linkage.resolve import write_clusters, write_linkage_ids, write_pairs
from accord.linkage.service import DedupeReport, LinkReport, dedupe, link, read_secret

if TYPE_CHECKING:
    from accord.linkage.matching import cluster, match


def __getattr__(name: str) -> object:
    """:func:`match` and :func:`cluster`, imported on first use: they bring Splink, which
    is a third of a second of every command's start, and most commands never link."""
    if name in ("cluster", "match"):
        from accord.linkage import matching

        return getattr(matching, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DATASET_PREFIX",
    "ENGINES",
    "BadEncoding",
    "BadSource",
    "Clustered",
    "DatasetSource",
    "DedupeReport",
    "DuckDBEngine",
    "Encoded",
    "Engine",
    "LinkOptions",
    "LinkReport",
    "LinkageError",
    "Matched",
    "Mode",
    "NothingToCompare",
    "References",
    "Side",
    "SparkEngine",
    "cluster",
    "dedupe",
    "encode",
    "link",
    "match",
    "new_secret",
    "open_engine",
    "read_secret",
    "write_clusters",
    "write_linkage_ids",
    "write_pairs",
]
