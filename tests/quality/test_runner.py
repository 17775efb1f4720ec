"""How the runner plans a checklist's scans: structure, not time.

A postcode's town once sat in a ``CASE`` arm per town, and DuckDB extracted it with a
regular expression 109 times a row: these tests guard against that class of plan coming
back, by counting how often a derived expression is evaluated and how the scans are cut.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Literal

import duckdb
import pytest
from typing_extensions import override

from accord.people import lit
from accord.quality import CheckContext, Dimension, RowCheck, derived_column
from accord.quality.checklist import default_checks
from accord.quality.checks.consistency import PostcodeTown, SharedNhsNumber
from accord.quality.checks.uniqueness import DuplicatePersons, Unique
from accord.quality.runner import SNAPSHOT, compose, plan_scans, run_checks
from accord.sources import get_snapshot
from accord.store import Workspace
from tests.quality.support import AS_OF, DIRTY, ingest_rows

MAPPED = {"record_id", "full_name", "date_of_birth", "sex", "nhs_number", "ni_number",
          "postcode", "address"}  # fmt: skip


@pytest.fixture
def session(dirty: Workspace) -> Iterator[tuple[duckdb.DuckDBPyConnection, CheckContext]]:
    """A DuckDB session over the dirty snapshot, as the service opens one."""
    yield from _session(dirty)


def _session(ws: Workspace) -> Iterator[tuple[duckdb.DuckDBPyConnection, CheckContext]]:
    snap = get_snapshot(ws.engine, "people")
    conn = duckdb.connect()
    path = lit(str(ws.root / snap.path))
    conn.execute(f"CREATE VIEW {SNAPSHOT} AS SELECT * FROM read_parquet({path})")
    types = {str(r[0]): str(r[1]) for r in conn.execute(f"DESCRIBE {SNAPSHOT}").fetchall()}
    yield conn, CheckContext(frozenset(types), snap.as_of, AS_OF, ws.root, types)
    conn.close()


class Tallied(RowCheck):
    """A test check whose derived value is costly: a function that counts its calls, read
    in every arm of a ``CASE`` in both predicates, as the postcode's town once was."""

    type: Literal["tallied"] = "tallied"
    dimension = Dimension.CONSISTENCY
    arms: int = 40

    @override
    def derived(self, ctx: CheckContext) -> tuple[str, ...]:
        return ("tally(address)",)

    def _case(self) -> str:
        value = derived_column("tally(address)")
        arms = " ".join(f"WHEN {value} = {lit(str(n))} THEN {n}" for n in range(self.arms))
        return f"CASE {arms} ELSE -1 END"

    @override
    def counted(self, ctx: CheckContext) -> str:
        return f"{self._case()} <> -2"

    @override
    def failing(self, ctx: CheckContext) -> str:
        return f"{self._case()} >= 0"


def test_a_derived_expression_is_computed_once_a_row_whoever_reads_it(
    session: tuple[duckdb.DuckDBPyConnection, CheckContext],
) -> None:
    conn, ctx = session
    calls: list[str | None] = []

    def tally(value: str | None) -> str | None:
        calls.append(value)
        return value

    conn.create_function("tally", tally, ["VARCHAR"], "VARCHAR", null_handling="special",
                         side_effects=True)  # fmt: skip
    checks = [*default_checks(MAPPED), Tallied(), Tallied(arms=3)]

    results = run_checks(conn, checks, ctx)

    # Two checks, each reading it in 2 x 40 (and 2 x 3) CASE arms: six rows, six calls.
    assert len(calls) == len(DIRTY)
    assert [r.total for r in results[-2:]] == [len(DIRTY)] * 2


def test_the_default_checklist_is_one_scan_with_each_costly_expression_once(
    session: tuple[duckdb.DuckDBPyConnection, CheckContext],
) -> None:
    conn, ctx = session
    checks = list(enumerate(default_checks(MAPPED)))
    scans = plan_scans(conn, checks, ctx)

    composed, *alone = scans
    assert [type(c) for s in alone for _, c in s.checks] == [
        Unique, DuplicatePersons, SharedNhsNumber
    ]  # fmt: skip
    assert all(s.grouped for s in alone)
    assert "OVER" not in composed.sql
    # The town ending the address, searched again only before a trailing postcode.
    assert composed.sql.count("regexp_extract(") == 2
    assert composed.sql.count("regexp_replace(") == 1
    assert composed.sql.count("CASE title") == 1
    for _, check in checks:
        assert "regexp_" not in check.counted(ctx) + check.failing(ctx)


def test_two_checks_deriving_the_same_value_share_it_and_different_options_do_not(
    session: tuple[duckdb.DuckDBPyConnection, CheckContext],
) -> None:
    _, ctx = session
    same = compose([(0, PostcodeTown()), (1, PostcodeTown())], ctx)
    other = compose([(0, PostcodeTown()), (1, PostcodeTown(towns={"LS": ("otley",)}))], ctx)
    assert same.count("regexp_extract(") == 2
    assert other.count("regexp_extract(") == 4


class Windowed(RowCheck):
    """A third party's check that compares a row with others: a window."""

    type: Literal["windowed"] = "windowed"
    dimension = Dimension.UNIQUENESS

    @override
    def failing(self, ctx: CheckContext) -> str:
        return "count(*) OVER (PARTITION BY postcode) > 1"


def test_a_check_that_needs_other_rows_is_scanned_alone(
    session: tuple[duckdb.DuckDBPyConnection, CheckContext],
) -> None:
    conn, ctx = session
    checks = list(enumerate([*default_checks({"record_id", "postcode"}), Windowed()]))
    scans = plan_scans(conn, checks, ctx)
    assert [[type(c).__name__ for _, c in s.checks] for s in scans[1:]] == [
        ["Unique"], ["Windowed"]
    ]  # fmt: skip
    assert not scans[-1].grouped
    assert run_checks(conn, [Windowed()], ctx)[0].failed == 3


PEOPLE = [
    *DIRTY,
    '7,Mr John Smith,1980-02-13,M,,,LS1 4AP,"1 High St, Leeds",',
    "8,Mr John Smith,1980-02-13,M,,,LS1 4AP,,",
    "1,Ann Jones,,F,,,,,",
    "8,Ann Jones,1990-12-25,F,,,B1 1AA,,",
]
"""The dirty records, and people repeated on a name, a date of birth and a postcode."""


@pytest.mark.parametrize(
    "check",
    [
        Unique(),
        Unique(field="postcode"),
        DuplicatePersons(),
        DuplicatePersons(keys=(("family_name",), ("postcode", "sex"))),
        SharedNhsNumber(),
        SharedNhsNumber(differ_on=("date_of_birth", "sex")),
    ],
    ids=lambda c: c.type,
)
def test_a_grouped_count_agrees_with_the_check_s_own_predicates(
    tmp_path_factory: pytest.TempPathFactory, check: RowCheck
) -> None:
    from accord.store import init_workspace

    ws = init_workspace(tmp_path_factory.mktemp("grouped") / "ws", "grouped")
    ingest_rows(ws, PEOPLE, as_of=date(2026, 1, 31))
    for conn, ctx in _session(ws):
        grouped = check.count_query(ctx)
        assert grouped is not None
        by_group = conn.execute(grouped).fetchone()
        by_rows = conn.execute(compose([(0, check)], ctx)).fetchone()
        assert by_group is not None
        assert by_rows is not None
        assert tuple(map(int, by_group)) == tuple(by_rows)
        assert by_rows[1] > 0
    ws.close()
