"""The SQL reader: a URL or a SQLite path, the mapping's query, typed values as text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from accord.sources import MappingError, SourceOptions, SourceUnreadable, reader_for
from tests.sources.support import read

PEOPLE = sa.Table(
    "people",
    sa.MetaData(),
    sa.Column("id", sa.String(10)),
    sa.Column("first", sa.String(40)),
    sa.Column("nhs", sa.BigInteger),
    sa.Column("nhs_real", sa.Float),
    sa.Column("dob", sa.Date),
    sa.Column("seen", sa.DateTime),
    sa.Column("score", sa.Numeric(5, 2)),
)
ROWS: list[dict[str, object]] = [
    {"id": "1", "first": "Ann", "nhs": 9434765919, "nhs_real": 9434765919.0,
     "dob": dt.date(1980, 2, 3), "seen": dt.datetime(2024, 5, 6, 14, 30),
     "score": Decimal("12.50")},
    {"id": "2", "first": "Zoë", "nhs": None, "nhs_real": None, "dob": None, "seen": None,
     "score": None},
]  # fmt: skip
QUERY = "SELECT id, first, nhs, nhs_real, dob, seen, score FROM people ORDER BY id"


def fill(url: str, rows: list[dict[str, object]] = ROWS) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            PEOPLE.create(conn)
            conn.execute(PEOPLE.insert(), rows)
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database holding ``people``, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return fill(f"sqlite:///{tmp_path / 'council.sqlite'}")
    url: str = request.getfixturevalue("postgres_url")
    return fill(url)


def test_a_query_is_read_as_text_in_result_order(database: str, tmp_path: Path) -> None:
    result = read(database, tmp_path / "s", query=QUERY)

    # SQLite keeps what SQLAlchemy wrote as text; PostgreSQL hands over typed values.
    sqlite = database.startswith("sqlite")
    seen, score = (
        ("2024-05-06 14:30:00.000000", "12.5") if sqlite else ("2024-05-06 14:30:00", "12.50")
    )
    assert result.columns == ["id", "first", "nhs", "nhs_real", "dob", "seen", "score"]
    assert result.rows == [
        {"__row": 1, "id": "1", "first": "Ann", "nhs": "9434765919", "nhs_real": "9434765919",
         "dob": "1980-02-03", "seen": seen, "score": score},
        {"__row": 2, "id": "2", "first": "Zoë", "nhs": None, "nhs_real": None, "dob": None,
         "seen": None, "score": None},
    ]  # fmt: skip
    assert result.loaded.rows_read == 2


def test_a_plain_sqlite_path_reads_like_its_url(tmp_path: Path) -> None:
    path = tmp_path / "council.sqlite"
    fill(f"sqlite:///{path}")

    by_path = read(path, tmp_path / "a", query=QUERY)
    by_url = read(f"sqlite:///{path}", tmp_path / "b", query=QUERY)

    assert by_path.rows == by_url.rows
    assert [r["first"] for r in by_path.rows] == ["Ann", "Zoë"]


def test_a_trailing_semicolon_and_comment_are_allowed(database: str, tmp_path: Path) -> None:
    result = read(database, tmp_path / "s", query="SELECT id FROM people -- everyone\n;")

    assert sorted(r["id"] for r in result.rows) == ["1", "2"]


def test_rows_stream_in_chunks(tmp_path: Path) -> None:
    url = fill(f"sqlite:///{tmp_path / 'many.sqlite'}",
               [{"id": str(i), "first": f"n{i}"} for i in range(250)])  # fmt: skip

    result = read(url, tmp_path / "s", chunk_rows=100, query="SELECT id, first FROM people")

    assert result.numbers() == list(range(1, 251))


@pytest.mark.parametrize(
    "query", ["SELECT * FROM nowhere", "SELEC id FROM people", "SELECT missing FROM people"]
)
def test_a_failing_query_is_unreadable(database: str, tmp_path: Path, query: str) -> None:
    with pytest.raises(SourceUnreadable, match="query failed"):
        read(database, tmp_path / "s", query=query)


def test_a_query_naming_a_column_twice_is_refused(database: str, tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable, match=r"returns \['id'\] more than once"):
        read(database, tmp_path / "s", query="SELECT id, first AS id FROM people")


@pytest.mark.parametrize("query", [None, "", "  ;  "])
def test_a_missing_query_is_a_mapping_error(tmp_path: Path, query: str | None) -> None:
    url = fill(f"sqlite:///{tmp_path / 'c.sqlite'}")

    with pytest.raises(MappingError, match=r"^source\.query: a SQL source needs a query"):
        read(url, tmp_path / "s", query=query)


def test_an_option_for_another_format_is_refused(tmp_path: Path) -> None:
    url = fill(f"sqlite:///{tmp_path / 'c.sqlite'}")

    with pytest.raises(MappingError, match=r"^source\.sheet: does not apply to sql sources"):
        read(url, tmp_path / "s", query=QUERY, sheet="People")


@pytest.mark.parametrize("as_url", [True, False], ids=["url", "path"])
def test_a_missing_sqlite_file_is_unreadable_and_not_created(tmp_path: Path, as_url: bool) -> None:
    path = tmp_path / "missing.sqlite"
    source = f"sqlite:///{path}" if as_url else str(path)

    with pytest.raises(SourceUnreadable, match="no such file"):
        read(source, tmp_path / "s", query="SELECT 1 AS id")

    assert not path.exists()


def test_an_unknown_driver_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable, match="cannot use this URL"):
        read("nosuchdb://host/db", tmp_path / "s", query="SELECT 1 AS id")


def test_provenance_hides_the_password(tmp_path: Path) -> None:
    reader = reader_for(
        "postgresql+psycopg://clerk:s3cret@db.example/council",
        SourceOptions(query="SELECT 1"), tmp_path, 100,
    )  # fmt: skip

    assert "s3cret" not in reader.describe()
    assert "clerk" in reader.describe()
