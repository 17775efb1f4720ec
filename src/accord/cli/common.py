"""What every command shares: the workspace option, ``--json``, output and the error boundary.

Commands parse arguments, call a context's public API and render the result; they hold
no logic of their own. Progress and messages go to stderr so that ``--json`` output on
stdout stays one clean JSON document.

The error boundary (:class:`Boundary`, the root group's ``invoke``) is the one place an
exception becomes an exit status: a failed check exits 1, an error the user can act on
exits 2 with ``error:`` lines naming the file, row, field or option, a usage error keeps
click's message (exit 2), and anything else is a bug: one line and exit 70, the
traceback only with ``ACCORD_DEBUG=1`` (docs/cli.md). Both consoles print text as it is
(no Rich markup), so a value such as ``[a-z0-9]`` in a message is never eaten; styled
words are built with :class:`rich.text.Text`.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

# Typer vendors click (0.29 on): the base class of its usage errors, to let them pass.
from typer._click.exceptions import ClickException
from typer.core import TyperGroup

from accord.accounts import AccountError
from accord.agreements import AgreementError
from accord.audit import AuditError, BadExport, LogInconsistent, ProofError
from accord.catalog import CatalogError
from accord.exchange import ExchangeError, LogProofFailed
from accord.linkage import LinkageError
from accord.people import PeopleError
from accord.portal import PortalError
from accord.privacy import PrivacyError
from accord.quality import QualityError
from accord.scenarios import ScenarioError
from accord.sources import SourceError
from accord.store import LooseModes, StoreError, UnreadableDocument, Workspace, open_workspace

P = ParamSpec("P")
R = TypeVar("R")

out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)

WorkspaceOption = Annotated[
    Path,
    typer.Option(
        "--workspace",
        "-w",
        envvar="ACCORD_WORKSPACE",
        help="The node workspace (made by 'accord init').",
        file_okay=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object on stdout instead of tables.")
]

MAX_VERSION = 2**31 - 1
"""The highest version a ``--version`` option takes: the store keeps versions as 32-bit
integers, and a larger number would reach the database as an error, not a miss."""
MAX_WHOLE = 2**53 - 1
"""The largest whole number any other option takes: JSON carries it exactly and SQL's
BIGINT holds it (an entry number, a page, a row count)."""

ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace an output file that already exists.")
]

EXIT_FOUND_WRONG = 1
"""Checked and found wrong: a signature, log or export that fails verification, a denial."""
EXIT_CANNOT = 2
"""Could not do it: bad input, a usage error, a refused operation, an unreachable store."""
EXIT_INTERNAL = 70
"""A bug in Accord (EX_SOFTWARE in BSD's sysexits.h): never a traceback, one line."""
DEBUG_VARIABLE = "ACCORD_DEBUG"
"""Set to 1 to see the traceback of any error the boundary reports."""

FOUND_WRONG: tuple[type[Exception], ...] = (
    LogInconsistent,
    ProofError,
    BadExport,
    LogProofFailed,
)
"""Errors that report a check's negative answer rather than a failure to check. An
operation refused for a bad signature (``agreement activate`` or ``sign``) is not a check:
it could not be done, so it exits 2; ``agreement verify`` answers 1 itself."""

# A member of staff reading or changing personal data says in which role and why; both
# are recorded in the audit log. Asked for at a terminal, refused when missing otherwise.
RoleOption = Annotated[
    str | None,
    typer.Option("--as-role", help="Your role (e.g. 'data steward'; never your name), for "
                 "the audit log. Asked for at a terminal if missing."),
]  # fmt: skip
WhyOption = Annotated[
    str | None,
    typer.Option("--reason", help="Why you need this, for the audit log (the person may "
                 "read it). Asked for at a terminal if missing."),
]  # fmt: skip


def staff_act(role: str | None, reason: str | None) -> tuple[str, str]:
    """``--as-role`` and ``--reason``, asked for when missing and stdin is a terminal."""
    given = {"--as-role": role, "--reason": reason}
    for option, value in given.items():
        if value is None or not value.strip():
            if not sys.stdin.isatty():
                raise typer.BadParameter(
                    "required: this reads or changes personal data, and the audit log "
                    "records who (by role, never a name) and why",
                    param_hint=option,
                )
            question = "Your role (not your name)" if option == "--as-role" else "Reason"
            given[option] = typer.prompt(question)
    return str(given["--as-role"]), str(given["--reason"])


EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    AccountError,
    PeopleError,
    SourceError,
    StoreError,
    ScenarioError,
    LinkageError,
    PrivacyError,
    QualityError,
    AuditError,
    AgreementError,
    CatalogError,
    ExchangeError,
    PortalError,
    UnreadableDocument,
)
"""Each context's error tree: the input or the situation is wrong, and the message says how."""

_SHOWN = 300
"""Characters of an unexpected error's message shown on its one line."""


def fail(exc: Exception) -> int:
    """Report ``exc`` on stderr as the boundary does and return the exit status for it."""
    if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, (*EXPECTED_ERRORS, OSError)):
        for line in _lines(exc):
            err.print(Text.assemble(("error:", "bold red"), " ", line), highlight=False)
        return EXIT_FOUND_WRONG if isinstance(exc, FOUND_WRONG) else EXIT_CANNOT
    what = " ".join(str(exc).split())
    what = what if len(what) <= _SHOWN else what[:_SHOWN] + "…"
    err.print(
        Text.assemble(
            ("internal error:", "bold red"),
            f" {type(exc).__name__}{': ' + what if what else ''} (a bug in Accord, not in "
            f"your input; run again with {DEBUG_VARIABLE}=1 for the traceback, and report it)",
        ),
        highlight=False,
    )
    return EXIT_INTERNAL


def _lines(exc: Exception) -> list[str]:
    if isinstance(exc, OSError) and not isinstance(exc, EXPECTED_ERRORS):
        # The standard library's own errors: name the file and say what the system said.
        problem = exc.strerror or str(exc)
        return [problem if exc.filename is None else f"{exc.filename}: {problem}"]
    return str(exc).splitlines() or [type(exc).__name__]


_PASSED = (ClickException, typer.Exit, typer.Abort)
"""What click and typer raise to end a command: they print and exit by their own rules."""


class Boundary(TyperGroup):
    """The root group: every command runs inside its ``invoke``, so no exception a
    command raises escapes as a traceback (usage errors stay click's)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _PASSED:
            raise
        except Exception as exc:
            code = fail(exc)
        # Raised outside the handler, so the exit holds no traceback: its frames would
        # keep DuckDB's objects alive until the interpreter shuts down.
        raise typer.Exit(code)


def handle_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn an error into its message on stderr and its exit status, as the boundary does.

    The boundary around every command already does this; the decorator keeps a command
    right when it is called on its own (a test's typer app of one command)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except _PASSED:
            raise
        except Exception as exc:
            code = fail(exc)
        raise typer.Exit(code)

    return wrapper


def one_of(choices: Callable[[], Iterable[str]]) -> Callable[[str], str]:
    """An option callback refusing a name not in a registry (read when the option is
    parsed, so what a plugin registered counts)."""

    def check(name: str) -> str:
        known = list(choices())  # in the order the registry lists them
        if name not in known:
            raise typer.BadParameter(f"{name!r}: choose one of {', '.join(known)}")
        return name

    return check


def workspace_at(path: Path) -> Workspace:
    """The workspace at ``path``; a warning about loose file modes goes to stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LooseModes)
        workspace = open_workspace(path)
    for warning in caught:
        err.print(f"warning: {warning.message}", markup=False, highlight=False)
    return workspace


def emit_json(document: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json.dumps(document, indent=2, default=str, ensure_ascii=False) + "\n")


@contextmanager
def progress_bar(quiet: bool = False) -> Iterator[Callable[[str, int, int | None], None]]:
    """A Rich progress display on stderr; yields ``update(phase, done, total)``."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    )
    tasks: dict[str, Any] = {}
    lock = threading.Lock()

    def owner(phase: str) -> str | None:
        """``left`` of ``left read``: phases of one party (the two providers of a link
        work at the same time) follow each other; a phase of no party follows all."""
        return phase.split(" ", 1)[0] if " " in phase else None

    def update(phase: str, done: int, total: int | None) -> None:
        with lock:
            if phase not in tasks:
                for name, other in tasks.items():
                    if owner(phase) in (None, owner(name)):
                        progress.update(other, completed=progress.tasks[other].total or 0)
                tasks[phase] = progress.add_task(phase, total=total)
            progress.update(tasks[phase], completed=done, total=total)

    with progress:
        yield update


DATE_FORMATS = ["%Y-%m-%d"]
"""How a day is written on the command line (ISO 8601); click names the option when a
value does not fit."""

AsOfOption = Annotated[
    datetime | None,
    typer.Option(
        "--as-of",
        formats=DATE_FORMATS,
        help="Reference date for plausibility checks, YYYY-MM-DD (default: today).",
    ),
]


def as_of_date(value: datetime | date | None) -> date | None:
    """A day option's value (parsed by click with :data:`DATE_FORMATS`) as a date; None
    (today) when not given."""
    if isinstance(value, datetime):
        return value.date()
    return value
