"""Ingest benchmark: read, standardise and snapshot a generated GP extract.

Data: the ``gp-hospital-council`` scenario's GP extract (cp1252 CSV, ``SURNAME, Given``
names, dd/mm/yyyy dates, 12 columns) with one record per person, 1,000,000 rows by
default, generated once into ``benchmarks/.data/``. Each measurement runs in a fresh
child process so that peak RSS is its own: ``accord`` ingest into a new workspace on the
embedded store, then a plain ``pandas.read_csv`` of the same file for scale (skipping the
broken rows accord quarantines, which would otherwise stop it), and, for a like-for-like
figure, ``pandas.read_csv(dtype=str)``, which keeps every value as text as ingest does.

Prints a table, then as its last line one JSON object:
``{"rows", "seconds", "rows_per_s", "ratio_vs_pandas_read", "ratio_vs_pandas_str",
"peak_rss_mb"}`` (a ratio = our seconds / pandas seconds). Goals: >= 200,000 rows/s,
``ratio_vs_pandas_str`` <= 2 (the like-for-like reference, which replaced the plain
``read_csv`` ratio's 2.5), peak RSS <= 2,000 MB on the 2-core machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

DATA = Path(__file__).resolve().parent / ".data"
AS_OF = date(2026, 11, 22)


def extract(rows: int, seed: int) -> tuple[Path, Path]:
    """The GP extract with ``rows`` records and its mapping, generated on first use."""
    import accord.scenarios as scenarios_module
    from accord.scenarios import ErrorRates, generate

    # Keyed by the generator's own source too: a changed error model means new data.
    package = Path(scenarios_module.__file__).parent
    code = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(package.glob("*.py"))))
    target = DATA / f"gp-{rows}-{seed}-{code.hexdigest()[:10]}"
    csv, mapping = target / "gp.csv", target / "gp.mapping.yaml"
    if not csv.exists():
        print(f"generating {rows:,} GP records into {target} (once)...", file=sys.stderr)
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        generate("gp-hospital-council", rows, partial, seed=seed, organisations=["gp"],
                 rates=ErrorRates(gp_coverage=1.0), as_of=AS_OF)  # fmt: skip
        partial.rename(target)
    return csv, mapping


def peak_rss_mb() -> float:
    """This process's peak RSS since it started, in MB.

    ``getrusage`` would do on its own, but on Linux a child's figure starts from its
    parent's at the fork; the kernel's high-water mark of the process's own memory does not.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


def child_accord(csv: Path, mapping: Path) -> dict[str, float]:
    from accord.sources import ingest
    from accord.store import init_workspace

    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        workspace = init_workspace(Path(tmp) / "ws", "bench")
        started = time.perf_counter()
        report = ingest(workspace, str(csv), mapping, "gp", as_of=AS_OF)
        seconds = time.perf_counter() - started
        workspace.engine.dispose()
    snapshot = report.snapshot
    return {"seconds": seconds, "rows": snapshot.read_rows, "stored": snapshot.rows,
            "quarantined": snapshot.quarantined_rows, "peak_rss_mb": peak_rss_mb()}  # fmt: skip


def child_pandas(csv: Path, as_text: bool = False) -> dict[str, float]:
    import pandas as pd

    started = time.perf_counter()
    # The extract has broken rows (13 cells) that accord quarantines; pandas must skip them.
    options: dict[str, object] = {"dtype": str} if as_text else {}
    frame = pd.read_csv(csv, encoding="cp1252", on_bad_lines="skip", **options)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": len(frame), "peak_rss_mb": peak_rss_mb()}


def run_child(kind: str, csv: Path, mapping: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--csv", str(csv),
         "--mapping", str(mapping)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    measured: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--child", choices=["accord", "pandas", "pandas-text"], help=argparse.SUPPRESS
    )
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mapping", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "accord":
        print(json.dumps(child_accord(args.csv, args.mapping)))
        return
    if args.child in ("pandas", "pandas-text"):
        print(json.dumps(child_pandas(args.csv, as_text=args.child == "pandas-text")))
        return
    csv, mapping = extract(args.rows, args.seed)
    ours = run_child("accord", csv, mapping)
    theirs = run_child("pandas", csv, mapping)
    text = run_child("pandas-text", csv, mapping)
    size_mb = csv.stat().st_size / 1e6
    print(
        f"file: {csv} ({size_mb:,.0f} MB, {int(ours['rows']):,} rows read, "
        f"{int(ours['stored']):,} records stored, {int(ours['quarantined']):,} quarantined)"
    )
    print(
        f"accord ingest + standardise + snapshot: {ours['seconds']:.2f} s, "
        f"peak RSS {ours['peak_rss_mb']:,.0f} MB"
    )
    print(
        f"pandas.read_csv (parse only):            {theirs['seconds']:.2f} s, "
        f"peak RSS {theirs['peak_rss_mb']:,.0f} MB"
    )
    print(
        f"pandas.read_csv(dtype=str), for scale:  {text['seconds']:.2f} s "
        f"(ratio {ours['seconds'] / text['seconds']:.2f})"
    )
    rows = int(ours["rows"])
    print(json.dumps({
        "rows": rows,
        "seconds": round(ours["seconds"], 3),
        "rows_per_s": round(rows / ours["seconds"]),
        "ratio_vs_pandas_read": round(ours["seconds"] / theirs["seconds"], 2),
        "ratio_vs_pandas_str": round(ours["seconds"] / text["seconds"], 2),
        "peak_rss_mb": round(ours["peak_rss_mb"], 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
