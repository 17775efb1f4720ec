"""``accord serve``: the node's HTTP API (docs/exchange.md) and its portal (docs/portal.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord import exchange, portal
from accord.cli.common import WorkspaceOption, err, handle_errors, workspace_at


@handle_errors
def serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="The port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(min=1, max=64, help="Worker processes (several need PostgreSQL)."),
    ] = 1,
    stop_after: Annotated[
        float | None,
        typer.Option(min=1, max=10**7, help="Stop by itself after this many seconds."),
    ] = None,
    watch_pid: Annotated[
        int | None,
        typer.Option(min=1, max=2**22, help="Stop by itself once this process is gone."),
    ] = None,
    workspace: WorkspaceOption = Path(),
) -> None:
    """Serve this node's API under /api/v1/ and its portal's pages until stopped (Ctrl-C
    or SIGTERM).

    Every API request must be signed by a member of the federation's trust list and every
    response is signed; /healthz, /readyz and /openapi.json answer anyone. The portal's
    pages (staff and citizens) are at every other path."""
    with workspace_at(workspace) as ws:
        root = ws.root
        portal.check_serving(ws, host)
    err.print(
        f"serving {root} on http://{host}:{port}/api/v1/ with {workers} worker(s); the "
        f"portal is at http://{host}:{port}/",
        highlight=False,
    )
    # The server and the app are imported here, not with the CLI (``accord.exchange``).
    exchange.serve(root, host=host, port=port, workers=workers, stop_after=stop_after,
                   watch_pid=watch_pid, factory=portal.FACTORY)  # fmt: skip
