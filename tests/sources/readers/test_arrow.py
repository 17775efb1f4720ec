"""The Arrow IPC reader: Feather v2, .arrow files and streams, batch by batch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.feather as feather
import pytest

from accord.sources import SourceOptions, SourceUnreadable, reader_for
from tests.sources.support import read, write

TABLE = pa.table({
    "id": pa.array(["P1", "P2", "P3"]),
    "nhs": pa.array([9434765919, None, 4010232137], pa.int64()),
    "dob": pa.array([dt.datetime(1980, 2, 3), None, dt.datetime(1975, 12, 31)]),
})  # fmt: skip
EXPECTED = [(1, "P1", "9434765919", "1980-02-03"), (2, "P2", None, None),
            (3, "P3", "4010232137", "1975-12-31")]  # fmt: skip


def rows(source: Path, tmp_path: Path) -> list[tuple[object, ...]]:
    return [(r["__row"], r["id"], r["nhs"], r["dob"]) for r in read(source, tmp_path / "s").rows]


def test_a_feather_v2_file_is_read(tmp_path: Path) -> None:
    source = tmp_path / "p.feather"
    feather.write_feather(TABLE, source)  # version 2, LZ4-compressed by default

    assert rows(source, tmp_path) == EXPECTED


def test_an_arrow_ipc_stream_is_read(tmp_path: Path) -> None:
    source = tmp_path / "p.arrows"
    with pa.OSFile(str(source), "wb") as sink, pa.ipc.new_stream(sink, TABLE.schema) as out:
        out.write_table(TABLE, max_chunksize=2)

    assert rows(source, tmp_path) == EXPECTED


def test_large_batches_are_sliced_to_chunks(tmp_path: Path) -> None:
    source = tmp_path / "p.arrow"
    table = pa.table({"id": pa.array([f"P{i}" for i in range(250)])})
    with pa.OSFile(str(source), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
        out.write_table(table)  # one batch of 250
    reader = reader_for(str(source), SourceOptions(), tmp_path, 100)
    seen: list[int] = []

    with duckdb.connect() as conn:
        reader.load(conn, "raw", ["id"], lambda done, _total: seen.append(done))
        numbers = [n for (n,) in conn.execute("SELECT __row FROM raw ORDER BY __row").fetchall()]

    assert seen[:-1] == [100, 200, 250]
    assert numbers == list(range(1, 251))


def test_the_schema_is_read_without_a_row(tmp_path: Path) -> None:
    source = tmp_path / "p.arrow"
    with pa.OSFile(str(source), "wb") as sink, pa.ipc.new_file(sink, TABLE.schema) as out:
        out.write_table(TABLE)

    assert reader_for(str(source), SourceOptions(), tmp_path, 100).columns() == ["id", "nhs", "dob"]


def test_feather_version_1_is_refused_with_what_to_do(tmp_path: Path) -> None:
    source = write(tmp_path / "old.feather", b"FEA1" + b"\x00" * 64)

    with pytest.raises(SourceUnreadable, match="Feather version 1 file, which is not read; save"):
        read(source, tmp_path / "s")


def test_a_truncated_file_is_unreadable(tmp_path: Path) -> None:
    source = tmp_path / "p.arrow"
    with pa.OSFile(str(source), "wb") as sink, pa.ipc.new_file(sink, TABLE.schema) as out:
        out.write_table(TABLE)
    source.write_bytes(source.read_bytes()[:40])

    with pytest.raises(SourceUnreadable, match="not a readable Arrow IPC file"):
        read(source, tmp_path / "s")
