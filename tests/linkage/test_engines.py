"""The engines: DuckDB and Spark (a local[2] session) decide the same."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from accord.linkage import (
    ENGINES,
    Engine,
    LinkageError,
    Mode,
    SparkEngine,
    link,
    open_engine,
)
from accord.linkage.encoding import encode
from accord.scenarios import generate, true_pairs
from accord.store import Settings
from tests.linkage.conftest import AS_OF, Population, scores

SECRET = b"a secret the two providers share"
PEOPLE = 3_000
SPARK = Settings(spark_master="local[2]", spark_driver_memory="2g")


@pytest.fixture(scope="module")
def three_thousand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("three-thousand")
    generate("gp-hospital-council", PEOPLE, folder, seed=5, organisations=["gp", "hospital"],
             as_of=AS_OF)  # fmt: skip
    return folder


def _link(folder: Path, out: Path, engine: str, mode: Mode) -> set[tuple[str, str]]:
    link(str(folder / "gp.csv"), str(folder / "hospital.xlsx"), folder / "gp.mapping.yaml",
         folder / "hospital.mapping.yaml", out, mode=mode,
         secret=SECRET if mode is Mode.PRIVATE else None, settings=SPARK, as_of=AS_OF,
         engine=engine)  # fmt: skip
    with out.open(encoding="utf-8", newline="") as fh:
        return {(r["left_id"], r["right_id"]) for r in csv.DictReader(fh)}


@pytest.mark.slow
def test_duckdb_and_spark_decide_the_same_on_three_thousand_people(
    three_thousand: Path, tmp_path: Path
) -> None:
    truth = true_pairs(three_thousand / "truth.csv", "gp", "hospital")
    by_engine = {
        engine: _link(three_thousand, tmp_path / f"{engine}.csv", engine, Mode.PRIVATE)
        for engine in ("duckdb", "spark")
    }

    f1 = {engine: scores(found, truth)[2] for engine, found in by_engine.items()}
    assert abs(f1["duckdb"] - f1["spark"]) <= 0.002, f1
    assert f1["spark"] >= 0.98, f1
    differ = by_engine["duckdb"] ^ by_engine["spark"]
    assert len(differ) <= 0.002 * len(truth), sorted(differ)[:10]


def test_spark_compares_bloom_filters_as_duckdb_does(population: Population,
                                                     tmp_path: Path) -> None:  # fmt: skip
    enc, _ = encode(duckdb.connect(), population.gp.path, tmp_path / "gp", party="gp", run="r",
                    mode=Mode.PRIVATE, secret=SECRET)  # fmt: skip
    found = {}
    for name in ("duckdb", "spark"):
        options = {"master": "local[2]", "driver_memory": "1g"} if name == "spark" else {}
        with open_engine(name, duckdb.connect(), tmp_path / name, **options) as engine:
            engine.load({"left": enc, "right": enc}, {"address", "address_bf"})
            side = "SELECT ref, address_bf AS address_bf_{s}" + (
                ", address_bf_n AS address_bf_n_{s}" if isinstance(engine, SparkEngine) else ""
            )  # fmt: skip
            sql = (
                f"SELECT l.ref, r.ref, {engine.dice('address')} FROM "
                f"({side.format(s='l')} FROM _link_left) l JOIN "
                f"({side.format(s='r')} FROM _link_right) r ON l.ref < r.ref "
                "ORDER BY 1, 2 LIMIT 3000"
            )
            found[name] = _rows(engine, sql)
            engine.release()
    assert len(found["duckdb"]) == 3000
    assert found["duckdb"] == found["spark"]


def _rows(engine: Engine, sql: str) -> list[tuple[str, str, float | None]]:
    rows = (engine.spark.sql(sql).collect() if isinstance(engine, SparkEngine)
            else engine.conn.execute(sql).fetchall())  # fmt: skip
    return [(a, b, None if d is None else round(float(d), 9)) for a, b, d in rows]


def test_an_unknown_engine_is_refused(tmp_path: Path) -> None:
    with (
        pytest.raises(LinkageError, match="choose one of duckdb, spark"),
        open_engine("hadoop", duckdb.connect(), tmp_path),
    ):
        pass
    assert set(ENGINES) == {"duckdb", "spark"}
