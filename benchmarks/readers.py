"""Typed-reader benchmark: the GP extract ingested from Parquet and Arrow IPC, beside CSV.

Data: the ingest benchmark's GP extract (``benchmarks/ingest.py``: 1,000,000 rows by
default, generated once into ``benchmarks/.data/``), converted once (pyarrow, DuckDB) into a
Parquet file (row groups of 122,880 rows) and an Arrow IPC file (batches of 100,000),
with the NHS number as a 64-bit integer and every other column as text, as an extract
tool would write them (the rows the CSV reader quarantines are left out). Each
measurement runs in a fresh child process so that peak RSS is its own: ``accord`` ingest
of each file into a new workspace, and, for scale, ``pyarrow`` reading the whole Parquet
file into memory (what a reader that did not stream would hold).

Prints a table, then as its last line one JSON object:
``{"rows", "parquet_seconds", "arrow_seconds", "csv_seconds", "parquet_peak_rss_mb",
"arrow_peak_rss_mb", "pyarrow_read_table_peak_rss_mb"}``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ingest import AS_OF, extract, peak_rss_mb  # the sibling benchmark: one copy of the data


def typed_copies(csv: Path) -> tuple[Path, Path]:
    """The extract as Parquet and Arrow IPC, made once beside it."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyarrow import csv as pa_csv

    parquet, arrow = csv.with_suffix(".parquet"), csv.with_suffix(".arrow")
    if parquet.exists() and arrow.exists():
        return parquet, arrow
    with csv.open(encoding="cp1252") as fh:
        header = fh.readline().rstrip("\r\n").split(",")
    text = pa_csv.read_csv(
        csv,
        read_options=pa_csv.ReadOptions(encoding="cp1252"),
        parse_options=pa_csv.ParseOptions(
            newlines_in_values=True, invalid_row_handler=lambda _row: "skip"
        ),
        convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(header, pa.string())),
    )
    with duckdb.connect() as conn:
        conn.register("text", text)
        table = conn.execute(
            "SELECT * REPLACE (TRY_CAST(replace(NHSNumber, ' ', '') AS BIGINT) AS NHSNumber) "
            "FROM text"
        ).to_arrow_table()
    pq.write_table(table, parquet, row_group_size=122_880)
    with pa.OSFile(str(arrow), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
        out.write_table(table, max_chunksize=100_000)
    return parquet, arrow


def typed_mapping(mapping: Path) -> Path:
    """The CSV's mapping without its ``source:`` options (encoding and delimiter)."""
    import yaml

    document = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    document.pop("source", None)
    typed = mapping.with_name("gp.typed.mapping.yaml")
    typed.write_text(yaml.safe_dump(document), encoding="utf-8")
    return typed


def child_accord(source: Path, mapping: Path) -> dict[str, float]:
    from accord.sources import ingest
    from accord.store import init_workspace

    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        workspace = init_workspace(Path(tmp) / "ws", "bench")
        started = time.perf_counter()
        report = ingest(workspace, str(source), mapping, "gp", as_of=AS_OF,
                        max_failure_rate=1.0)  # fmt: skip
        seconds = time.perf_counter() - started
        workspace.engine.dispose()
    return {"seconds": seconds, "rows": report.snapshot.read_rows,
            "peak_rss_mb": peak_rss_mb()}  # fmt: skip


def child_pyarrow(source: Path) -> dict[str, float]:
    import pyarrow.parquet as pq

    started = time.perf_counter()
    table = pq.read_table(source)
    return {"seconds": time.perf_counter() - started, "rows": table.num_rows,
            "peak_rss_mb": peak_rss_mb()}  # fmt: skip


def run_child(kind: str, source: Path, mapping: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--source", str(source),
         "--mapping", str(mapping)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    measured: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", choices=["accord", "pyarrow"], help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mapping", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "accord":
        print(json.dumps(child_accord(args.source, args.mapping)))
        return
    if args.child == "pyarrow":
        print(json.dumps(child_pyarrow(args.source)))
        return
    csv, mapping = extract(args.rows, args.seed)
    parquet, arrow = typed_copies(csv)
    typed = typed_mapping(mapping)
    measured = {
        "csv": run_child("accord", csv, mapping),
        "parquet": run_child("accord", parquet, typed),
        "arrow": run_child("accord", arrow, typed),
        "pyarrow": run_child("pyarrow", parquet, typed),
    }
    for name, label in (("csv", "accord ingest, CSV"), ("parquet", "accord ingest, Parquet"),
                        ("arrow", "accord ingest, Arrow IPC"),
                        ("pyarrow", "pyarrow.parquet.read_table (whole file)")):  # fmt: skip
        m = measured[name]
        print(f"{label:<42} {int(m['rows']):>10,} rows {m['seconds']:7.2f} s "
              f"peak RSS {m['peak_rss_mb']:7,.0f} MB")  # fmt: skip
    print(json.dumps({
        "rows": int(measured["parquet"]["rows"]),
        "parquet_seconds": round(measured["parquet"]["seconds"], 3),
        "arrow_seconds": round(measured["arrow"]["seconds"], 3),
        "csv_seconds": round(measured["csv"]["seconds"], 3),
        "parquet_peak_rss_mb": round(measured["parquet"]["peak_rss_mb"], 1),
        "arrow_peak_rss_mb": round(measured["arrow"]["peak_rss_mb"], 1),
        "pyarrow_read_table_peak_rss_mb": round(measured["pyarrow"]["peak_rss_mb"], 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
