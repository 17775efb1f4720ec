"""The error boundary and the exit statuses every command shares (docs/cli.md)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import typer
from typer.testing import CliRunner

from accord.cli.common import (
    DEBUG_VARIABLE,
    EXIT_CANNOT,
    EXIT_FOUND_WRONG,
    EXIT_INTERNAL,
    Boundary,
)
from accord.sources import SourceUnreadable
from accord.store import Workspace
from tests.cli.test_commands import run

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _app() -> typer.Typer:
    """An app with the real boundary and commands that fail in each way."""
    app = typer.Typer(cls=Boundary)

    @app.command()
    def bug() -> None:
        {}["missing key"]

    @app.command()
    def expected() -> None:
        raise SourceUnreadable("people.csv: the file is empty [not even a header]")

    @app.command()
    def usage(count: int = typer.Option(1, max=3)) -> None:
        """A command with a bounded option."""

    return app


def test_a_bug_is_one_line_and_exit_70_without_a_traceback() -> None:
    result = runner.invoke(_app(), ["bug"])

    assert result.exit_code == EXIT_INTERNAL == 70
    assert result.stderr.splitlines() == [
        "internal error: KeyError: 'missing key' (a bug in Accord, not in your input; run "
        f"again with {DEBUG_VARIABLE}=1 for the traceback, and report it)"
    ]
    assert isinstance(result.exception, SystemExit)


def test_debug_shows_the_traceback_and_keeps_the_status() -> None:
    result = runner.invoke(_app(), ["bug"], env={DEBUG_VARIABLE: "1"})

    assert result.exit_code == EXIT_INTERNAL
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("internal error: KeyError")


def test_an_expected_error_keeps_its_brackets_and_exits_2() -> None:
    result = runner.invoke(_app(), ["expected"])

    assert result.exit_code == EXIT_CANNOT == 2
    assert result.stderr == "error: people.csv: the file is empty [not even a header]\n"


def test_a_usage_error_is_clicks_own_and_exits_2() -> None:
    result = runner.invoke(_app(), ["usage", "--count", "9"])

    assert result.exit_code == 2
    assert "'--count'" in result.stderr


def test_a_bug_in_a_real_process_is_one_line_too(tmp_path: Path) -> None:
    script = tmp_path / "bug.py"
    script.write_text(textwrap.dedent("""
        import typer
        from accord.cli.common import Boundary
        app = typer.Typer(cls=Boundary)
        @app.command()
        def bug() -> None:
            raise RuntimeError("the [bold]unexpected[/bold]")
        @app.command()
        def other() -> None:
            pass
        app()
    """), encoding="utf-8")  # fmt: skip

    done = subprocess.run([sys.executable, str(script), "bug"], capture_output=True, text=True,
                          check=False, timeout=120)  # fmt: skip

    assert done.returncode == 70
    assert done.stderr.startswith("internal error: RuntimeError: the [bold]unexpected[/bold] (")
    assert len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_the_exit_statuses_in_the_docs_are_the_codes_the_boundary_uses() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d+) \| ([^|]+) \|", text, flags=re.MULTILINE))
    assert rows == {
        "0": "done",
        str(EXIT_FOUND_WRONG): "checked and found wrong",
        str(EXIT_CANNOT): "could not do it",
        str(EXIT_INTERNAL): "internal error: a bug in Accord",
    }
    assert f"`{DEBUG_VARIABLE}=1`" in text


def test_quarantined_values_print_as_they_are(sqlite_workspace: Workspace, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("id,name\n1,[bold]Ann[/bold]\n2,[red]Bob,extra[/red]\n", encoding="utf-8")
    mapping = tmp_path / "people.yaml"
    mapping.write_text("fields: {record_id: id, full_name: name}\n", encoding="utf-8")
    ws = str(sqlite_workspace.root)
    assert run("ingest", str(source), "-m", str(mapping), "-d", "people", "-w", ws)[0] == 0

    code, stdout, _ = run("quarantine", "people", "-w", ws, "--as-role", "data steward",
                          "--reason", "why the row was refused")  # fmt: skip

    assert code == 0
    assert "2,[red]Bob,extra[/red]" in stdout


def test_no_command_prints_rich_markup() -> None:
    """The consoles print text as it is, so a markup tag in a command would be printed
    literally (and an interpolated value could never be eaten): style with rich Text."""
    tag = re.compile(r"\[/?(bold|dim|italic|underline|red|green|yellow|blue|cyan|magenta)\b.*?\]")
    offenders = []
    for path in sorted((ROOT / "src" / "accord" / "cli").glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if tag.search(line) or "markup=True" in line:
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert not offenders
