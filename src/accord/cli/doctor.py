"""``accord doctor``: check a workspace's settings, file modes, keys and store.

Exits 0 when all is well, 1 when it found a problem (each named with its fix), 2 when it
could not check (no workspace there).
"""

from __future__ import annotations

from pathlib import Path

import typer

from accord.cli.common import JsonOption, WorkspaceOption, emit_json, handle_errors, out
from accord.store import CHECKS, check_workspace


@handle_errors
def doctor(workspace: WorkspaceOption = Path(), json_output: JsonOption = False) -> None:
    """Check the workspace: settings, file modes, keys and the SQL store; say how to fix each
    problem. Exits 1 when it finds one."""
    health = check_workspace(workspace)
    if json_output:
        emit_json({"workspace": str(health.root), "ok": health.ok, "store": health.store,
                   "checks": {c: not health.found(c) for c in CHECKS},
                   "problems": [p.as_dict() for p in health.problems]})  # fmt: skip
    else:
        for check in CHECKS:
            found = health.found(check)
            verdict = f"{len(found)} problem{'s' if len(found) > 1 else ''}" if found else "ok"
            out.print(f"{check:<9} {verdict}", markup=False, highlight=False)
        for p in health.problems:
            out.print(f"\n{p.check}: {p.path}: {p.problem}\n  fix: {p.fix}", markup=False,
                      highlight=False)  # fmt: skip
    if not health.ok:
        raise typer.Exit(1)
