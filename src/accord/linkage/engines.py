"""Where the linking party's model runs: a Splink backend and the SQL its dialect needs.

The model (``model.py``) is written once; what differs between backends lives here: how
an encoding is loaded, the few SQL expressions a dialect spells its own way (Dice of two
Bloom filters, overlap of two lists, string similarity), and how the scored pairs come
back to the linking party's DuckDB connection, where every decision is taken the same way
whichever engine scored them.

Engines are registered in :data:`ENGINES` by name (``--engine``); a third engine is a
subclass of :class:`Engine` added there. ``duckdb`` is the embedded default. ``spark``
runs Splink's Spark backend (a local session by default, or the cluster named by the
``spark_master`` setting) for populations too large for one machine; PySpark is imported
only when that engine is opened.
"""

from __future__ import annotations

import os
import sys
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from accord.linkage.encoding import EDIT_VARIANTS, NHS_DIGITS
from accord.linkage.errors import LinkageError
from accord.linkage.models import Encoded
from accord.people import ident, lit

DICE_MACRO = (
    "CREATE OR REPLACE MACRO accord_dice(a, b) AS "
    "2.0 * bit_count(a & b) / nullif(bit_count(a) + bit_count(b), 0)"
)
"""Dice coefficient of two Bloom filters (BIT), on the DuckDB engine's connection."""


def one_edit_macro(places: int) -> str:
    """Whether two lists of ``places`` typo variants agree at any place; a macro, so that
    Splink parses a short expression."""
    same = " OR ".join(f"a[{i}] = b[{i}]" for i in range(1, places + 1))
    return f"CREATE OR REPLACE MACRO accord_one_edit_{places}(a, b) AS ({same})"


class Engine(ABC):
    """A Splink backend for the linking party, and the SQL spelt its way."""

    name: ClassVar[str]

    def __init__(self, conn: duckdb.DuckDBPyConnection, scratch: Path) -> None:
        self.conn = conn
        """The linking party's DuckDB connection: scored pairs end up there."""
        self.scratch = scratch
        self._db: Any = None

    # -- dialect ---------------------------------------------------------------------

    def ident(self, name: str) -> str:
        """``name`` quoted as an identifier."""
        return ident(name)

    @abstractmethod
    def dice(self, name: str, other: str | None = None) -> str:
        """Dice coefficient of the Bloom filters ``{name}_bf_l`` and ``{other}_bf_r``
        (``other`` is ``name`` unless given: a given name against a family name, say)."""

    @abstractmethod
    def overlap(self, name: str) -> str:
        """Whether the lists ``{name}_l`` and ``{name}_r`` share an element."""

    @abstractmethod
    def item(self, expr: str, place: int) -> str:
        """The element at ``place`` (counting from 0) of the list ``expr``."""

    @abstractmethod
    def one_edit(self, name: str, places: int = EDIT_VARIANTS) -> str:
        """Whether the lists of typo variants ``{name}_l`` and ``{name}_r`` (each of
        ``places`` places, see ``encoding``) are equal at any one place: compared place
        by place, not as sets (a list intersection costs six times more, and u is
        estimated from a million random pairs)."""

    @abstractmethod
    def similarity(self, name: str, other: str | None = None) -> str:
        """Jaro-Winkler similarity of ``{name}_l`` and ``{other}_r`` (plaintext mode)."""

    # -- work ------------------------------------------------------------------------

    @abstractmethod
    def load(self, sides: dict[str, Encoded], features: set[str]) -> tuple[Any, list[Any]]:
        """Load each side's encoding as table ``_link_{side}`` (only ``ref`` and
        ``features``); the Splink database API and the registered frames."""

    @abstractmethod
    def any_row(self, sql: str) -> bool:
        """Whether the query over the loaded tables returns a row."""

    @abstractmethod
    def collect(self, scored: Any) -> str:
        """The scored pairs as a table on :attr:`conn`; its name."""

    @abstractmethod
    def count(self, frame: Any) -> int:
        """The rows of a table Splink made (a ``SplinkDataFrame``), where it is."""

    def release(self) -> None:
        """Drop the tables Splink made for one model, once its pairs are collected."""
        if self._db is not None:
            self._db.delete_tables_created_by_splink_from_db()
            self._db = None

    def close(self) -> None:  # noqa: B027 - most engines hold nothing beyond their tables
        """Release what the engine holds for its lifetime (a session, say)."""


class DuckDBEngine(Engine):
    """Splink on the linking party's own DuckDB connection: nothing leaves the process."""

    name = "duckdb"

    def dice(self, name: str, other: str | None = None) -> str:
        return f"accord_dice({name}_bf_l, {other or name}_bf_r)"

    def overlap(self, name: str) -> str:
        return f"len(list_intersect({name}_l, {name}_r)) >= 1"

    def item(self, expr: str, place: int) -> str:
        return f"{expr}[{place + 1}]"  # DuckDB's lists count from 1

    def one_edit(self, name: str, places: int = EDIT_VARIANTS) -> str:
        return f"accord_one_edit_{places}({name}_l, {name}_r)"

    def similarity(self, name: str, other: str | None = None) -> str:
        return f"jaro_winkler_similarity({name}_l, {other or name}_r)"

    def load(self, sides: dict[str, Encoded], features: set[str]) -> tuple[Any, list[Any]]:
        self.conn.execute(DICE_MACRO)
        for places in (EDIT_VARIANTS, NHS_DIGITS):
            self.conn.execute(one_edit_macro(places))
        # Filters arrive as bytes: back to bits for the Dice macro.
        keep = ", ".join(
            f"{ident(f)}::BIT AS {ident(f)}" if f.endswith("_bf") else ident(f)
            for f in ["ref", *sorted(features)]
        )
        for side, enc in sides.items():
            self.conn.execute(
                f"CREATE OR REPLACE TABLE _link_{side} AS SELECT {keep} "
                f"FROM read_parquet({lit(str(enc.path))})"
            )
        from splink import DuckDBAPI  # Splink loads with a run, not with the package

        self._db = DuckDBAPI(connection=self.conn)
        frames = [self._db.register(f"_link_{side}", dataset_display_name=side) for side in sides]
        return self._db, frames

    def any_row(self, sql: str) -> bool:
        return bool(self.conn.execute(sql).fetchall())

    def collect(self, scored: Any) -> str:
        return str(scored.physical_name)

    def count(self, frame: Any) -> int:
        return int(
            self.conn.execute(f"SELECT count(*) FROM {frame.physical_name}").fetchall()[0][0]
        )


class SparkEngine(Engine):
    """Splink on Spark: a local session by default, or the cluster at ``master``.

    Spark has no bit strings: a Bloom filter travels as an array of 64-bit words, and
    Dice sums the set bits word by word (the counts of each filter are computed once).
    """

    name = "spark"
    _WORD_BYTES = 8

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        scratch: Path,
        master: str = "local[*]",
        driver_memory: str = "4g",
    ) -> None:
        super().__init__(conn, scratch)
        self._local = scratch / "spark"
        self._on_this_machine = master.startswith("local")
        self.spark = _session(master, driver_memory, self._local)

    def dice(self, name: str, other: str | None = None) -> str:
        other = other or name
        both = f"zip_with({name}_bf_l, {other}_bf_r, (x, y) -> bit_count(x & y))"
        return (
            f"2.0 * aggregate({both}, 0, (acc, v) -> acc + v) "
            f"/ nullif({name}_bf_n_l + {other}_bf_n_r, 0)"
        )

    def ident(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def overlap(self, name: str) -> str:
        return f"arrays_overlap({name}_l, {name}_r)"

    def item(self, expr: str, place: int) -> str:
        return f"{expr}[{place}]"

    def one_edit(self, name: str, places: int = EDIT_VARIANTS) -> str:
        # Spark's arrays count from 0; every list has all its places (NULL past a value's
        # end), so no index is out of bounds, which ANSI mode would reject.
        same = " OR ".join(f"{name}_l[{i}] = {name}_r[{i}]" for i in range(places))
        return f"({same})"

    def similarity(self, name: str, other: str | None = None) -> str:
        return f"jaro_winkler({name}_l, {other or name}_r)"  # registered from Splink's jar

    def load(self, sides: dict[str, Encoded], features: set[str]) -> tuple[Any, list[Any]]:
        from splink import SparkAPI

        # Splink writes its intermediate tables out as Parquet (in the checkpoint directory)
        # and reads them back: Spark then plans each EM iteration from a short lineage.
        self._db = SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=self.spark, break_lineage_method="parquet"
        )
        frames = []
        for side, enc in sides.items():
            path = self._local / f"{side}.parquet"
            pq.write_table(_words(pq.read_table(enc.path, columns=["ref", *sorted(features)])),
                           path)  # fmt: skip
            self.spark.read.parquet(str(path)).createOrReplaceTempView(f"_link_{side}")
            frames.append(self._db.register(f"_link_{side}", dataset_display_name=side))
        return self._db, frames

    def any_row(self, sql: str) -> bool:
        return bool(self.spark.sql(sql).take(1))

    def collect(self, scored: Any) -> str:
        arrow = scored.as_spark_dataframe().toArrow()
        self.conn.register("_spark_scored", arrow)
        self.conn.execute("CREATE OR REPLACE TEMP TABLE _scored AS SELECT * FROM _spark_scored")
        self.conn.unregister("_spark_scored")
        return "_scored"

    def count(self, frame: Any) -> int:
        return int(frame.as_spark_dataframe().count())

    def close(self) -> None:
        self.spark.stop()


_LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""
"""Spark's own logging: errors only, so ``accord link`` prints its progress, not Spark's."""


def _session(master: str, driver_memory: str, local: Path) -> Any:
    """A Spark session for the linking party, its scratch space under ``local``."""
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:  # pragma: no cover - the test environment has PySpark
        raise LinkageError("the spark engine needs PySpark: pip install 'accord[spark]'") from exc
    (local / "checkpoints").mkdir(parents=True, exist_ok=True)
    (local / "tmp").mkdir(exist_ok=True)
    (local / "log4j2.properties").write_text(_LOG4J, encoding="utf-8")
    on_this_machine = master.startswith("local")
    # A few partitions a core: Spark's default of 200 is for clusters; on one machine
    # each partition of each of EM's many small stages costs a task.
    partitions = 2 * (os.cpu_count() or 2) if on_this_machine else 200
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers: this interpreter
    log4j = local / "log4j2.properties"
    java = f"-Djava.io.tmpdir={local / 'tmp'} -Dlog4j2.configurationFile={log4j}"
    builder = (
        SparkSession.builder.appName("accord-linkage")
        .master(master)
        .config("spark.jars", similarity_jar_location())  # jaro_winkler, for plaintext mode
        .config("spark.driver.memory", driver_memory)
        .config("spark.driver.extraJavaOptions", java)
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.local.dir", str(local / "tmp"))
        .config("spark.sql.warehouse.dir", str(local / "warehouse"))
    )
    if on_this_machine:  # nothing to reach but this machine: bind to loopback only
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(local / "checkpoints"))
    return spark


def _words(table: pa.Table) -> pa.Table:
    """``table`` with each Bloom filter (bytes) as a list of 64-bit words, and its count
    of set bits as ``{name}_n``; a missing filter stays missing, so Dice is NULL as in
    DuckDB."""
    import numpy as np
    import pyarrow.compute as pc

    for name in [n for n in table.column_names if n.endswith("_bf")]:
        column = table[name].combine_chunks()
        present = column.drop_null()
        width = len(present[0].as_py()) if len(present) else SparkEngine._WORD_BYTES
        missing = column.is_null()
        filled = pc.fill_null(column, pa.scalar(b"\0" * width)).cast(pa.binary(width))
        per = width // SparkEngine._WORD_BYTES
        words = np.frombuffer(filled.buffers()[1], dtype=np.int64,
                              count=len(filled) * per, offset=filled.offset * width)  # fmt: skip
        lists = pa.FixedSizeListArray.from_arrays(pa.array(words), per, mask=missing)
        bits = np.bitwise_count(words.view(np.uint64)).reshape(-1, per).sum(axis=1)
        counts = pa.array(bits.astype(np.int32), mask=missing.to_numpy(zero_copy_only=False))
        at = table.column_names.index(name)
        table = table.set_column(at, name, lists).append_column(f"{name}_n", counts)
    return table


ENGINES: dict[str, type[Engine]] = {"duckdb": DuckDBEngine, "spark": SparkEngine}
"""The engines by name: ``--engine`` chooses one."""


@contextmanager
def open_engine(
    name: str, conn: duckdb.DuckDBPyConnection, scratch: Path, **options: Any
) -> Iterator[Engine]:
    """The engine called ``name``, released on the way out."""
    try:
        kind = ENGINES[name]
    except KeyError:
        raise LinkageError(
            f"no linkage engine {name!r}: choose one of {', '.join(sorted(ENGINES))}"
        ) from None
    with warnings.catch_warnings():
        # PySpark warns, on import and on every collection to Arrow, that it has not
        # caught up with pandas 3; Accord hands it no pandas frames.
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas",
                                FutureWarning)  # fmt: skip
        engine = kind(conn, scratch, **options) if kind is SparkEngine else kind(conn, scratch)
        try:
            yield engine
        finally:
            engine.close()
