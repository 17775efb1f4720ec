"""Every command, given bad input, ends in a clear error: never a traceback.

The commands are enumerated from the app, so a new command fails
:func:`test_every_command_has_bad_input_cases` until ``tests/cli/bad_inputs.py`` gives
it cases. Each case runs in-process (typer's runner) against a world made once per
store (SQLite, then PostgreSQL) and must exit 1 or 2 as the case says (never 70, the
internal error; never an escaped exception), print no traceback, and name what was
wrong. A handful run again through a real ``python -m accord.cli`` process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.cli.bad_inputs import (
    SPECIFIC,
    Bad,
    World,
    build,
    cases,
    commands,
    fill,
    invoke,
)

CASES = cases()
_BOX = re.compile(r"[\s│╭╮╰╯─]+")


def _squashed(text: str) -> str:
    """Text without whitespace or the boxes click's messages are drawn in, so a path the
    box wrapped is still found."""
    return _BOX.sub("", text)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:  # fmt: skip
    root = tmp_path_factory.mktemp(f"bad-input-{request.param}")
    if request.param == "sqlite":
        yield build(root, f"sqlite:///{root / 'store.db'}")
        return
    server: str = request.getfixturevalue("postgres_server")
    name = f"bad_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.engine.make_url(server).set(database=name)
        yield build(root, url.render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_every_command_has_bad_input_cases() -> None:
    known = commands()
    assert set(SPECIFIC) <= set(known), "cases for a command the app no longer has"
    missing = sorted(set(known) - set(SPECIFIC))
    assert not missing, f"commands with no bad-input cases in tests/cli/bad_inputs.py: {missing}"
    per_command = {path: sum(1 for p, _ in CASES if p == path) for path in known}
    assert min(per_command.values()) >= 3, per_command
    assert len(CASES) >= 150


def test_every_whole_number_option_has_a_range() -> None:
    """A number too big for the store or the machine is refused by click, naming the
    option, before any work (``--limit 99999999999999999999999``)."""
    unbounded = [
        (path, param.opts)
        for path, command in commands().items()
        for param in command.params
        if getattr(param, "type_descriptor", None) is not None
        and param.type_descriptor.annotation in (int, float)
        and (param.min is None or param.max is None)
    ]
    assert not unbounded


def assert_clear_error(result: Any, case: Bad, output: str) -> None:
    """The checks every case must pass, on the runner's result or a process's."""
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    assert result != 70, output
    assert result == case.code, f"exit {result}, not {case.code}: {output}"
    squashed = _squashed(output)
    for name in case.names:
        assert _squashed(name) in squashed, f"{name!r} not named in: {output}"
    for secret in case.hidden:
        assert secret not in output, f"{secret!r} shown in: {output}"


@pytest.mark.parametrize(("command", "case"), CASES,
                         ids=[f"{path}: {case.id}" for path, case in CASES])  # fmt: skip
def test_bad_input_gets_a_clear_error(world: World, command: str, case: Bad) -> None:
    result = invoke(*fill(case.args, world.paths()), env=case.env)

    # An exception the boundary let through would be on the result, with exit status 1.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        command, result.exception)  # fmt: skip
    assert_clear_error(result.exit_code, case, result.stdout + result.stderr)


SUBPROCESS = [
    ("audit check", "binary"),
    ("audit check", "tampered"),
    ("agreement validate", "yaml-alias-bomb"),
    ("ingest", "header-a-million-columns"),
    ("quarantine", "limit-huge"),
    ("protect", "count-fraction"),
    ("datasets", "store-unreachable"),
    ("optout register", "placeholder-nhs-number"),
]


@pytest.mark.parametrize(("command", "case_id"), SUBPROCESS, ids=[" ".join(c) for c in SUBPROCESS])
def test_the_boundary_holds_in_a_real_process(world: World, command: str, case_id: str) -> None:
    case = next(c for path, c in CASES if path == command and c.id == case_id)
    env = {**os.environ, **case.env, "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "accord.cli", *fill(case.args, world.paths())],
        capture_output=True, text=True, env=env, check=False, timeout=300,
    )  # fmt: skip

    assert_clear_error(done.returncode, case, done.stdout + done.stderr)
    # The message and nothing else: no warnings from libraries, no leaks reported at exit.
    assert "leaked" not in done.stderr, done.stderr
    assert "Warning" not in done.stderr, done.stderr
    if done.stderr.startswith("error:"):
        assert all(line.startswith("error:") for line in done.stderr.splitlines()), done.stderr


def test_the_tables_name_files_that_exist(world: World) -> None:
    paths = world.paths()
    for _, case in CASES:
        for arg in case.args:
            for name in re.findall(r"\{(\w+)\}", arg):
                assert name in paths, (case.id, name)
    assert Path(paths["wide_csv"]).stat().st_size > 1 << 20
