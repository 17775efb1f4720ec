"""The Parquet reader: typed columns as the text the standardisers read, streamed in batches."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from accord.sources import MappingError, SourceOptions, SourceUnreadable, reader_for
from tests.sources.support import read, write


def typed_table() -> pa.Table:
    return pa.table({
        "id": pa.array([1, 2, 3], pa.int64()),
        "first": pa.array(["Ann", "  ", None]),
        "nhs": pa.array([9434765919.0, 1.5, None]),
        "dob": pa.array([dt.date(1980, 2, 3), None, dt.date(1990, 1, 1)]),
        "seen": pa.array([dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 2, 9, 30), None]),
        "flag": pa.array([True, False, None]),
        "fee": pa.array([Decimal("12.50"), None, Decimal("0.10")]),
        "tags": pa.array([["a", "é"], [], None]),
        "ward": pa.array(["A", "B", "A"]).dictionary_encode(),
        "half": pa.array([1.0, 2.5, None], pa.float16()),
    })  # fmt: skip


def test_typed_values_become_the_text_the_standardisers_read(tmp_path: Path) -> None:
    source = tmp_path / "p.parquet"
    pq.write_table(typed_table(), source)

    result = read(source, tmp_path / "s")

    assert result.columns == typed_table().column_names
    one, two, three = result.rows
    assert one == {
        "__row": 1, "id": "1", "first": "Ann", "nhs": "9434765919", "dob": "1980-02-03",
        "seen": "2024-01-02", "flag": "true", "fee": "12.50", "tags": '["a","é"]',
        "ward": "A", "half": "1",
    }  # fmt: skip
    assert (two["first"], two["nhs"], two["seen"], two["flag"], two["half"]) == (
        None, "1.5", "2024-01-02 09:30:00", "false", "2.5",
    )  # fmt: skip
    assert (three["first"], three["nhs"], three["tags"], three["fee"]) == (None, None, None, "0.10")
    assert result.loaded.rows_read == 3


def test_rows_across_row_groups_keep_their_position_as_number(tmp_path: Path) -> None:
    source = tmp_path / "big.parquet"
    table = pa.table({"id": pa.array(range(2500)), "first": [f"n{i}" for i in range(2500)]})
    pq.write_table(table, source, row_group_size=90)  # 28 row groups, read on every thread
    reader = reader_for(str(source), SourceOptions(), tmp_path, 100)

    with duckdb.connect() as conn:
        conn.execute("SET threads = 2")
        loaded = reader.load(conn, "raw", ["first"], lambda _done, _total: None)
        rows = conn.execute("SELECT __row, first FROM raw").fetchall()

    # In the file's order without a sort (the snapshot keeps it), numbered from 1.
    assert rows == [(i + 1, f"n{i}") for i in range(2500)]
    assert loaded.rows_read == 2500


def test_the_mapping_is_checked_against_the_schema_before_any_row(tmp_path: Path) -> None:
    source = tmp_path / "p.parquet"
    pq.write_table(typed_table(), source)
    # Damage every row's data: the footer, which holds the schema, stays whole.
    data = bytearray(source.read_bytes())
    data[4:200] = b"\x00" * 196
    source.write_bytes(bytes(data))
    reader = reader_for(str(source), SourceOptions(), tmp_path, 100)

    assert "dob" in reader.columns()
    with duckdb.connect() as conn, pytest.raises(SourceUnreadable, match="not a readable Parquet"):
        reader.load(conn, "raw", ["id", "first"], lambda _d, _t: None)


def test_bytes_that_are_not_text_are_quarantined_with_the_row(tmp_path: Path) -> None:
    source = tmp_path / "p.parquet"
    pq.write_table(pa.table({"id": ["1", "2", "3"], "note": [b"fine", b"\xff\xfe", None]}), source)

    result = read(source, tmp_path / "s")

    assert result.numbers() == [1, 3]
    (bad,) = result.loaded.rejected
    assert (bad.row_number, bad.column) == (2, "note")
    assert bad.reason == "column 'note': bytes that are not UTF-8 text"
    assert json.loads(bad.raw or "") == {"id": "2", "note": "\\xFF\\xFE"}
    assert result.loaded.rows_read == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "the file is empty"), (b"PAR1 and then nothing", "not a readable Parquet file")],
    ids=["empty", "truncated"],
)
def test_a_file_that_is_not_parquet_is_unreadable(
    tmp_path: Path, data: bytes, message: str
) -> None:
    source = write(tmp_path / "p.parquet", data)

    with pytest.raises(SourceUnreadable, match=message):
        read(source, tmp_path / "s")


def test_duplicate_columns_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "p.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["id", "id"]), source)

    with pytest.raises(SourceUnreadable, match=r"columns \['id'\] appear more than once"):
        read(source, tmp_path / "s")


def test_parquet_takes_no_options(tmp_path: Path) -> None:
    source = tmp_path / "p.parquet"
    pq.write_table(typed_table(), source)

    with pytest.raises(MappingError, match=r"source\.delimiter: does not apply to parquet"):
        read(source, tmp_path / "s", delimiter=";")
