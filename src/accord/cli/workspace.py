"""``accord init``: create a node workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from accord.cli.common import JsonOption, emit_json, handle_errors, out
from accord.store import init_workspace, mask_url


@handle_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Where to create the workspace.")],
    node_name: Annotated[
        str | None, typer.Option(help="This node's name (default: the directory name).")
    ] = None,
    store_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL of the SQL store (default: SQLite in the workspace)."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Create a node workspace: settings, SQL store, data directories and node keys."""
    ws = init_workspace(directory, node_name or directory.resolve().name, store_url)
    if json_output:
        emit_json({"workspace": str(ws.root), "node_name": ws.settings.node_name,
                   "store": mask_url(ws.store_url)})  # fmt: skip
        return
    out.print(Text.assemble("Created workspace ", (str(ws.root), "bold"), " for node ",
                            (ws.settings.node_name, "bold")))  # fmt: skip
    out.print(f"  store: {mask_url(ws.store_url)}")
    out.print(f"  node key: {ws.root / 'keys' / 'node.key'} (private, mode 600)")
